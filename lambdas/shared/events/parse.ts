import type { SQSRecord } from 'aws-lambda';
import { MalformedMessageError } from '../errors';
import { eventTimeOrdering, eventTimeSequencer } from './event-time-sequencer';
import { decodeS3Key, type ImageEvent, imageEventKinds, imageIdOf, normalizeSequencer } from './image-event';

/** What one SQS message carries once read. */
export type ParsedMessage =
  | { readonly type: 'events'; readonly events: readonly ImageEvent[]; readonly ignored: number }
  | { readonly type: 'test-event' };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MalformedMessageError(`${what} is not JSON: ${(error as Error).message}`);
  }
};

const stringField = (record: Json, path: readonly string[]): string | undefined => {
  let current: unknown = record;
  for (const part of path) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return typeof current === 'string' ? current : undefined;
};

/** S3 names a delete of one version (or delete marker) `ObjectRemoved:Delete` with its version id. */
const kindOf = (eventName: string, versionId: string | undefined): ImageEvent['kind'] | undefined => {
  if (eventName.startsWith('ObjectCreated:')) return imageEventKinds.created;
  if (eventName === 'ObjectRemoved:Delete' && versionId !== undefined) return imageEventKinds.versionRemoved;
  if (eventName.startsWith('ObjectRemoved:')) return imageEventKinds.removed;
  return undefined;
};

const toImageEvent = (record: unknown, index: number): ImageEvent | undefined => {
  if (!isObject(record) || record.eventSource !== 'aws:s3' || typeof record.eventName !== 'string') {
    throw new MalformedMessageError(`Records[${index}] is not an S3 event record`);
  }
  const eventName = record.eventName;
  const object = isObject(record.s3) && isObject(record.s3.object) ? record.s3.object : {};
  const versionId = typeof object.versionId === 'string' ? object.versionId : undefined;
  const kind = kindOf(eventName, versionId);
  // Other event types (restore, tagging, ...) are not ours; acknowledging them keeps a
  // notification change from filling a DLQ.
  if (kind === undefined) return undefined;

  const bucket = stringField(record, ['s3', 'bucket', 'name']);
  const encodedKey = stringField(record, ['s3', 'object', 'key']);
  if (bucket === undefined || encodedKey === undefined) {
    throw new MalformedMessageError(`Records[${index}] lacks s3.bucket.name or s3.object.key`);
  }
  // Some emulators (moto) send no sequencer: order by event time instead (event-time-sequencer.ts).
  const given = stringField(record, ['s3', 'object', 'sequencer']);
  const sequencer = given ?? eventTimeSequencer(record.eventTime, `Records[${index}]`);
  let key: string;
  let normalizedSequencer: string;
  try {
    key = decodeS3Key(encodedKey);
    normalizedSequencer = normalizeSequencer(sequencer);
  } catch (error) {
    throw new MalformedMessageError(`Records[${index}]: ${(error as Error).message}`);
  }
  const size = typeof object.size === 'number' ? object.size : Number(object.size);
  return {
    kind,
    eventName,
    eventTime: typeof record.eventTime === 'string' ? record.eventTime : new Date(0).toISOString(),
    bucket,
    key,
    size: Number.isFinite(size) ? size : undefined,
    eTag: typeof object.eTag === 'string' ? object.eTag : undefined,
    versionId,
    sequencer: normalizedSequencer,
    imageId: imageIdOf(bucket, key),
    ...(given === undefined ? { orderedBy: eventTimeOrdering } : {}),
  };
};

/** The `imageFanout` value of a message that asks a consumer to redo an image. */
export const reprocessMessageType = 'reprocess';
export const reprocessEventName = 'ImageFanout:Reprocess';

/**
 * What an operator sends to a consumer's queue to have an image done again (`image-fanout
 * reprocess`). The key is plain, not form-URL-encoded: this is JSON, not an S3 notification.
 */
export interface ReprocessRequest {
  readonly bucket: string;
  readonly key: string;
  /** The stored result's sequencer: that result is redone, and a newer event still wins. */
  readonly sequencer: string;
  /** The original event's time (indexing keeps it as the upload time). */
  readonly eventTime: string;
  readonly requestedAt: string;
}

export const reprocessMessageBody = (request: ReprocessRequest): string =>
  JSON.stringify({ imageFanout: reprocessMessageType, ...request });

const toReprocessEvent = (payload: Json): ImageEvent => {
  const bucket = stringField(payload, ['bucket']);
  const key = stringField(payload, ['key']);
  const sequencer = stringField(payload, ['sequencer']);
  if (bucket === undefined || key === undefined || sequencer === undefined) {
    throw new MalformedMessageError('Reprocess request lacks bucket, key or sequencer');
  }
  let normalizedSequencer: string;
  try {
    normalizedSequencer = normalizeSequencer(sequencer);
  } catch (error) {
    throw new MalformedMessageError(`Reprocess request: ${(error as Error).message}`);
  }
  return {
    kind: imageEventKinds.created,
    eventName: reprocessEventName,
    eventTime:
      stringField(payload, ['eventTime']) ??
      stringField(payload, ['requestedAt']) ??
      new Date(0).toISOString(),
    bucket,
    key,
    sequencer: normalizedSequencer,
    imageId: imageIdOf(bucket, key),
    force: true,
  };
};

const fromPayload = (payload: unknown, depth: number): ParsedMessage => {
  if (!isObject(payload)) throw new MalformedMessageError('Message body is JSON but not an object');
  if (payload.imageFanout === reprocessMessageType) {
    return { type: 'events', events: [toReprocessEvent(payload)], ignored: 0 };
  }
  // Raw delivery off: the S3 event travels as a string inside an SNS envelope.
  if (payload.Type === 'Notification' && typeof payload.Message === 'string' && depth === 0) {
    return fromPayload(parseJson(payload.Message, 'SNS Message'), depth + 1);
  }
  if (payload.Event === 's3:TestEvent') return { type: 'test-event' };
  if (!Array.isArray(payload.Records) || payload.Records.length === 0) {
    throw new MalformedMessageError('Message is neither an S3 event (no Records) nor an s3:TestEvent');
  }
  const events: ImageEvent[] = [];
  let ignored = 0;
  payload.Records.forEach((record, index) => {
    const event = toImageEvent(record, index);
    if (event === undefined) ignored += 1;
    else events.push(event);
  });
  return { type: 'events', events, ignored };
};

/**
 * Reads an SQS record as the S3 event it carries: raw delivery, an SNS envelope, or a test event;
 * or as an operator's reprocess request.
 */
export const parseMessage = (record: Pick<SQSRecord, 'body'>): ParsedMessage =>
  fromPayload(parseJson(record.body, 'Message body'), 0);
