/**
 * Real sample images for the tests, the demo and the benchmark, built with sharp or, where sharp cannot
 * make the file (pixel bomb, corrupt EXIF, truncated data), by hand. Every fixture is deterministic:
 * the same options give the same bytes on every run (the pixel content comes from a seeded PRNG,
 * never from libvips' own noise generator, which is random).
 *
 * Builders that need sharp are async and cached per options; each call returns its own copy, so a
 * test that mutates its buffer cannot poison the others. Hand-built byte fixtures are synchronous.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export interface PhotoOptions {
  readonly width?: number;
  readonly height?: number;
  /** JPEG quality, 1-100. */
  readonly quality?: number;
  /** Different seeds give different scenes (and different bytes). */
  readonly seed?: number;
}

export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
export const orientations: readonly Orientation[] = [1, 2, 3, 4, 5, 6, 7, 8];

export interface GpsPosition {
  /** Decimal degrees, negative south of the equator. */
  readonly latitude: number;
  /** Decimal degrees, negative west of Greenwich. */
  readonly longitude: number;
  /** Metres, negative below sea level (GPSAltitudeRef 1). */
  readonly altitude?: number;
}

export interface ExifFields {
  readonly orientation: Orientation;
  readonly make: string;
  readonly model: string;
  readonly lensModel: string;
  /** Seconds, e.g. 1/250. */
  readonly exposureTime: number;
  readonly fNumber: number;
  readonly iso: number;
  /** Millimetres. */
  readonly focalLength: number;
  /** Written as a UTC wall-clock time with OffsetTimeOriginal "+00:00". */
  readonly takenAt: Date;
  /** `null` writes no GPS IFD at all. */
  readonly gps: GpsPosition | null;
}

export interface ExifJpegOptions extends PhotoOptions, Partial<ExifFields> {}

export const defaultExifFields: ExifFields = {
  orientation: 1,
  make: 'Canon',
  model: 'Canon EOS R6',
  lensModel: 'RF24-105mm F4 L IS USM',
  exposureTime: 1 / 250,
  fNumber: 5.6,
  iso: 400,
  focalLength: 35,
  takenAt: new Date('2024-06-15T14:30:45Z'),
  gps: { latitude: 48.858_37, longitude: -2.294_48, altitude: 35 },
};

const photoDefaults = { width: 1024, height: 768, quality: 85, seed: 1 };

// ---------------------------------------------------------------------------------------------
// Cache and determinism

const cache = new Map<string, Promise<Buffer>>();

const memo = async (name: string, key: unknown, build: () => Promise<Buffer>): Promise<Buffer> => {
  const id = `${name}:${JSON.stringify(key)}`;
  let pending = cache.get(id);
  if (pending === undefined) {
    pending = build();
    cache.set(id, pending);
    pending.catch(() => cache.delete(id));
  }
  return Buffer.from(await pending);
};

/**
 * The options a builder knows, with defaults for those left out or `undefined`. Unknown keys are
 * dropped so that they cannot split the cache.
 */
const withDefaults = <T extends object>(defaults: T, options: Partial<T>): T => {
  const resolved = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const value = options[key];
    if (value !== undefined) resolved[key] = value;
  }
  return resolved;
};

/** xorshift32 in [0, 1): tiny, fast and identical on every platform. */
const randomFrom = (seed: number): (() => number) => {
  let state = Math.imul(seed | 0, 0x9e3779b1) || 0x2545f491;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
};

// ---------------------------------------------------------------------------------------------
// Photo-like pixels

/**
 * RGB pixels of a landscape: sky gradient with a sun, hills, a few buildings with windows, textured
 * ground and sensor-like noise. The noise matters: without it JPEGs compress to a fraction of the
 * size of a real photo and size-dependent code paths are never exercised.
 */
