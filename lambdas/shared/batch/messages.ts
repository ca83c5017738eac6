import type { SQSRecord } from 'aws-lambda';
import { MalformedMessageError } from '../errors';
import { type ImageEvent, parseMessage } from '../events';

/** One image's newest event in the batch and every message that carried it. */
export interface Unit {
  readonly event: ImageEvent;
  readonly owners: readonly string[];
}

export interface Unreadable {
  readonly record: SQSRecord;
  readonly error: MalformedMessageError;
}

export interface ReadMessages {
  readonly units: readonly Unit[];
  readonly unreadable: readonly Unreadable[];
}

/** Keeps the newer event; the same event twice gathers both messages (a reprocess request wins). */
const merge = (unit: Unit | undefined, event: ImageEvent, messageId: string): Unit => {
  if (unit === undefined || event.sequencer > unit.event.sequencer) return { event, owners: [messageId] };
  if (event.sequencer < unit.event.sequencer) return unit;
  const owners = [...unit.owners, messageId];
  return { event: event.force && !unit.event.force ? event : unit.event, owners };
};

/**
 * Reads every message as the S3 events it carries and collapses them per image, so that only the
 * newest event of each image is worked on. Test events and event types that are not ours belong to
 * no unit; messages that cannot be read are returned with the reason.
 */
export const readMessages = (records: readonly SQSRecord[]): ReadMessages => {
  const units = new Map<string, Unit>();
  const unreadable: Unreadable[] = [];
  for (const record of records) {
    let parsed: ReturnType<typeof parseMessage>;
    try {
      parsed = parseMessage(record);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      unreadable.push({ record, error });
      continue;
    }
    if (parsed.type === 'test-event') continue;
    for (const event of parsed.events) {
      units.set(event.imageId, merge(units.get(event.imageId), event, record.messageId));
    }
  }
  return { units: [...units.values()], unreadable };
};
