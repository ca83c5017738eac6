import sharp, { type Sharp } from 'sharp';
import { defaultThumbnailWidths } from '../shared/constants';
import { asImageError, decodeOptions, type ImageLimits, inspectImage, orientedSize } from '../shared/image';

export const thumbnailFormats = ['jpeg', 'webp'] as const;
export type ThumbnailFormat = (typeof thumbnailFormats)[number];

export interface ThumbnailSettings {
  /** Target widths; an image narrower than a target keeps its own width (never upscaled). */
  readonly widths: readonly number[];
  readonly formats: readonly ThumbnailFormat[];
  readonly quality: number;
}

/**
 * A rendition fits a box as wide as its target and at most this many times as tall, so that a tall
 * screenshot makes a thumbnail, not a strip: 1170x20000 at 1024 becomes 240x4096.
 */
export const maxHeightPerWidth = 4;
/** WebP cannot encode more than 16,383 px on a side (JPEG 65,535): the box never asks for more. */
const encoderSideLimit = 16_383;

/** The largest size that fits the target's box, never enlarged. */
export const fittedSize = (source: { width: number; height: number }, target: number) => {
  const boxHeight = Math.min(target * maxHeightPerWidth, encoderSideLimit);
  const scale = Math.min(1, target / source.width, boxHeight / source.height);
  return {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  };
};

export const defaultThumbnailSettings: ThumbnailSettings = {
  widths: defaultThumbnailWidths,
  formats: thumbnailFormats,
  quality: 80,
};

export interface Rendition {
  /** The target width this rendition answers to (its name), not necessarily its pixel width. */
  readonly width: number;
  readonly format: ThumbnailFormat;
  readonly body: Buffer;
  readonly outputWidth: number;
  readonly outputHeight: number;
}

export interface RenderResult {
  /** The source as displayed (EXIF orientation applied). */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly renditions: readonly Rendition[];
}

const encode = (image: Sharp, format: ThumbnailFormat, quality: number) =>
  format === 'jpeg'
    ? image.flatten({ background: '#ffffff' }).jpeg({ quality, mozjpeg: false, progressive: true })
    : image.webp({ quality, effort: 2 });

/**
 * Decodes once, at the largest size needed (JPEG shrink-on-load does most of the work), then
 * derives each smaller rendition from the previous one: measured ~1.6x faster than a pipeline per
 * size. `signal` stops the work between steps (a running libvips operation cannot be interrupted).
 */
export const renderThumbnails = async (
  body: Buffer,
  limits: ImageLimits,
  settings: ThumbnailSettings = defaultThumbnailSettings,
  signal?: AbortSignal,
): Promise<RenderResult> => {
  const metadata = await inspectImage(body, limits);
  const source = orientedSize(metadata);
  const targets = [...new Set(settings.widths)].sort((a, b) => b - a);
  const largest = fittedSize(source, targets[0] ?? source.width);

  try {
    signal?.throwIfAborted();
    let current = await sharp(body, decodeOptions(limits))
      .rotate()
      .resize({ ...largest, fit: 'inside', withoutEnlargement: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });

    const renditions: Rendition[] = [];
    for (const target of targets) {
      signal?.throwIfAborted();
      const size = fittedSize(source, target);
      if (size.width < current.info.width || size.height < current.info.height) {
        current = await sharp(current.data, { raw: current.info })
          .resize({ ...size, fit: 'inside' })
          .raw({ depth: 'uchar' })
          .toBuffer({ resolveWithObject: true });
      }
      const { data, info } = current;
      const encoded = await Promise.all(
        settings.formats.map(async (format) => ({
          format,
          body: await encode(sharp(data, { raw: info }), format, settings.quality).toBuffer(),
        })),
      );
      for (const { format, body: output } of encoded) {
        renditions.push({
          width: target,
          format,
          body: output,
          outputWidth: info.width,
          outputHeight: info.height,
        });
      }
    }
    return { sourceWidth: source.width, sourceHeight: source.height, renditions };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw asImageError(error);
  }
};
