/**
 * What `npm run bench` measures and writes to bench/results/latest.json (times are epoch ms). The
 * figures' shapes are those of the functions that compute them, where each field is explained.
 */
import type { summarizeBackPressure } from './load/api';
import type { summarizeImageSet } from './load/images';
import type { ConsumerMemory } from './micro/memory';
import type { runRawBound } from './pipeline/raw';
import type { ConsumerSample } from './pipeline/sampler';
import type { summarizeRun } from './pipeline/summarize';
import type { runSweep } from './pipeline/sweep';
import type { machineInfo, mappingsOf } from './runner';
import type { distribution } from './stats';

export type ConsumerLabel = string;
export type Rate = number | 'max';
export type { ConsumerMemory, ConsumerSample };
/** What the API's back-pressure did in one run (`--via api`). */
export type BackPressureSummary = ReturnType<typeof summarizeBackPressure>;
/** p50, p95, p99, max and mean of durations, in seconds. */
export type Distribution = ReturnType<typeof distribution>;
export type RunResult = ReturnType<typeof summarizeRun>;
export type Timeline = RunResult['timeline'];
export type RawBoundResult = Awaited<ReturnType<typeof runRawBound>>;
export type SweepResult = Awaited<ReturnType<typeof runSweep>>;
export type MachineInfo = ReturnType<typeof machineInfo>;
export type ImageSetSummary = ReturnType<typeof summarizeImageSet>;
export type MappingFigures = ReturnType<typeof mappingsOf>[string];

export interface Measurement {
  readonly label: string;
  readonly value: number;
  readonly unit: string;
}

/** A figure measured two ways side by side; `ratio` is candidate / baseline. */
export interface Comparison {
  readonly name: string;
  readonly baseline: Measurement;
  readonly candidate: Measurement;
  readonly ratio: number;
  readonly goal?: string;
  readonly met?: boolean;
  readonly notes?: readonly string[];
}

export interface Goal {
  readonly name: string;
  readonly goal: string;
  readonly value: string;
  readonly met: boolean;
}

/** One upload, as the load generator saw it. */
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

export interface Sample {
  readonly at: number;
  readonly rssBytes: number;
  /** This thread's ArrayBuffer memory: almost all of it the emulated S3's objects. */
  readonly storedBytes: number;
  readonly consumers: Readonly<Record<ConsumerLabel, ConsumerSample>>;
}

/** What one phase adds to the result; the runner concatenates them in phase order. */
export interface PhaseReport {
  readonly raw?: RawBoundResult;
  readonly runs?: readonly RunResult[];
  readonly sweep?: SweepResult;
  readonly comparisons?: readonly Comparison[];
  readonly memory?: readonly ConsumerMemory[];
  readonly goals?: readonly Goal[];
  readonly notes?: readonly string[];
}

export interface BenchResult {
  readonly version: 2;
  readonly mode: 'local' | 'remote';
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly options: Readonly<Record<string, unknown>>;
  /** The phases that ran, in order, and how long each took. */
  readonly phases: readonly { readonly name: string; readonly seconds: number }[];
  readonly imageSet: ImageSetSummary;
  /** Each consumer's mapping as the template sets it. */
  readonly mappings?: Readonly<Record<ConsumerLabel, MappingFigures>>;
  readonly raw?: RawBoundResult;
  readonly runs: readonly RunResult[];
  readonly sweep?: SweepResult;
  /** Side-by-side figures as ratios: the pipeline's own, the sweep's, then the micro comparisons. */
  readonly comparisons: readonly Comparison[];
  readonly memory?: readonly ConsumerMemory[];
  readonly goals: readonly Goal[];
  readonly notes: readonly string[];
}
