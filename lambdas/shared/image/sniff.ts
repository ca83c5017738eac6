/** Formats the pipeline accepts, as sniffed from magic bytes: extensions and Content-Type lie. */
export const imageFormats = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const;
export type ImageFormat = (typeof imageFormats)[number];

export const contentTypes: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
};

const startsWith = (buffer: Uint8Array, bytes: readonly number[], offset = 0) =>
  buffer.length >= offset + bytes.length && bytes.every((byte, i) => buffer[offset + i] === byte);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

export const sniffImageFormat = (buffer: Uint8Array): ImageFormat | undefined => {
  if (startsWith(buffer, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buffer, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(buffer, ascii('GIF87a')) || startsWith(buffer, ascii('GIF89a'))) return 'gif';
  if (startsWith(buffer, ascii('RIFF')) && startsWith(buffer, ascii('WEBP'), 8)) return 'webp';
  if (
    startsWith(buffer, ascii('ftyp'), 4) &&
    (startsWith(buffer, ascii('avif'), 8) || startsWith(buffer, ascii('avis'), 8))
  )
    return 'avif';
  if (startsWith(buffer, [0x49, 0x49, 0x2a, 0x00]) || startsWith(buffer, [0x4d, 0x4d, 0x00, 0x2a]))
    return 'tiff';
  return undefined;
};

/** A few words on what a non-image looks like, for a rejection reason a person understands. */
export const describeContent = (buffer: Uint8Array): string => {
  if (buffer.length === 0) return 'an empty object';
  if (startsWith(buffer, ascii('%PDF'))) return 'a PDF document';
  if (startsWith(buffer, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive';
  if (startsWith(buffer, ascii('ftyp'), 4))
    return 'an ISO media file (HEIC, MP4, ...) of an unsupported brand';
  if (startsWith(buffer, ascii('<svg')) || startsWith(buffer, ascii('<?xml'))) return 'an XML/SVG document';
  const head = Buffer.from(buffer.subarray(0, 512));
  const printable = [...head].filter(
    (byte) => byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127),
  );
  if (printable.length / head.length > 0.95) return 'text';
  return `unrecognised binary data (starts ${head.subarray(0, 4).toString('hex')})`;
};

/** Where a JPEG's first scan starts: markers are walked by their lengths, so EXIF thumbnails are skipped. */
const jpegScanStart = (buffer: Uint8Array): number | undefined => {
  let offset = 2;
  while (offset + 4 <= buffer.length) {
    if (buffer[offset] !== 0xff) return undefined;
    const marker = buffer[offset + 1] as number;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    const length = ((buffer[offset + 2] as number) << 8) | (buffer[offset + 3] as number);
    if (marker === 0xda) return offset + 2 + length;
    offset += 2 + length;
  }
  return undefined;
};

/** Where the two bytes `first, second` occur from `from` on (Buffer.indexOf: native, not a JS loop). */
const indexOfPair = (buffer: Uint8Array, first: number, second: number, from: number): number =>
  Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).indexOf(
    Uint8Array.of(first, second),
    Math.max(0, from),
  );

/**
 * Why the file stops before its format says it ends, if it does: a JPEG with no end-of-image
 * marker after its first scan (entropy-coded data cannot contain one), a PNG without IEND, a WebP
 * shorter than its RIFF header declares. libvips reports truncation too (`failOn`), but not
 * reliably when several images decode at once in one process, so this check runs first.
 */
export const truncation = (buffer: Uint8Array, format: ImageFormat): string | undefined => {
  if (format === 'jpeg') {
    const scan = jpegScanStart(buffer);
    if (scan === undefined) return 'the JPEG has no image data (no start-of-scan marker)';
    return indexOfPair(buffer, 0xff, 0xd9, scan) < 0
      ? 'the JPEG ends before its end-of-image marker'
      : undefined;
  }
  if (format === 'png') {
    return Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).lastIndexOf('IEND') < 8
      ? 'the PNG ends before its IEND chunk'
      : undefined;
  }
  if (format === 'webp') {
    const declared = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).readUInt32LE(4) + 8;
    return buffer.length < declared
      ? `the WebP is ${buffer.length} bytes, its header says ${declared}`
      : undefined;
  }
  return undefined;
};
