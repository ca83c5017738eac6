/**
 * The names that cross module borders: what the stack, the functions, the ops tool, the bench, the
 * local tools and the tests agree on. Each is defined here once and imported, so that a rename
 * fails the type check instead of an operator at run time.
 */

/** The four consumers of the fan-out; each name is also its construct ID, queue and folder. */
export const consumerNames = ['thumbnail', 'moderation', 'metadata', 'indexing'] as const;
export type ConsumerName = (typeof consumerNames)[number];

/** A consumer's construct ID, which also starts each of its stack outputs: thumbnail -> Thumbnail. */
export const consumerConstructId = <Name extends ConsumerName>(consumer: Name) =>
  `${consumer.charAt(0).toUpperCase()}${consumer.slice(1)}` as Capitalize<Name>;

/** Where one consumer's work on one image stands. */
export const stageStatuses = {
  processed: 'processed',
  rejected: 'rejected',
  deleted: 'deleted',
} as const;
export type StageStatus = (typeof stageStatuses)[keyof typeof stageStatuses];

/** Derived output lives under this prefix of the derived bucket, never in the uploads bucket. */
export const thumbnailPrefix = 'thumbnails/';

/** Upload keys live under this prefix; the bucket notification filters on it. */
export const uploadsPrefix = 'uploads/';

/** Metric namespace of every consumer and of the API (EMF). */
export const metricsNamespace = 'ImageFanout';

/** Thumbnail widths (px) when the `thumbnailWidths` context and THUMBNAIL_WIDTHS leave them out. */
export const defaultThumbnailWidths: readonly number[] = [128, 512, 1024];

/** The stage the local synth (`npm start`, the tests) uses; the only one built with fault injection. */
export const localStage = 'local';

/** The stack's outputs, by which everything outside the stack finds its resources. */
export const stackOutputs = {
  uploadsBucketName: 'UploadsBucketName',
  uploadsPrefix: 'UploadsPrefix',
  derivedBucketName: 'DerivedBucketName',
  imageEventsTopicArn: 'ImageEventsTopicArn',
  imagesTableName: 'ImagesTableName',
  apiUrl: 'ApiUrl',
  apiFunctionName: 'ApiFunctionName',
  jwtIssuer: 'JwtIssuer',
  userPoolId: 'UserPoolId',
  userPoolClientId: 'UserPoolClientId',
  alarmTopicArn: 'AlarmTopicArn',
} as const;

/** The stack outputs of one consumer: ThumbnailQueueUrl, ThumbnailDeadLetterQueueUrl, ThumbnailFunctionName. */
export const consumerOutputs = <Name extends ConsumerName>(consumer: Name) => {
  const id = consumerConstructId(consumer);
  return {
    queueUrl: `${id}QueueUrl`,
    deadLetterQueueUrl: `${id}DeadLetterQueueUrl`,
    functionName: `${id}FunctionName`,
  } as const;
};

/** Environment variables the stack sets on the consumer functions and the handlers read. */
export const consumerEnv = {
  tableName: 'TABLE_NAME',
  derivedBucket: 'DERIVED_BUCKET',
  thumbnailWidths: 'THUMBNAIL_WIDTHS',
  moderationProvider: 'MODERATION_PROVIDER',
  moderationWasmPath: 'MODERATION_WASM_PATH',
  recordConcurrency: 'RECORD_CONCURRENCY',
  flushReserveMs: 'FLUSH_RESERVE_MS',
  maxImageBytes: 'MAX_IMAGE_BYTES',
  maxImagePixels: 'MAX_IMAGE_PIXELS',
} as const;
