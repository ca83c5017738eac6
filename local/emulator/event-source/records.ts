/** The SQS event Lambda gives a function ("Using Lambda with Amazon SQS": example message event). */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** As Lambda sends it: md5OfMessageAttributes is null, not absent, when a message has no attributes. */
export interface LambdaSqsRecord extends Omit<SQSRecord, 'md5OfMessageAttributes'> {
  readonly md5OfMessageAttributes: string | null;
}

export interface LambdaSqsEvent {
  readonly Records: readonly LambdaSqsRecord[];
}

/** A message the poller holds: received, not yet deleted, with its record as the function will see it. */
export interface HeldMessage {
  readonly message: Message;
  readonly record: LambdaSqsRecord;
  /** Bytes the record adds to the invocation payload (its JSON). */
  readonly bytes: number;
  readonly receivedAt: number;
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export const toRecord = (message: Message, queueArn: string, region: string): LambdaSqsRecord => ({
  messageId: message.MessageId ?? '',
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  // Passed through as SQS gives them: FIFO fields, AWSTraceHeader, DeadLetterQueueSourceArn included.
  attributes: { ...message.Attributes } as SQSRecord['attributes'],
  messageAttributes: Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      {
        stringValue: value.StringValue,
        binaryValue: value.BinaryValue ? base64(value.BinaryValue) : undefined,
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
        dataType: value.DataType ?? 'String',
      },
    ]),
  ),
  md5OfBody: message.MD5OfBody ?? '',
  md5OfMessageAttributes: message.MD5OfMessageAttributes ?? null,
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: region,
});

export const holdMessage = (message: Message, queueArn: string, region: string): HeldMessage => {
  const record = toRecord(message, queueArn, region);
  return { message, record, bytes: Buffer.byteLength(JSON.stringify(record)), receivedAt: Date.now() };
};

/** The bytes of `{"Records":[...]}` around the records, and the comma between two. */
const envelopeBytes = Buffer.byteLength('{"Records":[]}');

/** The size of the invocation payload these records make, as the function host serialises it. */
export const payloadBytes = (held: readonly HeldMessage[]): number =>
  envelopeBytes + held.reduce((sum, { bytes }) => sum + bytes, 0) + Math.max(0, held.length - 1);

export const toEvent = (held: readonly HeldMessage[]): LambdaSqsEvent => ({
  Records: held.map(({ record }) => record),
});
