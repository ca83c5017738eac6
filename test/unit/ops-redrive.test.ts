import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { peekQueue } from '../../local/emulator';
import { isUnsupportedOperation, moveMessages } from '../../ops/redrive';
import { useTestBackend } from '../helpers/backend';

type Send = SQSClient['send'];

/**
 * A real SQS client whose calls can be intercepted: `before` runs first and may throw (a crash) or
 * answer instead of the service.
 */
const intercepted = (
  sqs: SQSClient,
  before: (command: unknown, call: number) => Promise<unknown> | undefined,
): SQSClient => {
  let calls = 0;
  const send = (async (command: Parameters<Send>[0]) => {
    const answer = await before(command, ++calls);
    return answer ?? sqs.send(command as never);
  }) as Send;
  return new Proxy(sqs, {
    get: (target, property, receiver) =>
      property === 'send' ? send : Reflect.get(target, property, receiver),
  });
};

describe('moving DLQ messages with receive, send, delete', () => {
  let sqs: SQSClient;
  let dlq: string;
  let source: string;
  let run = 0;

  useTestBackend(({ clients }) => {
    sqs = clients.sqs;
  });

  beforeEach(async () => {
    run++;
    dlq = (await sqs.send(new CreateQueueCommand({ QueueName: `dlq-${run}` }))).QueueUrl as string;
    source = (await sqs.send(new CreateQueueCommand({ QueueName: `source-${run}` }))).QueueUrl as string;
  });

  const fill = async (count: number) => {
    const bodies = Array.from({ length: count }, (_, i) => JSON.stringify({ n: i }));
    for (const body of bodies) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlq,
          MessageBody: body,
          MessageAttributes: { origin: { DataType: 'String', StringValue: `test-${body}` } },
        }),
      );
    }
    return bodies;
  };

  /** Drains a queue and returns what it held (bodies and attributes). */
  const drain = async (queueUrl: string): Promise<Message[]> => {
    const all: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return all;
      all.push(...Messages);
    }
  };

  const depth = async (queueUrl: string) => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible)
    );
  };

  it('moves every message, body and attributes, and empties the DLQ', async () => {
    // Prepare
    const bodies = await fill(25);
    // Act
    const result = await moveMessages(sqs, { from: dlq, to: source });
    // Assess
    expect(result).toEqual({
      method: 'receive-send-delete',
      moved: 25,
      notSent: 0,
      notDeleted: 0,
      stoppedBy: 'empty',
    });
    expect(await depth(dlq)).toBe(0);
    const moved = await drain(source);
    expect(moved.map((message) => message.Body).sort()).toEqual([...bodies].sort());
    expect(moved[0]?.MessageAttributes?.origin?.StringValue).toBe(`test-${moved[0]?.Body}`);
  });

  it('stops at the limit and leaves the rest in the DLQ', async () => {
    await fill(15);
    const result = await moveMessages(sqs, { from: dlq, to: source, limit: 10 });
    expect(result).toMatchObject({ moved: 10, stoppedBy: 'limit' });
    expect(await depth(dlq)).toBe(5);
    expect(await depth(source)).toBe(10);
  });

  it('finishes the batch under way when interrupted, then stops', async () => {
    await fill(25);
    const controller = new AbortController();
    const client = intercepted(sqs, async (command) => {
      if (command instanceof SendMessageBatchCommand) controller.abort();
      return undefined;
    });
    const result = await moveMessages(client, { from: dlq, to: source, signal: controller.signal });
    expect(result).toMatchObject({ moved: 10, notDeleted: 0, stoppedBy: 'interrupted' });
    expect((await depth(dlq)) + (await depth(source))).toBe(25);
  });

  it('loses nothing when it dies between a send and its delete, and a second run finishes the move', async () => {
    const bodies = await fill(25);
    // The second batch is sent, then the process "dies" before deleting it from the DLQ.
    let deletes = 0;
    const crashing = intercepted(sqs, async (command) => {
      if (command instanceof DeleteMessageBatchCommand && ++deletes === 2) throw new Error('killed');
      return undefined;
    });
    await expect(
      moveMessages(crashing, { from: dlq, to: source, visibilityTimeoutSeconds: 1 }),
    ).rejects.toThrow('killed');
    expect(await depth(dlq)).toBe(15); // 10 moved; the sent batch is still in the DLQ, invisible a second

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const second = await moveMessages(sqs, { from: dlq, to: source });
    expect(second).toMatchObject({ moved: 15, stoppedBy: 'empty' });
    expect(await depth(dlq)).toBe(0);
    const moved = (await drain(source)).map((message) => message.Body);
    // Every message arrived; the batch caught by the crash arrived twice (the consumers are idempotent).
    expect(new Set(moved)).toEqual(new Set(bodies));
    expect(moved).toHaveLength(35);
  });

  it('leaves what SendMessageBatch refused in the DLQ and says so', async () => {
    await fill(3);
    const refusing = intercepted(sqs, async (command) => {
      if (!(command instanceof SendMessageBatchCommand)) return undefined;
      const [refused, ...rest] = command.input.Entries ?? [];
      const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: source, Entries: rest }));
      return {
        Successful: sent.Successful,
        Failed: [{ Id: refused?.Id, Code: 'AccessDenied', SenderFault: true, Message: 'no' }],
      };
    });
    const result = await moveMessages(refusing, { from: dlq, to: source });
    expect(result).toMatchObject({ moved: 2, notSent: 1, stoppedBy: 'send-refused' });
    expect(await depth(dlq)).toBe(1);
    // Made visible again at once: a second run can take it.
    expect(await moveMessages(sqs, { from: dlq, to: source })).toMatchObject({
      moved: 1,
      stoppedBy: 'empty',
    });
  });

  it('tells an endpoint without StartMessageMoveTask from other errors', async () => {
    const unsupported = await sqs
      .send(new StartMessageMoveTaskCommand({ SourceArn: `arn:aws:sqs:us-east-1:000000000000:dlq-${run}` }))
      .catch((error: unknown) => error);
    expect(isUnsupportedOperation(unsupported)).toBe(true);
    const missing = await sqs
      .send(new SendMessageCommand({ QueueUrl: `${dlq}-nope`, MessageBody: 'x' }))
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Error);
    expect(isUnsupportedOperation(missing)).toBe(false);
  });
});

describe('looking at a queue', () => {
  let sqs: SQSClient;

  useTestBackend(({ clients }) => {
    sqs = clients.sqs;
  });

  it('gives every message back, visible, with one more receive each', async () => {
    const queue = (await sqs.send(new CreateQueueCommand({ QueueName: 'peeked' }))).QueueUrl as string;
    for (let i = 0; i < 12; i++)
      await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: `m${i}` }));
    const seen = await peekQueue(sqs, queue, { limit: 100 }, async (messages) => messages.map((m) => m.Body));
    expect(seen.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
    const again = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(again.Messages).toHaveLength(10);
    expect(again.Messages?.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(Array(10).fill('2'));
  });

  it('gives them back when looking at them fails', async () => {
    const queue = (await sqs.send(new CreateQueueCommand({ QueueName: 'peeked-failing' })))
      .QueueUrl as string;
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'm' }));
    await expect(
      peekQueue(sqs, queue, { limit: 10 }, async () => {
        throw new Error('table unreachable');
      }),
    ).rejects.toThrow('table unreachable');
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue }));
    expect(Messages.map((m) => m.Body)).toEqual(['m']);
  });
});
