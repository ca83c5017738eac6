/**
 * Message retention on the embedded backend (fauxqs keeps messages forever): the sweeper drops
 * messages past their queue's MessageRetentionPeriod, judged by an injected clock, through the real
 * SDK.
 */
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedBackend, type LocalClients, queueDepth } from '../../local/emulator';
import { createQueue, useTestBackend } from '../helpers/backend';
import { waitFor } from '../helpers/wait';

describe('message retention', () => {
  let backend: EmbeddedBackend;
  let clients: LocalClients;
  /** The time the retention sweeper sees; undefined: the real one. */
  let clock: number | undefined;
  let clockReads = 0;

  useTestBackend(
    (local) => {
      ({ backend, clients } = local);
    },
    {
      retentionSweepMs: 20,
      now: () => {
        clockReads++;
        return clock ?? Date.now();
      },
    },
  );

  afterEach(() => {
    clock = undefined;
  });

  /** Sets the sweeper's clock and waits for a whole sweep by it (a sweep reads the clock once). */
  const sweepAt = async (time: number) => {
    clock = time;
    const seen = clockReads;
    await waitFor(() => (clockReads >= seen + 2 ? true : undefined), { what: 'a retention sweep' });
  };

  const receive = async (url: string, options: { visibilityTimeout: number; max?: number }) => {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: options.max ?? 10,
        VisibilityTimeout: options.visibilityTimeout,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    return Messages;
  };

  it('drops messages older than the retention period, visible or in flight', async () => {
    const name = 'retained-60s';
    const url = await createQueue(clients.sqs, name, { MessageRetentionPeriod: '60' });
    await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: ['one', 'two', 'three'].map((body) => ({ Id: body, MessageBody: body })),
      }),
    );
    const [inFlight] = await receive(url, { visibilityTimeout: 300, max: 1 });
    expect(inFlight?.Body).toBe('one');
    const sentAt = Number(inFlight?.Attributes?.SentTimestamp);

    await sweepAt(sentAt + 30_000);
    expect(await queueDepth(clients.sqs, url)).toEqual({ visible: 2, notVisible: 1 });
    expect((await receive(url, { visibilityTimeout: 0 })).map((m) => m.Body)).toEqual(['two', 'three']);
    expect(backend.expiredMessages().get(name)).toBeUndefined();

    await sweepAt(sentAt + 61_000);
    expect(await receive(url, { visibilityTimeout: 0 })).toEqual([]);
    expect(await queueDepth(clients.sqs, url)).toEqual({ visible: 0, notVisible: 0 });
    expect(backend.expiredMessages().get(name)).toBe(3);
  });

  it("frees a FIFO group whose in-flight message expired, so the group's next message is received", async () => {
    const url = await createQueue(clients.sqs, 'retained.fifo', {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      MessageRetentionPeriod: '60',
    });
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'old', MessageGroupId: 'g' }),
    );
    const [inFlight] = await receive(url, { visibilityTimeout: 300 });
    expect(inFlight?.Body).toBe('old');
    await sweepAt(Number(inFlight?.Attributes?.SentTimestamp) + 61_000);
    // Back to the real clock first: by the one 61 s ahead, the next message would expire at once.
    clock = undefined;
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'new', MessageGroupId: 'g' }),
    );
    expect((await receive(url, { visibilityTimeout: 0 })).map((m) => m.Body)).toEqual(['new']);
  });

  it('expires a message in a DLQ by the time it was first sent, not the time it was moved', async () => {
    const dlqUrl = await createQueue(clients.sqs, 'parked', { MessageRetentionPeriod: '120' });
    const { Attributes = {} } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const url = await createQueue(clients.sqs, 'flaky', {
      MessageRetentionPeriod: '60',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes.QueueArn, maxReceiveCount: 1 }),
    });
    const { MessageId } = await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }),
    );
    const [first] = await receive(url, { visibilityTimeout: 1 });
    const sentAt = Number(first?.Attributes?.SentTimestamp);

    // The second receive, once the visibility timeout is over, moves it: a second or more after it was sent.
    await waitFor(
      async () => {
        await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
        const { visible, notVisible } = await queueDepth(clients.sqs, dlqUrl);
        return visible + notVisible === 1 ? true : undefined;
      },
      { what: 'the message to move to the DLQ' },
    );
    const [parked] = await receive(dlqUrl, { visibilityTimeout: 0 });
    expect(parked).toMatchObject({
      MessageId,
      Body: 'poison',
      Attributes: { SentTimestamp: String(sentAt) },
    });
    expect(Date.now()).toBeGreaterThan(sentAt + 1000);

    const total = async (queueUrl: string) => {
      const { visible, notVisible } = await queueDepth(clients.sqs, queueUrl);
      return visible + notVisible;
    };
    // Past the source's retention, within the DLQ's.
    await sweepAt(sentAt + 119_500);
    expect([await total(url), await total(dlqUrl)]).toEqual([0, 1]);
    // Past the DLQ's retention counted from the first send; within it counted from the move.
    await sweepAt(sentAt + 120_500);
    expect(await total(dlqUrl)).toBe(0);
    expect(backend.expiredMessages().get('parked')).toBe(1);
  });
});
