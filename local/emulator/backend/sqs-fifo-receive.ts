import { randomUUID } from 'node:crypto';
import type {
  DeadLetterResolver,
  ReceivedMessageLike,
  SqsMessageLike,
  SqsQueueLike,
} from './fauxqs-internals';

/** SQS hands out at most 10 messages per ReceiveMessage. */
const receiveLimit = 10;

const redrivePolicy = (queue: SqsQueueLike) => {
  try {
    const policy = JSON.parse(queue.attributes.RedrivePolicy ?? '') as {
      deadLetterTargetArn?: string;
      maxReceiveCount?: number | string;
    };
    return policy.deadLetterTargetArn === undefined
      ? undefined
      : { arn: policy.deadLetterTargetArn, maxReceiveCount: Number(policy.maxReceiveCount ?? Infinity) };
  } catch {
    return undefined;
  }
};

const received = (message: SqsMessageLike, receiptHandle: string): ReceivedMessageLike => ({
  MessageId: message.messageId,
  ReceiptHandle: receiptHandle,
  MD5OfBody: message.md5OfBody,
  Body: message.body,
  ...(message.md5OfMessageAttributes ? { MD5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
  ...(Object.keys(message.messageAttributes).length > 0
    ? { MessageAttributes: message.messageAttributes }
    : {}),
});

/**
 * ReceiveMessage on a FIFO queue as SQS does it ("Using the message group ID with Amazon SQS FIFO
 * queues"): as many messages of one group as the request allows, in order, then other groups; a
 * group with a message in flight gives nothing to anyone until that message is deleted or visible
 * again. Messages that come back into a group are put back in the order they arrived in
 * (`arrival`), which fauxqs 1.9.2 loses when several of a group were in flight at once.
 */
export const receiveFifoInGroupOrder =
  (queue: SqsQueueLike, arrival: WeakMap<SqsMessageLike, number>) =>
  (maxCount: number, visibilityTimeout?: number, deadLetters?: DeadLetterResolver): ReceivedMessageLike[] => {
    queue.processTimers();
    const timeoutMs = (visibilityTimeout ?? Number(queue.attributes.VisibilityTimeout ?? 30)) * 1000;
    const redrive = redrivePolicy(queue);
    const limit = Math.min(maxCount, receiveLimit);
    const result: ReceivedMessageLike[] = [];
    for (const [groupId, waiting] of queue.fifoMessages) {
      if (result.length >= limit) break;
      if (queue.fifoLockedGroups.has(groupId) || waiting.length === 0) continue;
      waiting.sort((a, b) => (arrival.get(a) ?? 0) - (arrival.get(b) ?? 0));
      while (result.length < limit) {
        const message = waiting.shift();
        if (message === undefined) break;
        message.approximateReceiveCount++;
        message.approximateFirstReceiveTimestamp ??= Date.now();
        const deadLetterQueue =
          redrive !== undefined && message.approximateReceiveCount > redrive.maxReceiveCount
            ? deadLetters?.(redrive.arn)
            : undefined;
        if (deadLetterQueue !== undefined) {
          deadLetterQueue.enqueue(message);
          continue;
        }
        const receiptHandle = randomUUID();
        queue.inflightMessages.set(receiptHandle, {
          message,
          receiptHandle,
          visibilityDeadline: Date.now() + timeoutMs,
        });
        queue.fifoLockedGroups.set(groupId, (queue.fifoLockedGroups.get(groupId) ?? 0) + 1);
        result.push(received(message, receiptHandle));
      }
      if (waiting.length === 0) queue.fifoMessages.delete(groupId);
    }
    return result;
  };
