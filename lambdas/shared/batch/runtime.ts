import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { type StageStatus, stageStatuses } from '../constants';
import { describeError, isPermanent, MalformedMessageError, type PermanentError } from '../errors';
import { eventTimeOrderingWarning, type ImageEvent, imageEventKinds, parseMessage } from '../events';
import {
  type FailureRecord,
  failureKey,
  type ImageTable,
  type OwnedWrite,
  putRequest,
  type StageRecord,
  stageKey,
  type TableItem,
  unreadableMessageKey,
  unreadableMessagesTerm,
} from '../store';
import type { BatchRuntimeOptions, BatchSummary, Stage, StageOutcome } from './types';

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

/** One image's newest event in the batch and every message that carried it. */
interface Unit {
  readonly event: ImageEvent;
  readonly owners: string[];
}

type UnitResult =
  | {
      readonly kind: 'done';
      readonly unit: Unit;
      readonly record: StageRecord;
      readonly writes: OwnedWrite[];
    }
  | { readonly kind: 'failed'; readonly unit: Unit; readonly error: unknown };

class DeadlineError extends Error {
  constructor() {
    super('Not finished before the function deadline; left for a retry');
    this.name = 'DeadlineError';
  }
}

const bodyExcerptLength = 2_048;

/**
 * Runs one SQS batch through a stage and answers with exactly the messages to retry.
 * Permanent problems are recorded and acknowledged; transient ones and unknown ones are retried.
 */
export const processBatch = async <Data extends object>(
  records: readonly SQSRecord[],
  stage: Stage<Data>,
  deps: BatchDependencies,
  options: BatchRuntimeOptions,
  invocation: BatchInvocation = {},
): Promise<{ response: SQSBatchResponse; summary: BatchSummary }> => {
  const started = Date.now();
  const now = deps.now ?? (() => new Date());
  const { consumer } = stage;
  const log = deps.logger;
  const deadline =
    invocation.remainingTimeMs === undefined
      ? Number.POSITIVE_INFINITY
      : started + invocation.remainingTimeMs() - options.flushReserveMs;

  const failed = new Set<string>();
  const writes: OwnedWrite[] = [];
  const units = new Map<string, Unit>();
  // Every message ends processed, rejected or skipped (test event, duplicate, stale), or retried.
  const outcomes = new Map<string, 'processed' | 'rejected'>();

  // 1. Read every message; collapse events per image so only the newest is worked on.
  for (const record of records) {
    let parsed: ReturnType<typeof parseMessage>;
    try {
      parsed = parseMessage(record);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      outcomes.set(record.messageId, 'rejected');
      log.warn('Unreadable message recorded and acknowledged', {
        messageId: record.messageId,
        reason: error.message,
      });
      const item = unreadableItem(record, consumer, error, now(), options.tombstoneTtlSeconds);
      writes.push({ request: putRequest(item), owners: [record.messageId] });
      continue;
    }
    if (parsed.type === 'test-event') continue;
    for (const event of parsed.events) {
      const unit = units.get(event.imageId);
      if (unit === undefined || event.sequencer > unit.event.sequencer) {
        units.set(event.imageId, { event, owners: [record.messageId] });
      } else if (event.sequencer === unit.event.sequencer) {
        unit.owners.push(record.messageId);
        // The same event, once as a reprocess request: the request must not be lost to the skip.
        if (event.force && !unit.event.force) units.set(event.imageId, { ...unit, event });
      }
    }
  }

  const timeOrdered = eventTimeOrderingWarning([...units.values()].map((unit) => unit.event));
  if (timeOrdered) log.warn(timeOrdered.message, timeOrdered.details);

  // 2. Skip what the table already holds a newer or equal result for (duplicates, stale events).
  const fresh = await freshUnits([...units.values()], stage, deps.table, failed, log);

  // 3. Work, a bounded number of records at a time, none started past the deadline.
  const limit = pLimit(options.recordConcurrency);
  const results = await Promise.all(
    fresh.map(({ unit, previous }) => limit(() => runUnit(unit, previous, stage, options, now, deadline))),
  );

  const done: Extract<UnitResult, { kind: 'done' }>[] = [];
  for (const result of results) {
    if (result.kind === 'failed') {
      for (const owner of result.unit.owners) failed.add(owner);
      log.error('Record failed; it will be retried', {
        messageIds: result.unit.owners,
        imageId: result.unit.event.imageId,
        key: result.unit.event.key,
        error: describeError(result.error),
      });
      // Why it failed, for the operator if it ends in the DLQ. Owned by no message: the record is
      // retried anyway, and a failure to note the failure must not fail anything else.
      const item = failureItem(result, consumer, records, now(), options.tombstoneTtlSeconds);
      writes.push({ request: putRequest(item as unknown as TableItem), owners: [] });
    } else {
      done.push(result);
    }
  }

  // 4. Check again just before writing: a newer event may have been recorded while we worked.
  const stillFresh = await freshUnits(
    done.map((result) => result.unit),
    stage,
    deps.table,
    failed,
    log,
  );
  const keep = new Set(stillFresh.map(({ unit }) => unit));
  for (const result of done) {
    if (!keep.has(result.unit)) continue;
    writes.push(...result.writes);
    const outcome = result.record.status === stageStatuses.rejected ? 'rejected' : 'processed';
    for (const owner of result.unit.owners) outcomes.set(owner, outcome);
    if (outcome === 'rejected') {
      log.warn('Image rejected', {
        imageId: result.record.imageId,
        key: result.record.key,
        reasonCode: result.record.reasonCode,
        reason: result.record.reason,
      });
    }
  }

  // 5. One flush for the whole batch; a write that fails fails only the messages it records.
  const flush = await deps.table.flush(writes);
  for (const owner of flush.failedOwners) failed.add(owner);
  if (flush.failedOwners.size > 0) {
    log.error('Table writes failed after retries; their records will be retried', {
      messageIds: [...flush.failedOwners],
    });
  }

  const batchItemFailures = records
    .filter((record) => failed.has(record.messageId))
    .map((record) => ({ itemIdentifier: record.messageId }));
  const count = (outcome: 'processed' | 'rejected') =>
    records.filter(({ messageId }) => !failed.has(messageId) && outcomes.get(messageId) === outcome).length;
  const processed = count('processed');
  const rejected = count('rejected');
  return {
    response: { batchItemFailures },
    summary: {
      records: records.length,
      processed,
      rejected,
      skipped: records.length - processed - rejected - batchItemFailures.length,
      retried: batchItemFailures.length,
      durationMs: Date.now() - started,
    },
  };
};

