import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type BatchRuntimeOptions, processBatch, type Stage } from '../../lambdas/shared/batch';
import { PermanentError, rejectionCodes, TransientError } from '../../lambdas/shared/errors';
import { type ImageEvent, imageIdOf } from '../../lambdas/shared/events';
import { ImageTable, type StageRecord, stageKey, unreadableMessageKey } from '../../lambdas/shared/store';
import { quickRetryTable, type TestAws, useTestAws } from '../helpers/aws';
import {
  nextSequencer,
  s3Event,
  s3Record,
  s3TestEvent,
  snsEnvelope,
  sqsRecord,
  uploadMessage,
} from '../helpers/events';
import { refusingWrites } from '../helpers/faults';

const options: BatchRuntimeOptions = { recordConcurrency: 4, flushReserveMs: 0, tombstoneTtlSeconds: 3600 };
const quietLogger = { info() {}, warn() {}, error() {} };

interface Note {
  readonly note: string;
}

/** A stage whose behaviour is chosen by the key: "fail" transient, "reject" permanent, "crash" unknown. */
const scriptedStage = (work: ImageEvent[] = [], delayMs = 0): Stage<Note> & { inFlightPeak: number } => {
  let inFlight = 0;
  const stage = {
    consumer: 'metadata' as const,
    inFlightPeak: 0,
    async created({ event }: { event: ImageEvent }) {
      inFlight++;
      stage.inFlightPeak = Math.max(stage.inFlightPeak, inFlight);
      try {
        work.push(event);
        await sleep(event.key.includes('slow') ? 5_000 : delayMs);
        if (event.key.includes('fail')) throw new TransientError('throttled by a downstream service');
        if (event.key.includes('reject'))
          throw new PermanentError(rejectionCodes.corrupt, 'cannot be decoded');
        if (event.key.includes('crash')) throw new Error('something nobody foresaw');
        return {
          data: { note: `made from ${event.key}` },
          items: [{ pk: `IMAGE#${event.imageId}`, sk: 'DERIVED#1', from: event.sequencer }],
        };
      } finally {
        inFlight--;
      }
    },
  };
  return stage;
};

