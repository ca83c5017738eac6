import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { PermanentError, rejectionCodes, TransientError } from '../errors';
import type { ImageLimits } from './limits';

/** sharp options every decode uses: a pixel bomb or a truncated file fails fast and cleanly. */
export const decodeOptions = (limits: ImageLimits): SharpOptions => ({
  limitInputPixels: limits.maxPixels,
  failOn: 'truncated',
});

/** sharp's errors say what is wrong with the input; only resource exhaustion is worth a retry. */
export const asImageError = (error: unknown): Error => {
  if (error instanceof PermanentError || error instanceof TransientError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) {
    return new PermanentError(rejectionCodes.tooManyPixels, `Image is over the pixel limit: ${message}`, {
      cause: error,
    });
  }
  if (/too large for the \w+ format|processed image is too large/i.test(message)) {
    return new PermanentError(rejectionCodes.unsupportedDimensions, `Image cannot be encoded: ${message}`, {
      cause: error,
    });
  }
  if (/unsupported image format/i.test(message)) {
    return new PermanentError(rejectionCodes.unsupportedFormat, `Image format is not supported: ${message}`, {
      cause: error,
    });
  }
  if (/out of memory|cannot allocate|malloc/i.test(message)) {
    return new TransientError(`Image decoder ran out of memory: ${message}`, { cause: error });
  }
  return new PermanentError(rejectionCodes.corrupt, `Image cannot be decoded: ${message.trim()}`, {
    cause: error,
  });
};

/**
 * Header-only inspection (no pixel decode) with the pixel guard applied before any decode. sharp's
 * own pixel limit is off for the header read, so that the rejection can name the dimensions.
 */
export const inspectImage = async (body: Buffer, limits: ImageLimits): Promise<Metadata> => {
  let metadata: Metadata;
  try {
    metadata = await sharp(body, { ...decodeOptions(limits), limitInputPixels: false }).metadata();
  } catch (error) {
    throw asImageError(error);
  }
  const width = metadata.width ?? 0;
  const height = metadata.pageHeight ?? metadata.height ?? 0;
  if (width === 0 || height === 0) {
    throw new PermanentError(rejectionCodes.corrupt, 'Image header has no dimensions');
  }
  if (width * height > limits.maxPixels) {
    throw new PermanentError(
      rejectionCodes.tooManyPixels,
      `Image is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} MP), over the ${(limits.maxPixels / 1e6).toFixed(1)} MP limit`,
    );
  }
  return metadata;
};

/** Width and height as displayed, i.e. after EXIF orientation 5-8 swaps them. */
export const orientedSize = (metadata: Pick<Metadata, 'width' | 'height' | 'orientation' | 'pageHeight'>) => {
  const width = metadata.width ?? 0;
  const height = metadata.pageHeight ?? metadata.height ?? 0;
  return (metadata.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height };
};
