import type { S3Client } from '@aws-sdk/client-s3';
import type { Stage } from '../shared/batch';
import { contentTypes, type ImageLimits, inspectImage, loadImage, orientedSize } from '../shared/image';
import { deleteRequest, type ImageTable, imagePartition, putRequest } from '../shared/store';
import { indexEntries, indexEntryPrefix } from './entries';
import { perceptualHash } from './phash';
import { ownerOf, tokensOf } from './terms';

export interface IndexingData {
  readonly owner: string;
  readonly uploadedAt: string;
  readonly contentType: string;
  readonly tokens: readonly string[];
  readonly phash: string;
  /** Sort keys of the entries written, so that a newer version can remove the ones it lacks. */
  readonly entries: readonly string[];
}

export interface IndexingStageOptions {
  readonly s3: S3Client;
  readonly table: ImageTable;
  readonly limits: ImageLimits;
}

export const createIndexingStage = ({ s3, table, limits }: IndexingStageOptions): Stage<IndexingData> => ({
  consumer: 'indexing',
  async created({ event, previous }) {
    const image = await loadImage(s3, event, limits);
    const size = orientedSize(await inspectImage(image.body, limits));
    const owner = ownerOf(event.key);
    const tokens = tokensOf(event.key, image.userMetadata);
    const phash = await perceptualHash(image.body, limits);
    const entries = indexEntries({
      imageId: event.imageId,
      bucket: event.bucket,
      key: event.key,
      owner,
      uploadedAt: event.eventTime,
      contentType: contentTypes[image.format],
      bytes: image.bytes,
      width: size.width,
      height: size.height,
      tokens,
      phash,
    });
    const current = new Set(entries.map((entry) => entry.sk));
    // Tokens an earlier version had (its user metadata changed, say) must stop finding it.
    const stale = (previous?.data?.entries ?? []).filter((sk) => !current.has(sk));
    return {
      data: {
        owner,
        uploadedAt: event.eventTime,
        contentType: contentTypes[image.format],
        tokens,
        phash,
        entries: [...current],
      },
      writes: [
        ...entries.map(putRequest),
        ...stale.map((sk) => deleteRequest({ pk: imagePartition(event.imageId), sk })),
      ],
    };
  },
  async removed({ event }) {
    // Query rather than trust the stage record: whatever is indexed under the image goes.
    const items = await table.itemsOfImage(event.imageId, indexEntryPrefix);
    return { writes: items.map(deleteRequest) };
  },
});
