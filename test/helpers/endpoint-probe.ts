/**
 * What an external endpoint does that a test relies on, found by trying it there (never by the
 * endpoint's name). moto 5.2, for one, sends no S3 event when a delete on a versioned bucket makes a
 * delete marker: a test of the delete cascade can then only be skipped, with the reason.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { LocalClients } from '../../local/emulator';

/** Whether a delete on a versioned bucket reaches an SQS queue as an `ObjectRemoved:*` event. */
export const notifiesDeleteMarkers = async ({ s3, sqs }: LocalClients, name: string): Promise<boolean> => {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: name,
      NotificationConfiguration: {
        QueueConfigurations: [{ QueueArn: Attributes?.QueueArn, Events: ['s3:ObjectRemoved:*'] }],
      },
    }),
  );
  await s3.send(new PutObjectCommand({ Bucket: name, Key: 'probe', Body: 'probe' }));
  await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'probe' }));
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    if ((Messages ?? []).some((message) => message.Body?.includes('ObjectRemoved'))) return true;
  }
  return false;
};
