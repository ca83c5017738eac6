/**
 * A stand-in for `s3.object.sequencer` when an event has none (moto's S3 events, for one): the
 * event's time in microseconds since 1970, as hex, so that it sorts like a sequencer.
 *
 * What it can order: events of one key whose eventTime differs. S3 writes eventTime to the
 * millisecond (moto to the microsecond, without a zone: read as UTC). What it cannot: two events of
 * one key within that precision (the second is taken for a duplicate of the first and skipped), and
 * events stamped by clocks that disagree. Real sequencers are far larger numbers, so an event that has
 * one always counts as newer than a time-ordered one; a bucket's events have one kind or the other.
 */
import { MalformedMessageError } from '../errors';
import type { ImageEvent } from './image-event';

export const eventTimeOrdering = 'event-time';

const isoTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

export const eventTimeSequencer = (eventTime: unknown, at: string): string => {
  const parts = typeof eventTime === 'string' ? isoTime.exec(eventTime) : null;
  if (parts === null) {
    throw new MalformedMessageError(`${at} has no sequencer and no eventTime to order it by`);
  }
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = parts;
  const offsetMinutes =
    zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const wholeSeconds =
    Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) /
      1000 -
    offsetMinutes * 60;
  const micros = BigInt(wholeSeconds) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
  return micros.toString(16).toUpperCase();
};

/** The one warning a batch logs when some of its events were ordered by time, or undefined. */
export const eventTimeOrderingWarning = (events: readonly ImageEvent[]) => {
  const ordered = events.filter((event) => event.orderedBy === eventTimeOrdering);
  if (ordered.length === 0) return undefined;
  return {
    message:
      'S3 events without a sequencer are ordered by eventTime (two events of a key in one tick cannot be)',
    details: { events: ordered.length, keys: [...new Set(ordered.map((event) => event.key))].slice(0, 10) },
  };
};
