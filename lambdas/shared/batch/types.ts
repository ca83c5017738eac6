import type { ConsumerName } from '../constants';
import type { ImageEvent } from '../events';
import type { StageRecord, TableItem } from '../store';

export interface StageContext {
  /** The event to apply: a new, overwritten or restored object (see `ImageEvent.kind`). */
  readonly event: ImageEvent;
  /** Aborted when the invocation gives up on this record: stop reading, decoding and writing. */
  readonly signal: AbortSignal;
}

export interface StageOutcome<Data extends object> {
  /** Stored on the stage record, for anyone asking where the image stands. */
  readonly data?: Data;
  /**
   * Every item the result derives into the image's partition (search entries, say), committed with
   * the stage record in one transaction; the items the previous result had and this one lacks are
   * deleted in the same transaction.
   */
  readonly items?: readonly TableItem[];
}

/** A consumer's domain work, free of SQS and Lambda: the batch runtime drives it. */
export interface Stage<Data extends object> {
  readonly consumer: ConsumerName;
  /**
   * The object as the event left it. Throw a PermanentError to reject it with a reason. Objects
   * written outside the table must carry the event's sequencer in their keys, so that an attempt
   * that never commits cannot clobber the set a committed record names.
   */
  created(context: StageContext): Promise<StageOutcome<Data>>;
  /**
   * Removes the objects outside the table that `committed` (the stored record) does not name: every
   * older attempt's, and all of them up to its sequencer when it is a deletion or a rejection. Runs
   * after each commit and each skipped duplicate or stale event; attempts newer than it are left alone.
   */
  sweep?(committed: StageRecord<Data>, signal: AbortSignal): Promise<void>;
}

export interface BatchRuntimeOptions {
  /** Records worked on at once: sized to the function's memory. */
  readonly recordConcurrency: number;
  /** Time kept back from the function timeout to commit and answer before Lambda ends the invocation. */
  readonly flushReserveMs: number;
  /**
   * How long a deleted image's tombstone outlives it (longer than any redelivery), and how long a
   * note of why a record failed is kept (as long as its message can wait in the DLQ).
   */
  readonly tombstoneTtlSeconds: number;
  /** Commit requests in flight at once; each carries the results of the images ready by then. */
  readonly commitConcurrency?: number;
}

export interface BatchSummary {
  readonly records: number;
  readonly processed: number;
  readonly rejected: number;
  readonly skipped: number;
  readonly retried: number;
  readonly durationMs: number;
}