const photoPixels = (width: number, height: number, seed: number): Uint8ClampedArray<ArrayBuffer> => {
  const random = randomFrom(seed);
  const between = (low: number, high: number) => low + (high - low) * random();

  const skyTop = [between(20, 60), between(60, 110), between(150, 210)] as const;
  const skyLow = [between(170, 220), between(190, 225), between(215, 245)] as const;
  const groundNear = [between(40, 80), between(70, 110), between(20, 50)] as const;
  const groundFar = [between(90, 130), between(120, 160), between(60, 90)] as const;
  const sunX = width * between(0.15, 0.85);
  const sunY = height * between(0.08, 0.3);
  const sunRadius = Math.min(width, height) * between(0.04, 0.08);

  // Everything that varies along one axis only is computed once per column or row.
  const ridge = new Float64Array(width);
  const hillAmplitude = height * between(0.03, 0.08);
  const hillFrequency = (between(1.5, 4) * 2 * Math.PI) / width;
  const hillPhase = between(0, 2 * Math.PI);
  const horizon = height * between(0.5, 0.65);
  for (let x = 0; x < width; x++) {
    ridge[x] = horizon + hillAmplitude * Math.sin(x * hillFrequency + hillPhase);
  }
  const roof = new Float64Array(width).fill(Number.POSITIVE_INFINITY);
  const wall = new Float64Array(width);
  const buildings = Math.floor(between(3, 7));
  for (let b = 0; b < buildings; b++) {
    const left = Math.floor(width * between(0, 0.9));
    const right = Math.min(width, left + Math.ceil(width * between(0.04, 0.12)));
    const top = horizon - height * between(0.08, 0.3);
    const shade = between(70, 160);
    for (let x = left; x < right; x++) {
      if (top < (roof[x] ?? 0)) {
        roof[x] = top;
        wall[x] = shade;
      }
    }
  }
  const columnTexture = new Float64Array(width);
  for (let x = 0; x < width; x++) columnTexture[x] = 8 * Math.sin(x * 0.09) + 5 * Math.sin(x * 0.013 + 1);
  const rowTexture = new Float64Array(height);
  for (let y = 0; y < height; y++) rowTexture[y] = 6 * Math.sin(y * 0.21) + 4 * Math.sin(y * 0.031);
  const windowSize = Math.max(2, Math.round(Math.min(width, height) / 80));

  const pixels = new Uint8ClampedArray(width * height * 3);
  let i = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ridgeY = ridge[x] ?? horizon;
      let r: number;
      let g: number;
      let b: number;
      if (y >= (roof[x] ?? ridgeY) && y < horizon) {
        const lit = (x / windowSize) % 3 < 1.5 && (y / windowSize) % 3 < 1.5;
        const shade = (wall[x] ?? 100) + (lit ? 60 : 0);
        r = shade;
        g = shade * 0.95;
        b = shade * 0.9;
      } else if (y < ridgeY) {
        const t = y / ridgeY;
        const dx = x - sunX;
        const dy = y - sunY;
        const glow = (sunRadius * sunRadius * 4) / (dx * dx + dy * dy + sunRadius * sunRadius);
        r = skyTop[0] + (skyLow[0] - skyTop[0]) * t + 90 * glow;
        g = skyTop[1] + (skyLow[1] - skyTop[1]) * t + 80 * glow;
        b = skyTop[2] + (skyLow[2] - skyTop[2]) * t + 30 * glow;
      } else {
        const t = (y - ridgeY) / (height - ridgeY);
        const texture = (columnTexture[x] ?? 0) + (rowTexture[y] ?? 0);
        r = groundFar[0] + (groundNear[0] - groundFar[0]) * t + texture;
        g = groundFar[1] + (groundNear[1] - groundFar[1]) * t + texture;
        b = groundFar[2] + (groundNear[2] - groundFar[2]) * t + texture * 0.5;
      }
      const noise = (random() - 0.5) * 16;
      pixels[i++] = r + noise;
      pixels[i++] = g + noise;
      pixels[i++] = b + noise;
    }
  }
  return pixels;
};

const photo = ({ width, height, seed }: { width: number; height: number; seed: number }): Sharp =>
  sharp(photoPixels(width, height, seed), { raw: { width, height, channels: 3 } });

/** A photo-like JPEG (1024x768 by default, about 120 KB): realistic content, realistic size. */
export const photoJpeg = (options: PhotoOptions = {}): Promise<Buffer> => {
  const o = withDefaults(photoDefaults, options);
  return memo('photoJpeg', o, () => photo(o).jpeg({ quality: o.quality }).toBuffer());
};

