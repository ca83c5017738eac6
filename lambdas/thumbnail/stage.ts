import { DeleteObjectsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Stage, StageContext } from '../shared/batch';
import { thumbnailPrefix } from '../shared/constants';
import { type ImageLimits, loadImage } from '../shared/image';
import { defaultThumbnailSettings, type Rendition, renderThumbnails, type ThumbnailSettings } from './render';

export interface ThumbnailEntry {
  readonly key: string;
  readonly width: number;
  readonly format: string;
  readonly outputWidth: number;
  readonly outputHeight: number;
  readonly bytes: number;
}

export interface ThumbnailData {
  readonly bucket: string;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly thumbnails: readonly ThumbnailEntry[];
}

export interface ThumbnailStageOptions {
  readonly s3: S3Client;
  readonly derivedBucket: string;
  readonly limits: ImageLimits;
  readonly settings?: ThumbnailSettings;
}

export const thumbnailKey = (imageId: string, width: number, format: string) =>
  `${thumbnailPrefix}${imageId}/${width}.${format}`;

const contentType = (format: string) => `image/${format}`;

export const createThumbnailStage = ({
  s3,
  derivedBucket,
  limits,
  settings = defaultThumbnailSettings,
}: ThumbnailStageOptions): Stage<ThumbnailData> => {
  const put = (imageId: string, rendition: Rendition) =>
    s3.send(
      new PutObjectCommand({
        Bucket: derivedBucket,
        Key: thumbnailKey(imageId, rendition.width, rendition.format),
        Body: rendition.body,
        ContentType: contentType(rendition.format),
        CacheControl: 'public, max-age=31536000, immutable',
      }),
    );

  /** Deletes every thumbnail the image may have: what was recorded and what the settings name. */
  const removeAll = async ({ event, previous }: StageContext<ThumbnailData>) => {
    const keys = new Set([
      ...(previous?.data?.thumbnails ?? []).map((entry) => entry.key),
      ...settings.widths.flatMap((width) =>
        settings.formats.map((f) => thumbnailKey(event.imageId, width, f)),
      ),
    ]);
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: derivedBucket,
        Delete: { Objects: [...keys].map((Key) => ({ Key })), Quiet: true },
      }),
    );
    return {};
  };

  return {
    consumer: 'thumbnail',
    async created({ event, previous }) {
      const image = await loadImage(s3, event, limits);
      const result = await renderThumbnails(image.body, limits, settings);
      await Promise.all(result.renditions.map((rendition) => put(event.imageId, rendition)));
      const written = new Set(result.renditions.map((r) => thumbnailKey(event.imageId, r.width, r.format)));
      // Thumbnails an earlier version had and this one does not (the width list changed, say).
      const stale = (previous?.data?.thumbnails ?? []).filter((entry) => !written.has(entry.key));
      if (stale.length > 0) {
        await s3.send(
          new DeleteObjectsCommand({
            Bucket: derivedBucket,
            Delete: { Objects: stale.map(({ key }) => ({ Key: key })), Quiet: true },
          }),
        );
      }
      return {
        data: {
          bucket: derivedBucket,
          sourceWidth: result.sourceWidth,
          sourceHeight: result.sourceHeight,
          thumbnails: result.renditions.map((rendition) => ({
            key: thumbnailKey(event.imageId, rendition.width, rendition.format),
            width: rendition.width,
            format: rendition.format,
            outputWidth: rendition.outputWidth,
            outputHeight: rendition.outputHeight,
            bytes: rendition.body.length,
          })),
        },
      };
    },
    removed: removeAll,
  };
};