const freshUnits = async <Data extends object>(
  units: readonly Unit[],
  stage: Stage<Data>,
  table: ImageTable,
  failed: Set<string>,
  log: BatchLogger,
): Promise<{ unit: Unit; previous?: StageRecord<Data> }[]> => {
  if (units.length === 0) return [];
  let lookup: Awaited<ReturnType<ImageTable['getStages']>>;
  try {
    lookup = await table.getStages(
      stage.consumer,
      units.map((unit) => unit.event.imageId),
    );
  } catch (error) {
    log.error('Could not read stage records; the batch will be retried', { error: describeError(error) });
    for (const unit of units) for (const owner of unit.owners) failed.add(owner);
    return [];
  }
  const result: { unit: Unit; previous?: StageRecord<Data> }[] = [];
  for (const unit of units) {
    if (lookup.unresolved.has(unit.event.imageId)) {
      for (const owner of unit.owners) failed.add(owner);
      continue;
    }
    const previous = lookup.stages.get(unit.event.imageId) as StageRecord<Data> | undefined;
    if (previous !== undefined && !isNewer(unit.event, previous)) continue;
    result.push({ unit, previous });
  }
  return result;
};

/**
 * Greater: newer than what is stored. Equal: this very event was applied already (at-least-once
 * delivery), unless an operator asks for it again; a tombstone is never redone. Less: stale.
 */
const isNewer = (event: ImageEvent, previous: StageRecord<object>): boolean =>
  event.sequencer > previous.sequencer ||
  (event.sequencer === previous.sequencer &&
    event.force === true &&
    previous.status !== stageStatuses.deleted);

const runUnit = async <Data extends object>(
  unit: Unit,
  previous: StageRecord<Data> | undefined,
  stage: Stage<Data>,
  options: BatchRuntimeOptions,
  now: () => Date,
  deadline: number,
): Promise<UnitResult> => {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return { kind: 'failed', unit, error: new DeadlineError() };
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    if (Number.isFinite(remaining)) timer = setTimeout(() => reject(new DeadlineError()), remaining);
  });
  try {
    return await Promise.race([applyEvent(unit, previous, stage, options, now), expired]);
  } catch (error) {
    return { kind: 'failed', unit, error };
  } finally {
    clearTimeout(timer);
  }
};

