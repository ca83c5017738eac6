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
