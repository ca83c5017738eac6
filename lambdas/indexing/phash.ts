import sharp from 'sharp';
import { asImageError, decodeOptions, type ImageLimits } from '../shared/image';

export { hammingDistance, phashBands, phashBandsOf } from './phash-bands';

const sampleSize = 32;
const keptFrequencies = 8;
const cosines = Array.from({ length: keptFrequencies }, (_, frequency) =>
  Float64Array.from({ length: sampleSize }, (_, x) =>
    Math.cos(((2 * x + 1) * frequency * Math.PI) / (2 * sampleSize)),
  ),
);

/**
 * A DCT perceptual hash: the lowest 8x8 frequencies of a 32x32 grey image, one bit each (above or
 * below their median). Resized, recompressed or re-encoded copies land within 0-2 bits of the
 * original here, unrelated photos 18 or more; a difference hash moved up to 7 bits on a resize.
 */
export const perceptualHash = async (body: Buffer, limits: ImageLimits): Promise<string> => {
  let pixels: Buffer;
  try {
    pixels = await sharp(body, decodeOptions(limits))
      .rotate()
      .flatten({ background: '#ffffff' })
      .grayscale()
      .resize(sampleSize, sampleSize, { fit: 'fill' })
      .raw()
      .toBuffer();
  } catch (error) {
    throw asImageError(error);
  }
  // Separable 2-D DCT, rows then columns, computing only the frequencies kept.
  const rows = Array.from({ length: sampleSize }, (_, y) =>
    cosines.map((cosine) => {
      let sum = 0;
      for (let x = 0; x < sampleSize; x++) sum += (pixels[y * sampleSize + x] ?? 0) * (cosine[x] ?? 0);
      return sum;
    }),
  );
  const coefficients: number[] = [];
  for (const cosine of cosines) {
    for (let u = 0; u < keptFrequencies; u++) {
      let sum = 0;
      for (let y = 0; y < sampleSize; y++) sum += (rows[y]?.[u] ?? 0) * (cosine[y] ?? 0);
      coefficients.push(sum);
    }
  }
  // The DC term (overall brightness) would skew the median, so it stays out of it.
  const median =
    [...coefficients.slice(1)].sort((a, b) => a - b)[Math.floor((coefficients.length - 1) / 2)] ?? 0;
  let bits = 0n;
  for (const coefficient of coefficients) bits = (bits << 1n) | (coefficient > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
};
