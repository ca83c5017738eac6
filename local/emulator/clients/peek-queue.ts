import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface PeekOptions {
  readonly limit: number;
  /** Long enough to read them all; they are made visible again right after. */
  readonly visibilityTimeoutSeconds?: number;
  /** Stop receiving once a message matches. */
  readonly until?: (message: Message) => boolean;
}

const receiveBatch = 10;
const changeBatch = 10;

/** Makes received messages visible again; what fails here comes back at its visibility timeout. */
export const releaseMessages = async (sqs: SQSClient, queueUrl: string, messages: readonly Message[]) => {
  for (let i = 0; i < messages.length; i += changeBatch) {
    const chunk = messages.slice(i, i + changeBatch);
    try {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    } catch {
      // Best effort: these messages reappear when their visibility timeout ends, nothing is lost.
    }
  }
};

/**
 * Receives up to `limit` messages, hands them to `look`, and always makes them visible again: a
 * look changes nothing but the messages' receive counts.
 */
export const peekQueue = async <T>(
  sqs: SQSClient,
  queueUrl: string,
  { limit, visibilityTimeoutSeconds = 30, until }: PeekOptions,
  look: (messages: readonly Message[]) => Promise<T>,
): Promise<T> => {
  const held = new Map<string, Message>();
  const duplicates: Message[] = [];
  try {
    while (held.size < limit) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(receiveBatch, limit - held.size),
          VisibilityTimeout: visibilityTimeoutSeconds,
          // Long polling asks every SQS server: a short poll may miss messages of a small queue.
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        if (held.has(message.MessageId ?? '')) duplicates.push(message);
        else held.set(message.MessageId ?? '', message);
      }
      if (until !== undefined && Messages.some(until)) break;
    }
    return await look([...held.values()]);
  } finally {
    await releaseMessages(sqs, queueUrl, [...held.values(), ...duplicates]);
  }
};
