/**
 * The fauxqs 1.9.2 internals the embedded backend reaches into (local/emulator/backend/fauxqs-internals.ts), checked
 * on a bare fauxqs app with no backend layers: where it keeps queues, messages and objects, which
 * methods it calls and when it tells its spies. If an upgrade of fauxqs changes any of these, a
 * test here fails and names what moved (docs/embedded-backend.md, "Upgrading").
 */
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClients, type LocalClients, queueDepth } from '../../local/emulator';
import {
  type DeadLetterResolver,
  type FauxqsStores,
  loadFauxqsStores,
  onQueueCreated,
  type S3SpyMessage,
  type SnsSpyMessage,
  type SqsMessageLike,
  type SqsQueueLike,
} from '../../local/emulator/backend/fauxqs-internals';

let stores: FauxqsStores;
let app: ReturnType<typeof buildApp>;
let clients: LocalClients;
const s3Spied: S3SpyMessage[] = [];
const created: SqsQueueLike[] = [];

beforeAll(async () => {
  // As startEmbeddedBackend does: stores loaded by file, handed to the app, spied on after.
  stores = await loadFauxqsStores();
  app = buildApp({
    logger: false,
    stores: stores as unknown as NonNullable<Parameters<typeof buildApp>[0]>['stores'],
  });
  stores.s3Store.spy = { addMessage: (message) => s3Spied.push(message) };
  onQueueCreated(stores.sqsStore, (queue) => created.push(queue));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  clients = createLocalClients(`http://127.0.0.1:${port}`, 'us-east-1');
});

afterAll(async () => {
  clients?.destroy();
  await app?.close();
});

const createQueue = async (name: string, attributes: Record<string, string> = {}) => {
  const { QueueUrl = '' } = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  const queue = created.find((candidate) => candidate.name === name);
  if (queue === undefined)
    throw new Error(`CreateQueue no longer goes through SqsStore.createQueue (${name})`);
  expect(stores.sqsStore.queues.get(QueueUrl)).toBe(queue);
  return { url: QueueUrl, queue };
};

const depth = (url: string) => queueDepth(clients.sqs, url);

describe('SQS', () => {
  it('keeps queues and messages where local/emulator/backend/fauxqs-internals.ts says, and reads the lists afresh', async () => {
    const { url, queue } = await createQueue('shapes', { MessageRetentionPeriod: '60' });
    expect(queue.arn).toMatch(/^arn:aws:sqs:[a-z0-9-]+:\d{12}:shapes$/);
    expect(queue.attributes.MessageRetentionPeriod).toBe('60');
    const sent = await clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'waiting' }));
    const delayed = await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 60 }),
    );
    expect(queue.messages).toEqual([
      expect.objectContaining({
        messageId: sent.MessageId,
        sentTimestamp: expect.any(Number),
        body: 'waiting',
        md5OfBody: sent.MD5OfMessageBody,
      }),
    ]);
    expect(queue.delayedMessages).toEqual([expect.objectContaining({ messageId: delayed.MessageId })]);
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 300 }),
    );
    const handle = Messages[0]?.ReceiptHandle ?? '';
    expect(queue.inflightMessages.get(handle)).toMatchObject({
      receiptHandle: handle,
      visibilityDeadline: expect.any(Number),
      message: { messageId: sent.MessageId, approximateReceiveCount: 1 },
    });
    // The retention sweeper replaces the lists and deletes from the map.
    queue.inflightMessages.delete(handle);
    queue.delayedMessages = [];
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'dropped' }));
    queue.messages = [];
    expect(await depth(url)).toEqual({ visible: 0, notVisible: 0 });
    const { Messages: none } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(none).toBeUndefined();
  });

  it('receives from a FIFO queue through dequeue -> dequeueFifo, locking the group per message in flight', async () => {
    const { url, queue } = await createQueue('shapes.fifo', {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
    });
    expect(queue.isFifo()).toBe(true);
    const sent = await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'in order', MessageGroupId: 'group' }),
    );
    const [waiting] = queue.fifoMessages.get('group') ?? [];
    expect(waiting).toMatchObject({
      messageId: sent.MessageId,
      messageGroupId: 'group',
      sequenceNumber: sent.SequenceNumber,
      messageAttributes: {},
    });
    const calls: unknown[][] = [];
    const dequeueFifo = queue.dequeueFifo.bind(queue);
    queue.dequeueFifo = (...args) => {
      calls.push(args);
      return dequeueFifo(...args);
    };
    await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 3, VisibilityTimeout: 30 }),
    );
    expect(calls).toEqual([[3, 30, expect.any(Function)]]);
    expect(queue.fifoLockedGroups.get('group')).toBe(1);
    expect(typeof queue.processTimers).toBe('function');
  });

  it('moves a message past maxReceiveCount with nothing but the enqueue of what the dead-letter resolver returns', async () => {
    const { queue: dlq } = await createQueue('shapes-dlq');
    const { url, queue } = await createQueue('shapes-redriven', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }),
    });
    const moved: SqsMessageLike[] = [];
    const dequeue = queue.dequeue.bind(queue);
    queue.dequeue = (max, timeout, resolver?: DeadLetterResolver) =>
      dequeue(max, timeout, (arn) =>
        resolver?.(arn) === dlq ? { enqueue: (message) => moved.push(message) } : undefined,
      );
    const sent = await clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(moved.map((message) => message.messageId)).toEqual([sent.MessageId]);
  });
});

