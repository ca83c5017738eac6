import { setTimeout as sleep } from 'node:timers/promises';
import { isPermanent, TransientError } from '../errors';
import { backoffDelay, type ImageTable, type StageRecord } from '../store';
import type { CommitQueue } from './commit-queue';
import type { Unit } from './messages';
import { isNewer, type RecordContext, recordOf, rejectionOf, type StageResult, staleKeys } from './result';

/** How the commit of one unit ended. */
export type CommitOutcome =
  | { readonly kind: 'committed'; readonly record: StageRecord }
  /** A newer (or this very) event's result is stored: nothing of this attempt may stay. */
  | { readonly kind: 'superseded'; readonly stored: StageRecord };

/** Re-plans after a conflict with an older commit, or a concurrent transaction, this many times at most. */
const maxCommitAttempts = 4;

export interface CommitContext extends Omit<RecordContext, 'at'> {
  readonly table: ImageTable;
  /** Where commits go: grouped with the other images' of the batch (commit-queue.ts). */
  readonly queue: CommitQueue;
  readonly now: () => Date;
  /** Aborted just before the function's timeout: a commit is never left half-sent at the end. */
  readonly signal: AbortSignal;
}

const concurrentTransaction = (error: unknown) =>
  error instanceof TransientError &&
  (error.cause as Error | undefined)?.name === 'TransactionCanceledException';

/**
 * Commits a unit's result over the record it was planned against. When the stored record changed
 * meanwhile, it is read again: newer or equal means this attempt is superseded (acknowledged, its
 * leftovers swept); older means the plan is made again against it. A result too large to store
 * becomes a rejection saying so.
 */
export const commitUnit = async (
  unit: Unit,
  result: StageResult,
  stored: StageRecord | undefined,
  context: CommitContext,
): Promise<CommitOutcome> => {
  let expected = stored;
  let current = result;
  for (let attempt = 1; ; attempt++) {
    const record = recordOf(unit, current, { ...context, at: context.now() });
    try {
      const outcome = await context.queue.commit({
        record,
        items: current.items,
        deletes: staleKeys(expected, record),
        expected,
      });
      if (outcome === 'committed') return { kind: 'committed', record };
    } catch (error) {
      if (isPermanent(error) && current.rejection === undefined) {
        current = rejectionOf(error);
        continue;
      }
      if (!concurrentTransaction(error) || attempt >= maxCommitAttempts) throw error;
      await sleep(backoffDelay(attempt, 20, 200), undefined, { signal: context.signal });
    }
    expected = await context.table.getStage(context.consumer, unit.event.imageId, context.signal);
    if (expected !== undefined && !isNewer(unit.event, expected))
      return { kind: 'superseded', stored: expected };
    if (attempt >= maxCommitAttempts) {
      throw new TransientError(`The stored result kept changing over ${maxCommitAttempts} commit attempts`);
    }
  }
};
