/**
 * Images at the edges of what the consumers accept: shapes, tags and metadata blocks that real
 * uploads have and that once broke a consumer. Deterministic, like samples/images.ts.
 */
import sharp from 'sharp';

const tiffTypes = { ascii: 2, short: 3, long: 4 } as const;

interface TiffEntry {
  readonly tag: number;
  readonly type: (typeof tiffTypes)[keyof typeof tiffTypes];
  readonly count: number;
  /** Inline value, or the bytes stored out of line (the entry then holds their offset). */
  readonly value: number | Buffer;
}

/**
 * An 8x8 RGB TIFF, uncompressed, whose IFD0 carries a Make tag of the given text: TIFF allows a tag
 * of any length, and a camera maker field of hundreds of kilobytes is enough to make a naive record
 * larger than a DynamoDB item may be.
 */
export const tiffWithMake = (make: string): Buffer => {
  const side = 8;
  const pixels = Buffer.alloc(side * side * 3, 0x80);
  const makeBytes = Buffer.from(`${make}\0`, 'latin1');
  const bitsPerSample = Buffer.from([8, 0, 8, 0, 8, 0]);
  const entries: TiffEntry[] = [
    { tag: 256, type: tiffTypes.short, count: 1, value: side },
    { tag: 257, type: tiffTypes.short, count: 1, value: side },
    { tag: 258, type: tiffTypes.short, count: 3, value: bitsPerSample },
    { tag: 259, type: tiffTypes.short, count: 1, value: 1 },
    { tag: 262, type: tiffTypes.short, count: 1, value: 2 },
    { tag: 271, type: tiffTypes.ascii, count: makeBytes.length, value: makeBytes },
    { tag: 273, type: tiffTypes.long, count: 1, value: -1 },
    { tag: 277, type: tiffTypes.short, count: 1, value: 3 },
    { tag: 278, type: tiffTypes.short, count: 1, value: side },
    { tag: 279, type: tiffTypes.long, count: 1, value: pixels.length },
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  let dataOffset = 8 + ifdSize;
  const outOfLine: Buffer[] = [];
  const ifd = Buffer.alloc(ifdSize);
  ifd.writeUInt16LE(entries.length, 0);
  const stripOffset = dataOffset + bitsPerSample.length + makeBytes.length;
  for (const [index, entry] of entries.entries()) {
    const at = 2 + index * 12;
    ifd.writeUInt16LE(entry.tag, at);
    ifd.writeUInt16LE(entry.type, at + 2);
    ifd.writeUInt32LE(entry.count, at + 4);
    if (Buffer.isBuffer(entry.value)) {
      ifd.writeUInt32LE(dataOffset, at + 8);
      dataOffset += entry.value.length;
      outOfLine.push(entry.value);
    } else if (entry.tag === 273) ifd.writeUInt32LE(stripOffset, at + 8);
    else if (entry.type === tiffTypes.short) ifd.writeUInt16LE(entry.value, at + 8);
    else ifd.writeUInt32LE(entry.value, at + 8);
  }
  const header = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  return Buffer.concat([header, ifd, ...outOfLine, pixels]);
};

/** A WebP whose EXIF names the camera and the place: what a phone's share sheet produces. */
export const webpWithExif = (): Promise<Buffer> =>
  sharp({ create: { width: 96, height: 64, channels: 3, background: '#3a6ea5' } })
    .withExif({
      IFD0: { Make: 'Google', Model: 'Pixel 8' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 30/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 17/1 40/1',
      },
    })
    .webp({ quality: 80 })
    .toBuffer();

/** A phone screenshot of a long page: 1170 x 20000 px (23.4 MP), within the pixel limit. */
export const tallScreenshot = (): Promise<Buffer> =>
  sharp({ create: { width: 1170, height: 20_000, channels: 3, background: '#f4f4f4' } })
    .composite([
      { input: { create: { width: 900, height: 40, channels: 3, background: '#222' } }, top: 120, left: 60 },
    ])
    .png({ compressionLevel: 1 })
    .toBuffer();