/**
 * A photo of about `megapixels` MP (3:2, 6000x4000 for 24 MP) for the size and pixel limit tests.
 * Huffman optimisation is off: it triples the encode time of a 24 MP image for 8% fewer bytes.
 */
export const largeJpeg = (
  options: { megapixels?: number; quality?: number; seed?: number } = {},
): Promise<Buffer> => {
  const { megapixels, quality, seed } = withDefaults({ megapixels: 24, quality: 85, seed: 1 }, options);
  const width = Math.round(Math.sqrt((megapixels * 1e6 * 3) / 2));
  const height = Math.round((width * 2) / 3);
  return memo('largeJpeg', { width, height, quality, seed }, () =>
    photo({ width, height, seed }).jpeg({ quality, optimiseCoding: false }).toBuffer(),
  );
};

// ---------------------------------------------------------------------------------------------
// EXIF

/** An EXIF rational as libvips parses it: exposure times the way cameras write them (1/250). */
const rational = (value: number): string => {
  if (value > 0 && value < 1) {
    const inverse = Math.round(1 / value);
    if (1 / inverse === value) return `1/${inverse}`;
  }
  return `${Math.round(value * 10_000)}/10000`;
};

/** Degrees, minutes and seconds rationals; 1/10000 s of arc is about 3 mm. */
const degreesMinutesSeconds = (decimal: number): string => {
  const absolute = Math.abs(decimal);
  const degrees = Math.floor(absolute);
  const minutes = Math.floor((absolute - degrees) * 60);
  const seconds = Math.round(((absolute - degrees) * 60 - minutes) * 60 * 10_000);
  return `${degrees}/1 ${minutes}/1 ${seconds}/10000`;
};

const exifDateTime = (date: Date): string => {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}:${two(date.getUTCMonth() + 1)}:${two(date.getUTCDate())} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
  );
};

interface JpegSegment {
  readonly marker: number;
  /** Offset of the 0xFF of the marker. */
  readonly start: number;
  /** Offset of the first byte after the 2-byte length. */
  readonly payload: number;
  /** Offset just past the segment. */
  readonly end: number;
}

/** The marker segments from SOI up to and including SOS (the entropy-coded data follows SOS). */
const jpegSegments = (jpeg: Buffer): JpegSegment[] => {
  const segments: JpegSegment[] = [];
  let offset = 2;
  while (offset + 4 <= jpeg.length) {
    if (jpeg.readUInt8(offset) !== 0xff) throw new Error(`No JPEG marker at offset ${offset}`);
    const marker = jpeg.readUInt8(offset + 1);
    const end = offset + 2 + jpeg.readUInt16BE(offset + 2);
    segments.push({ marker, start: offset, payload: offset + 4, end });
    if (marker === 0xda) return segments;
    offset = end;
  }
  throw new Error('JPEG has no SOS segment');
};

const exifHeader = Buffer.from('Exif\0\0', 'latin1');

const tags = { model: 0x0110, exifIfd: 0x8769, gpsIfd: 0x8825, gpsAltitudeRef: 0x0005 } as const;

