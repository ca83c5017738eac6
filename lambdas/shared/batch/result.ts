import { randomUUID } from 'node:crypto';
import { type ConsumerName, type StageStatus, stageStatuses } from '../constants';
import { isPermanent, type PermanentError, rejectionCodes } from '../errors';
import { type ImageEvent, imageEventKinds } from '../events';
import { type StageRecord, stageKey, type TableItem } from '../store';
import type { Unit } from './messages';
import type { Stage } from './types';

/** What applying one event produced, before it is committed. */
export interface StageResult {
  readonly status: StageStatus;
  readonly data?: object;
  readonly items: readonly TableItem[];
  readonly rejection?: PermanentError;
}

const removal: StageResult = { status: stageStatuses.deleted, items: [] };

export const rejectionOf = (error: PermanentError): StageResult => ({
  status: stageStatuses.rejected,
  items: [],
  rejection: error,
});

/**
 * Greater: newer than what is stored. Equal: this very event was applied already (at-least-once
 * delivery), unless an operator asks for it again; a tombstone is never redone. Less: stale.
 */
export const isNewer = (event: ImageEvent, stored: StageRecord<object>): boolean =>
  event.sequencer > stored.sequencer ||
  (event.sequencer === stored.sequencer && event.force === true && stored.status !== stageStatuses.deleted);

/**
 * Runs the stage on a unit's event. A permanent problem becomes a rejection (and what an earlier
 * version derived goes with the commit); a removed version, or a reprocess request, whose object is
 * gone is a removal.
 */
export const applyEvent = async (
  unit: Unit,
  stage: Stage<object>,
  signal: AbortSignal,
): Promise<StageResult> => {
  if (unit.event.kind === imageEventKinds.removed) return removal;
  try {
    const outcome = await stage.created({ event: unit.event, signal });
    return { status: stageStatuses.processed, data: outcome.data, items: outcome.items ?? [] };
  } catch (error) {
    if (!isPermanent(error)) throw error;
    // The object is gone: for a removed version, or an operator's request to redo whatever the
    // key's event was (a removal on its way, say), the image's state is that it is gone.
    const gone = error.code === rejectionCodes.objectGone;
    const asRemoval = unit.event.kind === imageEventKinds.versionRemoved || unit.event.force === true;
    return gone && asRemoval ? removal : rejectionOf(error);
  }
};

export interface RecordContext {
  readonly consumer: ConsumerName;
  readonly at: Date;
  readonly tombstoneTtlSeconds: number;
}

/** The stage record a result is committed as; every commit gets an id of its own. */
export const recordOf = (
  { event }: Unit,
  result: StageResult,
  { consumer, at, tombstoneTtlSeconds }: RecordContext,
): StageRecord => ({
  ...stageKey(event.imageId, consumer),
  imageId: event.imageId,
  consumer,
  bucket: event.bucket,
  key: event.key,
  status: result.status,
  sequencer: event.sequencer,
  eventTime: event.eventTime,
  updatedAt: at.toISOString(),
  commitId: randomUUID(),
  derivedKeys: result.items.map((item) => item.sk),
  ...(result.data === undefined ? {} : { data: result.data as Record<string, unknown> }),
  ...(result.rejection === undefined
    ? {}
    : { reasonCode: result.rejection.code, reason: result.rejection.message }),
  ...(result.status === stageStatuses.deleted
    ? { expiresAt: Math.floor(at.getTime() / 1000) + tombstoneTtlSeconds }
    : {}),
});

/** Derived items the stored record has and the new one has not: they go in the same commit. */
export const staleKeys = (stored: StageRecord | undefined, record: StageRecord): string[] => {
  const kept = new Set(record.derivedKeys ?? []);
  return (stored?.derivedKeys ?? []).filter((sk) => !kept.has(sk));
};
