import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { truncation } from '../../lambdas/shared/image/sniff';
import { jpegWithExif, photoJpeg, pngWithAlpha, truncatedJpeg, webpImage } from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import { batch, consumerHandlers, stageRecord, upload } from '../helpers/consumers';

describe('truncation check', () => {
  it('passes whole images, including a JPEG whose EXIF carries its own end marker', async () => {
    expect(truncation(await photoJpeg(), 'jpeg')).toBeUndefined();
    expect(truncation(await jpegWithExif({ orientation: 6 }), 'jpeg')).toBeUndefined();
    expect(truncation(await pngWithAlpha(), 'png')).toBeUndefined();
    expect(truncation(await webpImage(), 'webp')).toBeUndefined();
  });

  it('names what is missing from a cut-off JPEG, PNG or WebP', async () => {
    expect(truncation(await truncatedJpeg(), 'jpeg')).toMatch(/end-of-image/);
    const png = await pngWithAlpha();
    expect(truncation(png.subarray(0, png.length - 20), 'png')).toMatch(/IEND/);
    const webp = await webpImage();
    expect(truncation(webp.subarray(0, webp.length - 10), 'webp')).toMatch(/header says/);
  });

  it('passes a JPEG with data appended after its end (motion photos do this)', async () => {
    const jpeg = await photoJpeg({ width: 320, height: 240 });
    expect(truncation(Buffer.concat([jpeg, Buffer.alloc(4096, 7)]), 'jpeg')).toBeUndefined();
  });
});

/**
 * Found by the soak: libvips' own truncation check (`failOn`) lets some truncated JPEGs through when
 * several decode at once in one process, so the metadata consumer (8 records at once) recorded a
 * cut-off file as processed. Every one must be rejected, however many run together.
 */
describe('truncated images decoded side by side', () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(() => aws.stop());

  it('rejects every truncated JPEG in a batch of them, and processes the good ones', async () => {
    const { metadata } = consumerHandlers(aws);
    const cut = await truncatedJpeg();
    const good = await photoJpeg({ width: 640, height: 480, seed: 3 });
    const keys = Array.from({ length: 10 }, (_, i) => `uploads/zoe/${i % 2 ? 'good' : 'cut'} ${i}.jpg`);
    const records = await Promise.all(keys.map((key, i) => upload(aws, key, i % 2 ? good : cut)));
    const response = await metadata(batch(...records));
    expect(response.batchItemFailures).toEqual([]);
    for (const [i, key] of keys.entries()) {
      const record = await stageRecord(aws, 'metadata', key);
      expect(record?.status, key).toBe(i % 2 ? 'processed' : 'rejected');
      if (i % 2 === 0) expect(record?.reasonCode).toBe('corrupt-image');
    }
  });
});
