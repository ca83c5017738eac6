import type { SQSRecord } from 'aws-lambda';
import { s3EventMessage } from '../../local/emulator';

/** An object the jobs work on, as uploaded by the parent. */
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

/** The body S3 puts on the queue (raw delivery, as the stack subscribes the queues). */
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
        requestId: 'bench',
      },
      'uploads',
      region,
    ),
  );

let messageCount = 0;

/** An SQS record as the event source mapping delivers it, for jobs that call a handler directly. */
export const sqsRecord = (body: string, region: string): SQSRecord => {
  const messageId = `bench-${process.pid}-${++messageCount}`;
  const now = String(Date.now());
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${region}:000000000000:bench`,
    awsRegion: region,
  };
};

/** One batch event with a fresh upload event for each object. */
export const uploadBatch = (
  bucket: string,
  objects: readonly BenchObject[],
  nextSequencer: () => string,
  region: string,
) => ({
  Records: objects.map((object) =>
    sqsRecord(uploadEventBody(bucket, object, nextSequencer(), region), region),
  ),
});
