import type { BackPressureSummary } from './api-load';
import type { ImageSetSummary } from './images';

/** A figure measured two ways side by side (the shape `bench/compare` reports too). */
export interface Comparison {
  readonly name: string;
  readonly baseline: { readonly label: string; readonly value: number; readonly unit: string };
  readonly candidate: { readonly label: string; readonly value: number; readonly unit: string };
  /** candidate / baseline. */
  readonly ratio: number;
  readonly goal?: string;
  readonly met?: boolean;
  readonly notes?: readonly string[];
}

/** One upload, as the load generator saw it (epoch milliseconds). */
export interface UploadRecord {
  readonly index: number;
  readonly key: string;
  readonly image: string;
  readonly bytes: number;
  /** When the arrival schedule wanted it to start. */
  readonly scheduledAt: number;
  readonly startedAt: number;
  /** When S3 acknowledged it: the object exists and its event is on its way. Latencies start here. */
  readonly endedAt: number;
  /** Started more than 100 ms after its scheduled time: the generator could not keep the rate. */
  readonly late: boolean;
  readonly error?: string;
  /** The API answered 429 (`--via api`): back-pressure, not a failure. */
  readonly refused?: boolean;
}

/** Seconds. */
export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export type ConsumerLabel = string;

/** What `pipeline.status()` said about one consumer at one moment. */
export interface ConsumerSample {
  readonly backlog: number;
  readonly notVisible: number;
  readonly messagesInFlight: number;
  readonly invocationsInFlight: number;
  readonly concurrency: number;
  readonly deleted: number;
  readonly retried: number;
  readonly dlqDepth: number;
}

export interface Sample {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly rssBytes: number;
  /** This thread's ArrayBuffer memory: almost all of it the emulated S3's objects. */
  readonly storedBytes: number;
  readonly consumers: Readonly<Record<ConsumerLabel, ConsumerSample>>;
}

/** One value per second of the run, from its first upload. */
export interface Timeline {
  readonly seconds: number;
  readonly uploads: readonly number[];
  /** Images with all four stages done, by the second they were done in. */
  readonly completed: readonly number[];
  readonly completedByConsumer: Readonly<Record<ConsumerLabel, readonly number[]>>;
  /** p95 upload-to-all-done latency of the images done in that second (null: none done). */
  readonly p95LatencySeconds: readonly (number | null)[];
  /** Visible messages summed over the four queues, sampled once a second. */
  readonly backlog: readonly number[];
  /** Messages not yet done: visible plus received (held by an invocation or waiting out a timeout). */
  readonly queued: readonly number[];
  readonly backlogByConsumer: Readonly<Record<ConsumerLabel, readonly number[]>>;
  readonly invocationsInFlight: readonly number[];
  readonly rssMb: readonly number[];
  /** RSS less the stored objects: what the runtime itself holds. */
  readonly workingSetMb: readonly number[];
}

export interface ConsumerConcurrency {
  /** The mapping's cap: MaximumConcurrency (or the runtime's limit). */
  readonly cap: number;
  readonly batchSize: number;
  /** The most invocations that ran at once, exact (from every batch's start and end). */
  readonly maxInvocations: number;
  /** The most messages held by invocations at once, exact; at most cap x batch size. */
  readonly maxMessagesInFlight: number;
  readonly invocations: number;
  readonly meanBatchSize: number;
}

export interface MemoryFigures {
  readonly startRssMb: number;
  /** Resident memory of the whole process: backend, stored objects and every function's worker thread. */
  readonly peakRssMb: number;
  readonly endRssMb: number;
  /**
   * The emulated S3 keeps every object (uploads and thumbnails) in this process's memory: it grows
   * with what was uploaded, as a bucket does, whatever the runtime does with the work.
   */
  readonly endStoredMb: number;
  /** Peak of RSS less the stored objects: the runtime's own memory (functions, queues, backend). */
  readonly peakWorkingSetMb: number;
  readonly uploadedMb: number;
}

/** CPU time of this whole process (every thread: backend, runtime, functions) over a measured span. */
export interface CpuFigures {
  readonly seconds: number;
  /** CPU seconds per image: a cost that other load on the machine does not change much. */
  readonly perImage: number;
  /** Cores this process kept busy on average; below the machine's count, something else had them. */
  readonly coresUsed: number;
}

