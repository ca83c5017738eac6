/** How much each phase measures (a full run, a quick one) and the goals it is held to; every figure says why. */

export interface SweepPlan {
  readonly batchSizes: readonly number[];
  readonly concurrencies: readonly number[];
  /** Messages measured per point... */
  readonly messages: number;
  /** ...or these, per consumer, where `messages` would be too few batches to measure. */
  readonly messagesFor?: Readonly<Record<string, number>>;
  /** Also measure each consumer's own setting from the template. */
  readonly includeDefaults: boolean;
  /** Only these consumers (default: all four). */
  readonly consumers?: readonly string[];
}

export type PixelLimitImage = 'jpeg-39.9MP' | 'progressive-jpeg-39.9MP';

export interface BenchPlan {
  /** Images in the raw and max-rate runs. */
  readonly count: number;
  readonly latencySeconds: number;
  readonly overloadSeconds: number;
  /** Images of the mix uploaded at max before the clock starts (pipeline and raw bound alike). */
  readonly warmupCount: number;
  readonly sweep: SweepPlan;
  readonly micro: MicroPlan;
}

/** Each image at the pixel limit as one wave of recordConcurrency records, or as a whole batch. */
type MemoryRun = { readonly image: PixelLimitImage; readonly wholeBatch: boolean };

const fullMicro = {
  batching: {
    messagesPerRun: 120,
    warmupMessages: 20,
    rounds: 2,
    imageWorkSamples: 40,
    /** 0: the backend on loopback; more: each request also waits this long each way. */
    oneWayDelaysMs: [0, 3],
  },
  recordConcurrency: { rounds: 2 },
  /** countHandshakes: a short run per mode through the TLS terminator, to count the handshakes each makes. */
  keepAlive: { invocationsPerBlock: 25, warmupInvocations: 5, rounds: 3, countHandshakes: true },
  thumbnail: { images: 20, rounds: 3 },
  memory: [
    { image: 'jpeg-39.9MP', wholeBatch: true },
    { image: 'progressive-jpeg-39.9MP', wholeBatch: true },
  ] as readonly MemoryRun[],
  /** Items of about 300 bytes per write API, 16 calls in flight. */
  writes: { items: 2000, concurrency: 16 },
  /** An upload then two overwrites with other words per image, 12 index entries a commit. */
  commits: { images: 300, entries: 12, rounds: 3, concurrency: 8 },
};

/** What the micro comparisons measure, as a full run sets it. */
export type MicroPlan = typeof fullMicro;

const full: BenchPlan = {
  /** 8 passes of the image set, about 40 s of work here. */
  count: 192,
  /** The 50% run: long enough for a p99 over about a hundred images. */
  latencySeconds: 40,
  /** The overload run: long enough for the backlog to grow by several hundred messages. */
  overloadSeconds: 40,
  /** Two passes of the set: the event sources start the environments a saturated run needs. */
  warmupCount: 48,
  sweep: {
    batchSizes: [1, 10],
    concurrencies: [1, 2, 4],
    /** Two passes of the set per point: every setting sees the same mix. */
    messages: 48,
    /** 48 messages are one wave of two batches for the fast consumers: 200 are several waves. */
    messagesFor: { metadata: 200, indexing: 200 },
    includeDefaults: true,
  },
  micro: fullMicro,
};

/** A small run of everything, as a smoke test: about three minutes. */
const quick: BenchPlan = {
  ...full,
  count: 24,
  latencySeconds: 10,
  overloadSeconds: 10,
  warmupCount: 24,
  sweep: { batchSizes: [1, 10], concurrencies: [2], messages: 12, includeDefaults: false },
  micro: {
    ...full.micro,
    batching: { ...full.micro.batching, rounds: 1, imageWorkSamples: 24, oneWayDelaysMs: [0] },
    recordConcurrency: { rounds: 1 },
    keepAlive: { ...full.micro.keepAlive, rounds: 2, countHandshakes: false },
    thumbnail: { images: 10, rounds: 2 },
    memory: [{ image: 'jpeg-39.9MP', wholeBatch: false }],
    writes: { items: 400, concurrency: 16 },
    commits: { ...full.micro.commits, images: 60, rounds: 2 },
  },
};

export const plans = { full, quick } as const;

/** The latency run is at half the measured maximum; the overload run at twice it. */
export const latencyLoadShare = 0.5;
export const overloadFactor = 2;

/** Under overload, at least this share of the messages sent must still be waiting when the load stops. */
export const overloadBacklogShare = 0.1;

/** A saturated run that keeps fewer than this share of the cores busy was sharing the machine. */
export const contendedShare = 0.8;

/** A single load run (`--rate`) without `--count` or `--duration` uploads this many. */
export const defaultSingleRunCount = 100;

/** Warm-ups use images of at most this size: cheap work, the same cold start. */
export const warmupMaxMegapixels = 0.5;

/** Goals from the issues that asked for each figure. */
export const goals = {
  efficiency: 0.85,
  p99LatencySeconds: 5,
  /** Overload may not raise the runtime's own memory (RSS less stored objects) by more than this. */
  overloadWorkingSetRatio: 1.25,
  batchingSpeedup: 5,
  /** Bounded record concurrency must be as fast as all at once, within noise. */
  boundedThroughput: 0.95,
  thumbnailVsSharp: 0.9,
  /** Memory sizes keep this share free above the measured peak. */
  memoryHeadroom: 0.3,
} as const;

/** The micro comparisons' fixed settings. */
export const micro = {
  /** Concurrent invocations in the batching comparison, the same for both batch sizes. */
  batchingMaxConcurrency: 4,
  /** The batch size the issue compares against batch size 1. */
  comparedBatchSize: 10,
  /** Records per invocation in the keep-alive comparison: small batches, where connections matter most. */
  keepAliveBatchRecords: 2,
  /** The record-concurrency comparison's batch: ten 12 MP JPEGs, the thumbnail consumer's batch size. */
  recordConcurrencyBatch: 10,
} as const;
