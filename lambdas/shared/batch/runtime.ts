import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { describeError } from '../errors';
import { eventTimeOrderingWarning } from '../events';
import { type ImageTable, keyString, type StageRecord, type TableItem } from '../store';
import { createCommitQueue } from './commit-queue';
import { type CommitContext, commitUnit } from './commit-unit';
import { DeadlineError, type InvocationClock, invocationClock } from './deadline';
import { BatchLedger } from './ledger';
import { readMessages, type Unit } from './messages';
import { failureNote, type NoteContext, unreadableNote } from './notes';
import { applyEvent, isNewer } from './result';
import type { BatchRuntimeOptions, BatchSummary, Stage } from './types';

export { DeadlineError } from './deadline';

export interface BatchLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface BatchDependencies {
  readonly table: ImageTable;
  readonly logger: BatchLogger;
  readonly now?: () => Date;
}

export interface BatchInvocation {
  /** Lambda's `context.getRemainingTimeInMillis`; without it there is no deadline. */
  readonly remainingTimeMs?: () => number;
}

/** How one unit ended: its messages are settled from this, and a failure leaves a note. */
export type UnitOutcome =
  | { readonly kind: 'processed' | 'rejected'; readonly unit: Unit; readonly record: StageRecord }
  | { readonly kind: 'skipped'; readonly unit: Unit }
  | { readonly kind: 'failed'; readonly unit: Unit; readonly error: unknown };

/** A unit whose stored record was read before any work. */
interface Looked {
  readonly unit: Unit;
  readonly stored: StageRecord | undefined;
}

interface Run {
  readonly stage: Stage<object>;
  readonly deps: BatchDependencies;
  readonly options: BatchRuntimeOptions;
  readonly clock: InvocationClock;
  readonly now: () => Date;
}

/**
 * Group commits in flight at once; the images ready meanwhile go together in the next one. One, by
 * measurement (docs/design.md): with two, groups were smaller (0.76-0.91 DynamoDB requests a
 * message against 0.57-0.69) and the batching comparison 0-14% lower.
 */
const defaultCommitConcurrency = 1;

/**
 * Runs one SQS batch through a stage and answers with exactly the messages to retry. Each image's
 * result is committed atomically and only over the record it was planned against; a message is
 * acknowledged once its result is committed or a newer one is known to be. Permanent problems are
 * recorded and acknowledged; transient, unknown and unfinished ones are retried.
 */
export const processBatch = async <Data extends object>(
  records: readonly SQSRecord[],
  stage: Stage<Data>,
  deps: BatchDependencies,
  options: BatchRuntimeOptions,
  invocation: BatchInvocation = {},
): Promise<{ response: SQSBatchResponse; summary: BatchSummary }> => {
  const started = Date.now();
  const clock = invocationClock(invocation.remainingTimeMs?.(), options.flushReserveMs);
  const run: Run = {
    stage: stage as Stage<object>,
    deps,
    options,
    clock,
    now: deps.now ?? (() => new Date()),
  };
  const ledger = new BatchLedger(records);
  try {
    const { units, unreadable } = readMessages(records);
    const timeOrdered = eventTimeOrderingWarning(units.map((unit) => unit.event));
    if (timeOrdered) deps.logger.warn(timeOrdered.message, timeOrdered.details);
    const unreadableNotes = unreadable.map(({ record, error }) => {
      ledger.settle([record.messageId], 'rejected');
      deps.logger.warn('Unreadable message recorded and acknowledged', {
        messageId: record.messageId,
        reason: error.message,
      });
      return { item: unreadableNote(record, error, noteContext(run)), owners: [record.messageId] };
    });
    const { fresh, current, unresolved } = await lookUp(units, run);
    const outcomes = [
      ...unresolved,
      ...(await Promise.all(current.map((looked) => skipUnit(looked, run)))),
      ...(await workAndCommit(fresh, run)),
    ];
    const failureNotes = settleOutcomes(outcomes, ledger, run);
    await writeNotes([...unreadableNotes, ...failureNotes], ledger, run);
    return { response: ledger.response(), summary: ledger.summary(Date.now() - started) };
  } finally {
    clock.dispose();
  }
};

const noteContext = ({ stage, options, now }: Run): NoteContext => ({
  consumer: stage.consumer,
  at: now(),
  ttlSeconds: options.tombstoneTtlSeconds,
});

/** Reads every unit's stored record in one BatchGetItem: duplicates and stale events do no work. */
const lookUp = async (units: readonly Unit[], { stage, deps }: Run) => {
  const fresh: Looked[] = [];
  const current: Looked[] = [];
  const unresolved: UnitOutcome[] = [];
  if (units.length === 0) return { fresh, current, unresolved };
  let lookup: Awaited<ReturnType<ImageTable['getStages']>>;
  try {
    lookup = await deps.table.getStages(
      stage.consumer,
      units.map((unit) => unit.event.imageId),
    );
  } catch (error) {
    return { fresh, current, unresolved: units.map((unit) => ({ kind: 'failed' as const, unit, error })) };
  }
  for (const unit of units) {
    const stored = lookup.stages.get(unit.event.imageId);
    if (lookup.unresolved.has(unit.event.imageId)) {
      unresolved.push({ kind: 'failed', unit, error: new Error('Its stored record could not be read') });
    } else if (stored !== undefined && !isNewer(unit.event, stored)) current.push({ unit, stored });
    else fresh.push({ unit, stored });
  }
  return { fresh, current, unresolved };
};

