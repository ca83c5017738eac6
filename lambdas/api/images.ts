import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ImageSearch, SearchHit } from '../indexing/search';
import { ownerOf as ownerOfKey } from '../indexing/terms';
import { type ConsumerName, consumerNames, stageStatuses, thumbnailPrefix } from '../shared/constants';
import { type ImageTable, stageSortKey, type TableItem } from '../shared/store';
import { NotFoundError } from './errors';

export interface StageView {
  readonly status: string;
  readonly reasonCode?: string;
  readonly reason?: string;
  readonly updatedAt?: string;
}

export interface ThumbnailView {
  readonly width: number;
  readonly format: string;
  readonly outputWidth?: number;
  readonly outputHeight?: number;
  readonly url: string;
}

/** Where one of the caller's images stands, as GET /images/{imageId} answers. */
export interface ImageView {
  readonly imageId: string;
  readonly key: string;
  /** Every consumer has recorded an outcome. */
  readonly settled: boolean;
  readonly stages: Readonly<Record<ConsumerName, StageView>>;
  readonly metadata?: Record<string, unknown>;
  readonly moderation?: Record<string, unknown>;
  readonly thumbnails: readonly ThumbnailView[];
}

/** An image's stage records, found only if they belong to `owner`: someone else's image is not found. */
export interface OwnedImage {
  readonly imageId: string;
  readonly key: string;
  readonly stages: ReadonlyMap<ConsumerName, TableItem>;
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

export const findOwnedImage = async (
  table: ImageTable,
  imageId: string,
  owner: string,
): Promise<OwnedImage> => {
  const items = await table.itemsOfImage(imageId, 'STAGE#');
  const stages = new Map<ConsumerName, TableItem>();
  for (const consumer of consumerNames) {
    const item = items.find((candidate) => candidate.sk === stageSortKey(consumer));
    if (item !== undefined) stages.set(consumer, item);
  }
  const key = [...stages.values()].map((item) => item.key).find((value) => typeof value === 'string');
  // Until a consumer has recorded the upload, the API cannot tell whose it is: not found yet.
  if (typeof key !== 'string' || ownerOfKey(key) !== owner) throw new NotFoundError(`Image ${imageId}`);
  return { imageId, key, stages };
};

const stageView = (item: TableItem | undefined): StageView => {
  if (item === undefined) return { status: 'pending' };
  return {
    status: String(item.status),
    ...(typeof item.reasonCode === 'string' ? { reasonCode: item.reasonCode } : {}),
    ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
    ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
  };
};

/** The data a processed stage recorded; nothing for a rejected or deleted one. */
const processedData = (item: TableItem | undefined) =>
  item?.status === stageStatuses.processed ? asRecord(item.data) : undefined;

/** Short-lived GET URLs of the thumbnails the thumbnail stage recorded: keys are read, never rebuilt. */
const thumbnailViews = async (
  s3: S3Client,
  data: Record<string, unknown> | undefined,
  fallbackBucket: string,
  expiresIn: number,
): Promise<ThumbnailView[]> => {
  const bucket = typeof data?.bucket === 'string' ? data.bucket : fallbackBucket;
  const entries = Array.isArray(data?.thumbnails) ? data.thumbnails.map(asRecord) : [];
  const signed = entries
    .filter((entry) => typeof entry?.key === 'string' && entry.key.startsWith(thumbnailPrefix))
    .map(async (entry) => ({
      width: Number(entry?.width),
      format: String(entry?.format),
      ...(typeof entry?.outputWidth === 'number' ? { outputWidth: entry.outputWidth } : {}),
      ...(typeof entry?.outputHeight === 'number' ? { outputHeight: entry.outputHeight } : {}),
      url: await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: String(entry?.key) }), {
        expiresIn,
      }),
    }));
  return Promise.all(signed);
};

export const imageView = async (
  s3: S3Client,
  image: OwnedImage,
  options: { derivedBucket: string; downloadUrlSeconds: number },
): Promise<ImageView> => {
  const stages = Object.fromEntries(
    consumerNames.map((consumer) => [consumer, stageView(image.stages.get(consumer))]),
  ) as Record<ConsumerName, StageView>;
  const metadata = processedData(image.stages.get('metadata'));
  const moderation = processedData(image.stages.get('moderation'));
  return {
    imageId: image.imageId,
    key: image.key,
    settled: consumerNames.every((consumer) => image.stages.has(consumer)),
    stages,
    ...(metadata ? { metadata } : {}),
    ...(moderation ? { moderation } : {}),
    thumbnails: await thumbnailViews(
      s3,
      processedData(image.stages.get('thumbnail')),
      options.derivedBucket,
      options.downloadUrlSeconds,
    ),
  };
};

/** Deletes the upload; each consumer then removes what it derived, through the pipeline as for any delete. */
export const deleteImage = async (s3: S3Client, bucket: string, image: OwnedImage): Promise<void> => {
  const live = [...image.stages.values()].some((item) => item.status !== stageStatuses.deleted);
  if (!live) throw new NotFoundError(`Image ${image.imageId}`);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: image.key }));
};

/** A search hit as the API shows it: no bucket, no hash. */
export const hitView = (hit: SearchHit) => ({
  imageId: hit.imageId,
  key: hit.key,
  uploadedAt: hit.uploadedAt,
  contentType: hit.contentType,
});

/** The caller's near-duplicates of one of their images, closest first, the image itself left out. */
export const similarImages = async (search: ImageSearch, image: OwnedImage, owner: string) => {
  const phash = asRecord(processedData(image.stages.get('indexing')))?.phash;
  if (typeof phash !== 'string') return [];
  const hits = await search.similarTo(phash);
  return hits
    .filter((hit) => hit.owner === owner && hit.imageId !== image.imageId)
    .map((hit) => ({ ...hitView(hit), distance: hit.distance }));
};
