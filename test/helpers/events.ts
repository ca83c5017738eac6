import type { S3Event, S3EventRecord, SQSRecord } from 'aws-lambda';
import { encodeS3Key } from '../../lambdas/shared/events';

let sequence = 0x1000;
let messageCounter = 0;

/** A monotonically increasing S3 sequencer, like S3's for successive events on a key. */
export const nextSequencer = () => (sequence++).toString(16).toUpperCase().padStart(16, '0');

export interface S3RecordInput {
  readonly bucket?: string;
  readonly key: string;
  readonly eventName?: string;
  readonly size?: number;
  readonly sequencer?: string;
  readonly eventTime?: string;
}

/** The S3 event record S3 sends: the key form-URL-encoded, as in real notifications. */
export const s3Record = ({
  bucket = 'uploads',
  key,
  eventName = 'ObjectCreated:Put',
  size = 1024,
  sequencer = nextSequencer(),
  eventTime = new Date().toISOString(),
}: S3RecordInput): S3EventRecord => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'us-east-1',
  eventTime,
  eventName: eventName as S3EventRecord['eventName'],
  userIdentity: { principalId: 'AWS:TEST' },
  requestParameters: { sourceIPAddress: '127.0.0.1' },
  responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'HOST' },
  s3: {
    s3SchemaVersion: '1.0',
    configurationId: 'uploads',
    bucket: { name: bucket, ownerIdentity: { principalId: 'OWNER' }, arn: `arn:aws:s3:::${bucket}` },
    object: { key: encodeS3Key(key), size, eTag: 'etag', sequencer },
  },
});

export const s3Event = (...records: S3EventRecord[]): S3Event => ({ Records: records });

export const s3TestEvent = () => ({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: new Date().toISOString(),
  Bucket: 'uploads',
  RequestId: 'REQ',
  HostId: 'HOST',
});

/** SNS's envelope, as a queue receives it when raw message delivery is off. */
export const snsEnvelope = (message: unknown) => ({
  Type: 'Notification',
  MessageId: 'sns-message',
  TopicArn: 'arn:aws:sns:us-east-1:000000000000:image-events',
  Message: JSON.stringify(message),
  Timestamp: new Date().toISOString(),
  SignatureVersion: '1',
});

/** An SQS record as Lambda's event source mapping delivers it. */
export const sqsRecord = (body: unknown, receiveCount = 1): SQSRecord => {
  const messageId = `msg-${++messageCounter}`;
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:thumbnail',
    awsRegion: 'us-east-1',
  };
};

/** The usual case: one S3 event record per message, raw delivery. */
export const uploadMessage = (input: S3RecordInput) => sqsRecord(s3Event(s3Record(input)));
