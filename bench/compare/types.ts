import type { ConsumerName } from '../../lambdas/shared/constants';

export interface Measurement {
  label: string;
  value: number;
  unit: string;
}

/** One side-by-side measurement; `ratio` is always candidate / baseline. */
export interface Comparison {
  name: string;
  baseline: Measurement;
  candidate: Measurement;
  ratio: number;
  goal?: string;
  met?: boolean;
  notes?: string[];
}

export const comparisonNames = [
  'batching',
  'record-concurrency',
  'keep-alive',
  'thumbnail-vs-sharp',
  'memory',
] as const;
export type ComparisonName = (typeof comparisonNames)[number];

export interface MicroOptions {
  /** Fewer messages, images and rounds: about a minute instead of about five. */
  readonly quick?: boolean;
  readonly log?: (line: string) => void;
  /** Run only these (all by default). */
  readonly only?: readonly ComparisonName[];
}

/** Peak memory of one consumer working on one image at the pixel limit, recordConcurrency copies at once. */
export interface ConsumerMemory {
  consumer: ConsumerName;
  /** Which image at the pixel limit (baseline or progressive JPEG): see samples.ts. */
  image: string;
  imageBytes: number;
  /** Records in the batch (the consumer's batch size) and records worked on at once. */
  batchSize: number;
  recordConcurrency: number;
  /** VmHWM of the consumer's process: everything Lambda counts as Max Memory Used. */
  peakRssMb: number;
  /** RSS once the handler module is loaded, before the first invocation. */
  loadedRssMb: number;
  /** The function's memory size in lib/consumers.ts. */
  memorySizeMb: number;
  /** Share of the memory size left at the peak: (memorySize - peak) / memorySize. */
  headroom: number;
  /** Records the stage finished; anything less means the peak is not that of the whole batch. */
  processed: number;
}