/** A duplicate or a stale event: nothing to do but sweep what an attempt of it may have left. */
const skipUnit = async ({ unit, stored }: Looked, { stage, clock }: Run): Promise<UnitOutcome> => {
  try {
    if (stored !== undefined) await stage.sweep?.(stored, clock.commits);
    return { kind: 'skipped', unit };
  } catch (error) {
    return { kind: 'failed', unit, error };
  }
};

/**
 * Works on fresh units a bounded number at a time (none started past the work deadline, running ones
 * aborted at it, each holding its slot until it has stopped), and commits their results together once
 * the last is done (or the work deadline has passed), in as few requests as they fit.
 */
const workAndCommit = (fresh: readonly Looked[], run: Run): Promise<UnitOutcome[]> => {
  const work = pLimit(run.options.recordConcurrency);
  // The images still being worked on: their results join the group the others wait in.
  let working = fresh.length;
  const queue = createCommitQueue(run.deps.table, {
    inFlight: run.options.commitConcurrency ?? defaultCommitConcurrency,
    signal: run.clock.commits,
    gathering: () => working > 0 && !run.clock.work.aborted,
  });
  run.clock.work.addEventListener('abort', queue.release, { once: true });
  // A unit that succeeded sends its plan right after (and so the group); one that failed sends none.
  const worked = <T>(result: Promise<T>) =>
    result.then(
      (value) => {
        working--;
        return value;
      },
      (error: unknown) => {
        working--;
        queue.release();
        throw error;
      },
    );
  const context: CommitContext = {
    table: run.deps.table,
    queue,
    consumer: run.stage.consumer,
    tombstoneTtlSeconds: run.options.tombstoneTtlSeconds,
    now: run.now,
    signal: run.clock.commits,
  };
  return Promise.all(
    fresh.map(({ unit, stored }) => {
      const attempt = async (): Promise<UnitOutcome> => {
        const result = await worked(
          work(() => {
            run.clock.work.throwIfAborted();
            return applyEvent(unit, run.stage, run.clock.work);
          }),
        );
        const committed = await commitUnit(unit, result, stored, context);
        const record = committed.kind === 'committed' ? committed.record : committed.stored;
        await run.stage.sweep?.(record, run.clock.commits);
        return committed.kind === 'superseded'
          ? { kind: 'skipped', unit }
          : { kind: outcomeOf(record), unit, record };
      };
      const failed = (error: unknown): UnitOutcome => ({
        kind: 'failed',
        unit,
        error: deadlineOr(error, run),
      });
      // When commits must stop the answer goes out; whatever is still running is retried.
      return Promise.race([
        attempt().catch(failed),
        run.clock.commitsOver.then(() => failed(new DeadlineError())),
      ]);
    }),
  );
};

const outcomeOf = (record: StageRecord) => (record.status === 'rejected' ? 'rejected' : 'processed');

/** An error caused by the deadline's abort (an aborted request, say) is the deadline. */
const deadlineOr = (error: unknown, { clock }: Run) =>
  clock.work.aborted && !(error instanceof DeadlineError) && (error as Error)?.name === 'AbortError'
    ? new DeadlineError()
    : error;

/** Enters each unit's outcome for its messages; answers the failure notes to write. */
const settleOutcomes = (outcomes: readonly UnitOutcome[], ledger: BatchLedger, run: Run) => {
  const log = run.deps.logger;
  const notes: { item: TableItem; owners: readonly string[] }[] = [];
  for (const outcome of outcomes) {
    const { unit } = outcome;
    if (outcome.kind !== 'failed') {
      ledger.settle(unit.owners, outcome.kind);
      if (outcome.kind === 'rejected') {
        const { imageId, key, reasonCode, reason } = outcome.record;
        log.warn('Image rejected', { imageId, key, reasonCode, reason });
      }
      continue;
    }
    ledger.retry(unit.owners);
    log.error('Record failed; it will be retried', {
      messageIds: unit.owners,
      imageId: unit.event.imageId,
      key: unit.event.key,
      error: describeError(outcome.error),
    });
    // Owned by no message: the record is retried anyway, and a failure to note it must not fail more.
    const note = failureNote(unit, outcome.error, ledger.receiveCount(unit.owners), noteContext(run));
    notes.push({ item: note as unknown as TableItem, owners: [] });
  }
  return notes;
};

/** Notes go in BatchWriteItem calls (their order does not matter); an unwritten one fails its owners. */
const writeNotes = async (
  notes: readonly { item: TableItem; owners: readonly string[] }[],
  ledger: BatchLedger,
  { deps, clock }: Run,
) => {
  if (notes.length === 0) return;
  const unwritten = await deps.table.putUnordered(
    notes.map((note) => note.item),
    clock.notes,
  );
  const owners = notes.filter((note) => unwritten.has(keyString(note.item))).flatMap((note) => note.owners);
  if (owners.length > 0) {
    ledger.retry(owners);
    deps.logger.error('Could not record unreadable messages; they will be retried', { messageIds: owners });
  }
};
