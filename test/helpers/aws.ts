import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../../lambdas/shared/clients';
import { type EmbeddedBackend, startEmbeddedBackend } from '../../local/emulator';
import { createImagesTable } from '../../samples/tables';

export interface TestAws extends AwsClients {
  readonly backend: EmbeddedBackend;
  readonly tableName: string;
  readonly uploadsBucket: string;
  readonly derivedBucket: string;
  stop(): Promise<void>;
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Real SDK clients against an embedded S3 and DynamoDB on free ports: one per test file. */
export const startTestAws = async (): Promise<TestAws> => {
  const backend = await startEmbeddedBackend();
  const s3 = new S3Client({
    endpoint: backend.endpoint,
    region: backend.region,
    credentials,
    forcePathStyle: true,
  });
  const dynamoClient = new DynamoDBClient({
    endpoint: backend.endpoint,
    region: backend.region,
    credentials,
  });
  const dynamo = DynamoDBDocumentClient.from(dynamoClient, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const names = { tableName: 'images', uploadsBucket: 'uploads', derivedBucket: 'derived' };
  await createImagesTable(dynamoClient, names.tableName);
  await s3.send(new CreateBucketCommand({ Bucket: names.uploadsBucket }));
  await s3.send(new CreateBucketCommand({ Bucket: names.derivedBucket }));
  return {
    backend,
    s3,
    dynamo,
    ...names,
    async stop() {
      s3.destroy();
      dynamoClient.destroy();
      await backend.stop();
    },
  };
};
