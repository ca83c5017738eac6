import exifr from 'exifr';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { sniffImageFormat } from '../../lambdas/shared/image/sniff';
import {
  animatedGif,
  animatedWebp,
  avifImage,
  brokenExifJpeg,
  cmykJpeg,
  defaultExifFields,
  type ExifFields,
  gifImage,
  jpegWithExif,
  largeJpeg,
  notAnImage,
  notAnImageKinds,
  orientationProbe,
  orientations,
  photoJpeg,
  png16Bit,
  pngPixelBomb,
  pngWithAlpha,
  probeBlue,
  probeRed,
  tiffImage,
  truncatedJpeg,
  webpImage,
} from '../../samples/images';

type Rgb = { r: number; g: number; b: number };

const pixelAt = (data: Buffer, width: number, x: number, y: number): Rgb => {
  const i = (y * width + x) * 3;
  return { r: data[i] ?? -1, g: data[i + 1] ?? -1, b: data[i + 2] ?? -1 };
};

/** JPEG ringing moves pure colours by a few levels. */
const expectColour = (actual: Rgb, expected: Rgb) => {
  expect(Math.abs(actual.r - expected.r), `r of ${JSON.stringify(actual)}`).toBeLessThan(12);
  expect(Math.abs(actual.g - expected.g), `g of ${JSON.stringify(actual)}`).toBeLessThan(12);
  expect(Math.abs(actual.b - expected.b), `b of ${JSON.stringify(actual)}`).toBeLessThan(12);
};

/**
 * exifr revives EXIF date-times in the process's local time zone (it ignores OffsetTimeOriginal),
 * so compare wall-clock fields: the fixture writes takenAt's UTC wall clock.
 */
const sameWallClock = (revived: unknown, takenAt: Date) => {
  expect(revived).toBeInstanceOf(Date);
  const date = revived as Date;
  const wallClock = Date.UTC(
    date.getFullYear(),
    date.getMonth(),
    date.getDate(),
    date.getHours(),
    date.getMinutes(),
    date.getSeconds(),
  );
  expect(wallClock).toBe(takenAt.getTime());
};

const expectExifRoundTrip = async (image: Buffer, fields: ExifFields) => {
  const exif = (await exifr.parse(image, { tiff: true, exif: true, gps: true })) as Record<string, unknown>;
  expect(exif).toMatchObject({
    Make: fields.make,
    Model: fields.model,
    LensModel: fields.lensModel,
    ExposureTime: fields.exposureTime,
    FNumber: fields.fNumber,
    ISO: fields.iso,
    FocalLength: fields.focalLength,
    OffsetTimeOriginal: '+00:00',
  });
  sameWallClock(exif.DateTimeOriginal, fields.takenAt);
  if (fields.gps === null) {
    expect(exif.latitude).toBeUndefined();
    expect(exif.longitude).toBeUndefined();
  } else {
    expect(exif.latitude).toBeCloseTo(fields.gps.latitude, 6);
    expect(exif.longitude).toBeCloseTo(fields.gps.longitude, 6);
    // exifr returns the BYTE tag GPSAltitudeRef as a Uint8Array, not a number.
    const belowSeaLevel = exif.GPSAltitudeRef instanceof Uint8Array && exif.GPSAltitudeRef[0] === 1;
    expect(belowSeaLevel ? -Number(exif.GPSAltitude) : exif.GPSAltitude).toBe(fields.gps.altitude);
  }
  expect((await sharp(image).metadata()).orientation).toBe(fields.orientation);
};

/** exifr's typings omit silentErrors (default true: errors go to an `errors` property instead). */
const strictExifOptions = { gps: true, silentErrors: false };

describe('photoJpeg', () => {
  it('is a photo-sized JPEG that differs by seed', async () => {
    const image = await photoJpeg();
    const metadata = await sharp(image).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 1024, height: 768, space: 'srgb', channels: 3 });
    expect(image.length).toBeGreaterThan(60_000);
    expect(image.length).toBeLessThan(400_000);
    expect((await photoJpeg({ seed: 2 })).equals(image)).toBe(false);
    expect(sniffImageFormat(image)).toBe('jpeg');
  });

  it('gives the same bytes when built again from scratch, and every caller its own copy', async () => {
    const options = { width: 200, height: 150 };
    const first = await photoJpeg(options);
    first.fill(0);
    expect((await photoJpeg(options)).equals(first)).toBe(false);

    vi.resetModules();
    const fresh = await import('../../samples/images');
    expect((await fresh.photoJpeg(options)).equals(await photoJpeg(options))).toBe(true);
    expect((await fresh.jpegWithExif()).equals(await jpegWithExif())).toBe(true);
  });
});

