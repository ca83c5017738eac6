import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Messages waiting to be received, and received but not yet deleted (in flight or hidden). */
export interface QueueDepth {
  readonly visible: number;
  readonly notVisible: number;
}

export const emptyQueueDepth: QueueDepth = { visible: 0, notVisible: 0 };

/** From GetQueueAttributes: looking with ReceiveMessage would raise the messages' receive counts. */
export const queueDepth = async (sqs: SQSClient, queueUrl: string): Promise<QueueDepth> => {
  const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] as const;
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...names] }),
  );
  const [visible, notVisible] = names.map((name) => Number(Attributes[name] ?? 0));
  return { visible: visible ?? 0, notVisible: notVisible ?? 0 };
};
