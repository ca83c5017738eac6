import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type BatchRuntimeOptions, processBatch, type Stage } from '../../lambdas/shared/batch';
import { MalformedMessageError, PermanentError, rejectionCodes } from '../../lambdas/shared/errors';
import {
  type ImageEvent,
  imageIdOf,
  parseMessage,
  type ReprocessRequest,
  reprocessMessageBody,
} from '../../lambdas/shared/events';
import {
  type ImageTable,
  type StageRecord,
  stageKey,
  unreadableMessageKey,
} from '../../lambdas/shared/store';
import { quickRetryTable, type TestAws, useTestAws } from '../helpers/aws';
import { nextSequencer, sqsRecord, uploadMessage } from '../helpers/events';

const options: BatchRuntimeOptions = { recordConcurrency: 4, flushReserveMs: 0, tombstoneTtlSeconds: 3600 };
const quietLogger = { info() {}, warn() {}, error() {} };

const request = (
  key: string,
  sequencer: string,
  extra: Partial<ReprocessRequest> = {},
): ReprocessRequest => ({
  bucket: 'uploads',
  key,
  sequencer,
  eventTime: '2026-01-02T03:04:05.000Z',
  requestedAt: '2026-03-01T00:00:00.000Z',
  ...extra,
});

const reprocessMessage = (key: string, sequencer: string) =>
  sqsRecord(reprocessMessageBody(request(key, sequencer)));

describe('reading a reprocess request', () => {
  it('gives the created event of the stored result, forced, with the key as written', () => {
    const key = 'uploads/ana maría/día 1+2.jpg';
    const parsed = parseMessage({ body: reprocessMessageBody(request(key, 'a1b2')) });
    expect(parsed).toEqual({
      type: 'events',
      ignored: 0,
      events: [
        {
          kind: 'created',
          eventName: 'ImageFanout:Reprocess',
          eventTime: '2026-01-02T03:04:05.000Z',
          bucket: 'uploads',
          key,
          sequencer: 'A1B2'.padStart(32, '0'),
          imageId: imageIdOf('uploads', key),
          force: true,
        },
      ],
    });
  });

  it.each([
    ['without a sequencer', { imageFanout: 'reprocess', bucket: 'uploads', key: 'uploads/u/a.jpg' }, /lacks/],
    ['with a bad sequencer', { imageFanout: 'reprocess', bucket: 'b', key: 'k', sequencer: 'zz' }, /hex/],
  ])('refuses one %s as unreadable', (_, body, reason) => {
    expect(() => parseMessage({ body: JSON.stringify(body) })).toThrow(MalformedMessageError);
    expect(() => parseMessage({ body: JSON.stringify(body) })).toThrow(reason);
  });
});

