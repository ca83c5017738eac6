/**
 * S3 versioning on the embedded backend, through the real SDK (S3 user guide, "Retaining multiple
 * versions of objects with S3 Versioning", "Working with delete markers"), and the object events a
 * versioned bucket makes ("Amazon S3 Event Notifications": supported event types, event message
 * structure).
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  type EmbeddedBackend,
  type LocalClients,
  type ObjectEvent,
  s3EventMessage,
} from '../../local/emulator';
import { useTestBackend } from '../helpers/backend';
import { waitFor } from '../helpers/wait';

let backend: EmbeddedBackend;
let clients: LocalClients;
const events: ObjectEvent[] = [];
let bucketCount = 0;

useTestBackend((local) => {
  ({ backend, clients } = local);
  backend.onObjectEvent((event) => events.push(event));
});

const newBucket = async (versioning?: 'Enabled' | 'Suspended') => {
  const bucket = `versions-${++bucketCount}`;
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (versioning !== undefined)
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: versioning } }),
    );
  return bucket;
};

const put = (Bucket: string, Key: string, body: string) =>
  clients.s3.send(new PutObjectCommand({ Bucket, Key, Body: body }));
const read = async (Bucket: string, Key: string, VersionId?: string) => {
  const response = await clients.s3.send(new GetObjectCommand({ Bucket, Key, VersionId }));
  return { body: await response.Body?.transformToString(), versionId: response.VersionId };
};
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({
      name: error.name,
      status: error.$metadata?.httpStatusCode,
    }),
  );

/** The events of one bucket from `from` on, once `count` have arrived, reduced to what tests compare. */
const eventsOf = (bucket: string, from: number, count: number) =>
  waitFor(
    () => {
      const mine = events.slice(from).filter((event) => event.bucket === bucket);
      return mine.length >= count
        ? mine.map(({ eventName, key, versionId }) => ({ eventName, key, versionId }))
        : undefined;
    },
    { what: `${count} events of ${bucket}` },
  );

describe('bucket versioning configuration', () => {
  it('reports no status until set, then Enabled or Suspended as put', async () => {
    const bucket = await newBucket();
    expect(
      (await clients.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status,
    ).toBeUndefined();
    for (const Status of ['Enabled', 'Suspended'] as const) {
      await clients.s3.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status } }),
      );
      expect((await clients.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe(Status);
    }
  });
});

