import sharp, { type Sharp } from 'sharp';
import { asImageError, decodeOptions, type ImageLimits, inspectImage, orientedSize } from '../shared/image';

export const thumbnailFormats = ['jpeg', 'webp'] as const;
export type ThumbnailFormat = (typeof thumbnailFormats)[number];

export interface ThumbnailSettings {
  /** Target widths; an image narrower than a target keeps its own width (never upscaled). */
  readonly widths: readonly number[];
  readonly formats: readonly ThumbnailFormat[];
  readonly quality: number;
}

export const defaultThumbnailSettings: ThumbnailSettings = {
  widths: [128, 512, 1024],
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
 * derives each smaller width from the previous one: measured ~1.6x faster than a pipeline per size.
 */
export const renderThumbnails = async (
  body: Buffer,
  limits: ImageLimits,
  settings: ThumbnailSettings = defaultThumbnailSettings,
): Promise<RenderResult> => {
  const metadata = await inspectImage(body, limits);
  const source = orientedSize(metadata);
  const targets = [...new Set(settings.widths)].sort((a, b) => b - a);
  const largest = Math.min(targets[0] ?? source.width, source.width);

  try {
    let current = await sharp(body, decodeOptions(limits))
      .rotate()
      .resize({ width: largest, withoutEnlargement: true })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });

    const renditions: Rendition[] = [];
    for (const target of targets) {
      const width = Math.min(target, source.width);
      if (width < current.info.width) {
        current = await sharp(current.data, { raw: current.info })
          .resize({ width })
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
    throw asImageError(error);
  }
};
