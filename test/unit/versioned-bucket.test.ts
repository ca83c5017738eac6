/**
 * The uploads bucket is versioned (issue 9, finding 3). S3 sends ObjectRemoved:DeleteMarkerCreated
 * for a plain delete, and ObjectRemoved:Delete with a version id when one version or delete marker
 * is removed for good: purging an old version leaves the image live, and removing the delete marker
 * (the usual undelete) brings it back. ("Amazon S3 event notifications: supported event types".)
 */
import { DeleteObjectCommand, PutObjectCommand, type PutObjectCommandOutput } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageSearch } from '../../lambdas/indexing/search';
import { reprocessMessageBody } from '../../lambdas/shared/events';
import type { StageRecord } from '../../lambdas/shared/store';
import type { ThumbnailData } from '../../lambdas/thumbnail/stage';
import { photoJpeg } from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import { consumerHandlers, stageRecord, thumbnailObjects } from '../helpers/consumers';
import { sqsRecord } from '../helpers/events';
import { recordObjectEvents } from '../helpers/object-events';

describe('consumers on a versioned uploads bucket', () => {
  let aws: TestAws;
  let handlers: ReturnType<typeof consumerHandlers>;
  let events: ReturnType<typeof recordObjectEvents>;
  let search: ImageSearch;

  beforeAll(async () => {
    aws = await startTestAws({ versionedUploads: true });
    handlers = consumerHandlers(aws);
    events = recordObjectEvents(aws);
    search = new ImageSearch(aws.dynamo, aws.tableName);
  });
  afterAll(() => aws.stop());

  const deliver = async (...records: SQSRecord[]) => {
    for (const handle of Object.values(handlers)) {
      expect((await handle({ Records: records })).batchItemFailures).toEqual([]);
    }
  };
  const put = async (key: string, seed: number): Promise<PutObjectCommandOutput> => {
    const written = await aws.s3.send(
      new PutObjectCommand({
        Bucket: aws.uploadsBucket,
        Key: key,
        Body: await photoJpeg({ seed, width: 320, height: 240 }),
      }),
    );
    await deliver(await events.next(key));
    return written;
  };
  const remove = async (key: string, versionId?: string) => {
    const removed = await aws.s3.send(
      new DeleteObjectCommand({ Bucket: aws.uploadsBucket, Key: key, VersionId: versionId }),
    );
    const message = await events.next(key);
    await deliver(message);
    return { removed, message };
  };
  const live = async (key: string) => {
    const thumbnail = await stageRecord<ThumbnailData>(aws, 'thumbnail', key);
    expect(thumbnail?.status).toBe('processed');
    expect(await thumbnailObjects(aws, key)).toEqual(thumbnail?.data?.thumbnails.map((t) => t.key).sort());
    for (const consumer of ['moderation', 'metadata', 'indexing'] as const) {
      expect((await stageRecord(aws, consumer, key))?.status, consumer).toBe('processed');
    }
    return thumbnail as StageRecord<ThumbnailData>;
  };

  it('treats a plain delete (a delete marker) as the image being gone', async () => {
    const key = 'uploads/kim/marked.jpg';
    await put(key, 70);
    const { message } = await remove(key);
    expect(message.event.eventName).toBe('ObjectRemoved:DeleteMarkerCreated');
    expect((await stageRecord(aws, 'thumbnail', key))?.status).toBe('deleted');
    expect(await thumbnailObjects(aws, key)).toEqual([]);
    expect((await search.byOwner('kim')).map((hit) => hit.key)).not.toContain(key);
  });

  it('leaves a live image as it is when an old version of it is purged', async () => {
    const key = 'uploads/kim/purged old version.jpg';
    const first = await put(key, 71);
    await put(key, 72);
    const before = await live(key);
    const { message } = await remove(key, first.VersionId);
    expect(message.event).toMatchObject({ eventName: 'ObjectRemoved:Delete', versionId: first.VersionId });
    const after = await live(key);
    expect(after.data?.sourceWidth).toBe(before.data?.sourceWidth);
    expect((await search.byToken('purged')).map((hit) => hit.key)).toEqual([key]);
  });

  it('brings an undeleted image back, and can reprocess it afterwards', async () => {
    const key = 'uploads/kim/undeleted.jpg';
    await put(key, 73);
    const { removed } = await remove(key);
    expect(removed.DeleteMarker).toBe(true);
    expect((await stageRecord(aws, 'indexing', key))?.status).toBe('deleted');
    const { message } = await remove(key, removed.VersionId);
    expect(message.event).toMatchObject({ eventName: 'ObjectRemoved:Delete', versionId: removed.VersionId });
    const restored = await live(key);
    expect((await search.byOwner('kim')).map((hit) => hit.key)).toContain(key);

    const request = {
      bucket: aws.uploadsBucket,
      key,
      sequencer: restored.sequencer,
      eventTime: restored.eventTime,
      requestedAt: new Date().toISOString(),
    };
    const { batchItemFailures } = await handlers.thumbnail({
      Records: [sqsRecord(reprocessMessageBody(request))],
    });
    expect(batchItemFailures).toEqual([]);
    const redone = await live(key);
    expect(redone.commitId).not.toBe(restored.commitId);
  });
});