describe('batch runtime: reprocessing', () => {
  let aws: TestAws;
  let table: ImageTable;
  let clock = Date.parse('2026-03-01T00:00:00.000Z');
  const work: ImageEvent[] = [];

  /** Keys whose object is gone from the bucket, as the stage's read would find. */
  const goneKeys = new Set<string>();
  const stage: Stage<{ run: number }> = {
    consumer: 'thumbnail',
    async created({ event }) {
      work.push(event);
      if (goneKeys.has(event.key))
        throw new PermanentError(
          rejectionCodes.objectGone,
          `s3://${event.bucket}/${event.key} no longer exists`,
        );
      return { data: { run: work.length } };
    },
  };

  useTestAws((started) => {
    aws = started;
    table = quickRetryTable(aws);
  });

  const run = (records: Parameters<typeof processBatch>[0]) => {
    clock += 60_000;
    const at = new Date(clock);
    return processBatch(records, stage, { table, logger: quietLogger, now: () => at }, options);
  };

  const stageOf = async (key: string) =>
    (
      await aws.dynamo.send(
        new GetCommand({ TableName: aws.tableName, Key: stageKey(imageIdOf('uploads', key), 'thumbnail') }),
      )
    ).Item as StageRecord<{ run: number }> | undefined;

  const worked = async (records: Parameters<typeof processBatch>[0]) => {
    const before = work.length;
    const { response } = await run(records);
    expect(response.batchItemFailures).toEqual([]);
    return work.slice(before);
  };

  it('redoes an image whose result for that sequencer is stored, where a duplicate is skipped', async () => {
    // Prepare
    const key = 'uploads/u/redo.jpg';
    const sequencer = nextSequencer();
    await worked([uploadMessage({ key, sequencer })]);
    const first = await stageOf(key);
    expect(await worked([uploadMessage({ key, sequencer })])).toEqual([]);
    // Act
    const redone = await worked([reprocessMessage(key, first?.sequencer ?? '')]);
    // Assess
    expect(redone.map((event) => event.force)).toEqual([true]);
    const second = await stageOf(key);
    expect(second).toMatchObject({ status: 'processed', sequencer: first?.sequencer });
    expect(second?.data?.run).toBeGreaterThan(first?.data?.run ?? Number.POSITIVE_INFINITY);
    expect(Date.parse(second?.updatedAt ?? '')).toBeGreaterThan(Date.parse(first?.updatedAt ?? ''));
    // The event time is the one the request carries (the stored one), not when it was asked for.
    expect(second?.eventTime).toBe('2026-01-02T03:04:05.000Z');
  });

  it('never lets a reprocess request overwrite a newer result', async () => {
    const key = 'uploads/u/newer-wins.jpg';
    const older = nextSequencer();
    const newer = nextSequencer();
    await worked([uploadMessage({ key, sequencer: newer })]);
    const stored = await stageOf(key);
    expect(await worked([reprocessMessage(key, older)])).toEqual([]);
    expect(await stageOf(key)).toEqual(stored);
  });

  it('works on the newer real event when both arrive in one batch', async () => {
    const key = 'uploads/u/race.jpg';
    const first = nextSequencer();
    await worked([uploadMessage({ key, sequencer: first })]);
    const newer = nextSequencer();
    const done = await worked([reprocessMessage(key, first), uploadMessage({ key, sequencer: newer })]);
    expect(done.map((event) => [event.sequencer, event.force])).toEqual([
      [newer.padStart(32, '0'), undefined],
    ]);
    expect((await stageOf(key))?.sequencer).toBe(newer.padStart(32, '0'));
  });

  it('keeps the request when the same event arrives beside it in one batch', async () => {
    const key = 'uploads/u/beside.jpg';
    const sequencer = nextSequencer();
    await worked([uploadMessage({ key, sequencer })]);
    const done = await worked([uploadMessage({ key, sequencer }), reprocessMessage(key, sequencer)]);
    expect(done.map((event) => event.force)).toEqual([true]);
  });

  it('does not bring a deleted image back', async () => {
    const key = 'uploads/u/deleted.jpg';
    const sequencer = nextSequencer();
    await worked([uploadMessage({ key, sequencer, eventName: 'ObjectRemoved:Delete' })]);
    const tombstone = await stageOf(key);
    expect(await worked([reprocessMessage(key, sequencer)])).toEqual([]);
    expect(await stageOf(key)).toEqual(tombstone);
  });

  it('leaves an image deleted when a request comes before its removal event, and the object is gone', async () => {
    // An operator's request carries the newest sequencer known; that event (a removal) is still on its way.
    const key = 'uploads/u/gone.jpg';
    goneKeys.add(key);
    const removal = nextSequencer();
    expect(await worked([reprocessMessage(key, removal)])).toHaveLength(1);
    expect(await stageOf(key)).toMatchObject({ status: 'deleted' });
    await worked([uploadMessage({ key, sequencer: removal, eventName: 'ObjectRemoved:Delete' })]);
    expect(await stageOf(key)).toMatchObject({ status: 'deleted', sequencer: removal.padStart(32, '0') });
  });

  it('records a malformed request as an unreadable message and acknowledges it', async () => {
    const record = sqsRecord({ imageFanout: 'reprocess', bucket: 'uploads', key: 'uploads/u/x.jpg' });
    const { response, summary } = await run([record]);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary.rejected).toBe(1);
    const item = await aws.dynamo.send(
      new GetCommand({ TableName: aws.tableName, Key: unreadableMessageKey(record.messageId, 'thumbnail') }),
    );
    expect(item.Item).toMatchObject({ reasonCode: 'malformed-message' });
  });
});
