/**
 * SQS and SNS details the embedded backend corrects in fauxqs, through the real SDK: the SNS
 * envelope ("Amazon SNS message and JSON formats", "Message ordering details for FIFO topics"),
 * FIFO receives of several messages of one group ("Using the message group ID with Amazon SQS FIFO
 * queues"), and the DeadLetterQueueSourceArn of redriven messages (SQS API reference,
 * "ReceiveMessage").
 */
import { CreateTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { LocalClients } from '../../local/emulator';
import { createQueue as createQueueAt, useTestBackend } from '../helpers/backend';

let clients: LocalClients;

useTestBackend((local) => {
  ({ clients } = local);
});

/** A queue and its ARN. */
const createQueue = async (name: string, attributes: Record<string, string> = {}) => {
  const QueueUrl = await createQueueAt(clients.sqs, name, attributes);
  const { Attributes = {} } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl, arn: Attributes.QueueArn ?? '' };
};

const receive = async (
  url: string,
  max: number,
  extra: { attributes?: string[]; visibilityTimeout?: number } = {},
) => {
  const { Messages = [] } = await clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: max,
      VisibilityTimeout: extra.visibilityTimeout ?? 60,
      MessageSystemAttributeNames: extra.attributes as never,
    }),
  );
  return Messages;
};
const bodies = (messages: Message[]) => messages.map((message) => message.Body);
const remove = (url: string, messages: Message[]) =>
  Promise.all(
    messages.map((m) =>
      clients.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle })),
    ),
  );

describe('the SNS envelope on a queue without raw delivery', () => {
  const subscribedQueue = async (name: string, fifo: boolean) => {
    const suffix = fifo ? '.fifo' : '';
    const attributes: Record<string, string> = fifo
      ? { FifoTopic: 'true', ContentBasedDeduplication: 'true' }
      : {};
    const { TopicArn = '' } = await clients.sns.send(
      new CreateTopicCommand({ Name: `${name}${suffix}`, Attributes: attributes }),
    );
    const queue = await createQueue(`${name}${suffix}`, fifo ? { FifoQueue: 'true' } : {});
    await clients.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn }));
    return { TopicArn, queue };
  };

  it("leaves out Subject and MessageAttributes when the publisher gave none, in AWS's field order", async () => {
    const { TopicArn, queue } = await subscribedQueue('envelope', false);
    await clients.sns.send(new PublishCommand({ TopicArn, Message: 'bare' }));
    await clients.sns.send(
      new PublishCommand({
        TopicArn,
        Message: 'dressed',
        Subject: 'Amazon S3 Notification',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'image' } },
      }),
    );
    // The SDK checks each body against its MD5OfBody: a rewritten envelope must carry its own digest.
    const [bare, dressed] = (await receive(queue.url, 10)).map((message) => JSON.parse(message.Body ?? ''));
    expect(Object.keys(bare)).toEqual([
      'Type',
      'MessageId',
      'TopicArn',
      'Message',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
      'UnsubscribeURL',
    ]);
    expect(bare).toMatchObject({ Type: 'Notification', TopicArn, Message: 'bare' });
    expect(dressed).toMatchObject({
      Subject: 'Amazon S3 Notification',
      Message: 'dressed',
      MessageAttributes: { kind: { Type: 'String', Value: 'image' } },
    });
  });

  it("gives a FIFO topic's envelope a growing SequenceNumber and no signature fields", async () => {
    const { TopicArn, queue } = await subscribedQueue('ordered', true);
    for (const message of ['first', 'second'])
      await clients.sns.send(new PublishCommand({ TopicArn, Message: message, MessageGroupId: 'g' }));
    const envelopes = (await receive(queue.url, 10)).map((message) => JSON.parse(message.Body ?? ''));
    expect(envelopes.map((envelope) => envelope.Message)).toEqual(['first', 'second']);
    for (const envelope of envelopes) {
      expect(Object.keys(envelope)).toEqual([
        'Type',
        'MessageId',
        'SequenceNumber',
        'TopicArn',
        'Message',
        'Timestamp',
        'UnsubscribeURL',
      ]);
      expect(envelope.SequenceNumber).toMatch(/^\d{20}$/);
    }
    expect(BigInt(envelopes[1].SequenceNumber)).toBeGreaterThan(BigInt(envelopes[0].SequenceNumber));
  });
});