export interface RunResult {
  readonly name: string;
  readonly rate: number | 'max';
  readonly requestedCount?: number;
  readonly requestedDurationSeconds?: number;
  readonly uploads: {
    readonly count: number;
    readonly failed: number;
    readonly megabytes: number;
    readonly seconds: number;
    /** Uploads per second actually offered. */
    readonly rate: number;
    readonly late: number;
    readonly latency: Distribution;
  };
  /**
   * Images per second sustained. At `max`: every image over the time from the first upload to the
   * last image done (the run is saturated throughout). At a fixed rate: images done while the load
   * was applied, less its first tenth (the arrival rate when under capacity, the capacity when over).
   */
  readonly throughput: {
    readonly endToEnd: number;
    /** Every image over the time from the first upload to the last image done, drain included. */
    readonly overall: number;
    readonly perConsumer: Readonly<Record<ConsumerLabel, number>>;
  };
  readonly latency: {
    readonly allDone: Distribution;
    readonly perConsumer: Readonly<Record<ConsumerLabel, Distribution>>;
  };
  /** From the last upload to the last image done. */
  readonly drainSeconds: number;
  readonly retried: Readonly<Record<ConsumerLabel, number>>;
  readonly timeouts: number;
  readonly errors: number;
  /** With `--via api`: what the API's back-pressure accepted and refused. */
  readonly backPressure?: BackPressureSummary;
  readonly concurrency?: Readonly<Record<ConsumerLabel, ConsumerConcurrency>>;
  /**
   * Messages not yet done (visible + received), summed over the four queues: its peak, and where it
   * stood when the load stopped (a backlog that grows under overload is still there then).
   */
  readonly queueDepth?: {
    readonly peak: number;
    readonly atLoadEnd: number;
    readonly peakVisible: number;
    readonly peakPerConsumer: Readonly<Record<ConsumerLabel, number>>;
  };
  /** Execution environments started during the measured run (after the warm-up). */
  readonly coldStarts?: Readonly<Record<ConsumerLabel, number>>;
  readonly memory?: MemoryFigures;
  /** From the first upload to the last image done (local runs). */
  readonly cpu?: CpuFigures;
  /** Verdict counts from the accounting (local runs). */
  readonly accounting?: Readonly<Record<string, number>>;
  readonly unaccounted: number;
  readonly timeline: Timeline;
}

export interface RawBoundResult {
  readonly images: number;
  /** Images per second with all four consumers' work done: N over the time to do all N. */
  readonly endToEnd: number;
  readonly perConsumer: Readonly<Record<ConsumerLabel, number>>;
  readonly seconds: number;
  readonly cpu: CpuFigures;
  readonly peakRssMb: number;
  readonly maxEnvironments: Readonly<Record<ConsumerLabel, number>>;
  readonly batchSize: Readonly<Record<ConsumerLabel, number>>;
}

export interface SweepPoint {
  readonly consumer: ConsumerLabel;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly messages: number;
  /**
   * Records done per second with the queue full: each record's own completion time (its stage
   * record's updatedAt), between the 10th and 90th percentile, so no batch's start or end skews it.
   */
  readonly messagesPerSecond: number;
  /** All the messages over the time from sending them to the last batch deleted. */
  readonly overallPerSecond: number;
  /** p95 of the batches' durations (receive to delete), seconds. */
  readonly p95BatchSeconds: number;
  readonly peakRssMb: number;
  readonly isDefault: boolean;
}

export interface SweepResult {
  readonly messagesPerPoint: Readonly<Record<ConsumerLabel, number>>;
  readonly points: readonly SweepPoint[];
  /** Per consumer: the fastest setting, and how the template's default compares to it. */
  readonly best: Readonly<
    Record<
      ConsumerLabel,
      {
        readonly batchSize: number;
        readonly maxConcurrency: number;
        readonly messagesPerSecond: number;
        readonly defaultBatchSize: number;
        readonly defaultMaxConcurrency: number;
        /** The default setting's best measured point in the grid (same batch size, concurrency capped). */
        readonly verdict: string;
      }
    >
  >;
}

export interface Goal {
  readonly name: string;
  readonly goal: string;
  readonly value: string;
  readonly met: boolean;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average when the run started and when it ended: other work on the machine shows here. */
  readonly loadAverage?: { readonly start: number; readonly end: number };
}

export interface BenchResult {
  readonly version: 1;
  readonly mode: 'local' | 'remote';
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly options: Readonly<Record<string, unknown>>;
  readonly imageSet: ImageSetSummary;
  /** Each consumer's mapping as the template sets it. */
  readonly mappings?: Readonly<
    Record<
      ConsumerLabel,
      {
        batchSize: number;
        batchingWindowSeconds: number;
        /** What the runs used: the template's, or less with --max-concurrency. */
        maxConcurrency: number;
        templateMaxConcurrency: number;
      }
    >
  >;
  readonly raw?: RawBoundResult;
  readonly runs: readonly RunResult[];
  readonly sweep?: SweepResult;
  /** Side-by-side figures as ratios: the pipeline's own, then the micro comparisons. */
  readonly comparisons: readonly Comparison[];
  readonly goals: readonly Goal[];
  readonly notes: readonly string[];
}