/** Finds and edits IFD entries inside a JPEG's APP1 Exif segment, in the segment's byte order. */
const exifEditor = (jpeg: Buffer) => {
  const app1 = jpegSegments(jpeg).find(
    (segment) =>
      segment.marker === 0xe1 && jpeg.subarray(segment.payload, segment.payload + 6).equals(exifHeader),
  );
  if (app1 === undefined) throw new Error('sharp wrote no APP1 Exif segment');
  const tiff = app1.payload + exifHeader.length;
  const little = jpeg.toString('latin1', tiff, tiff + 2) === 'II';
  const u16 = (at: number) => (little ? jpeg.readUInt16LE(at) : jpeg.readUInt16BE(at));
  const u32 = (at: number) => (little ? jpeg.readUInt32LE(at) : jpeg.readUInt32BE(at));
  const ifd0 = tiff + u32(tiff + 4);
  /** Offset of the 12-byte entry for `tag` in the IFD at `ifd`: tag, type, count, value or offset. */
  const entryOf = (ifd: number, tag: number): number => {
    for (let entry = ifd + 2; entry < ifd + 2 + u16(ifd) * 12; entry += 12) {
      if (u16(entry) === tag) return entry;
    }
    throw new Error(`EXIF has no tag 0x${tag.toString(16)} where expected`);
  };
  return {
    tiff,
    ifd0,
    entryOf,
    /** The IFD that IFD0's pointer tag (Exif IFD, GPS IFD) points to. */
    subIfd: (pointerTag: number) => tiff + u32(entryOf(ifd0, pointerTag) + 8),
    setU32: (at: number, value: number) =>
      little ? jpeg.writeUInt32LE(value, at) : jpeg.writeUInt32BE(value, at),
  };
};

/**
 * A photo-like JPEG (640x480 stored pixels by default) whose EXIF carries camera, lens, exposure,
 * capture time, GPS and orientation. sharp writes the Exif IFD (IFD2) and GPS IFD (IFD3) itself from
 * strings; only the Orientation tag must go through withMetadata, as sharp overwrites an IFD0
 * Orientation with the image's own orientation (1 for raw input).
 */
export const jpegWithExif = (options: ExifJpegOptions = {}): Promise<Buffer> => {
  const o = withDefaults({ ...photoDefaults, width: 640, height: 480, ...defaultExifFields }, options);
  return memo('jpegWithExif', o, async () => {
    const takenAt = exifDateTime(o.takenAt);
    const altitude = o.gps?.altitude;
    const gps =
      o.gps === null
        ? undefined
        : {
            GPSLatitudeRef: o.gps.latitude < 0 ? 'S' : 'N',
            GPSLatitude: degreesMinutesSeconds(o.gps.latitude),
            GPSLongitudeRef: o.gps.longitude < 0 ? 'W' : 'E',
            GPSLongitude: degreesMinutesSeconds(o.gps.longitude),
            ...(altitude === undefined
              ? {}
              : { GPSAltitudeRef: '0', GPSAltitude: rational(Math.abs(altitude)) }),
          };
    const jpeg = await photo(o)
      .withExif({
        IFD0: { Make: o.make, Model: o.model, DateTime: takenAt, Software: 'image-fanout test fixtures' },
        IFD2: {
          LensModel: o.lensModel,
          ExposureTime: rational(o.exposureTime),
          FNumber: rational(o.fNumber),
          ISOSpeedRatings: String(o.iso),
          FocalLength: rational(o.focalLength),
          DateTimeOriginal: takenAt,
          DateTimeDigitized: takenAt,
          OffsetTimeOriginal: '+00:00',
        },
        ...(gps === undefined ? {} : { IFD3: gps }),
      })
      // density: sharp would otherwise write libvips' default of 25.4 dpi; cameras write 72.
      .withMetadata({ orientation: o.orientation, density: 72 })
      .jpeg({ quality: o.quality })
      .toBuffer();
    if (altitude !== undefined && altitude < 0) {
      // libvips writes a BYTE tag's libexif default (0) whatever it is given: patch in 1, below sea level.
      const exif = exifEditor(jpeg);
      jpeg.writeUInt8(1, exif.entryOf(exif.subIfd(tags.gpsIfd), tags.gpsAltitudeRef) + 8);
    }
    return jpeg;
  });
};

const pastTheSegment = 0x7fff_0000;

/**
 * How brokenExifJpeg damages the APP1 Exif segment (what exifr 7 makes of each, with its default
 * `silentErrors: true`):
 * - 'ifd-pointers': IFD0's pointers to the Exif IFD and the GPS IFD point far past the segment.
 *   exifr.parse returns IFD0's tags only (Make, Model, Orientation...) and no `errors`: the lost
 *   blocks go unreported.
 * - 'entry-count': IFD0's Model entry claims 16 MiB of text. exifr.parse returns
 *   `{ errors: [RangeError] }` and no tags at all (exifr.gps still finds the GPS IFD).
 * - 'ifd0-offset': the TIFF header's IFD0 offset points past the segment. exifr.parse returns
 *   `{ errors: [Error] }`; sharp reports no orientation.
 * With `silentErrors: false` exifr throws in all three. sharp decodes the pixels in all three, even
 * with its default `failOn: 'warning'`.
 */
