/**
 * How many batches one SQS event source mapping runs at once, as "Configuring scaling behavior for
 * SQS event source mappings" and "Handling errors for an SQS event source in Lambda" describe it:
 * five to start; one more every 200 ms (300 a minute) while every batch slot is busy and messages
 * keep coming in full batches; back to five when the queue runs dry; never over the ceiling
 * (MaximumConcurrency, Lambda's 1,250, the runtime's cap). A function error or a throttle halves
 * it (to at least one) and holds growth until a batch succeeds again: "Lambda gradually backs off,
 * reducing the amount of concurrency allocated to your Amazon SQS event source mapping".
 */
import { sqsScaling } from './settings';

export interface ScalingOptions {
  readonly ceiling: number;
  readonly initial?: number;
  readonly growthIntervalMs?: number;
  readonly now?: () => number;
}

/** How a batch ended, as scaling sees it: a partial failure reported by the function is a success. */
export const batchOutcomes = {
  succeeded: 'succeeded',
  functionError: 'function-error',
  throttled: 'throttled',
} as const;
export type BatchOutcome = (typeof batchOutcomes)[keyof typeof batchOutcomes];

export class ConcurrencyScaler {
  private target: number;
  private readonly start: number;
  private readonly growthIntervalMs: number;
  private readonly now: () => number;
  private lastChange: number;
  /** The last gather stopped full: messages are still available. */
  private backlog = false;
  /** A failure since the last success: no growth until a batch succeeds. */
  private backingOff = false;

  constructor(private readonly options: ScalingOptions) {
    this.start = Math.min(options.initial ?? sqsScaling.initialConcurrency, options.ceiling);
    this.target = this.start;
    this.growthIntervalMs = options.growthIntervalMs ?? sqsScaling.growthIntervalMs;
    this.now = options.now ?? Date.now;
    this.lastChange = this.now();
  }

  /** Batches that may run at once now. */
  get allowed(): number {
    return this.target;
  }

  get ceiling(): number {
    return this.options.ceiling;
  }

  /** A gather came back: full (more waiting), with fewer messages, or empty (the queue is idle). */
  observeGather(messages: number, full: boolean): void {
    // Growth is paced from when messages started waiting, not from the last quiet spell.
    if (full && !this.backlog) this.lastChange = this.now();
    this.backlog = full;
    if (messages === 0 && !this.backingOff && this.target !== this.start) {
      this.target = this.start;
      this.lastChange = this.now();
    }
  }

  observeOutcome(outcome: BatchOutcome): void {
    if (outcome === batchOutcomes.succeeded) {
      this.backingOff = false;
      return;
    }
    this.backingOff = true;
    this.target = Math.max(1, Math.floor(this.target / 2));
    this.lastChange = this.now();
  }

  /** Grows by one when it is time, every slot is busy and messages are waiting; true when it grew. */
  tick(busy: number): boolean {
    const due = this.now() - this.lastChange >= this.growthIntervalMs;
    if (!due || !this.backlog || this.backingOff || busy < this.target || this.target >= this.options.ceiling)
      return false;
    this.target += 1;
    this.lastChange = this.now();
    return true;
  }
}
