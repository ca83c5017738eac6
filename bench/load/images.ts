/**
 * The benchmark's image set: a fixed, realistic mix of sizes (0.3 to 12 MP) and formats (JPEG, some
 * with camera EXIF, PNG with alpha, WebP), built once with the sample builders and cached on disk.
 * The builders are deterministic, so every machine benchmarks the same bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { jpegWithExif, largeJpeg, photoJpeg, pngWithAlpha, webpImage } from '../../samples/images';
import { round, sum } from '../stats';

export interface BenchImageSpec {
  /** File name in the set; also the end of the upload key. */
  readonly name: string;
  readonly contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  readonly build: () => Promise<Buffer>;
}

export interface BenchImage {
  readonly name: string;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly megapixels: number;
  readonly bytes: number;
  readonly body: Buffer;
}

/** 4:3 dimensions of about `megapixels` MP. */
const fourByThree = (megapixels: number) => {
  const width = Math.round(Math.sqrt((megapixels * 1e6 * 4) / 3) / 8) * 8;
  return { width, height: Math.round((width * 3) / 4 / 8) * 8 };
};

const jpeg = (megapixels: number, seed: number): BenchImageSpec => ({
  name: `photo-${megapixels}mp-${seed}.jpg`,
  contentType: 'image/jpeg',
  build: () =>
    megapixels >= 6
      ? largeJpeg({ megapixels, seed })
      : photoJpeg({ ...fourByThree(megapixels), quality: 85, seed }),
});

const camera = (megapixels: number, seed: number, orientation: 1 | 6): BenchImageSpec => ({
  name: `camera-${megapixels}mp-${seed}.jpg`,
  contentType: 'image/jpeg',
  build: () => jpegWithExif({ ...fourByThree(megapixels), seed, orientation }),
});

const png = (megapixels: number, seed: number): BenchImageSpec => ({
  name: `graphic-${megapixels}mp-${seed}.png`,
  contentType: 'image/png',
  build: () => pngWithAlpha({ ...fourByThree(megapixels), seed }),
});

const webp = (megapixels: number, seed: number): BenchImageSpec => ({
  name: `web-${megapixels}mp-${seed}.webp`,
  contentType: 'image/webp',
  build: () => webpImage({ ...fourByThree(megapixels), seed }),
});

/**
 * 24 images, interleaved so that any run of consecutive uploads sees the whole mix: mostly phone
 * and web sizes, a few large camera files, one 12 MP; about 60% JPEG, 20% PNG, 20% WebP.
 */
const benchImageSpecs: readonly BenchImageSpec[] = [
  jpeg(0.3, 1),
  webp(0.3, 2),
  jpeg(3, 3),
  png(0.3, 4),
  camera(1, 5, 6),
  jpeg(6, 6),
  webp(1, 7),
  jpeg(0.3, 8),
  jpeg(1, 9),
  png(1, 10),
  jpeg(3, 11),
  webp(0.3, 12),
  jpeg(12, 13),
  camera(1, 14, 1),
  png(0.3, 15),
  jpeg(0.3, 16),
  webp(2, 17),
  jpeg(3, 18),
  jpeg(1, 19),
  png(2, 20),
  jpeg(6, 21),
  webp(1, 22),
  jpeg(0.3, 23),
  png(1, 24),
];

/** Bump when a builder changes what it makes; the names cover changes to the list itself. */
const builderGeneration = 1;

const setVersion = (specs: readonly BenchImageSpec[]) => {
  const names = specs.map((spec) => `${spec.name}:${spec.contentType}`).join('\n');
  return `v${builderGeneration}-${createHash('sha256').update(names).digest('hex').slice(0, 10)}`;
};

/** The file from the cache, or built and cached (written beside, then renamed: never half a file). */
const cached = async (dir: string, spec: BenchImageSpec) => {
  const path = join(dir, spec.name);
  if (existsSync(path)) return readFileSync(path);
  const body = await spec.build();
  writeFileSync(`${path}.tmp`, body);
  renameSync(`${path}.tmp`, path);
  return body;
};

/** The image set, from `.cache/bench-images/<version>/` under the project, built (once) where missing. */
export const loadImageSet = async (options: {
  readonly projectDir: string;
  readonly onProgress?: (built: number, total: number) => void;
}): Promise<{ images: BenchImage[]; dir: string }> => {
  const dir = join(options.projectDir, '.cache', 'bench-images', setVersion(benchImageSpecs));
  mkdirSync(dir, { recursive: true });
  const images: BenchImage[] = [];
  for (const [index, spec] of benchImageSpecs.entries()) {
    const body = await cached(dir, spec);
    const { width = 0, height = 0 } = await sharp(body).metadata();
    images.push({
      name: spec.name,
      contentType: spec.contentType,
      width,
      height,
      megapixels: (width * height) / 1e6,
      bytes: body.length,
      body,
    });
    options.onProgress?.(index + 1, benchImageSpecs.length);
  }
  return { images, dir };
};

export const summarizeImageSet = (images: readonly BenchImage[], cacheDir: string) => {
  const formats: Record<string, number> = {};
  for (const image of images) {
    const format = image.contentType.replace('image/', '');
    formats[format] = (formats[format] ?? 0) + 1;
  }
  const megapixels = images.map((image) => image.megapixels);
  return {
    count: images.length,
    minMegapixels: round(Math.min(...megapixels), 2),
    maxMegapixels: round(Math.max(...megapixels), 2),
    totalMegapixels: round(sum(megapixels), 1),
    totalMegabytes: round(sum(images.map((image) => image.bytes)) / 1e6, 1),
    formats,
    cacheDir,
  };
};
