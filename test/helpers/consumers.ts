import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createIndexingStage } from '../../lambdas/indexing/stage';
import { createMetadataStage } from '../../lambdas/metadata/stage';
import { createOfflineProvider } from '../../lambdas/moderation/providers/offline';
import { createModerationStage } from '../../lambdas/moderation/stage';
import type { Stage } from '../../lambdas/shared/batch';
import { type ConsumerName, consumerNames } from '../../lambdas/shared/constants';
import { type ConsumerRuntime, createConsumerHandler } from '../../lambdas/shared/consumer';
import { imageIdOf } from '../../lambdas/shared/events';
import { defaultImageLimits, type ImageLimits } from '../../lambdas/shared/image';
import { createLogger, createMetrics } from '../../lambdas/shared/observability';
import { ImageTable, type StageRecord, stageKey } from '../../lambdas/shared/store';
import { createThumbnailStage } from '../../lambdas/thumbnail/stage';
import type { TestAws } from './aws';
import { nextSequencer, uploadMessage } from './events';

const runtimeFor = (aws: TestAws, consumer: ConsumerName): ConsumerRuntime => ({
  table: new ImageTable(aws.dynamo, aws.tableName),
  logger: createLogger(consumer),
  metrics: createMetrics(consumer),
  options: { recordConcurrency: 4, flushReserveMs: 1_000, tombstoneTtlSeconds: 3600 },
});

/** One consumer's stage as its handler.ts wires it, on the given clients. */
export const stageOf = (
  consumer: ConsumerName,
  { s3, derivedBucket }: { s3: S3Client; derivedBucket: string },
  limits: ImageLimits = defaultImageLimits,
): Stage<object> => {
  switch (consumer) {
    case 'thumbnail':
      return createThumbnailStage({ s3, derivedBucket, limits }) as Stage<object>;
    case 'moderation':
      return createModerationStage({ s3, provider: createOfflineProvider(), limits }) as Stage<object>;
    case 'metadata':
      return createMetadataStage({ s3, limits }) as Stage<object>;
    case 'indexing':
      return createIndexingStage({ s3, limits }) as Stage<object>;
  }
};

/** The four consumers' handlers, wired as their handler.ts files wire them, to the test backend. */
export const consumerHandlers = (aws: TestAws, limits: ImageLimits = defaultImageLimits) => {
  const stages = Object.fromEntries(consumerNames.map((name) => [name, stageOf(name, aws, limits)]));
  const handlers = Object.fromEntries(
    Object.entries(stages).map(([name, stage]) => [
      name,
      createConsumerHandler(stage, runtimeFor(aws, name as ConsumerName)),
    ]),
  ) as Record<
    ConsumerName,
    (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>
  >;
  return handlers;
};

/** Puts an object into the uploads bucket and returns the message S3 would have sent for it. */
export const upload = async (
  aws: TestAws,
  key: string,
  body: Buffer,
  options: { contentType?: string; metadata?: Record<string, string> } = {},
): Promise<SQSRecord> => {
  await aws.s3.send(
    new PutObjectCommand({
      Bucket: aws.uploadsBucket,
      Key: key,
      Body: body,
      ContentType: options.contentType ?? 'image/jpeg',
      Metadata: options.metadata,
    }),
  );
  return uploadMessage({ bucket: aws.uploadsBucket, key, size: body.length, sequencer: nextSequencer() });
};

export const removal = (aws: TestAws, key: string): SQSRecord =>
  uploadMessage({
    bucket: aws.uploadsBucket,
    key,
    eventName: 'ObjectRemoved:Delete',
    sequencer: nextSequencer(),
  });

export const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

export const stageRecord = async <Data extends object = Record<string, unknown>>(
  aws: TestAws,
  consumer: ConsumerName,
  key: string,
): Promise<StageRecord<Data> | undefined> =>
  (
    await aws.dynamo.send(
      new GetCommand({
        TableName: aws.tableName,
        Key: stageKey(imageIdOf(aws.uploadsBucket, key), consumer),
      }),
    )
  ).Item as StageRecord<Data> | undefined;

export const getObject = async (aws: TestAws, bucket: string, key: string): Promise<Buffer | undefined> => {
  try {
    const response = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await (response.Body?.transformToByteArray() ?? new Uint8Array()));
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
};

/** Every thumbnail object of an upload in the derived bucket, whatever record names it. */
export const thumbnailObjects = async (aws: TestAws, key: string): Promise<string[]> => {
  const { Contents = [] } = await aws.s3.send(
    new ListObjectsV2Command({
      Bucket: aws.derivedBucket,
      Prefix: `thumbnails/${imageIdOf(aws.uploadsBucket, key)}/`,
    }),
  );
  return Contents.map((object) => object.Key ?? '').sort();
};