export type ExifDamage = 'ifd-pointers' | 'entry-count' | 'ifd0-offset';

/** A JPEG (320x240) with the EXIF of jpegWithExif, corrupted as `damage` says; the pixels are intact. */
export const brokenExifJpeg = (options: PhotoOptions & { damage?: ExifDamage } = {}): Promise<Buffer> => {
  const o = withDefaults(
    { ...photoDefaults, width: 320, height: 240, damage: 'ifd-pointers' as ExifDamage },
    options,
  );
  return memo('brokenExifJpeg', o, async () => {
    const jpeg = await jpegWithExif({ width: o.width, height: o.height, quality: o.quality, seed: o.seed });
    const exif = exifEditor(jpeg);
    switch (o.damage) {
      case 'ifd-pointers':
        exif.setU32(exif.entryOf(exif.ifd0, tags.exifIfd) + 8, pastTheSegment);
        exif.setU32(exif.entryOf(exif.ifd0, tags.gpsIfd) + 8, pastTheSegment);
        break;
      case 'entry-count':
        exif.setU32(exif.entryOf(exif.ifd0, tags.model) + 4, 0x0100_0000);
        break;
      case 'ifd0-offset':
        exif.setU32(exif.tiff + 4, pastTheSegment);
        break;
    }
    return jpeg;
  });
};

// ---------------------------------------------------------------------------------------------
// Orientation probes

export const probeRed = { r: 255, g: 0, b: 0 } as const;
export const probeBlue = { r: 0, g: 0, b: 255 } as const;
export const orientationProbeSize: ImageSize = { width: 400, height: 300 };

export interface OrientationProbe {
  readonly image: Buffer;
  readonly orientation: Orientation;
  /** Size as displayed, i.e. after the orientation is applied. */
  readonly width: number;
  readonly height: number;
  /** Size of the stored pixels (width and height swapped for orientations 5-8). */
  readonly storedWidth: number;
  readonly storedHeight: number;
}

type Corner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

/** The corner of the stored pixels that each orientation brings to the displayed top-left. */
const storedCornerShownTopLeft: Record<Orientation, Corner> = {
  1: 'top-left',
  2: 'top-right', // mirrored horizontally
  3: 'bottom-right', // rotated 180
  4: 'bottom-left', // mirrored vertically
  5: 'top-left', // transposed
  6: 'bottom-left', // rotated 90 clockwise to display
  7: 'bottom-right', // transversed
  8: 'top-right', // rotated 90 anticlockwise to display
};

/**
 * A JPEG whose displayed image (after applying its EXIF orientation, as sharp's `.rotate()` does) is
 * `size` (400x300 by default) with a pure red top-left quarter and blue elsewhere. One red corner
 * plus the aspect ratio tells every wrong handling of the 8 orientations apart.
 */
export const orientationProbe = async (
  orientation: Orientation,
  size: ImageSize = orientationProbeSize,
): Promise<OrientationProbe> => {
  const swapped = orientation >= 5;
  const storedWidth = swapped ? size.height : size.width;
  const storedHeight = swapped ? size.width : size.height;
  const image = await memo('orientationProbe', { orientation, size }, () => {
    const corner = storedCornerShownTopLeft[orientation];
    const blockWidth = Math.floor(storedWidth / 2);
    const blockHeight = Math.floor(storedHeight / 2);
    return sharp({ create: { width: storedWidth, height: storedHeight, channels: 3, background: probeBlue } })
      .composite([
        {
          input: { create: { width: blockWidth, height: blockHeight, channels: 3, background: probeRed } },
          left: corner.endsWith('right') ? storedWidth - blockWidth : 0,
          top: corner.startsWith('bottom') ? storedHeight - blockHeight : 0,
        },
      ])
      .withMetadata({ orientation })
      .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
      .toBuffer();
  });
  return { image, orientation, width: size.width, height: size.height, storedWidth, storedHeight };
};