describe('jpegWithExif', () => {
  it('round-trips every default field through exifr and sharp', async () => {
    await expectExifRoundTrip(await jpegWithExif(), defaultExifFields);
  });

  it('round-trips other values, southern and eastern coordinates and orientation 8', async () => {
    const fields: ExifFields = {
      orientation: 8,
      make: 'NIKON CORPORATION',
      model: 'NIKON Z 8',
      lensModel: 'NIKKOR Z 85mm f/1.8 S',
      exposureTime: 1 / 8000,
      fNumber: 1.8,
      iso: 12_800,
      focalLength: 85,
      takenAt: new Date('2023-12-31T23:59:58Z'),
      gps: { latitude: -33.856_784, longitude: 151.215_297, altitude: 4.5 },
    };
    await expectExifRoundTrip(await jpegWithExif({ ...fields, width: 320, height: 240 }), fields);
  });

  it('writes an altitude below sea level', async () => {
    const gps = { latitude: 31.559, longitude: 35.4732, altitude: -430.5 };
    const image = await jpegWithExif({ gps, width: 160, height: 120 });
    await expectExifRoundTrip(image, { ...defaultExifFields, gps });
  });

  it('writes no GPS IFD when gps is null', async () => {
    const image = await jpegWithExif({ gps: null, width: 160, height: 120 });
    await expectExifRoundTrip(image, { ...defaultExifFields, gps: null });
    expect(await exifr.gps(image)).toBeUndefined();
  });
});

describe('orientationProbe', () => {
  it.each(orientations)(
    'orientation %i displays 400x300 with red top-left after rotate()',
    async (orientation) => {
      const probe = await orientationProbe(orientation);
      const metadata = await sharp(probe.image).metadata();
      expect(metadata).toMatchObject({
        format: 'jpeg',
        orientation,
        width: probe.storedWidth,
        height: probe.storedHeight,
      });
      expect({ width: probe.width, height: probe.height }).toEqual({ width: 400, height: 300 });

      const { data, info } = await sharp(probe.image).rotate().raw().toBuffer({ resolveWithObject: true });
      expect({ width: info.width, height: info.height }).toEqual({ width: 400, height: 300 });
      expectColour(pixelAt(data, info.width, 0, 0), probeRed);
      expectColour(pixelAt(data, info.width, 100, 75), probeRed);
      expectColour(pixelAt(data, info.width, 300, 75), probeBlue);
      expectColour(pixelAt(data, info.width, 100, 225), probeBlue);
      expectColour(pixelAt(data, info.width, 399, 299), probeBlue);

      const thumbnail = await sharp(probe.image)
        .rotate()
        .resize(120)
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(thumbnail.info.width / thumbnail.info.height).toBeCloseTo(4 / 3, 1);
      expectColour(pixelAt(thumbnail.data, thumbnail.info.width, 0, 0), probeRed);
    },
  );
});

describe('other formats', () => {
  it('pngWithAlpha has real transparency', async () => {
    const image = await pngWithAlpha();
    expect(await sharp(image).metadata()).toMatchObject({ format: 'png', channels: 4, hasAlpha: true });
    const alpha = await sharp(image).extractChannel(3).raw().toBuffer();
    expect(alpha[0]).toBe(0);
    expect(alpha[120 * 320 + 160]).toBe(255);
    expect(alpha.some((value) => value > 0 && value < 255)).toBe(true);
    expect(sniffImageFormat(image)).toBe('png');
  });

  it('png16Bit is 16 bits per channel', async () => {
    expect(await sharp(await png16Bit()).metadata()).toMatchObject({
      format: 'png',
      depth: 'ushort',
      space: 'rgb16',
    });
  });

  it('cmykJpeg is in the CMYK colour space', async () => {
    expect(await sharp(await cmykJpeg()).metadata()).toMatchObject({
      format: 'jpeg',
      space: 'cmyk',
      channels: 4,
    });
  });

  it.each([
    { name: 'webpImage', build: webpImage, format: 'webp', sniffed: 'webp' },
    { name: 'gifImage', build: gifImage, format: 'gif', sniffed: 'gif' },
    { name: 'avifImage', build: avifImage, format: 'heif', sniffed: 'avif' },
    { name: 'tiffImage', build: tiffImage, format: 'tiff', sniffed: 'tiff' },
  ] as const)('$name is a single-page $format', async ({ build, format, sniffed }) => {
    const image = await build();
    const metadata = await sharp(image).metadata();
    expect(metadata).toMatchObject({ format, width: 320, height: 240 });
    expect(metadata.pages ?? 1).toBe(1);
    expect(sniffImageFormat(image)).toBe(sniffed);
  });

  it.each([
    { name: 'animatedGif', build: animatedGif, format: 'gif' },
    { name: 'animatedWebp', build: animatedWebp, format: 'webp' },
  ] as const)('$name has one page per frame', async ({ build, format }) => {
    const image = await build({ frames: 5, delay: 80 });
    const metadata = await sharp(image, { animated: true }).metadata();
    expect(metadata).toMatchObject({ format, pages: 5, pageHeight: 120, width: 160, height: 600 });
    expect(metadata.delay).toEqual([80, 80, 80, 80, 80]);
  });
});

