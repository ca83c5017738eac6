import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type BatchRuntimeOptions, processBatch, type Stage } from '../../lambdas/shared/batch';
import { PermanentError, rejectionCodes, TransientError } from '../../lambdas/shared/errors';
import { type ImageEvent, imageIdOf } from '../../lambdas/shared/events';
import { type FailureRecord, failureKey, ImageTable } from '../../lambdas/shared/store';
import { quickRetryTable, type TestAws, useTestAws } from '../helpers/aws';
import { s3Event, s3Record, sqsRecord, uploadMessage } from '../helpers/events';
import { withUnprocessedItems } from '../helpers/faults';

const options: BatchRuntimeOptions = { recordConcurrency: 4, flushReserveMs: 0, tombstoneTtlSeconds: 3600 };
const quietLogger = { info() {}, warn() {}, error() {} };
const now = new Date('2026-03-01T12:00:00.000Z');

/** Fails by key: "throttled" transient, "broken" unknown, "corrupt" permanent, "slow" past the deadline. */
const failingStage: Stage<{ ok: boolean }> = {
  consumer: 'moderation',
  async created({ event }: { event: ImageEvent }) {
    if (event.key.includes('throttled')) throw new TransientError('Rate exceeded by the provider');
    if (event.key.includes('broken'))
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    if (event.key.includes('corrupt')) throw new PermanentError(rejectionCodes.corrupt, 'cannot be decoded');
    if (event.key.includes('slow')) await new Promise((resolve) => setTimeout(resolve, 2_000));
    return { data: { ok: true } };
  },
};

describe('batch runtime: why a record failed', () => {
  let aws: TestAws;
  let table: ImageTable;

  useTestAws((started) => {
    aws = started;
    table = quickRetryTable(aws);
  });

  const failureOf = async (key: string) =>
    (
      await aws.dynamo.send(
        new GetCommand({
          TableName: aws.tableName,
          Key: failureKey(imageIdOf('uploads', key), 'moderation'),
        }),
      )
    ).Item as FailureRecord | undefined;

  const run = (records: Parameters<typeof processBatch>[0], runTable = table, remainingTimeMs?: number) =>
    processBatch(
      records,
      failingStage,
      { table: runTable, logger: quietLogger, now: () => now },
      { ...options, flushReserveMs: remainingTimeMs === undefined ? 0 : 100 },
      remainingTimeMs === undefined ? {} : { remainingTimeMs: () => remainingTimeMs },
    );

  it.each([
    ['a transient error', 'uploads/u/throttled.jpg', 'TransientError', 'Rate exceeded by the provider'],
    [
      'an unknown error',
      'uploads/u/broken.jpg',
      'TypeError',
      "Cannot read properties of undefined (reading 'x')",
    ],
  ])(
    'records %s with the messages that carried it and their delivery count',
    async (_, key, name, message) => {
      // Prepare: the same event delivered twice, the second time on its third delivery
      const record = s3Record({ key });
      const records = [sqsRecord(s3Event(record), 1), sqsRecord(s3Event(record), 3)];
      // Act
      const { response } = await run(records);
      // Assess
      expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
        records.map((r) => r.messageId),
      );
      expect(await failureOf(key)).toEqual({
        pk: `IMAGE#${imageIdOf('uploads', key)}`,
        sk: 'FAILURE#moderation',
        imageId: imageIdOf('uploads', key),
        consumer: 'moderation',
        bucket: 'uploads',
        key,
        sequencer: record.s3.object.sequencer.padStart(32, '0'),
        errorName: name,
        errorMessage: message,
        messageIds: records.map((r) => r.messageId),
        receiveCount: 3,
        at: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + options.tombstoneTtlSeconds,
      });
    },
  );

  it('records a record given up on at the function deadline', async () => {
    const key = 'uploads/u/slow.jpg';
    const { response } = await run([uploadMessage({ key })], table, 500);
    expect(response.batchItemFailures).toHaveLength(1);
    expect(await failureOf(key)).toMatchObject({ errorName: 'DeadlineError' });
  });

  it('records nothing for a processed or a rejected image', async () => {
    const records = [
      uploadMessage({ key: 'uploads/u/fine.jpg' }),
      uploadMessage({ key: 'uploads/u/corrupt.jpg' }),
    ];
    const { response, summary } = await run(records);
    expect(response.batchItemFailures).toEqual([]);
    expect(summary).toMatchObject({ processed: 1, rejected: 1 });
    expect(await failureOf('uploads/u/fine.jpg')).toBeUndefined();
    expect(await failureOf('uploads/u/corrupt.jpg')).toBeUndefined();
  });

  it('writes failure notes through UnprocessedItems retries', async () => {
    const flaky = withUnprocessedItems(aws.dynamo, (_, attempt) => attempt <= 2);
    const key = 'uploads/u/throttled-noted-late.jpg';
    const { response } = await run(
      [uploadMessage({ key })],
      new ImageTable(flaky, aws.tableName, { baseDelayMs: 1 }),
    );
    expect(response.batchItemFailures).toHaveLength(1);
    expect(flaky.batchWriteCalls).toBe(3);
    expect(await failureOf(key)).toMatchObject({ errorName: 'TransientError' });
  });

  it('answers the same when the failure note cannot be written', async () => {
    // Every write of a failure note stays unprocessed; everything else is written.
    const flaky = withUnprocessedItems(aws.dynamo, (item) => String(item.sk).startsWith('FAILURE#'));
    const records = [
      uploadMessage({ key: 'uploads/u/throttled-unnoted.jpg' }),
      uploadMessage({ key: 'uploads/u/fine-neighbour.jpg' }),
    ];
    const { response, summary } = await run(
      records,
      new ImageTable(flaky, aws.tableName, { baseDelayMs: 1, maxAttempts: 2 }),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.messageId }]);
    expect(summary).toMatchObject({ processed: 1, retried: 1 });
    expect(await failureOf('uploads/u/throttled-unnoted.jpg')).toBeUndefined();
  });
});