describe('SNS', () => {
  it('tells its spy of a publication before the fan-out, whose envelope it writes with these fields', async () => {
    const spied: { message: SnsSpyMessage; queued: number }[] = [];
    const { url, queue } = await createQueue('shapes-envelope');
    stores.snsStore.spy = { addMessage: (message) => spied.push({ message, queued: queue.messages.length }) };
    const { TopicArn = '' } = await clients.sns.send(
      new CreateTopicCommand({
        Name: 'shapes.fifo',
        Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    expect(stores.snsStore.getTopic(TopicArn)?.attributes.FifoTopic).toBe('true');
    const { TopicArn: plainArn = '' } = await clients.sns.send(new CreateTopicCommand({ Name: 'shapes' }));
    await clients.sns.send(
      new SubscribeCommand({ TopicArn: plainArn, Protocol: 'sqs', Endpoint: queue.arn }),
    );
    const { MessageId } = await clients.sns.send(
      new PublishCommand({ TopicArn: plainArn, Message: 'hello' }),
    );
    expect(spied).toEqual([
      {
        message: expect.objectContaining({
          service: 'sns',
          status: 'published',
          topicArn: plainArn,
          messageId: MessageId,
        }),
        queued: 0,
      },
    ]);
    const [message] = queue.messages;
    expect(message?.body.startsWith('{"Type":"Notification"')).toBe(true);
    expect(Object.keys(JSON.parse(message?.body ?? '{}'))).toEqual([
      'Type',
      'MessageId',
      'TopicArn',
      'Subject',
      'Message',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
      'UnsubscribeURL',
      'MessageAttributes',
    ]);
    expect(await depth(url)).toEqual({ visible: 1, notVisible: 0 });
  });
});

describe('S3', () => {
  it('keeps objects where local/emulator/backend/fauxqs-internals.ts says and tells its spy of writes and deletes', async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'shapes' }));
    const key = 'dir/a key ✓.txt';
    const { ETag } = await clients.s3.send(
      new PutObjectCommand({
        Bucket: 'shapes',
        Key: key,
        Body: 'twelve bytes',
        ContentType: 'text/plain',
        Metadata: { owner: 'me' },
      }),
    );
    expect(stores.s3Store.buckets.get('shapes')?.get(key)).toEqual({
      key,
      body: Buffer.from('twelve bytes'),
      contentType: 'text/plain',
      contentLength: 12,
      etag: ETag,
      lastModified: expect.any(Date),
      metadata: { owner: 'me' },
    });
    await clients.s3.send(new DeleteObjectCommand({ Bucket: 'shapes', Key: key }));
    const stored = stores.s3Store.putObject('shapes', 'direct', Buffer.from('abc'), 'text/plain', {});
    expect(stored).toMatchObject({ key: 'direct', contentLength: 3 });
    expect(s3Spied.filter((message) => message.status !== 'downloaded')).toEqual([
      { service: 's3', bucket: 'shapes', key, status: 'uploaded', timestamp: expect.any(Number) },
      { service: 's3', bucket: 'shapes', key, status: 'deleted', timestamp: expect.any(Number) },
      { service: 's3', bucket: 'shapes', key: 'direct', status: 'uploaded', timestamp: expect.any(Number) },
    ]);
  });
});
