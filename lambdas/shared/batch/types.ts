import type { ConsumerName } from '../constants';
import type { ImageEvent } from '../events';
import type { StageRecord, WriteRequest } from '../store';

export interface StageContext<Data extends object> {
  readonly event: ImageEvent;
  /** What this stage last recorded for the image, if anything (an older event's result). */
  readonly previous?: StageRecord<Data>;
}

export interface StageOutcome<Data extends object> {
  /** Stored on the stage record, for anyone asking where the image stands. */
  readonly data?: Data;
  /** Further table writes (search entries, say), flushed with the rest of the batch. */
  readonly writes?: readonly WriteRequest[];
}

/** A consumer's domain work, free of SQS and Lambda: the batch runtime drives it. */
export interface Stage<Data extends object> {
  readonly consumer: ConsumerName;
  /** A new or overwritten object. Throw a PermanentError to reject it with a reason. */
  created(context: StageContext<Data>): Promise<StageOutcome<Data>>;
  /** Remove what this stage derived (object deleted, or its new version rejected). */
  removed(context: StageContext<Data>): Promise<StageOutcome<Data>>;
}

export interface BatchRuntimeOptions {
  /** Records worked on at once: sized to the function's memory. */
  readonly recordConcurrency: number;
  /** Time kept back from the function timeout to flush and answer before Lambda kills us. */
  readonly flushReserveMs: number;
  /**
   * How long a deleted image's tombstone outlives it (longer than any redelivery), and how long a
   * note of why a record failed is kept (as long as its message can wait in the DLQ).
   */
  readonly tombstoneTtlSeconds: number;
}

export interface BatchSummary {
  readonly records: number;
  readonly processed: number;
  readonly rejected: number;
  readonly skipped: number;
  readonly retried: number;
  readonly durationMs: number;
}
