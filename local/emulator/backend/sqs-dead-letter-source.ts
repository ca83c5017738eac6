import type { FastifyRequest } from 'fastify';
import type { DeadLetterResolver, SqsMessageLike, SqsQueueLike, SqsStoreLike } from './fauxqs-internals';

/** The queue each message was moved to a DLQ from, by the redrive policy. */
export type DeadLetterSources = WeakMap<SqsMessageLike, string>;

/** Wraps a queue's dequeue so that a message its redrive policy moves to a DLQ remembers its source. */
export const rememberDeadLetterSource = (queue: SqsQueueLike, sources: DeadLetterSources): void => {
  const dequeue = queue.dequeue.bind(queue);
  queue.dequeue = (maxCount, visibilityTimeout, deadLetters) => {
    const recording: DeadLetterResolver | undefined =
      deadLetters &&
      ((arn) => {
        const target = deadLetters(arn);
        return (
          target && {
            enqueue: (message: SqsMessageLike) => {
              sources.set(message, queue.arn);
              target.enqueue(message);
            },
          }
        );
      });
    return dequeue(maxCount, visibilityTimeout, recording);
  };
};

interface ReceiveRequest {
  readonly QueueUrl?: string;
  readonly AttributeNames?: string[];
  readonly MessageSystemAttributeNames?: string[];
}

interface ReceiveResponse {
  Messages?: { ReceiptHandle: string; Attributes?: Record<string, string> }[];
}

/**
 * Adds the DeadLetterQueueSourceArn system attribute to a ReceiveMessage response when asked for
 * (SQS API reference, "ReceiveMessage"), for messages that reached the queue by redrive.
 */
export const addDeadLetterSourceArns = (
  request: FastifyRequest,
  payload: unknown,
  store: SqsStoreLike,
  sources: DeadLetterSources,
): unknown => {
  if (request.headers['x-amz-target'] !== 'AmazonSQS.ReceiveMessage' || typeof payload !== 'string')
    return payload;
  const body = (request.body ?? {}) as ReceiveRequest;
  const names = [...(body.AttributeNames ?? []), ...(body.MessageSystemAttributeNames ?? [])];
  if (!names.includes('All') && !names.includes('DeadLetterQueueSourceArn')) return payload;
  const queue = store.queues.get(body.QueueUrl ?? '');
  const response = JSON.parse(payload) as ReceiveResponse;
  let changed = false;
  for (const message of response.Messages ?? []) {
    const entry = queue?.inflightMessages.get(message.ReceiptHandle);
    const source = entry && sources.get(entry.message);
    if (source === undefined) continue;
    message.Attributes = { ...message.Attributes, DeadLetterQueueSourceArn: source };
    changed = true;
  }
  return changed ? JSON.stringify(response) : payload;
};
