/** The images the micro comparisons work on, built by the project's sample builders. */
import sharp from 'sharp';
import { jpegWithExif, largeJpeg } from '../../samples/images';
import type { PixelLimitImage } from '../plan';

/** Distinct scenes per set: images differ in content (and bytes) as uploads do. */
const scenes = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

/** 640x480 (0.3 MP) camera JPEGs with EXIF: small enough that per-message overhead shows. */
export const smallPhotos = (count = 8) => Promise.all(scenes(count).map((seed) => jpegWithExif({ seed })));

/** 12 MP (4243x2828) JPEGs, a phone camera's output. */
export const phonePhotos = (count = 4) =>
  Promise.all(scenes(count).map((seed) => largeJpeg({ megapixels: 12, seed })));

/** Images just under the 40 MP pixel limit (7736x5157), each the worst case of something. */
export const pixelLimitImages: Record<PixelLimitImage, () => Promise<Buffer>> = {
  /** Baseline JPEG, quality 85: decoded with JPEG shrink-on-load by every consumer. */
  'jpeg-39.9MP': () => largeJpeg({ megapixels: 39.9, seed: 1 }),
  /** The same pixels as a progressive JPEG: libjpeg keeps every coefficient in memory to decode it. */
  'progressive-jpeg-39.9MP': async () =>
    sharp(await largeJpeg({ megapixels: 39.9, seed: 1 }))
      .jpeg({ quality: 85, progressive: true })
      .toBuffer(),
};
