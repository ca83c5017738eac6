/**
 * The benchmark's image set: a fixed, realistic mix of sizes (0.3 to 12 MP) and formats (JPEG, some
 * with camera EXIF, PNG with alpha, WebP), built once with the sample builders and cached on disk.
 * The builders are deterministic, so every machine benchmarks the same bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { jpegWithExif, largeJpeg, photoJpeg, pngWithAlpha, webpImage } from '../samples/images';

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

export interface ImageSetSummary {
  readonly count: number;
  readonly minMegapixels: number;
  readonly maxMegapixels: number;
  readonly totalMegapixels: number;
  readonly totalMegabytes: number;
  readonly formats: Readonly<Record<string, number>>;
  readonly cacheDir: string;
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
export const benchImageSpecs: readonly BenchImageSpec[] = [
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

const setVersion = (specs: readonly BenchImageSpec[]) =>
  `v${builderGeneration}-${createHash('sha256')
    .update(specs.map((spec) => `${spec.name}:${spec.contentType}`).join('\n'))
    .digest('hex')
    .slice(0, 10)}`;

interface ManifestEntry {
  readonly name: string;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly sha256: string;
}

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

const fromCache = (dir: string): BenchImage[] | undefined => {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestEntry[];
    return manifest.map((entry) => {
      const body = readFileSync(join(dir, entry.name));
      if (sha256(body) !== entry.sha256) throw new Error(`${entry.name} changed on disk`);
      return toImage(entry, body);
    });
  } catch {
    return undefined;
  }
};

const toImage = (entry: Omit<ManifestEntry, 'sha256'>, body: Buffer): BenchImage => ({
  name: entry.name,
  contentType: entry.contentType,
  width: entry.width,
  height: entry.height,
  megapixels: (entry.width * entry.height) / 1e6,
  bytes: body.length,
  body,
});

export interface ImageSetOptions {
  /** The project directory; the cache lives in `.cache/bench-images/<version>/` under it. */
  readonly projectDir: string;
  readonly specs?: readonly BenchImageSpec[];
  readonly onProgress?: (built: number, total: number) => void;
}

/** The image set, from the cache when it is there and intact, else built (once) and cached. */
export const loadImageSet = async (
  options: ImageSetOptions,
): Promise<{ images: BenchImage[]; dir: string; built: boolean }> => {
  const specs = options.specs ?? benchImageSpecs;
  const dir = join(options.projectDir, '.cache', 'bench-images', setVersion(specs));
  const cached = fromCache(dir);
  if (cached !== undefined && cached.length === specs.length) return { images: cached, dir, built: false };

  mkdirSync(dir, { recursive: true });
  const manifest: ManifestEntry[] = [];
  const images: BenchImage[] = [];
  for (const [index, spec] of specs.entries()) {
    const body = await spec.build();
    const { width = 0, height = 0 } = await sharp(body).metadata();
    const entry = { name: spec.name, contentType: spec.contentType, width, height, bytes: body.length };
    writeFileSync(join(dir, spec.name), body);
    manifest.push({ ...entry, sha256: sha256(body) });
    images.push(toImage(entry, body));
    options.onProgress?.(index + 1, specs.length);
  }
  // Written last and renamed into place: a half-built set is never taken for a cache.
  writeFileSync(join(dir, 'manifest.json.tmp'), JSON.stringify(manifest, null, 2));
  renameSync(join(dir, 'manifest.json.tmp'), join(dir, 'manifest.json'));
  return { images, dir, built: true };
};

export const summarizeImageSet = (images: readonly BenchImage[], cacheDir: string): ImageSetSummary => {
  const formats: Record<string, number> = {};
  for (const image of images) {
    const format = image.contentType.replace('image/', '');
    formats[format] = (formats[format] ?? 0) + 1;
  }
  const megapixels = images.map((image) => image.megapixels);
  const round = (value: number, digits = 2) => Number(value.toFixed(digits));
  return {
    count: images.length,
    minMegapixels: round(Math.min(...megapixels)),
    maxMegapixels: round(Math.max(...megapixels)),
    totalMegapixels: round(
      megapixels.reduce((sum, mp) => sum + mp, 0),
      1,
    ),
    totalMegabytes: round(images.reduce((sum, image) => sum + image.bytes, 0) / 1e6, 1),
    formats,
    cacheDir,
  };
};
