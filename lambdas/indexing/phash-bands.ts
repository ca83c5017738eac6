/**
 * Comparing perceptual hashes, apart from computing them (phash.ts, which needs sharp): what readers
 * of the index (search, the API) use without loading an image decoder.
 */

/** Bands the 64-bit hash is cut into for lookup: two hashes within distance 3 share at least one. */
export const phashBands = 4;
const bandHexLength = 16 / phashBands;

export const hammingDistance = (a: string, b: string): number => {
  let diff = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (diff > 0n) {
    count += Number(diff & 1n);
    diff >>= 1n;
  }
  return count;
};

export const phashBandsOf = (hash: string): string[] =>
  Array.from({ length: phashBands }, (_, i) => hash.slice(i * bandHexLength, (i + 1) * bandHexLength));
