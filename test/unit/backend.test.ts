/**
 * The embedded backend on a free port, through the real SDK: the object events S3 notifications are
 * made from, and S3, SQS and DynamoDB on one port. Retention, transactions, versioning and the SQS/SNS
 * corrections have their own backend-*.test.ts files; the fauxqs internals fauxqs-internals.test.ts.
 */
import { createHash } from 'node:crypto';
import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { EmbeddedBackend, LocalClients, ObjectEvent } from '../../local/emulator';
import { createQueue, useTestBackend } from '../helpers/backend';
import { waitFor } from '../helpers/wait';

const md5 = (data: string | Uint8Array) => createHash('md5').update(data).digest('hex');

describe('object events', () => {
  let backend: EmbeddedBackend;
  let clients: LocalClients;
  const events: ObjectEvent[] = [];
  const bucket = 'events';

  useTestBackend(async (local) => {
    ({ backend, clients } = local);
    backend.onObjectEvent((event) => events.push(event));
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  const put = async (key: string, body: string) => {
    const { ETag } = await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }),
    );
    return ETag;
  };

  /** The events of the next `count` writes or deletes, once they have all arrived. */
  const nextEvents = async (count: number, act: () => Promise<unknown>) => {
    const from = events.length;
    await act();
    return waitFor(() => (events.length >= from + count ? events.slice(from) : undefined), {
      what: `${count} object events`,
    });
  };

  it('reports puts, copies and deletes by the SDK with the decoded key, size and unquoted ETag', async () => {
    const keys = [
      'photos/2024/summer holiday/beach day.jpg',
      'a+b=c&d;e,f.png',
      'ünïcödé/日本語/naïve ✓.txt',
      'literal %20 and %2B.txt',
      "quotes 'single' (parens) !*~.txt",
      'rocket 🚀.txt',
      'empty',
    ];
    const bodies = keys.map((key, index) => (key === 'empty' ? '' : `body ${index} `.repeat(index + 1)));
    const etags: (string | undefined)[] = [];
    const puts = await nextEvents(keys.length, async () => {
      for (const [index, key] of keys.entries()) etags.push(await put(key, bodies[index] ?? ''));
    });
    expect(
      puts.map(({ eventName, bucket, key, size, eTag }) => ({ eventName, bucket, key, size, eTag })),
    ).toEqual(
      keys.map((key, index) => ({
        eventName: 'ObjectCreated:Put',
        bucket,
        key,
        size: Buffer.byteLength(bodies[index] ?? ''),
        eTag: md5(bodies[index] ?? ''),
      })),
    );
    expect(puts.map((event) => `"${event.eTag}"`)).toEqual(etags);

    const source = keys[2] ?? '';
    const copyKey = 'copies/ünï côdé+copy (1).txt';
    const [copied] = await nextEvents(1, () =>
      clients.s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: copyKey,
          CopySource: `${bucket}/${encodeURIComponent(source)}`,
        }),
      ),
    );
    expect(copied).toMatchObject({
      eventName: 'ObjectCreated:Copy',
      key: copyKey,
      size: Buffer.byteLength(bodies[2] ?? ''),
      eTag: md5(bodies[2] ?? ''),
    });

    const deleted = await nextEvents(3, async () => {
      await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[0] }));
      await clients.s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: [{ Key: keys[1] }, { Key: copyKey }] },
        }),
      );
    });
    expect(deleted.map(({ eventName, key, size, eTag }) => ({ eventName, key, size, eTag }))).toEqual(
      [keys[0], keys[1], copyKey].map((key) => ({
        eventName: 'ObjectRemoved:Delete',
        key,
        size: undefined,
        eTag: undefined,
      })),
    );
  });

  it('reports a multipart upload once, when it completes, with the multipart ETag', async () => {
    const key = 'big/multi part.bin';
    const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from('the last part')];
    const { UploadId } = await clients.s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
    );
    const uploaded: { ETag?: string; PartNumber: number }[] = [];
    for (const [index, part] of parts.entries()) {
      const { ETag } = await clients.s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body: part }),
      );
      uploaded.push({ ETag, PartNumber: index + 1 });
    }
    let completedETag: string | undefined;
    const [completed] = await nextEvents(1, async () => {
      ({ ETag: completedETag } = await clients.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: uploaded },
        }),
      ));
    });
    expect(completed).toMatchObject({
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      key,
      size: parts.reduce((sum, part) => sum + part.length, 0),
      eTag: expect.stringMatching(/^[0-9a-f]{32}-2$/),
    });
    expect(`"${completed?.eTag}"`).toBe(completedETag);
  });

  it('gives every event a sequencer greater than the one before, however close together', async () => {
    const keys = Array.from({ length: 20 }, (_, index) => `burst/${index}.txt`);
    // Puts at once, then one DeleteObjects: many events within the same millisecond.
    const burst = await nextEvents(keys.length * 2, async () => {
      await Promise.all(keys.map((key) => put(key, key)));
      await clients.s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
      );
    });
    const sequencers = burst.map((event) => event.sequencer);
    for (const sequencer of sequencers) expect(sequencer).toMatch(/^[0-9A-F]{16}$/);
    // S3 compares sequencers as strings (padded to one length): each must sort after the last.
    expect(sequencers.slice(1).filter((sequencer, index) => sequencer <= (sequencers[index] ?? ''))).toEqual(
      [],
    );
  });
});

describe('one port for every service', () => {
  let backend: EmbeddedBackend;
  let clients: LocalClients;

  useTestBackend((local) => {
    ({ backend, clients } = local);
  });

  it('answers S3, SQS and DynamoDB on the free port it picked', async () => {
    expect(backend.port).toBeGreaterThan(0);
    expect(backend.endpoint).toBe(`http://127.0.0.1:${backend.port}`);

    await clients.s3.send(new CreateBucketCommand({ Bucket: 'one-port' }));
    const { Buckets = [] } = await clients.s3.send(new ListBucketsCommand({}));
    expect(Buckets.map((b) => b.Name)).toContain('one-port');

    const url = await createQueue(clients.sqs, 'one-port', {});
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'héllo ✓' }));
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual(['héllo ✓']);

    await clients.dynamo.send(
      new CreateTableCommand({
        TableName: 'one-port',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const item = { pk: { S: 'image#1' }, size: { N: '42' }, tags: { SS: ['a', 'b'] } };
    await clients.dynamo.send(new PutItemCommand({ TableName: 'one-port', Item: item }));
    const { Item } = await clients.dynamo.send(
      new GetItemCommand({ TableName: 'one-port', Key: { pk: { S: 'image#1' } } }),
    );
    expect(Item).toEqual(item);
  });

  // fauxqs 1.9.2 checks bodies one UTF-16 unit at a time, so it refuses surrogate pairs: characters
  // beyond U+FFFF (emoji), which SQS accepts. This test fails, as it should, once fauxqs takes them.
  it.fails('accepts message bodies with characters beyond U+FFFF, as SQS does (fauxqs 1.9.2 does not)', async () => {
    const url = await createQueue(clients.sqs, 'astral', {});
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'rocket 🚀' }));
  });
});
