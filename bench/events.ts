/**
 * The events a phase hands a consumer without S3 or the event source in between: the S3 event and
 * the SQS record are built by the local runtime's own code, as its notifier and event source build them.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { toRecord } from '../local/emulator/event-source/records';
import { s3EventMessage } from '../local/emulator/notifications';

/** An object a phase put in the uploads bucket. */
export interface BenchObject {
  readonly key: string;
  readonly size: number;
}

/**
 * S3 sequencers only have to grow per key. Seeded from the clock, so a later job (another process)
 * always outranks an earlier one and its events are worked on, never skipped as stale.
 */
export const createSequencer = () => {
  let last = 0n;
  return (): string => {
    const now = BigInt(Date.now()) << 20n;
    last = now > last ? now : last + 1n;
    return last.toString(16).toUpperCase();
  };
};

/** The body S3 puts on a queue for an upload (raw delivery, as the stack subscribes the queues). */
export const uploadEventBody = (bucket: string, object: BenchObject, sequencer: string, region: string) =>
  JSON.stringify(
    s3EventMessage(
      {
        eventName: 'ObjectCreated:Put',
        bucket,
        key: object.key,
        size: object.size,
        sequencer,
        time: new Date(),
        sourceIp: '127.0.0.1',
        requestId: randomUUID(),
      },
      'bench',
      region,
    ),
  );

/** The record as aws-lambda types it: Lambda's null md5OfMessageAttributes left out. */
const typed = ({ md5OfMessageAttributes, ...record }: ReturnType<typeof toRecord>): SQSRecord =>
  md5OfMessageAttributes === null ? record : { ...record, md5OfMessageAttributes };

/** The SQS event Lambda would hand the function for these bodies, received once. */
const sqsEventOf = (bodies: readonly string[], queueArn: string, region: string): SQSEvent => {
  const now = String(Date.now());
  return {
    Records: bodies.map((body) =>
      typed(
        toRecord(
          {
            MessageId: randomUUID(),
            ReceiptHandle: randomUUID(),
            Body: body,
            MD5OfBody: createHash('md5').update(body).digest('hex'),
            Attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: now,
              SenderId: 'AIDABENCH',
              ApproximateFirstReceiveTimestamp: now,
            },
          },
          queueArn,
          region,
        ),
      ),
    ),
  };
};

/** One batch with a fresh upload event for each object. */
export const uploadBatch = (
  bucket: string,
  objects: readonly BenchObject[],
  nextSequencer: () => string,
  region: string,
  queueArn = `arn:aws:sqs:${region}:000000000000:bench`,
) =>
  sqsEventOf(
    objects.map((object) => uploadEventBody(bucket, object, nextSequencer(), region)),
    queueArn,
    region,
  );