describe('a versioning-enabled bucket', () => {
  it('keeps every write as a version, readable by its id, the newest current', async () => {
    const bucket = await newBucket('Enabled');
    const from = events.length;
    const first = await put(bucket, 'photo.jpg', 'one');
    const second = await put(bucket, 'photo.jpg', 'two');
    const copy = await clients.s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'photo.jpg',
        CopySource: `${bucket}/photo.jpg?versionId=${first.VersionId}`,
      }),
    );
    const ids = [first.VersionId, second.VersionId, copy.VersionId];
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(copy.CopySourceVersionId).toBe(first.VersionId);
    expect(await read(bucket, 'photo.jpg')).toEqual({ body: 'one', versionId: copy.VersionId });
    expect(await read(bucket, 'photo.jpg', second.VersionId)).toEqual({
      body: 'two',
      versionId: second.VersionId,
    });
    const head = await clients.s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'photo.jpg', VersionId: first.VersionId }),
    );
    expect([head.ContentLength, head.VersionId]).toEqual([3, first.VersionId]);
    expect(await eventsOf(bucket, from, 3)).toEqual([
      { eventName: 'ObjectCreated:Put', key: 'photo.jpg', versionId: first.VersionId },
      { eventName: 'ObjectCreated:Put', key: 'photo.jpg', versionId: second.VersionId },
      { eventName: 'ObjectCreated:Copy', key: 'photo.jpg', versionId: copy.VersionId },
    ]);
  });

  it('makes a version of a multipart upload when it completes', async () => {
    const bucket = await newBucket('Enabled');
    const from = events.length;
    const { UploadId } = await clients.s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big.bin' }),
    );
    const { ETag } = await clients.s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'big.bin', UploadId, PartNumber: 1, Body: 'only part' }),
    );
    const done = await clients.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big.bin',
        UploadId,
        MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
      }),
    );
    expect(done.VersionId).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(await eventsOf(bucket, from, 1)).toEqual([
      { eventName: 'ObjectCreated:CompleteMultipartUpload', key: 'big.bin', versionId: done.VersionId },
    ]);
  });

  it('answers a plain delete with a delete marker: the key is gone from GET and listings, its versions stay', async () => {
    const bucket = await newBucket('Enabled');
    const written = await put(bucket, 'cat.png', 'meow');
    const from = events.length;
    const deleted = await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'cat.png' }));
    expect(deleted.DeleteMarker).toBe(true);
    expect(deleted.VersionId).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(await failure(read(bucket, 'cat.png'))).toEqual({ name: 'NoSuchKey', status: 404 });
    // The SDK hides the headers of an error: S3 names the marker on the 404 ("Working with delete markers").
    const raw = await fetch(`${backend.endpoint}/${bucket}/cat.png`, { method: 'HEAD' });
    expect([raw.status, raw.headers.get('x-amz-delete-marker'), raw.headers.get('x-amz-version-id')]).toEqual(
      [404, 'true', deleted.VersionId],
    );
    expect(await failure(read(bucket, 'cat.png', deleted.VersionId))).toEqual({
      name: 'MethodNotAllowed',
      status: 405,
    });
    expect((await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    expect(await read(bucket, 'cat.png', written.VersionId)).toEqual({
      body: 'meow',
      versionId: written.VersionId,
    });
    expect(await eventsOf(bucket, from, 1)).toEqual([
      { eventName: 'ObjectRemoved:DeleteMarkerCreated', key: 'cat.png', versionId: deleted.VersionId },
    ]);
  });

  it('brings the newest version back when its delete marker is deleted, with ObjectRemoved:Delete and no ObjectCreated', async () => {
    const bucket = await newBucket('Enabled');
    await put(bucket, 'dog.png', 'old');
    const newest = await put(bucket, 'dog.png', 'new');
    const marker = await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'dog.png' }));
    const from = events.length;
    const removed = await clients.s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: 'dog.png', VersionId: marker.VersionId }),
    );
    expect([removed.DeleteMarker, removed.VersionId]).toEqual([true, marker.VersionId]);
    expect(await read(bucket, 'dog.png')).toEqual({ body: 'new', versionId: newest.VersionId });
    // A put after the undelete: its event must be the next one, nothing created in between.
    const later = await put(bucket, 'dog.png', 'later');
    expect(await eventsOf(bucket, from, 2)).toEqual([
      { eventName: 'ObjectRemoved:Delete', key: 'dog.png', versionId: marker.VersionId },
      { eventName: 'ObjectCreated:Put', key: 'dog.png', versionId: later.VersionId },
    ]);
  });

  it('removes a version for good when deleted by id; removing the current one makes the previous current', async () => {
    const bucket = await newBucket('Enabled');
    const older = await put(bucket, 'doc.txt', 'v1');
    const current = await put(bucket, 'doc.txt', 'v2');
    const from = events.length;
    const removed = await clients.s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: 'doc.txt', VersionId: current.VersionId }),
    );
    expect([removed.DeleteMarker, removed.VersionId]).toEqual([undefined, current.VersionId]);
    expect(await read(bucket, 'doc.txt')).toEqual({ body: 'v1', versionId: older.VersionId });
    expect(await failure(read(bucket, 'doc.txt', current.VersionId))).toEqual({
      name: 'NoSuchVersion',
      status: 404,
    });
    expect(await eventsOf(bucket, from, 1)).toEqual([
      { eventName: 'ObjectRemoved:Delete', key: 'doc.txt', versionId: current.VersionId },
    ]);
  });

  it('lists versions and delete markers newest first per key, with IsLatest, a prefix and pages', async () => {
    const bucket = await newBucket('Enabled');
    const a1 = await put(bucket, 'a/1', 'x');
    const a2 = await put(bucket, 'a/1', 'xy');
    const marker = await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a/1' }));
    const b = await put(bucket, 'b/1', 'xyz');
    const all = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(
      all.Versions?.map(({ Key, VersionId, IsLatest, Size }) => ({ Key, VersionId, IsLatest, Size })),
    ).toEqual([
      { Key: 'a/1', VersionId: a2.VersionId, IsLatest: false, Size: 2 },
      { Key: 'a/1', VersionId: a1.VersionId, IsLatest: false, Size: 1 },
      { Key: 'b/1', VersionId: b.VersionId, IsLatest: true, Size: 3 },
    ]);
    expect(all.DeleteMarkers?.map(({ Key, VersionId, IsLatest }) => ({ Key, VersionId, IsLatest }))).toEqual([
      { Key: 'a/1', VersionId: marker.VersionId, IsLatest: true },
    ]);
    const prefixed = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'b/' }));
    expect(prefixed.Versions?.map((version) => version.Key)).toEqual(['b/1']);
    expect(prefixed.DeleteMarkers).toBeUndefined();

    const pages: (string | undefined)[] = [];
    let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (let page = 0; page < 10; page++) {
      const listed = await clients.s3.send(
        new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1, ...markers }),
      );
      pages.push(
        ...[...(listed.DeleteMarkers ?? []), ...(listed.Versions ?? [])].map((entry) => entry.VersionId),
      );
      if (!listed.IsTruncated) break;
      markers = { KeyMarker: listed.NextKeyMarker, VersionIdMarker: listed.NextVersionIdMarker };
    }
    expect(pages).toEqual([marker.VersionId, a2.VersionId, a1.VersionId, b.VersionId]);
  });

  it('deletes many keys and versions with DeleteObjects, answering and notifying for each', async () => {
    const bucket = await newBucket('Enabled');
    const keep = await put(bucket, 'keep', 'k');
    const purge = await put(bucket, 'purge', 'p');
    const from = events.length;
    const { Deleted = [] } = await clients.s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'keep' }, { Key: 'purge', VersionId: purge.VersionId }] },
      }),
    );
    const [marked, purged] = Deleted;
    expect(marked).toMatchObject({
      Key: 'keep',
      DeleteMarker: true,
      DeleteMarkerVersionId: expect.any(String),
    });
    expect(purged).toEqual({ Key: 'purge', VersionId: purge.VersionId });
    expect(await read(bucket, 'keep', keep.VersionId)).toMatchObject({ body: 'k' });
    expect(
      (await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'purge' }))).Versions,
    ).toBeUndefined();
    expect(await eventsOf(bucket, from, 2)).toEqual([
      {
        eventName: 'ObjectRemoved:DeleteMarkerCreated',
        key: 'keep',
        versionId: marked?.DeleteMarkerVersionId,
      },
      { eventName: 'ObjectRemoved:Delete', key: 'purge', versionId: purge.VersionId },
    ]);
  });

  it('gives objects written before versioning the version id "null", and refuses to delete a bucket with versions', async () => {
    const bucket = await newBucket();
    await put(bucket, 'early', 'before');
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const later = await put(bucket, 'early', 'after');
    expect(await read(bucket, 'early', 'null')).toEqual({ body: 'before', versionId: 'null' });
    for (const VersionId of [later.VersionId, 'null'])
      await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'early', VersionId }));
    await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone' }));
    expect(await failure(clients.s3.send(new DeleteBucketCommand({ Bucket: bucket })))).toEqual({
      name: 'BucketNotEmpty',
      status: 409,
    });
  });
});