describe('broken and hostile inputs', () => {
  it('truncatedJpeg has readable headers but fails to decode with failOn truncated', async () => {
    const image = await truncatedJpeg();
    expect(await sharp(image, { failOn: 'truncated' }).metadata()).toMatchObject({
      format: 'jpeg',
      width: 640,
      height: 480,
    });
    expect(image.subarray(-2).equals(Buffer.from([0xff, 0xd9]))).toBe(false);
    await expect(sharp(image, { failOn: 'truncated' }).resize(64).toBuffer()).rejects.toThrow(
      'VipsJpeg: premature end of JPEG image',
    );
    await expect(sharp(image, { failOn: 'none' }).resize(64).toBuffer()).resolves.toBeInstanceOf(Buffer);
  });

  it.each(notAnImageKinds)('notAnImage(%s) is no image to the sniffer or to sharp', async (kind) => {
    const content = notAnImage(kind);
    expect(sniffImageFormat(content)).toBeUndefined();
    // sharp's constructor throws synchronously for an empty buffer; the others reject.
    await expect((async () => sharp(content).metadata())()).rejects.toThrow(
      kind === 'empty' ? 'Input Buffer is empty' : 'Input buffer contains unsupported image format',
    );
  });

  it('pngPixelBomb is tiny and declares 100,000 x 100,000 pixels', async () => {
    const bomb = pngPixelBomb();
    expect(bomb.length).toBeLessThan(1024);
    expect(sniffImageFormat(bomb)).toBe('png');
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({
      format: 'png',
      width: 100_000,
      height: 100_000,
    });
    // sharp applies the pixel limit to metadata() too, before any decode.
    await expect(sharp(bomb, { limitInputPixels: 40_000_000 }).metadata()).rejects.toThrow(
      'Input image exceeds pixel limit',
    );
    await expect(sharp(bomb).resize(64).toBuffer()).rejects.toThrow('Input image exceeds pixel limit');
  });

  it('brokenExifJpeg still decodes and exifr returns what its damage leaves', async () => {
    const partial = await brokenExifJpeg();
    const unreadable = await brokenExifJpeg({ damage: 'entry-count' });
    const noIfd0 = await brokenExifJpeg({ damage: 'ifd0-offset' });
    for (const image of [partial, unreadable, noIfd0]) {
      await expect(sharp(image, { failOn: 'truncated' }).resize(64).toBuffer()).resolves.toBeInstanceOf(
        Buffer,
      );
      await expect(exifr.parse(image, strictExifOptions)).rejects.toThrow();
    }

    const partialExif = (await exifr.parse(partial, { gps: true })) as Record<string, unknown>;
    expect(partialExif).toMatchObject({ Make: defaultExifFields.make, Model: defaultExifFields.model });
    expect(partialExif).not.toHaveProperty('ExposureTime');
    expect(partialExif).not.toHaveProperty('latitude');
    expect(partialExif).not.toHaveProperty('errors');

    const unreadableExif = (await exifr.parse(unreadable, { gps: true })) as Record<string, unknown>;
    expect(Object.keys(unreadableExif)).toEqual(['errors']);
    expect((await sharp(noIfd0).metadata()).orientation).toBeUndefined();
  });

  it('largeJpeg is the requested size in megapixels', async () => {
    const metadata = await sharp(await largeJpeg()).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 6000, height: 4000 });
    const twelve = await sharp(await largeJpeg({ megapixels: 12 })).metadata();
    expect(((twelve.width ?? 0) * (twelve.height ?? 0)) / 1e6).toBeCloseTo(12, 1);
  });
});
