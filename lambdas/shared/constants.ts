/** The four consumers of the fan-out; each name is also its construct ID, queue and folder. */
export const consumerNames = ['thumbnail', 'moderation', 'metadata', 'indexing'] as const;
export type ConsumerName = (typeof consumerNames)[number];

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

/** Metric namespace of every consumer (EMF). */
export const metricsNamespace = 'ImageFanout';
