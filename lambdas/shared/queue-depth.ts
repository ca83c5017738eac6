import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A queue's messages as SQS counts them. */
export interface QueueDepth {
  /** Waiting to be received: more than the consumer is taking. */
  readonly visible: number;
  /** Received and not yet deleted: being worked on, or waiting out a retry. */
  readonly notVisible: number;
  readonly delayed: number;
}

/**
 * Counts from GetQueueAttributes only: a ReceiveMessage peek would raise the messages'
 * ApproximateReceiveCount and bring them closer to the DLQ.
 */
export const queueDepth = async (sqs: SQSClient, queueUrl: string): Promise<QueueDepth> => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    notVisible: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
};
