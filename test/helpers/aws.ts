import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import type { AwsClients } from '../../lambdas/shared/clients';
import { ImageTable } from '../../lambdas/shared/store';
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

/**
 * Real SDK clients against an embedded S3 and DynamoDB on free ports: one per test file. The
 * uploads bucket is versioned when asked (the consistency tests' S3 versioning cases).
 */
export const startTestAws = async ({ versionedUploads = false } = {}): Promise<TestAws> => {
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
  if (versionedUploads) {
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: names.uploadsBucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
  }
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

/** The images table with retries a few milliseconds apart, so that a test of retries does not wait. */
export const quickRetryTable = (aws: TestAws): ImageTable =>
  new ImageTable(aws.dynamo, aws.tableName, { baseDelayMs: 1, maxDelayMs: 5 });

/** Starts the embedded AWS before the file's (or describe block's) tests and stops it after them. */
export const useTestAws = (
  started: (aws: TestAws) => void,
  options: Parameters<typeof startTestAws>[0] = {},
): void => {
  let aws: TestAws | undefined;
  beforeAll(async () => {
    aws = await startTestAws(options);
    started(aws);
  });
  afterAll(() => aws?.stop());
};
