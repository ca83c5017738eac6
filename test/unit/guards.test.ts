/**
 * Input guards and what a reader of the derived data relies on (issue 9, findings 6, 7, 8, 11, 12):
 * oversized metadata, tall images, cache headers, EXIF in every format, and rejection reasons.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetadataData } from '../../lambdas/metadata/stage';
import { processBatch, type Stage } from '../../lambdas/shared/batch';
import { ImageTable } from '../../lambdas/shared/store';
import { maxHeightPerWidth } from '../../lambdas/thumbnail/render';
import type { ThumbnailData } from '../../lambdas/thumbnail/stage';
import { tallScreenshot, tiffWithMake, webpWithExif } from '../../samples/edge-images';
import { gifImage, photoJpeg, pngPixelBomb } from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import {
  batch,
  consumerHandlers,
  getObject,
  stageRecord,
  thumbnailObjects,
  upload,
} from '../helpers/consumers';
import { uploadMessage } from '../helpers/events';
import { quietLogger } from '../helpers/isolated';

describe('guards on input and output', () => {
  let aws: TestAws;
  let handlers: ReturnType<typeof consumerHandlers>;

  beforeAll(async () => {
    aws = await startTestAws();
    handlers = consumerHandlers(aws);
  });
  afterAll(() => aws.stop());

  it('6. stores metadata whose maker tag is 600 KB, capped, instead of failing the write', async () => {
    const key = 'uploads/jay/huge-make.tiff';
    const response = await handlers.metadata(
      batch(await upload(aws, key, tiffWithMake('M'.repeat(600_000)))),
    );
    expect(response.batchItemFailures).toEqual([]);
    const record = await stageRecord<MetadataData>(aws, 'metadata', key);
    expect(record?.status).toBe('processed');
    expect(record?.data?.exif?.make).toBe('M'.repeat(256));
  });

  it('6. rejects a result that cannot fit one DynamoDB item, with the reason, and does not retry it', async () => {
    const bloated: Stage<{ blob: string }> = {
      consumer: 'metadata',
      async created() {
        return { data: { blob: 'x'.repeat(500 * 1024) } };
      },
    };
    const key = 'uploads/jay/bloated.jpg';
    const { response } = await processBatch(
      [uploadMessage({ bucket: aws.uploadsBucket, key })],
      bloated,
      { table: new ImageTable(aws.dynamo, aws.tableName), logger: quietLogger },
      { recordConcurrency: 2, flushReserveMs: 0, tombstoneTtlSeconds: 3600 },
    );
    expect(response.batchItemFailures).toEqual([]);
    const record = await stageRecord(aws, 'metadata', key);
    expect(record).toMatchObject({ status: 'rejected', reasonCode: 'record-too-large' });
    expect(record?.reason).toMatch(/over DynamoDB's 400 KB limit/);
  });

  it('7. makes bounded thumbnails of a 1170x20000 screenshot instead of calling it corrupt', async () => {
    const key = 'uploads/jay/long-page.png';
    const response = await handlers.thumbnail(batch(await upload(aws, key, await tallScreenshot())));
    expect(response.batchItemFailures).toEqual([]);
    const record = await stageRecord<ThumbnailData>(aws, 'thumbnail', key);
    expect(record?.status).toBe('processed');
    expect(record?.data?.thumbnails).toHaveLength(6);
    for (const entry of record?.data?.thumbnails ?? []) {
      const stored = await sharp(await getObject(aws, aws.derivedBucket, entry.key)).metadata();
      expect(stored.width).toBeLessThanOrEqual(entry.width);
      expect(stored.height).toBeLessThanOrEqual(entry.width * maxHeightPerWidth);
    }
  });

  it('8. serves immutable thumbnails only under keys that are never reused for other content', async () => {
    const key = 'uploads/jay/reuploaded.jpg';
    await handlers.thumbnail(batch(await upload(aws, key, await photoJpeg({ seed: 60 }))));
    const first = (await stageRecord<ThumbnailData>(aws, 'thumbnail', key))?.data?.thumbnails.map(
      (t) => t.key,
    );
    await handlers.thumbnail(batch(await upload(aws, key, await photoJpeg({ seed: 61 }))));
    const second = (await stageRecord<ThumbnailData>(aws, 'thumbnail', key))?.data?.thumbnails.map(
      (t) => t.key,
    );
    expect(second).toHaveLength(6);
    expect(second?.filter((k) => first?.includes(k))).toEqual([]);
    expect(await thumbnailObjects(aws, key)).toEqual([...(second ?? [])].sort());
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.derivedBucket, Key: second?.[0] }));
    expect(head.CacheControl).toBe('public, max-age=31536000, immutable');
  });

  it('11. reads camera and GPS EXIF from a WebP, and no EXIF error from a GIF without any', async () => {
    const webpKey = 'uploads/jay/phone.webp';
    const gifKey = 'uploads/jay/plain.gif';
    await handlers.metadata(
      batch(await upload(aws, webpKey, await webpWithExif()), await upload(aws, gifKey, await gifImage())),
    );
    const webp = await stageRecord<MetadataData>(aws, 'metadata', webpKey);
    expect(webp?.data?.exifError).toBeUndefined();
    expect(webp?.data?.exif).toMatchObject({ make: 'Google', model: 'Pixel 8' });
    expect(webp?.data?.exif?.gps?.latitude).toBeCloseTo(48.858, 2);
    const gif = await stageRecord<MetadataData>(aws, 'metadata', gifKey);
    expect(gif?.data).toMatchObject({ format: 'gif' });
    expect(gif?.data?.exifError).toBeUndefined();
  });

  it('12. names the dimensions when an image is over the pixel limit', async () => {
    const key = 'uploads/jay/bomb.png';
    await handlers.metadata(batch(await upload(aws, key, pngPixelBomb({ width: 50_000, height: 40_000 }))));
    expect(await stageRecord(aws, 'metadata', key)).toMatchObject({
      status: 'rejected',
      reasonCode: 'too-many-pixels',
      reason: 'Image is 50000x40000 (2000.0 MP), over the 40.0 MP limit',
    });
  });
});
