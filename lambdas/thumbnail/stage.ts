import type { S3Client } from '@aws-sdk/client-s3';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Stage } from '../shared/batch';
import { thumbnailPrefix } from '../shared/constants';
import type { ImageEvent } from '../shared/events';
import { type ImageLimits, loadImage } from '../shared/image';
import { defaultThumbnailSettings, type Rendition, renderThumbnails, type ThumbnailSettings } from './render';
import { removeObjects } from './sweep';

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

export const thumbnailFolder = (imageId: string) => `${thumbnailPrefix}${imageId}/`;

/**
 * Each event's thumbnails live under its own sequencer: an attempt that never commits cannot
 * overwrite the set a committed record names, and a key is never reused for other content.
 */
export const thumbnailKey = (imageId: string, sequencer: string, width: number, format: string) =>
  `${thumbnailFolder(imageId)}${sequencer}/${width}.${format}`;

/** The sequencer a thumbnail key carries; undefined for a key of the earlier, unversioned layout. */
export const sequencerOfKey = (key: string): string | undefined =>
  /^[^/]+\/[^/]+\/([0-9A-F]{32})\/[^/]+$/.exec(key)?.[1];

/** Keys are never reused for other content, so caches may keep a thumbnail for good. */
export const thumbnailCacheControl = 'public, max-age=31536000, immutable';

const entryOf = (event: ImageEvent, rendition: Rendition): ThumbnailEntry => ({
  key: thumbnailKey(event.imageId, event.sequencer, rendition.width, rendition.format),
  width: rendition.width,
  format: rendition.format,
  outputWidth: rendition.outputWidth,
  outputHeight: rendition.outputHeight,
  bytes: rendition.body.length,
});

export const createThumbnailStage = ({
  s3,
  derivedBucket,
  limits,
  settings = defaultThumbnailSettings,
}: ThumbnailStageOptions): Stage<ThumbnailData> => ({
  consumer: 'thumbnail',
  async created({ event, signal }) {
    const image = await loadImage(s3, event, limits, signal);
    const result = await renderThumbnails(image.body, limits, settings, signal);
    const entries = result.renditions.map((rendition) => entryOf(event, rendition));
    await Promise.all(
      result.renditions.map((rendition, index) =>
        s3.send(
          new PutObjectCommand({
            Bucket: derivedBucket,
            Key: entries[index]?.key,
            Body: rendition.body,
            ContentType: `image/${rendition.format}`,
            CacheControl: thumbnailCacheControl,
          }),
          { abortSignal: signal },
        ),
      ),
    );
    return {
      data: {
        bucket: derivedBucket,
        sourceWidth: result.sourceWidth,
        sourceHeight: result.sourceHeight,
        thumbnails: entries,
      },
    };
  },
  async sweep(committed, signal) {
    const named = new Set((committed.data?.thumbnails ?? []).map((entry) => entry.key));
    await removeObjects(s3, derivedBucket, thumbnailFolder(committed.imageId), signal, (key) => {
      if (named.has(key)) return false;
      const sequencer = sequencerOfKey(key);
      // Newer attempts (still on their way to a commit) are theirs to keep or sweep.
      return sequencer === undefined || sequencer <= committed.sequencer;
    });
  },
});
