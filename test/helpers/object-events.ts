import type { SQSRecord } from 'aws-lambda';
import type { ObjectEvent } from '../../local/emulator';
import { s3EventMessage } from '../../local/emulator';
import type { TestAws } from './aws';
import { sqsRecord } from './events';
import { waitFor } from './wait';

/**
 * The S3 events the embedded backend makes for every write and delete (versions, delete markers
 * and all), as the queue messages S3 would send: the tests deliver them to the consumers themselves,
 * in whatever order and as often as they like.
 */
export const recordObjectEvents = (aws: TestAws) => {
  const events: ObjectEvent[] = [];
  aws.backend.onObjectEvent((event) => events.push(event));
  const taken = new Set<ObjectEvent>();
  return {
    events,
    /** The message of the next event on `key` not yet taken (it arrives just after the write). */
    async next(key: string): Promise<SQSRecord & { event: ObjectEvent }> {
      const event = await waitFor(
        () => events.find((candidate) => candidate.key === key && !taken.has(candidate)),
        { what: `an S3 event for ${key}`, timeoutMs: 5_000, intervalMs: 5 },
      );
      taken.add(event);
      return { ...sqsRecord(s3EventMessage(event, 'uploads', aws.backend.region)), event };
    },
  };
};
