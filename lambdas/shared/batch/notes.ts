import type { SQSRecord } from 'aws-lambda';
import { type ConsumerName, stageStatuses } from '../constants';
import type { MalformedMessageError } from '../errors';
import {
  type FailureRecord,
  failureKey,
  type TableItem,
  unreadableMessageKey,
  unreadableMessagesTerm,
} from '../store';
import type { Unit } from './messages';

const errorMessageLength = 1_024;
const bodyExcerptLength = 2_048;

const expiry = (at: Date, ttlSeconds: number) => Math.floor(at.getTime() / 1000) + ttlSeconds;

export interface NoteContext {
  readonly consumer: ConsumerName;
  readonly at: Date;
  readonly ttlSeconds: number;
}

/** Why a record failed and will be retried: what the operator reads if it ends in the DLQ. */
export const failureNote = (
  unit: Unit,
  error: unknown,
  receiveCount: number,
  { consumer, at, ttlSeconds }: NoteContext,
): FailureRecord => ({
  ...failureKey(unit.event.imageId, consumer),
  imageId: unit.event.imageId,
  consumer,
  bucket: unit.event.bucket,
  key: unit.event.key,
  sequencer: unit.event.sequencer,
  errorName: error instanceof Error ? error.name : typeof error,
  errorMessage: (error instanceof Error ? error.message : String(error)).slice(0, errorMessageLength),
  messageIds: unit.owners,
  receiveCount,
  at: at.toISOString(),
  expiresAt: expiry(at, ttlSeconds),
});

/** A message that is not an S3 event, kept with its reason and an excerpt of its body. */
export const unreadableNote = (
  record: SQSRecord,
  error: MalformedMessageError,
  { consumer, at, ttlSeconds }: NoteContext,
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
  expiresAt: expiry(at, ttlSeconds),
});
