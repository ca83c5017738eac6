import { randomUUID } from 'node:crypto';
import type { ObjectEvent } from '../backend';
import type { BucketNotificationSpec } from '../template';

/**
 * A key as S3 writes it into an event: form-URL-encoded, a space as "+" (S3 user guide, "Event
 * message structure"). The consumers decode it; test/unit/s3-event.test.ts holds the two to each other.
 */
export const encodeS3Key = (key: string): string =>
  encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** "s3:ObjectCreated:*" matches "ObjectCreated:Put"; "s3:ObjectRemoved:Delete" matches only itself. */
export const eventMatches = (configured: string, eventName: string): boolean => {
  const pattern = configured.replace(/^s3:/, '');
  return pattern.endsWith(':*') ? eventName.startsWith(pattern.slice(0, -1)) : pattern === eventName;
};

export const keyMatches = (spec: BucketNotificationSpec, key: string) =>
  (spec.filter.prefix === undefined || key.startsWith(spec.filter.prefix)) &&
  (spec.filter.suffix === undefined || key.endsWith(spec.filter.suffix));

/** The notification message S3 sends: one record, the key form-URL-encoded as S3 encodes it. */
export const s3EventMessage = (event: ObjectEvent, configurationId: string, region: string) => ({
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: region,
      eventTime: event.time.toISOString(),
      eventName: event.eventName,
      userIdentity: { principalId: 'AWS:LOCAL' },
      requestParameters: { sourceIPAddress: event.sourceIp },
      responseElements: { 'x-amz-request-id': event.requestId, 'x-amz-id-2': 'local' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId,
        bucket: {
          name: event.bucket,
          ownerIdentity: { principalId: 'LOCAL' },
          arn: `arn:aws:s3:::${event.bucket}`,
        },
        object: {
          key: encodeS3Key(event.key),
          ...(event.size === undefined ? {} : { size: event.size }),
          ...(event.eTag === undefined ? {} : { eTag: event.eTag }),
          // S3 user guide, "Event message structure": present for objects in versioned buckets.
          ...(event.versionId === undefined ? {} : { versionId: event.versionId }),
          sequencer: event.sequencer,
        },
      },
    },
  ],
});

export const s3TestEventMessage = (bucket: string) => ({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: new Date().toISOString(),
  Bucket: bucket,
  RequestId: randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase(),
  HostId: 'local',
});