// ---------------------------------------------------------------------------------------------
// Other formats and variants

export interface SmallImageOptions {
  readonly width?: number;
  readonly height?: number;
  readonly seed?: number;
}

const smallDefaults = { width: 320, height: 240, seed: 1 };

/** An RGBA PNG: opaque in an ellipse at the centre, fading to fully transparent corners. */
export const pngWithAlpha = (options: SmallImageOptions = {}): Promise<Buffer> => {
  const o = withDefaults(smallDefaults, options);
  return memo('pngWithAlpha', o, () => {
    const { width, height } = o;
    const alpha = new Uint8ClampedArray(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dx = (x + 0.5) / width - 0.5;
        const dy = (y + 0.5) / height - 0.5;
        const distance = Math.sqrt(dx * dx + dy * dy) * 2;
        alpha[y * width + x] = (1 - (distance - 0.6) / 0.4) * 255;
      }
    }
    return photo(o)
      .joinChannel(Buffer.from(alpha.buffer), { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
  });
};

/** A 16-bit RGB PNG with gradients that use the low byte too, so it is not 8-bit data widened. */
export const png16Bit = (options: Omit<SmallImageOptions, 'seed'> = {}): Promise<Buffer> => {
  const o = withDefaults({ width: 256, height: 256 }, options);
  return memo('png16Bit', o, () => {
    const { width, height } = o;
    const pixels = new Uint16Array(width * height * 3);
    let i = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        pixels[i++] = Math.round((x / Math.max(1, width - 1)) * 65_535);
        pixels[i++] = Math.round((y / Math.max(1, height - 1)) * 65_535);
        pixels[i++] = (x * 257 + y * 131) & 0xffff;
      }
    }
    return sharp(pixels, { raw: { width, height, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
  });
};

/** A JPEG in the CMYK colour space (four channels, as print workflows and some stock sites ship). */
export const cmykJpeg = (options: SmallImageOptions = {}): Promise<Buffer> => {
  const o = withDefaults(smallDefaults, options);
  return memo('cmykJpeg', o, () => photo(o).toColourspace('cmyk').jpeg({ quality: 85 }).toBuffer());
};

export const webpImage = (options: SmallImageOptions = {}): Promise<Buffer> => {
  const o = withDefaults(smallDefaults, options);
  return memo('webpImage', o, () => photo(o).webp({ quality: 80 }).toBuffer());
};

export const gifImage = (options: SmallImageOptions = {}): Promise<Buffer> => {
  const o = withDefaults(smallDefaults, options);
  return memo('gifImage', o, () => photo(o).gif({ effort: 1 }).toBuffer());
};

/** AVIF, encoded with sharp's prebuilt libheif/aom (effort 0: the slower efforts take seconds). */
export const avifImage = (options: SmallImageOptions = {}): Promise<Buffer> => {
  const o = withDefaults(smallDefaults, options);
  return memo('avifImage', o, () => photo(o).avif({ quality: 50, effort: 0 }).toBuffer());
};

export const tiffImage = (options: SmallImageOptions = {}): Promise<Buffer> => {
  const o = withDefaults(smallDefaults, options);
  return memo('tiffImage', o, () => photo(o).tiff({ compression: 'lzw' }).toBuffer());
};

export interface AnimationOptions extends SmallImageOptions {
  readonly frames?: number;
  /** Per frame, in milliseconds. */
  readonly delay?: number;
}

const animationDefaults = { width: 160, height: 120, seed: 1, frames: 4, delay: 100 };

/** Frames stacked vertically, each a different scene so no encoder can merge them. */
const animationFrames = ({ width, height, seed, frames }: typeof animationDefaults): Sharp => {
  const pixels = new Uint8ClampedArray(width * height * 3 * frames);
  for (let frame = 0; frame < frames; frame++) {
    pixels.set(photoPixels(width, height, seed + frame), frame * width * height * 3);
  }
  return sharp(pixels, { raw: { width, height: height * frames, channels: 3, pageHeight: height } });
};

/** sharp applies a single number to the first frame only (the others get 0 ms), hence one per frame. */
const frameDelays = ({ frames, delay }: typeof animationDefaults): number[] =>
  Array.from({ length: frames }, () => delay);

/** An animated GIF; sharp metadata reports `pages` = frames and `pageHeight` = height. */
export const animatedGif = (options: AnimationOptions = {}): Promise<Buffer> => {
  const o = withDefaults(animationDefaults, options);
  return memo('animatedGif', o, () =>
    animationFrames(o)
      .gif({ delay: frameDelays(o), loop: 0, effort: 1 })
      .toBuffer(),
  );
};

/** An animated WebP; sharp metadata reports `pages` = frames and `pageHeight` = height. */
export const animatedWebp = (options: AnimationOptions = {}): Promise<Buffer> => {
  const o = withDefaults(animationDefaults, options);
  return memo('animatedWebp', o, () =>
    animationFrames(o)
      .webp({ quality: 75, delay: frameDelays(o), loop: 0 })
      .toBuffer(),
  );
};

// ---------------------------------------------------------------------------------------------
// Broken and hostile inputs

/**
 * A baseline JPEG cut inside its entropy-coded data (at `keep`, the fraction of that data kept),
 * with no EOI. The headers are intact, so sharp's metadata() works; a decode with
 * `failOn: 'truncated'` (or the default 'warning') throws.
 */
export const truncatedJpeg = (options: PhotoOptions & { keep?: number } = {}): Promise<Buffer> => {
  const o = withDefaults({ ...photoDefaults, width: 640, height: 480, keep: 0.5 }, options);
  return memo('truncatedJpeg', o, async () => {
    const jpeg = await photoJpeg({ width: o.width, height: o.height, quality: o.quality, seed: o.seed });
    const sos = jpegSegments(jpeg).at(-1);
    if (sos === undefined) throw new Error('JPEG has no SOS segment');
    const entropyEnd = jpeg.length - 2; // before EOI
    return jpeg.subarray(0, Math.floor(sos.end + (entropyEnd - sos.end) * o.keep));
  });
};

export const notAnImageKinds = ['text', 'pdf', 'empty', 'html'] as const;
export type NotAnImageKind = (typeof notAnImageKinds)[number];

const minimalPdf = [
  '%PDF-1.4',
  '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
  '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
  '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj',
  'trailer << /Root 1 0 R >>',
  '%%EOF',
  '',
].join('\n');

const notImages: Record<NotAnImageKind, string> = {
  text: 'This is a plain text file that someone uploaded as photo.jpg.\nIt has no image in it.\n',
  pdf: minimalPdf,
  empty: '',
  html: '<!DOCTYPE html>\n<html lang="en">\n<head><title>Not a photo</title></head>\n<body><p>Hello</p></body>\n</html>\n',
};

/** Content that is not an image at all, to be uploaded under an image extension and Content-Type. */
export const notAnImage = (kind: NotAnImageKind = 'text'): Buffer => Buffer.from(notImages[kind], 'latin1');

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const pngChunk = (type: string, data: Buffer): Buffer => {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const framed = Buffer.alloc(body.length + 8);
  framed.writeUInt32BE(data.length, 0);
  body.copy(framed, 4);
  framed.writeUInt32BE(crc32(body), body.length + 4);
  return framed;
};

/**
 * A PNG of a few hundred bytes whose IHDR declares `width` x `height` RGB pixels (100,000 x 100,000
 * by default, 10 gigapixels). The IDAT holds only the first `rows` rows: a full set of zero rows
 * would still deflate to about 30 MB. Every chunk CRC is correct, so header readers trust it.
 */
export const pngPixelBomb = (options: { width?: number; height?: number; rows?: number } = {}): Buffer => {
  const { width, height, rows } = withDefaults({ width: 100_000, height: 100_000, rows: 1 }, options);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  // compression, filter and interlace methods are all 0
  const scanlines = Buffer.alloc(Math.min(rows, height) * (1 + width * 3)); // filter byte 0 + black pixels
  return Buffer.concat([
    pngSignature,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(scanlines, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
};
