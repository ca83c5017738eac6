import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractMetadata } from '../../lambdas/metadata/extract';
import type { MetadataData } from '../../lambdas/metadata/stage';
import {
  animatedGif,
  animatedWebp,
  avifImage,
  brokenExifJpeg,
  cmykJpeg,
  defaultExifFields,
  gifImage,
  jpegWithExif,
  photoJpeg,
  png16Bit,
  pngWithAlpha,
  tiffImage,
  truncatedJpeg,
  webpImage,
} from '../../samples/images';
import { startTestAws, type TestAws } from '../helpers/aws';
import { batch, consumerHandlers, removal, stageRecord, upload } from '../helpers/consumers';

describe('metadata consumer', () => {
  let aws: TestAws;
  let handle: ReturnType<typeof consumerHandlers>['metadata'];

  beforeAll(async () => {
    aws = await startTestAws();
    handle = consumerHandlers(aws).metadata;
  });
  afterAll(() => aws.stop());

  const extract = async (key: string, body: Buffer, contentType?: string) => {
    const response = await handle(batch(await upload(aws, key, body, { contentType })));
    expect(response.batchItemFailures).toEqual([]);
    return stageRecord<MetadataData>(aws, 'metadata', key);
  };

  it('records camera, lens, exposure, time taken and GPS from EXIF', async () => {
    const record = await extract('uploads/alice/exif.jpg', await jpegWithExif({ width: 640, height: 480 }));
    expect(record?.status).toBe('processed');
    expect(record?.data).toMatchObject({
      format: 'jpeg',
      contentType: 'image/jpeg',
      width: 640,
      height: 480,
      orientation: 1,
      colourSpace: 'srgb',
      hasAlpha: false,
      exif: {
        make: defaultExifFields.make,
        model: defaultExifFields.model,
        lens: defaultExifFields.lensModel,
        exposureTime: defaultExifFields.exposureTime,
        fNumber: defaultExifFields.fNumber,
        iso: defaultExifFields.iso,
        focalLength: defaultExifFields.focalLength,
        takenAt: '2024-06-15T14:30:45',
      },
    });
    expect(record?.data?.exif?.gps?.latitude).toBeCloseTo(48.85837, 4);
    expect(record?.data?.exif?.gps?.longitude).toBeCloseTo(-2.29448, 4);
    expect(record?.data?.exif?.gps?.altitude).toBeCloseTo(35, 1);
    expect(record?.data?.dominantColour).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('records an altitude below sea level as negative', async () => {
    const body = await jpegWithExif({ gps: { latitude: 31.5, longitude: 35.5, altitude: -430.5 } });
    const record = await extract('uploads/alice/dead-sea.jpg', body);
    expect(record?.data?.exif?.gps?.altitude).toBeCloseTo(-430.5, 1);
  });

  it('gives the displayed size for a rotated photo (orientation 6 swaps width and height)', async () => {
    const record = await extract(
      'uploads/alice/portrait.jpg',
      await jpegWithExif({ width: 600, height: 400, orientation: 6 }),
    );
    expect(record?.data).toMatchObject({
      width: 600,
      height: 400,
      orientation: 6,
      displayWidth: 400,
      displayHeight: 600,
    });
  });

  it.each([
    ['PNG with alpha', pngWithAlpha, { format: 'png', hasAlpha: true, channels: 4 }],
    ['16-bit PNG', png16Bit, { format: 'png', bitDepth: 'ushort' }],
    ['CMYK JPEG', cmykJpeg, { format: 'jpeg', colourSpace: 'cmyk', channels: 4 }],
    ['WebP', webpImage, { format: 'webp', contentType: 'image/webp' }],
    ['GIF', gifImage, { format: 'gif', pages: 1 }],
    ['animated GIF', animatedGif, { format: 'gif', pages: 4, width: 160, height: 120 }],
    ['animated WebP', animatedWebp, { format: 'webp', pages: 4 }],
    ['AVIF', avifImage, { format: 'avif', contentType: 'image/avif' }],
    ['TIFF', tiffImage, { format: 'tiff' }],
  ])('describes a %s', async (name, make, expected) => {
    const record = await extract(`uploads/alice/${name}.bin`, await make());
    expect(record?.data).toMatchObject(expected);
  });

  it('trusts the bytes over the uploaded Content-Type, and records both', async () => {
    const record = await extract('uploads/alice/liar.jpg', await pngWithAlpha(), 'image/jpeg');
    expect(record?.data).toMatchObject({
      format: 'png',
      contentType: 'image/png',
      uploadedContentType: 'image/jpeg',
    });
  });

  it('describes an image with broken EXIF and says why its EXIF is missing', async () => {
    const record = await extract(
      'uploads/alice/broken-exif.jpg',
      await brokenExifJpeg({ damage: 'entry-count' }),
    );
    expect(record?.status).toBe('processed');
    expect(record?.data?.format).toBe('jpeg');
    expect(record?.data?.exifError).toMatch(/EXIF/);
  });

  it('rejects a truncated JPEG, whose header alone looks fine', async () => {
    const record = await extract('uploads/alice/truncated.jpg', await truncatedJpeg());
    expect(record).toMatchObject({ status: 'rejected', reasonCode: 'corrupt-image' });
  });

  it('leaves only a tombstone once the upload is deleted', async () => {
    const key = 'uploads/alice/deleted-metadata.jpg';
    await extract(key, await jpegWithExif());
    await handle(batch(removal(aws, key)));
    const record = await stageRecord<MetadataData>(aws, 'metadata', key);
    expect(record?.status).toBe('deleted');
    expect(record?.data).toBeUndefined();
    expect(record?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });
});

describe('dominant colour', () => {
  const limits = { maxBytes: 50 * 2 ** 20, maxPixels: 40e6 };

  it('is the colour most of the picture has, whatever the format', async () => {
    // Two thirds steel blue, one third orange: the blue's histogram bin wins.
    const canvas = sharp({
      create: { width: 600, height: 300, channels: 3, background: '#4682b4' },
    }).composite([
      {
        input: { create: { width: 200, height: 300, channels: 3, background: '#ff8c00' } },
        left: 400,
        top: 0,
      },
    ]);
    const png = await canvas.clone().png().toBuffer();
    const webp = await canvas.clone().webp({ lossless: true }).toBuffer();
    for (const [format, body] of [
      ['png', png],
      ['webp', webp],
    ] as const) {
      // 0x46 0x82 0xb4 fall in the bins centred on 0x48 0x88 0xb8.
      expect((await extractMetadata(body, format, limits)).dominantColour, format).toBe('#4888b8');
    }
  });

  it('is the fullest histogram bin of the shrunk sRGB pixels, for alpha, CMYK and 16-bit input too', async () => {
    const images = [
      ['jpeg', await photoJpeg({ width: 1200, height: 800, seed: 7 })],
      ['jpeg', await jpegWithExif({ seed: 3 })],
      ['png', await pngWithAlpha()],
      ['jpeg', await cmykJpeg()],
      ['png', await png16Bit()],
    ] as const;
    for (const [index, [format, body]] of images.entries()) {
      const { data, info } = await sharp(body)
        .resize(64, 64, { fit: 'inside' })
        .toColourspace('srgb')
        .removeAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      const counts = new Map<string, number>();
      for (let i = 0; i < data.length; i += info.channels) {
        const bin = [data[i], data[i + 1], data[i + 2]].map((v) => ((v ?? 0) >> 4) * 16 + 8).join();
        counts.set(bin, (counts.get(bin) ?? 0) + 1);
      }
      const colour = (await extractMetadata(body, format, limits)).dominantColour;
      const bin = [1, 3, 5].map((at) => Number.parseInt(colour.slice(at, at + 2), 16)).join();
      expect(counts.get(bin), `image ${index}: ${colour}`).toBe(Math.max(...counts.values()));
    }
  });
});