describe('FIFO receives', () => {
  const sendGroup = async (url: string, group: string, count: number) => {
    for (let start = 0; start < count; start += 10)
      await clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: Math.min(10, count - start) }, (_, offset) => ({
            Id: `${start + offset}`,
            MessageBody: `${group}${start + offset}`,
            MessageGroupId: group,
            MessageDeduplicationId: `${group}-${start + offset}`,
          })),
        }),
      );
  };

  it('return up to MaxNumberOfMessages of one group in order, and keep the group from others while any is in flight', async () => {
    const { url } = await createQueue('batches.fifo', { FifoQueue: 'true' });
    await sendGroup(url, 'a', 12);
    await sendGroup(url, 'b', 3);
    const firstA = await receive(url, 10);
    expect(bodies(firstA)).toEqual(Array.from({ length: 10 }, (_, index) => `a${index}`));
    const allB = await receive(url, 10);
    expect(bodies(allB)).toEqual(['b0', 'b1', 'b2']);
    await remove(url, firstA.slice(0, 9));
    expect(await receive(url, 10)).toEqual([]);
    await remove(url, firstA.slice(9));
    expect(bodies(await receive(url, 10))).toEqual(['a10', 'a11']);
  });

  it('hand messages made visible again back in the order they were sent', async () => {
    const { url } = await createQueue('returns.fifo', { FifoQueue: 'true' });
    await sendGroup(url, 'c', 4);
    const inFlight = await receive(url, 3);
    for (const message of [...inFlight].reverse())
      await clients.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    expect(bodies(await receive(url, 10))).toEqual(['c0', 'c1', 'c2', 'c3']);
  });
});

describe('messages moved to a DLQ by the redrive policy', () => {
  it.each([
    ['standard', '', {}],
    ['FIFO', '.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' }],
  ])(
    'carry DeadLetterQueueSourceArn when received from a %s DLQ',
    async (_, suffix, fifo: Record<string, string>) => {
      const dlq = await createQueue(`parked${suffix}`, fifo);
      const source = await createQueue(`poisoned${suffix}`, {
        ...fifo,
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }),
      });
      const group = suffix === '' ? {} : { MessageGroupId: 'g' };
      await clients.sqs.send(
        new SendMessageCommand({ QueueUrl: source.url, MessageBody: 'poison', ...group }),
      );
      await clients.sqs.send(
        new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: 'sent here', ...group }),
      );
      const [first] = await receive(source.url, 1);
      await clients.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: source.url,
          ReceiptHandle: first?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      expect(await receive(source.url, 1)).toEqual([]);

      const parked = await receive(dlq.url, 10, { attributes: ['All'], visibilityTimeout: 0 });
      // Both reached the DLQ (one group, if FIFO) in this order: sent there, then moved.
      expect(parked.map((m) => [m.Body, m.Attributes?.DeadLetterQueueSourceArn])).toEqual([
        ['sent here', undefined],
        ['poison', source.arn],
      ]);
      const named = await receive(dlq.url, 10, {
        attributes: ['DeadLetterQueueSourceArn'],
        visibilityTimeout: 0,
      });
      expect(named.find((m) => m.Body === 'poison')?.Attributes).toEqual({
        DeadLetterQueueSourceArn: source.arn,
      });
      const unasked = await receive(dlq.url, 10, { visibilityTimeout: 0 });
      expect(unasked.find((m) => m.Body === 'poison')?.Attributes).toBeUndefined();
    },
  );
});
