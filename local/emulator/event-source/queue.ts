/** The SQS calls an event source mapping makes on its queue. */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsLimits } from './settings';

export interface QueuePort {
  receive(maxMessages: number, waitSeconds: number): Promise<Message[]>;
  delete(messages: readonly Message[]): Promise<void>;
  /** Hides the messages for this many more seconds from now. */
  changeVisibility(messages: readonly Message[], seconds: number): Promise<void>;
}

const inChunks = async (
  messages: readonly Message[],
  send: (chunk: readonly Message[]) => Promise<unknown>,
): Promise<void> => {
  for (let i = 0; i < messages.length; i += sqsLimits.receiveLimit) {
    await send(messages.slice(i, i + sqsLimits.receiveLimit));
  }
};

export interface SqsQueuePortOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Aborts a long poll under way when the poller stops. */
  readonly signal: AbortSignal;
  /** Hides received messages this long instead of the queue's visibility timeout. */
  readonly visibilityTimeoutSeconds?: number;
}

export const sqsQueuePort = ({
  sqs,
  queueUrl,
  signal,
  visibilityTimeoutSeconds,
}: SqsQueuePortOptions): QueuePort => ({
  async receive(maxMessages, waitSeconds) {
    const response = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        ...(visibilityTimeoutSeconds === undefined ? {} : { VisibilityTimeout: visibilityTimeoutSeconds }),
      }),
      { abortSignal: signal },
    );
    return response.Messages ?? [];
  },

  async delete(messages) {
    await inChunks(messages, (chunk) =>
      sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      ),
    );
  },

  async changeVisibility(messages, seconds) {
    await inChunks(messages, (chunk) =>
      sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
      ),
    );
  },
});
