import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageIdOf } from '../../lambdas/shared/events';
import type { ThumbnailData } from '../../lambdas/thumbnail/stage';
import { thumbnailKey } from '../../lambdas/thumbnail/stage';
import {
  animatedGif,
  cmykJpeg,
  notAnImage,
  orientationProbe,
  orientations,
  photoJpeg,
  png16Bit,
  pngPixelBomb,
  pngWithAlpha,
  probeRed,
  truncatedJpeg,
} from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import {
  batch,
  consumerHandlers,
  getObject,
  removal,
  stageRecord,
  thumbnailObjects,
  upload,
} from '../helpers/consumers';

describe('thumbnail consumer', () => {
  let aws: TestAws;
  let handle: ReturnType<typeof consumerHandlers>['thumbnail'];

  beforeAll(async () => {
    aws = await startTestAws();
    handle = consumerHandlers(aws).thumbnail;
  });
  afterAll(() => aws.stop());

  /** The rendition the image's record names, as stored in the derived bucket. */
  const thumbnail = async (key: string, width: number, format: 'jpeg' | 'webp') => {
    const record = await stageRecord<ThumbnailData>(aws, 'thumbnail', key);
    const entry = record?.data?.thumbnails.find((t) => t.width === width && t.format === format);
    if (entry === undefined) return undefined;
    expect(entry.key).toBe(
      thumbnailKey(imageIdOf(aws.uploadsBucket, key), record?.sequencer ?? '', width, format),
    );
    const body = await getObject(aws, aws.derivedBucket, entry.key);
    return body === undefined ? undefined : { body, metadata: await sharp(body).metadata() };
  };

  it('writes JPEG and WebP thumbnails at 128, 512 and 1024 px wide', async () => {
    const key = 'uploads/alice/photo.jpg';
    const response = await handle(
      batch(await upload(aws, key, await photoJpeg({ width: 2048, height: 1536 }))),
    );
    expect(response.batchItemFailures).toEqual([]);
    for (const width of [128, 512, 1024]) {
      for (const format of ['jpeg', 'webp'] as const) {
        const thumb = await thumbnail(key, width, format);
        expect(thumb?.metadata).toMatchObject({ format, width, height: (width * 3) / 4 });
      }
    }
    const record = await stageRecord<ThumbnailData>(aws, 'thumbnail', key);
    expect(record?.status).toBe('processed');
    expect(record?.data?.thumbnails).toHaveLength(6);
  });

  it('never upscales: a 320 px image keeps 320 px in its larger renditions', async () => {
    const key = 'uploads/alice/small.jpg';
    await handle(batch(await upload(aws, key, await photoJpeg({ width: 320, height: 240 }))));
    expect((await thumbnail(key, 128, 'jpeg'))?.metadata.width).toBe(128);
    expect((await thumbnail(key, 512, 'jpeg'))?.metadata.width).toBe(320);
    expect((await thumbnail(key, 1024, 'webp'))?.metadata.width).toBe(320);
  });

  it.each(orientations)(
    'applies EXIF orientation %i: red top-left, displayed aspect ratio',
    async (orientation) => {
      const probe = await orientationProbe(orientation);
      const key = `uploads/alice/orientation-${orientation}.jpg`;
      await handle(batch(await upload(aws, key, probe.image)));
      const thumb = await thumbnail(key, 128, 'jpeg');
      expect(thumb?.metadata.width).toBe(128);
      expect(thumb?.metadata.height).toBe(Math.round((128 * probe.height) / probe.width));
      const { data } = await sharp(thumb?.body).raw().toBuffer({ resolveWithObject: true });
      const [r, g, b] = [data[0] ?? 0, data[1] ?? 0, data[2] ?? 0];
      expect(Math.abs(r - probeRed.r) + Math.abs(g - probeRed.g) + Math.abs(b - probeRed.b)).toBeLessThan(60);
    },
  );

  it('keeps transparency in WebP and flattens it on white in JPEG', async () => {
    const key = 'uploads/alice/alpha.png';
    await handle(batch(await upload(aws, key, await pngWithAlpha(), { contentType: 'image/png' })));
    const webp = await thumbnail(key, 128, 'webp');
    const jpeg = await thumbnail(key, 128, 'jpeg');
    expect(webp?.metadata.hasAlpha).toBe(true);
    expect(jpeg?.metadata.hasAlpha).toBe(false);
    const webpStats = await sharp(webp?.body).stats();
    expect(webpStats.isOpaque).toBe(false);
  });

  it.each([
    ['a CMYK JPEG', cmykJpeg, 96],
    ['a 16-bit PNG', png16Bit, 128],
    ['an animated GIF (first frame)', animatedGif, 96],
  ])('turns %s into 8-bit sRGB thumbnails', async (_, make, height) => {
    const key = `uploads/alice/${make.name}.img`;
    const response = await handle(batch(await upload(aws, key, await make())));
    expect(response.batchItemFailures).toEqual([]);
    const thumb = await thumbnail(key, 128, 'jpeg');
    // For the GIF, one frame: an animation's frames are not stacked into one tall image.
    expect(thumb?.metadata).toMatchObject({ space: 'srgb', channels: 3, depth: 'uchar', width: 128, height });
  });

  it.each([
    ['a truncated JPEG', 'truncated.jpg', () => truncatedJpeg(), 'corrupt-image', /truncated/i],
    ['text named .jpg', 'text.jpg', async () => notAnImage('text'), 'not-an-image', /content is text/],
    ['a PDF named .jpg', 'doc.jpg', async () => notAnImage('pdf'), 'not-an-image', /PDF document/],
    ['a zero-byte object', 'empty.jpg', async () => notAnImage('empty'), 'empty-object', /empty/],
    [
      'a PNG pixel bomb',
      'bomb.png',
      async () => pngPixelBomb(),
      'too-many-pixels',
      /^Image is 100000x100000 \(10000\.0 MP\), over the 40\.0 MP limit$/,
    ],
  ])(
    'rejects %s with its reason, writes nothing, and does not hold up the batch',
    async (_, name, make, code, reason) => {
      const badKey = `uploads/mallory/${name}`;
      const goodKey = `uploads/mallory/good-neighbour-of-${name}`;
      const response = await handle(
        batch(
          await upload(aws, badKey, await make()),
          await upload(aws, goodKey, await photoJpeg({ seed: 7 })),
        ),
      );
      expect(response.batchItemFailures).toEqual([]);
      const record = await stageRecord(aws, 'thumbnail', badKey);
      expect(record).toMatchObject({ status: 'rejected', reasonCode: code });
      expect(record?.reason).toMatch(reason);
      expect(await thumbnail(badKey, 128, 'jpeg')).toBeUndefined();
      expect((await stageRecord(aws, 'thumbnail', goodKey))?.status).toBe('processed');
    },
  );

  it('rejects an object over the byte limit before reading it', async () => {
    const small = consumerHandlers(aws, { maxBytes: 10_000, maxPixels: 40_000_000 }).thumbnail;
    const key = 'uploads/alice/too-big.jpg';
    await small(batch(await upload(aws, key, await photoJpeg())));
    expect(await stageRecord(aws, 'thumbnail', key)).toMatchObject({
      status: 'rejected',
      reasonCode: 'too-many-bytes',
    });
  });

  it('rejects an event whose object is gone by the time it is processed', async () => {
    const record = await upload(aws, 'uploads/alice/vanished.jpg', await photoJpeg());
    await aws.s3.send(
      new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({
        Bucket: aws.uploadsBucket,
        Key: 'uploads/alice/vanished.jpg',
      }),
    );
    const response = await handle(batch(record));
    expect(response.batchItemFailures).toEqual([]);
    expect(await stageRecord(aws, 'thumbnail', 'uploads/alice/vanished.jpg')).toMatchObject({
      status: 'rejected',
      reasonCode: 'object-gone',
    });
  });

  it('deletes every thumbnail when the upload is deleted', async () => {
    const key = 'uploads/alice/to-delete.jpg';
    await handle(batch(await upload(aws, key, await photoJpeg({ seed: 3 }))));
    expect(await thumbnail(key, 512, 'webp')).toBeDefined();
    expect(await thumbnailObjects(aws, key)).toHaveLength(6);
    await handle(batch(removal(aws, key)));
    expect(await thumbnailObjects(aws, key)).toEqual([]);
    expect((await stageRecord(aws, 'thumbnail', key))?.status).toBe('deleted');
  });

  it('removes the old thumbnails when an upload is overwritten by a corrupt file', async () => {
    const key = 'uploads/alice/overwritten.jpg';
    await handle(batch(await upload(aws, key, await photoJpeg({ seed: 4 }))));
    await handle(batch(await upload(aws, key, await truncatedJpeg())));
    expect(await thumbnailObjects(aws, key)).toEqual([]);
    expect((await stageRecord(aws, 'thumbnail', key))?.status).toBe('rejected');
  });
});