const applyEvent = async <Data extends object>(
  unit: Unit,
  previous: StageRecord<Data> | undefined,
  stage: Stage<Data>,
  options: BatchRuntimeOptions,
  now: () => Date,
): Promise<UnitResult> => {
  const context = { event: unit.event, previous };
  const stageRecord = (status: StageStatus, outcome: StageOutcome<Data>, extra: Partial<StageRecord> = {}) =>
    ({
      ...stageKey(unit.event.imageId, stage.consumer),
      imageId: unit.event.imageId,
      consumer: stage.consumer,
      bucket: unit.event.bucket,
      key: unit.event.key,
      status,
      sequencer: unit.event.sequencer,
      eventTime: unit.event.eventTime,
      updatedAt: now().toISOString(),
      ...(outcome.data === undefined ? {} : { data: outcome.data }),
      ...extra,
    }) as StageRecord;
  const owned = (outcome: StageOutcome<Data>, record: StageRecord): OwnedWrite[] =>
    [...(outcome.writes ?? []), putRequest(record as unknown as TableItem)].map((request) => ({
      request,
      owners: unit.owners,
    }));

  if (unit.event.kind === imageEventKinds.removed) {
    const outcome = await stage.removed(context);
    const record = stageRecord(stageStatuses.deleted, outcome, {
      expiresAt: Math.floor(now().getTime() / 1000) + options.tombstoneTtlSeconds,
    });
    return { kind: 'done', unit, record, writes: owned(outcome, record) };
  }

  try {
    const outcome = await stage.created(context);
    const record = stageRecord(stageStatuses.processed, outcome);
    return { kind: 'done', unit, record, writes: owned(outcome, record) };
  } catch (error) {
    if (!isPermanent(error)) throw error;
    // The new version is unusable, so what an earlier version derived is stale: remove it too.
    const cleanup: StageOutcome<Data> =
      previous?.status === stageStatuses.processed ? await stage.removed(context) : {};
    const rejection = error as PermanentError;
    const record = stageRecord(
      stageStatuses.rejected,
      { writes: cleanup.writes },
      { reasonCode: rejection.code, reason: rejection.message },
    );
    return { kind: 'done', unit, record, writes: owned(cleanup, record) };
  }
};

const errorMessageLength = 1_024;

const failureItem = (
  { unit, error }: Extract<UnitResult, { kind: 'failed' }>,
  consumer: Stage<object>['consumer'],
  records: readonly SQSRecord[],
  at: Date,
  ttlSeconds: number,
): FailureRecord => {
  const owners = new Set(unit.owners);
  const receiveCounts = records
    .filter((record) => owners.has(record.messageId))
    .map((record) => Number(record.attributes?.ApproximateReceiveCount) || 0);
  return {
    ...failureKey(unit.event.imageId, consumer),
    imageId: unit.event.imageId,
    consumer,
    bucket: unit.event.bucket,
    key: unit.event.key,
    sequencer: unit.event.sequencer,
    errorName: error instanceof Error ? error.name : typeof error,
    errorMessage: (error instanceof Error ? error.message : String(error)).slice(0, errorMessageLength),
    messageIds: unit.owners,
    receiveCount: Math.max(0, ...receiveCounts),
    at: at.toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + ttlSeconds,
  };
};

const unreadableItem = (
  record: SQSRecord,
  consumer: Stage<object>['consumer'],
  error: MalformedMessageError,
  at: Date,
  ttlSeconds: number,
): TableItem => ({
  ...unreadableMessageKey(record.messageId, consumer),
  gsi1pk: unreadableMessagesTerm,
  gsi1sk: `${at.toISOString()}#${consumer}#${record.messageId}`,
  consumer,
  messageId: record.messageId,
  status: stageStatuses.rejected,
  reasonCode: error.code,
  reason: error.message,
  body: record.body.slice(0, bodyExcerptLength),
  receivedAt: at.toISOString(),
  expiresAt: Math.floor(at.getTime() / 1000) + ttlSeconds,
});
