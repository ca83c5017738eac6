import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { type ConsumerName, consumerNames } from '../lambdas/shared/constants';
import { imageIdOf } from '../lambdas/shared/events';
import {
  type FailureRecord,
  failureSortKey,
  ImageTable,
  type StageRecord,
  stageSortKey,
} from '../lambdas/shared/store';
import { type FailureView, failureView, type StageView } from './dead-letters';
import type { Target } from './target';

export interface ThumbnailView {
  readonly key: string;
  readonly width: number;
  readonly format: string;
  readonly bytes?: number;
  /** The object is in the derived bucket (a recorded thumbnail can be deleted by hand, say). */
  readonly present: boolean;
}

export interface ConsumerStanding {
  readonly consumer: ConsumerName;
  /** Undefined: the consumer has recorded nothing yet (in its queue, its DLQ, or lost). */
  readonly stage?: StageView;
  readonly lastFailure?: FailureView;
}

export interface ImageReport {
  readonly bucket: string;
  readonly key: string;
  readonly imageId: string;
  /** The upload as S3 has it now; undefined when it is not there (deleted, or never uploaded). */
  readonly upload?: {
    readonly bytes?: number;
    readonly lastModified?: string;
    readonly contentType?: string;
  };
  readonly consumers: readonly ConsumerStanding[];
  readonly derivedBucket: string;
  readonly thumbnails: readonly ThumbnailView[];
  /** Every consumer has recorded an outcome. */
  readonly settled: boolean;
}

const head = async (target: Target, bucket: string, key: string) => {
  try {
    return await target.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if ((error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
};

const headUpload = async (target: Target, bucket: string, key: string): Promise<ImageReport['upload']> => {
  const object = await head(target, bucket, key);
  return (
    object && {
      ...(object.ContentLength !== undefined ? { bytes: object.ContentLength } : {}),
      ...(object.LastModified ? { lastModified: object.LastModified.toISOString() } : {}),
      ...(object.ContentType ? { contentType: object.ContentType } : {}),
    }
  );
};

const stageViewOf = (record: StageRecord): StageView => ({
  status: record.status,
  sequencer: record.sequencer,
  updatedAt: record.updatedAt,
  ...(record.reasonCode ? { reasonCode: record.reasonCode } : {}),
  ...(record.reason ? { reason: record.reason } : {}),
});

/** Where one upload stands: each consumer's record and last failure, its thumbnails, the object itself. */
export const imageReport = async (
  target: Target,
  key: string,
  { bucket = target.uploadsBucket }: { bucket?: string } = {},
): Promise<ImageReport> => {
  const imageId = imageIdOf(bucket, key);
  const [upload, items] = await Promise.all([
    headUpload(target, bucket, key),
    new ImageTable(target.doc, target.tableName).itemsOfImage(imageId),
  ]);
  const consumers = consumerNames.map((consumer): ConsumerStanding => {
    const record = items.find((item) => item.sk === stageSortKey(consumer)) as StageRecord | undefined;
    const failure = items.find((item) => item.sk === failureSortKey(consumer)) as FailureRecord | undefined;
    const stage = record && stageViewOf(record);
    const lastFailure = failureView(failure, stage);
    return { consumer, ...(stage ? { stage } : {}), ...(lastFailure ? { lastFailure } : {}) };
  });
  const thumbnailStage = items.find((item) => item.sk === stageSortKey('thumbnail')) as
    | StageRecord
    | undefined;
  const recorded =
    (thumbnailStage?.data as { thumbnails?: Omit<ThumbnailView, 'present'>[] } | undefined)?.thumbnails ?? [];
  const thumbnails = await Promise.all(
    recorded.map(
      async ({ key: thumbnailKey, width, format, bytes }): Promise<ThumbnailView> => ({
        key: thumbnailKey,
        width,
        format,
        ...(bytes !== undefined ? { bytes } : {}),
        present: (await head(target, target.derivedBucket, thumbnailKey)) !== undefined,
      }),
    ),
  );
  return {
    bucket,
    key,
    imageId,
    ...(upload ? { upload } : {}),
    consumers,
    derivedBucket: target.derivedBucket,
    thumbnails,
    settled: consumers.every((consumer) => consumer.stage !== undefined),
  };
};