describe('a versioning-suspended bucket', () => {
  // S3 user guide, "Working with objects in a versioning-suspended bucket".
  it('overwrites its null version on each write and delete, keeping the versions made while enabled', async () => {
    const bucket = await newBucket('Enabled');
    const kept = await put(bucket, 'file', 'enabled');
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    await put(bucket, 'file', 'first null');
    await put(bucket, 'file', 'second null');
    const listed = async () => {
      const { Versions = [], DeleteMarkers = [] } = await clients.s3.send(
        new ListObjectVersionsCommand({ Bucket: bucket }),
      );
      return [
        ...DeleteMarkers.map((m) => ['marker', m.VersionId]),
        ...Versions.map((v) => [v.Size, v.VersionId]),
      ];
    };
    expect(await listed()).toEqual([
      [11, 'null'],
      [7, kept.VersionId],
    ]);
    expect(await read(bucket, 'file')).toEqual({ body: 'second null', versionId: 'null' });
    const deleted = await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'file' }));
    expect([deleted.DeleteMarker, deleted.VersionId]).toEqual([true, 'null']);
    expect(await listed()).toEqual([
      ['marker', 'null'],
      [7, kept.VersionId],
    ]);
    expect(await read(bucket, 'file', kept.VersionId)).toEqual({
      body: 'enabled',
      versionId: kept.VersionId,
    });
  });
});

describe('unversioned buckets and the event message', () => {
  it('behave as before: no version ids on responses or events', async () => {
    const bucket = await newBucket();
    const from = events.length;
    const written = await put(bucket, 'plain', 'p');
    expect(written.VersionId).toBeUndefined();
    const deleted = await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'plain' }));
    expect(deleted.DeleteMarker).toBeUndefined();
    expect(await eventsOf(bucket, from, 2)).toEqual([
      { eventName: 'ObjectCreated:Put', key: 'plain', versionId: undefined },
      { eventName: 'ObjectRemoved:Delete', key: 'plain', versionId: undefined },
    ]);
  });

  it("puts the versionId of a versioned bucket's event into s3.object of the notification", async () => {
    const bucket = await newBucket('Enabled');
    const from = events.length;
    const written = await put(bucket, 'noted', 'n');
    await eventsOf(bucket, from, 1);
    const event = events.slice(from).find((candidate) => candidate.bucket === bucket);
    if (event === undefined) throw new Error('no event');
    const [record] = s3EventMessage(event, 'config', backend.region).Records;
    expect(record?.s3.object).toEqual({
      key: 'noted',
      size: 1,
      eTag: expect.any(String),
      versionId: written.VersionId,
      sequencer: event.sequencer,
    });
  });
});
