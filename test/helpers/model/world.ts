import {
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import type { ConsumerName } from '../../../lambdas/shared/constants';
import { reprocessMessageBody } from '../../../lambdas/shared/events';
import type { ObjectEvent } from '../../../local/emulator';
import { sqsRecord } from '../events';
import type { recordObjectEvents } from '../object-events';
import type { Operation, Schedule } from './schedule';

/** A message for the consumers: an S3 event for all four, or a reprocess request for one. */
export interface WorldMessage {
  readonly record: SQSRecord;
  readonly only?: ConsumerName;
}

export interface PlayedSchedule {
  readonly keys: readonly string[];
  readonly messages: readonly WorldMessage[];
  /** Every S3 event of the schedule, in the order S3 made them. */
  readonly events: readonly ObjectEvent[];
}

interface Bucket {
  readonly s3: S3Client;
  readonly name: string;
  readonly events: ReturnType<typeof recordObjectEvents>;
  readonly contents: readonly Buffer[];
}

const versionsOf = async ({ s3, name }: Bucket, key: string) => {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: name, Prefix: key }));
  const versions = (listing.Versions ?? [])
    .filter((v) => v.Key === key)
    .map((v) => ({ ...v, marker: false }));
  const markers = (listing.DeleteMarkers ?? [])
    .filter((m) => m.Key === key)
    .map((m) => ({ ...m, marker: true }));
  return { versions, latest: [...versions, ...markers].find((entry) => entry.IsLatest) };
};

/** The version id an operation removes for good, or undefined when it has nothing to remove. */
const versionToRemove = async (bucket: Bucket, operation: Operation, key: string) => {
  const { versions, latest } = await versionsOf(bucket, key);
  if (operation.op === 'undelete') return latest?.marker ? latest.VersionId : undefined;
  if (operation.op !== 'purge') return undefined;
  const noncurrent = versions.filter((version) => !version.IsLatest);
  return noncurrent.length === 0 ? undefined : noncurrent[operation.which % noncurrent.length]?.VersionId;
};

/** Sends what an operator's `image-fanout reprocess` would: the newest result's sequencer, if live. */
const reprocessRequest = (
  operation: Extract<Operation, { op: 'reprocess' }>,
  key: string,
  name: string,
  events: readonly ObjectEvent[],
) => {
  const newest = events.filter((event) => event.key === key).at(-1);
  if (newest === undefined || newest.eventName === 'ObjectRemoved:DeleteMarkerCreated') return undefined;
  const body = reprocessMessageBody({
    bucket: name,
    key,
    sequencer: newest.sequencer,
    eventTime: newest.time.toISOString(),
    requestedAt: new Date().toISOString(),
  });
  return { record: sqsRecord(body), only: operation.consumer };
};

/**
 * Plays a schedule's operations on the versioned bucket, one after the other as a client would,
 * and gathers the messages S3 (and an operator) send for them. Nothing is delivered yet.
 */
export const playSchedule = async (
  bucket: Bucket,
  schedule: Schedule,
  keyOf: (index: number) => string,
): Promise<PlayedSchedule> => {
  const messages: WorldMessage[] = [];
  const events: ObjectEvent[] = [];
  const { s3, name } = bucket;
  for (const operation of schedule.operations) {
    const key = keyOf(operation.key);
    if (operation.op === 'reprocess') {
      const request = reprocessRequest(operation, key, name, events);
      if (request !== undefined) messages.push(request);
      continue;
    }
    if (operation.op === 'put') {
      await s3.send(
        new PutObjectCommand({
          Bucket: name,
          Key: key,
          Body: bucket.contents[operation.content],
          ContentType: 'image/jpeg',
        }),
      );
    } else if (operation.op === 'delete') {
      await s3.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
    } else {
      const versionId = await versionToRemove(bucket, operation, key);
      if (versionId === undefined) continue;
      await s3.send(new DeleteObjectCommand({ Bucket: name, Key: key, VersionId: versionId }));
    }
    const message = await bucket.events.next(key);
    events.push(message.event);
    messages.push({ record: message });
  }
  const keys = Array.from({ length: schedule.keys }, (_, index) => keyOf(index));
  return { keys, messages, events };
};
