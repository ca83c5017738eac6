/**
 * The numbers Lambda's SQS event source mapping runs by, each from the AWS page named beside it,
 * and the settings one poller derives from its mapping, queue and function.
 */
import type { EventSourceMappingSpec, QueueSpec } from '../template';

export const sqsLimits = {
  /** SQS: at most 10 messages a receive and 10 entries a batch delete; long polls last at most 20 s. */
  receiveLimit: 10,
  longPollSeconds: 20,
  /** Lambda quotas: 6 MB invocation payload for synchronous invocation (the 6,291,456 bytes it enforces). */
  invocationPayloadBytes: 6 * 1024 * 1024,
  /** SQS's default when a queue sets no VisibilityTimeout. */
  defaultVisibilityTimeoutSeconds: 30,
  /**
   * Creating and configuring an Amazon SQS event source mapping: with a batch window, when
   * window + function timeout > visibility timeout, the effective visibility timeout is
   * window + function timeout + 30 s.
   */
  visibilityExtensionSeconds: 30,
} as const;

/** Configuring scaling behavior for SQS event source mappings (standard mode). */
export const sqsScaling = {
  /** "Lambda starts processing five batches at a time with five concurrent invocations." */
  initialConcurrency: 5,
  /** "...increases ... by up to 300 more concurrent invokes per minute": one more every 200 ms. */
  growthIntervalMs: 60_000 / 300,
  /** "The maximum number of invokes that an event source mapping can process simultaneously is 1,250." */
  maximumConcurrency: 1_250,
} as const;

export interface QueueSettings {
  readonly visibilityTimeoutSeconds: number;
  readonly fifo: boolean;
}

export const queueSettingsOf = (queue: QueueSpec): QueueSettings => ({
  visibilityTimeoutSeconds: Number(
    queue.attributes.VisibilityTimeout ?? sqsLimits.defaultVisibilityTimeoutSeconds,
  ),
  fifo: queue.attributes.FifoQueue === 'true',
});

/** What a queue nobody described is taken to be: SQS's defaults, FIFO by its name. */
export const defaultQueueSettings = (queueArn: string): QueueSettings => ({
  visibilityTimeoutSeconds: sqsLimits.defaultVisibilityTimeoutSeconds,
  fifo: queueArn.endsWith('.fifo'),
});

/** The most batches a mapping runs at once: its MaximumConcurrency, Lambda's ceiling, the runtime's cap. */
export const concurrencyCeiling = (mapping: EventSourceMappingSpec, runtimeCap?: number): number =>
  Math.max(
    1,
    Math.min(
      mapping.maximumConcurrency ?? sqsScaling.maximumConcurrency,
      runtimeCap ?? Number.POSITIVE_INFINITY,
    ),
  );

export interface PollSettings {
  readonly batchSize: number;
  /** The batching window in milliseconds; FIFO sources have none. */
  readonly windowMs: number;
  readonly fifo: boolean;
  /** How long a received message stays hidden: the queue's, or the extended one. */
  readonly visibilityTimeoutSeconds: number;
  /** Set when the visibility timeout is extended: passed on every receive. */
  readonly receiveVisibilityTimeoutSeconds?: number;
  readonly payloadLimitBytes: number;
  readonly functionTimeoutSeconds: number;
}

export const pollSettings = (
  mapping: EventSourceMappingSpec,
  queue: QueueSettings,
  functionTimeoutSeconds: number,
): PollSettings => {
  const windowSeconds = queue.fifo ? 0 : mapping.maximumBatchingWindowSeconds;
  const extend = windowSeconds > 0 && windowSeconds + functionTimeoutSeconds > queue.visibilityTimeoutSeconds;
  const extended = windowSeconds + functionTimeoutSeconds + sqsLimits.visibilityExtensionSeconds;
  return {
    batchSize: mapping.batchSize,
    windowMs: windowSeconds * 1000,
    fifo: queue.fifo,
    visibilityTimeoutSeconds: extend ? extended : queue.visibilityTimeoutSeconds,
    ...(extend ? { receiveVisibilityTimeoutSeconds: extended } : {}),
    payloadLimitBytes: sqsLimits.invocationPayloadBytes,
    functionTimeoutSeconds,
  };
};