describe('batch runtime', () => {
  let aws: TestAws;
  let table: ImageTable;

  useTestAws((started) => {
    aws = started;
    table = quickRetryTable(aws);
  });

  const stageOf = async (key: string) =>
    (
      await aws.dynamo.send(
        new GetCommand({ TableName: aws.tableName, Key: stageKey(imageIdOf('uploads', key), 'metadata') }),
      )
    ).Item as StageRecord<Note> | undefined;

  const run = (records: Parameters<typeof processBatch>[0], stage = scriptedStage(), runTable = table) =>
    processBatch(records, stage, { table: runTable, logger: quietLogger }, options);

  it('reports exactly the failed messages and records the rest', async () => {
    // Prepare
    const records = ['a', 'fail-b', 'c', 'crash-d', 'e'].map((name) =>
      uploadMessage({ key: `uploads/u/${name}.jpg` }),
    );
    // Act
    const { response, summary } = await run(records);
    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: records[1]?.messageId },
      { itemIdentifier: records[3]?.messageId },
    ]);
    expect(summary).toMatchObject({ records: 5, processed: 3, retried: 2, rejected: 0 });
    expect((await stageOf('uploads/u/a.jpg'))?.status).toBe('processed');
    expect(await stageOf('uploads/u/fail-b.jpg')).toBeUndefined();
  });

  it('records a permanent rejection with its reason and does not retry it', async () => {
    const records = [
      uploadMessage({ key: 'uploads/u/reject-1.jpg' }),
      uploadMessage({ key: 'uploads/u/ok-1.jpg' }),
    ];
    const { response, summary } = await run(records);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ processed: 1, rejected: 1 });
    expect(await stageOf('uploads/u/reject-1.jpg')).toMatchObject({
      status: 'rejected',
      reasonCode: 'corrupt-image',
      reason: 'cannot be decoded',
    });
  });

  it('acknowledges the s3:TestEvent without work, raw or in an SNS envelope', async () => {
    const work: ImageEvent[] = [];
    const records = [sqsRecord(s3TestEvent()), sqsRecord(snsEnvelope(s3TestEvent()))];
    const { response, summary } = await run(records, scriptedStage(work));
    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ skipped: 2, processed: 0 });
    expect(work).toEqual([]);
  });

  it('reads an S3 event inside an SNS envelope (raw delivery off)', async () => {
    const record = sqsRecord(snsEnvelope(s3Event(s3Record({ key: 'uploads/u/enveloped.jpg' }))));
    const { response } = await run([record]);
    expect(response.batchItemFailures).toEqual([]);
    expect((await stageOf('uploads/u/enveloped.jpg'))?.data).toEqual({
      note: 'made from uploads/u/enveloped.jpg',
    });
  });

  it.each([
    ['a space, a plus and unicode', 'uploads/ana maría/día 1+2 (copy) ü.jpg'],
    ['nested prefixes', 'uploads/u/2024/06/summer/IMG_0001.JPG'],
    ['characters that need percent-encoding', "uploads/u/100% & <b>'s #1?.png"],
  ])('decodes keys with %s once', async (_, key) => {
    const work: ImageEvent[] = [];
    await run([uploadMessage({ key })], scriptedStage(work));
    expect(work.map((event) => event.key)).toEqual([key]);
    expect((await stageOf(key))?.key).toBe(key);
  });

  it('records unreadable messages with their reason and acknowledges them', async () => {
    const records = [
      sqsRecord('this is not JSON'),
      sqsRecord({ hello: 'world' }),
      sqsRecord({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: {} }] }),
      uploadMessage({ key: 'uploads/u/good-neighbour.jpg' }),
    ];
    const { response, summary } = await run(records);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ rejected: 3, processed: 1 });
    const unreadable = await aws.dynamo.send(
      new GetCommand({
        TableName: aws.tableName,
        Key: unreadableMessageKey(records[0]?.messageId ?? '', 'metadata'),
      }),
    );
    expect(unreadable.Item).toMatchObject({ reasonCode: 'malformed-message', body: 'this is not JSON' });
    expect(String(unreadable.Item?.reason)).toMatch(/not JSON/);
  });

  it('does the work once when the same event arrives twice, in one batch or in two', async () => {
    const work: ImageEvent[] = [];
    const stage = scriptedStage(work);
    const record = s3Record({ key: 'uploads/u/twice.jpg' });
    const first = sqsRecord(s3Event(record));
    const duplicate = sqsRecord(s3Event(record));
    await run([first, duplicate], stage);
    const before = await stageOf('uploads/u/twice.jpg');
    const { response, summary } = await run([sqsRecord(s3Event(record))], stage);
    expect(work).toHaveLength(1);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.skipped).toBe(1);
    expect(await stageOf('uploads/u/twice.jpg')).toEqual(before);
  });

  it('never lets an older event overwrite a newer one', async () => {
    const key = 'uploads/u/order.jpg';
    const older = nextSequencer();
    const newer = nextSequencer();
    await run([uploadMessage({ key, sequencer: newer, eventName: 'ObjectRemoved:Delete' })]);
    const { response } = await run([uploadMessage({ key, sequencer: older })]);
    expect(response.batchItemFailures).toEqual([]);
    expect(await stageOf(key)).toMatchObject({ status: 'deleted', sequencer: newer.padStart(32, '0') });
  });

  it('keeps only the newest event for a key within one batch', async () => {
    const work: ImageEvent[] = [];
    const key = 'uploads/u/in-batch-order.jpg';
    const created = uploadMessage({ key, sequencer: nextSequencer() });
    const removed = uploadMessage({ key, sequencer: nextSequencer(), eventName: 'ObjectRemoved:Delete' });
    const { response } = await run([removed, created], scriptedStage(work));
    expect(response.batchItemFailures).toEqual([]);
    // A removal needs no stage work: the runtime commits the tombstone and drops what was derived.
    expect(work).toEqual([]);
    expect((await stageOf(key))?.status).toBe('deleted');
  });

  it('fails only the messages whose commit failed, and nothing of that commit is visible', async () => {
    const stuck = imageIdOf('uploads', 'uploads/u/stuck.jpg');
    const flaky = refusingWrites(aws.dynamo, (item) => String(item.pk).includes(stuck));
    const records = ['stuck', 'fine-1', 'fine-2'].map((name) =>
      uploadMessage({ key: `uploads/u/${name}.jpg` }),
    );
    const { response } = await run(records, scriptedStage(), new ImageTable(flaky, aws.tableName));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.messageId }]);
    expect((await stageOf('uploads/u/fine-1.jpg'))?.status).toBe('processed');
    expect(await stageOf('uploads/u/stuck.jpg')).toBeUndefined();
    expect(await new ImageTable(aws.dynamo, aws.tableName).itemsOfImage(stuck)).toEqual([]);
  });

  it('commits the images of a large batch side by side', async () => {
    const records = Array.from({ length: 40 }, (_, i) => uploadMessage({ key: `uploads/bulk/${i}.jpg` }));
    const { response, summary } = await run(records);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.processed).toBe(40);
    expect((await stageOf('uploads/bulk/39.jpg'))?.status).toBe('processed');
  });

  it('works at most recordConcurrency records at a time', async () => {
    const stage = scriptedStage([], 20);
    const records = Array.from({ length: 12 }, (_, i) => uploadMessage({ key: `uploads/conc/${i}.jpg` }));
    await run(records, stage);
    expect(stage.inFlightPeak).toBe(options.recordConcurrency);
  });

  it('gives up on records that would run past the function deadline, keeping the finished ones', async () => {
    const records = [
      uploadMessage({ key: 'uploads/u/slow-1.jpg' }),
      uploadMessage({ key: 'uploads/u/quick-1.jpg' }),
    ];
    const started = Date.now();
    const { response } = await processBatch(
      records,
      scriptedStage(),
      { table, logger: quietLogger },
      { ...options, flushReserveMs: 200 },
      { remainingTimeMs: () => 1_000 },
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.messageId }]);
    expect((await stageOf('uploads/u/quick-1.jpg'))?.status).toBe('processed');
  });
});
