/**
 * The write path's promise, one finding of issue 9 at a time: whatever the interleaving of two
 * invocations, partial failures and deadlines, an image ends in exactly the state of its newest
 * event, and nothing of a stale or failed attempt stays visible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageSearch } from '../../lambdas/indexing/search';
import type { MetadataData } from '../../lambdas/metadata/stage';
import { processBatch } from '../../lambdas/shared/batch';
import { imageIdOf } from '../../lambdas/shared/events';
import { ImageTable } from '../../lambdas/shared/store';
import type { ThumbnailData } from '../../lambdas/thumbnail/stage';
import { photoJpeg } from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import { removal, stageRecord, thumbnailObjects, upload } from '../helpers/consumers';
import { refusingWrites } from '../helpers/faults';
import { dynamoWrite, s3Request } from '../helpers/interpose';
import { isolatedConsumer, quietLogger } from '../helpers/isolated';

const throttled = () =>
  Object.assign(new Error('Injected fault: throughput exceeded'), {
    name: 'ProvisionedThroughputExceededException',
    $metadata: { httpStatusCode: 400 },
  });

describe('consistency of the write path', () => {
  let aws: TestAws;
  let search: ImageSearch;
  const made: { destroy(): void }[] = [];
  const consumer = (...args: Parameters<typeof isolatedConsumer>) => {
    const isolated = isolatedConsumer(...args);
    made.push(isolated);
    return isolated;
  };

  beforeAll(async () => {
    aws = await startTestAws();
    search = new ImageSearch(aws.dynamo, aws.tableName);
  });
  afterAll(async () => {
    for (const isolated of made) isolated.destroy();
    await aws.stop();
  });

  const indexItems = async (key: string) =>
    (
      await new ImageTable(aws.dynamo, aws.tableName).itemsOfImage(
        imageIdOf(aws.uploadsBucket, key),
        'INDEX#',
      )
    ).map((item) => item.sk);

  it('1. commits a result whole or not at all: a refused search entry fails the message and its retry completes it', async () => {
    const key = 'uploads/erin/partial.jpg';
    const message = await upload(aws, key, await photoJpeg({ seed: 21 }));
    const indexing = consumer(aws, 'indexing');
    // Refused more often than the invocation retries a cancelled transaction.
    const refusing = refusingWrites(aws.dynamo, (item) => item.sk === 'INDEX#OWNER', { times: 10 });
    const first = await processBatch(
      [message],
      indexing.stage,
      {
        table: new ImageTable(refusing, aws.tableName, { maxAttempts: 1 }),
        logger: quietLogger,
      },
      { recordConcurrency: 4, flushReserveMs: 0, tombstoneTtlSeconds: 3600 },
    );
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);
    expect(refusing.refusals).toBeGreaterThan(0);
    expect(await stageRecord(aws, 'indexing', key)).toBeUndefined();
    expect(await indexItems(key)).toEqual([]);

    const retry = await indexing.run([
      { ...message, attributes: { ...message.attributes, ApproximateReceiveCount: '2' } },
    ]);
    expect(retry.response.batchItemFailures).toEqual([]);
    expect(await indexItems(key)).toContain('INDEX#OWNER');
    expect((await search.byOwner('erin')).map((hit) => hit.key)).toEqual([key]);
  });

  it('1. a deletion takes the search entries with its tombstone, or neither', async () => {
    const key = 'uploads/erin/deleted-partially.jpg';
    const indexing = consumer(aws, 'indexing');
    await indexing.run([await upload(aws, key, await photoJpeg({ seed: 22 }))]);
    const message = removal(aws, key);
    const refusing = refusingWrites(aws.dynamo, (item) => String(item.sk).startsWith('INDEX#TOKEN'), {
      times: 10,
    });
    const first = await processBatch(
      [message],
      indexing.stage,
      {
        table: new ImageTable(refusing, aws.tableName, { maxAttempts: 1 }),
        logger: quietLogger,
      },
      { recordConcurrency: 4, flushReserveMs: 0, tombstoneTtlSeconds: 3600 },
    );
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect((await stageRecord(aws, 'indexing', key))?.status).toBe('processed');
    expect(await indexItems(key)).toContain('INDEX#OWNER');
    await indexing.run([message]);
    expect((await stageRecord(aws, 'indexing', key))?.status).toBe('deleted');
    expect(await indexItems(key)).toEqual([]);
    expect((await search.byToken('partially')).map((hit) => hit.key)).not.toContain(key);
  });

  it('2. leaves no thumbnails of an upload whose deletion committed while it was being worked on', async () => {
    const key = 'uploads/frank/upload-then-delete.jpg';
    const created = await upload(aws, key, await photoJpeg({ seed: 23 }));
    const deleted = removal(aws, key);
    const slow = consumer(aws, 'thumbnail');
    const fast = consumer(aws, 'thumbnail');
    const held = slow.s3Faults.hold(s3Request('PutObject', imageIdOf(aws.uploadsBucket, key)));
    const uploading = slow.run([created]);
    await held.reached;
    expect((await fast.run([deleted])).response.batchItemFailures).toEqual([]);
    held.release();
    expect((await uploading).response.batchItemFailures).toEqual([]);
    expect((await stageRecord(aws, 'thumbnail', key))?.status).toBe('deleted');
    expect(await thumbnailObjects(aws, key)).toEqual([]);
  });

  it("2. keeps only the newest content's thumbnails when an overwrite is worked on at the same time", async () => {
    const key = 'uploads/frank/overwritten-twice.jpg';
    const first = await upload(aws, key, await photoJpeg({ seed: 24, width: 800, height: 600 }));
    const slow = consumer(aws, 'thumbnail');
    const held = slow.s3Faults.hold(s3Request('PutObject', imageIdOf(aws.uploadsBucket, key)));
    const older = slow.run([first]);
    await held.reached;
    const second = await upload(aws, key, await photoJpeg({ seed: 25, width: 600, height: 600 }));
    await consumer(aws, 'thumbnail').run([second]);
    held.release();
    await older;
    const record = await stageRecord<ThumbnailData>(aws, 'thumbnail', key);
    expect(record?.sequencer).toBe(second.body.match(/"sequencer":"([0-9A-F]+)"/)?.[1]?.padStart(32, '0'));
    expect(record?.data?.sourceHeight).toBe(600);
    expect(await thumbnailObjects(aws, key)).toEqual(record?.data?.thumbnails.map((t) => t.key).sort());
  });

  it("2. keeps an older overwrite's unswept thumbnails only until its failed message is redriven", async () => {
    const key = 'uploads/frank/dead-lettered-overwrite.jpg';
    const first = await upload(aws, key, await photoJpeg({ seed: 27, width: 800, height: 600 }));
    const slow = consumer(aws, 'thumbnail');
    const held = slow.s3Faults.hold(s3Request('PutObject', imageIdOf(aws.uploadsBucket, key)));
    const older = slow.run([first]);
    await held.reached;
    await consumer(aws, 'thumbnail').run([await upload(aws, key, await photoJpeg({ seed: 28 }))]);
    // The older attempt writes its set after the newer commit's sweep, then cannot sweep: it fails
    // (every delivery of it, until it is in the DLQ).
    slow.s3Faults.fail(s3Request('ListObjectsV2'));
    held.release();
    expect((await older).response.batchItemFailures).toHaveLength(1);
    const named = async () =>
      (await stageRecord<ThumbnailData>(aws, 'thumbnail', key))?.data?.thumbnails.map((t) => t.key).sort();
    expect((await thumbnailObjects(aws, key)).length).toBe(2 * ((await named())?.length ?? 0));
    // The redrive: the message again, on a consumer whose S3 answers.
    expect((await consumer(aws, 'thumbnail').run([first])).response.batchItemFailures).toEqual([]);
    expect(await thumbnailObjects(aws, key)).toEqual(await named());
  });

  it('2. retries a deletion whose thumbnails S3 could not delete, until they are gone', async () => {
    const key = 'uploads/frank/stubborn.jpg';
    const thumbnail = consumer(aws, 'thumbnail');
    await thumbnail.run([await upload(aws, key, await photoJpeg({ seed: 26 }))]);
    const message = removal(aws, key);
    thumbnail.s3Faults.fail(s3Request('DeleteObjects'), { times: 1 });
    expect((await thumbnail.run([message])).response.batchItemFailures).toHaveLength(1);
    expect((await thumbnail.run([message])).response.batchItemFailures).toEqual([]);
    expect(await thumbnailObjects(aws, key)).toEqual([]);
  });

  it("4. never lets an older event's late commit replace a newer result", async () => {
    const key = 'uploads/gail/late-commit.jpg';
    const first = await upload(aws, key, await photoJpeg({ seed: 27, width: 640, height: 480 }));
    const slow = consumer(aws, 'metadata');
    const held = slow.dynamoFaults.hold(dynamoWrite(imageIdOf(aws.uploadsBucket, key)));
    const older = slow.run([first]);
    await held.reached;
    const second = await upload(aws, key, await photoJpeg({ seed: 28, width: 320, height: 240 }));
    await consumer(aws, 'metadata').run([second]);
    held.release();
    expect((await older).response.batchItemFailures).toEqual([]);
    const record = await stageRecord<MetadataData>(aws, 'metadata', key);
    expect(record?.data).toMatchObject({ width: 320, height: 240 });
  });

  it("4. never lets a deleted image's search entries come back from a late commit", async () => {
    const key = 'uploads/gail/deleted before indexed.jpg';
    const created = await upload(aws, key, await photoJpeg({ seed: 29 }));
    const slow = consumer(aws, 'indexing');
    const held = slow.dynamoFaults.hold(dynamoWrite(imageIdOf(aws.uploadsBucket, key)));
    const older = slow.run([created]);
    await held.reached;
    await consumer(aws, 'indexing').run([removal(aws, key)]);
    held.release();
    await older;
    expect((await stageRecord(aws, 'indexing', key))?.status).toBe('deleted');
    expect(await indexItems(key)).toEqual([]);
    expect((await search.byToken('indexed')).map((hit) => hit.key)).not.toContain(key);
  });

  it('5. answers before the deadline when the table is slow and throttles, leaving nothing half-written', async () => {
    const indexing = consumer(aws, 'indexing');
    const keys = Array.from({ length: 6 }, (_, i) => `uploads/hank/throttled commit ${i}.jpg`);
    const messages = await Promise.all(
      keys.map(async (key, i) => upload(aws, key, await photoJpeg({ seed: 40 + i, width: 64, height: 48 }))),
    );
    // Every write takes a second and is then refused as throttled (the SDK retries those itself).
    indexing.dynamoFaults.delay(dynamoWrite(''), 1_000);
    indexing.dynamoFaults.fail(dynamoWrite(''), { error: throttled });
    const started = Date.now();
    const { response } = await indexing.run(messages, { remainingMs: 3_000, reserveMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(response.batchItemFailures).toHaveLength(messages.length);
    for (const key of keys) {
      expect(await stageRecord(aws, 'indexing', key)).toBeUndefined();
      expect(await indexItems(key)).toEqual([]);
    }
  });

  it('10. cancels the work it gives up on at the deadline: no request of it is made after the answer', async () => {
    const thumbnail = consumer(aws, 'thumbnail', { recordConcurrency: 1 });
    const key = 'uploads/ivy/abandoned.jpg';
    const message = await upload(aws, key, await photoJpeg({ seed: 30, width: 2048, height: 1536 }));
    thumbnail.s3Faults.delay(s3Request('GetObject', key), 1_500);
    const { response } = await thumbnail.run([message], { remainingMs: 1_000, reserveMs: 500 });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);
    const answeredAt = thumbnail.s3Faults.seen.length;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(thumbnail.s3Faults.seen.slice(answeredAt).map((request) => request.operation)).toEqual([]);
    expect(await thumbnailObjects(aws, key)).toEqual([]);
  });
});
