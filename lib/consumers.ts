import type { ConsumerName } from '../lambdas/shared/constants';

/** What one consumer's queue, trigger and function are tuned to; every field can be overridden by context. */
export interface ConsumerSettings {
  /** Messages per invocation: larger batches amortise the invocation and the table flush. */
  readonly batchSize: number;
  /** How long Lambda gathers a batch (seconds); required >= 1 for batches over 10. */
  readonly maxBatchingWindowSeconds: number;
  /** Concurrent invocations the trigger may run: the back-pressure valve on downstream services. */
  readonly maxConcurrency: number;
  /** Records worked on at once inside one invocation, sized to the function's memory. */
  readonly recordConcurrency: number;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  /** Queue TTL: an event nobody consumed for this long is dropped. */
  readonly retentionDays: number;
  /** Longer than the queue's: a DLQ keeps the message's original enqueue time. */
  readonly dlqRetentionDays: number;
  /** Deliveries before a message moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** The age-of-oldest-message alarm fires past this. */
  readonly oldestMessageAlarmSeconds: number;
  /**
   * How long a received message stays hidden. Left out: 6x the timeout plus the batching window, as
   * AWS advises. Test stacks set it short, so that a failed batch is back in seconds.
   */
  readonly visibilityTimeoutSeconds?: number;
}

const common = {
  retentionDays: 4,
  dlqRetentionDays: 14,
  maxReceiveCount: 5,
  oldestMessageAlarmSeconds: 300,
} as const;

/** The typed table the four consumers are built from; adding a consumer is one row and one folder. */
export const consumerDefaults: Record<ConsumerName, ConsumerSettings> = {
  thumbnail: {
    ...common,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 20,
    recordConcurrency: 2,
    // Peak 0.7 GB on 40 MP progressive JPEGs; the rest buys CPU, which Lambda gives by memory size.
    memorySize: 1536,
    timeoutSeconds: 60,
  },
  moderation: {
    ...common,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 10,
    recordConcurrency: 2,
    // Peak 1.3 GB with two 40 MP progressive JPEGs at once (npm run bench, memory): 2048 keeps 37%.
    memorySize: 2048,
    timeoutSeconds: 60,
  },
  metadata: {
    ...common,
    batchSize: 25,
    maxBatchingWindowSeconds: 1,
    maxConcurrency: 10,
    recordConcurrency: 8,
    // Peak 1.16 GB with eight 40 MP progressive JPEGs (npm run bench, memory): libuv's 4
    // threads decode up to four at once, about 240 MB each plus 120 MB loaded; 1792 keeps 35%.
    memorySize: 1792,
    timeoutSeconds: 30,
  },
  indexing: {
    ...common,
    batchSize: 25,
    maxBatchingWindowSeconds: 1,
    maxConcurrency: 10,
    recordConcurrency: 8,
    // Peak 0.95 GB with eight 40 MP progressive JPEGs (npm run bench, memory): libuv's 4
    // threads decode up to four at once; 1536 keeps 38%.
    memorySize: 1536,
    timeoutSeconds: 30,
  },
};

export const consumerDescriptions: Record<ConsumerName, string> = {
  thumbnail: 'Writes JPEG and WebP thumbnails of each upload to the derived bucket',
  moderation: 'Classifies each upload as allowed, review or flagged',
  metadata: 'Records format, dimensions, colour and EXIF of each upload',
  indexing: 'Maintains search entries (owner, tokens, perceptual hash) for each upload',
};
