import type { S3Client } from '@aws-sdk/client-s3';
import type { Stage } from '../shared/batch';
import { contentTypes, type ImageLimits, inspectImage, loadImage, orientedSize } from '../shared/image';
import { indexEntries } from './entries';
import { perceptualHash } from './phash';
import { ownerOf, tokensOf } from './terms';

export interface IndexingData {
  readonly owner: string;
  readonly uploadedAt: string;
  readonly contentType: string;
  readonly tokens: readonly string[];
  readonly phash: string;
}

export interface IndexingStageOptions {
  readonly s3: S3Client;
  readonly limits: ImageLimits;
}

/**
 * The search entries of an image are committed with its stage record, so they can never outlive
 * the event that made them: the runtime deletes the previous result's entries in the same commit.
 */
export const createIndexingStage = ({ s3, limits }: IndexingStageOptions): Stage<IndexingData> => ({
  consumer: 'indexing',
  async created({ event, signal }) {
    const image = await loadImage(s3, event, limits, signal);
    const size = orientedSize(await inspectImage(image.body, limits));
    const owner = ownerOf(event.key);
    const tokens = tokensOf(event.key, image.userMetadata);
    signal.throwIfAborted();
    const phash = await perceptualHash(image.body, limits);
    // The time of the newest event: an undelete lists the image as new again, and a reprocess
    // request (which carries the stored event's time) leaves it where it was.
    const uploadedAt = event.eventTime;
    const contentType = contentTypes[image.format];
    const items = indexEntries({
      imageId: event.imageId,
      bucket: event.bucket,
      key: event.key,
      owner,
      uploadedAt,
      contentType,
      bytes: image.bytes,
      width: size.width,
      height: size.height,
      tokens,
      phash,
    });
    return { data: { owner, uploadedAt, contentType, tokens, phash }, items };
  },
});
