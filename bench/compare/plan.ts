import type { PixelLimitImage } from './samples';

/** How much of each comparison to run: quick (about a minute) or full (about five). */
export interface Plan {
  readonly batching: {
    readonly messagesPerRun: number;
    readonly warmupMessages: number;
    readonly rounds: number;
    readonly imageWorkSamples: number;
    /** 0: the backend on loopback; more: each request also waits this long each way. */
    readonly oneWayDelaysMs: readonly number[];
  };
  readonly recordConcurrency: { readonly batchesPerProcess: number; readonly rounds: number };
  readonly keepAlive: {
    readonly invocationsPerBlock: number;
    readonly warmupInvocations: number;
    readonly rounds: number;
    /** A short run per mode through the TLS terminator, to count the handshakes each mode makes. */
    readonly countHandshakes: boolean;
  };
  readonly thumbnail: { readonly images: number; readonly rounds: number };
  readonly memory: {
    /** Each image as one wave of recordConcurrency records, or as the consumer's whole batch. */
    readonly runs: readonly { readonly image: PixelLimitImage; readonly wholeBatch: boolean }[];
    readonly invocations: number;
  };
}

export const plans: Record<'quick' | 'full', Plan> = {
  quick: {
    batching: {
      messagesPerRun: 120,
      warmupMessages: 20,
      rounds: 1,
      imageWorkSamples: 24,
      oneWayDelaysMs: [0],
    },
    recordConcurrency: { batchesPerProcess: 1, rounds: 1 },
    keepAlive: { invocationsPerBlock: 25, warmupInvocations: 5, rounds: 2, countHandshakes: false },
    thumbnail: { images: 10, rounds: 2 },
    memory: { runs: [{ image: 'jpeg-39.9MP', wholeBatch: false }], invocations: 1 },
  },
  full: {
    batching: {
      messagesPerRun: 120,
      warmupMessages: 20,
      rounds: 2,
      imageWorkSamples: 40,
      oneWayDelaysMs: [0, 3],
    },
    recordConcurrency: { batchesPerProcess: 1, rounds: 2 },
    keepAlive: { invocationsPerBlock: 25, warmupInvocations: 5, rounds: 3, countHandshakes: true },
    thumbnail: { images: 20, rounds: 3 },
    memory: {
      runs: [
        { image: 'jpeg-39.9MP', wholeBatch: true },
        { image: 'progressive-jpeg-39.9MP', wholeBatch: true },
      ],
      invocations: 1,
    },
  },
};

/** Concurrent invocations in the batching comparison, the same for both batch sizes. */
export const batchingMaxConcurrency = 4;
/** The batch size the issue compares against batch size 1. */
export const comparedBatchSize = 10;
/** Records per invocation in the keep-alive comparison: small batches, where connections matter most. */
export const keepAliveBatchRecords = 2;
/** Headroom kept above a measured peak when recommending a memory size. */
export const memoryHeadroom = 0.3;
