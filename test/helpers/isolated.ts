import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { processBatch } from '../../lambdas/shared/batch';
import type { ConsumerName } from '../../lambdas/shared/constants';
import { defaultImageLimits, type ImageLimits } from '../../lambdas/shared/image';
import { ImageTable } from '../../lambdas/shared/store';
import type { TestAws } from './aws';
import { stageOf } from './consumers';
import { interpose } from './interpose';

export const quietLogger = { info() {}, warn() {}, error() {} };

export interface IsolatedOptions {
  readonly limits?: ImageLimits;
  readonly recordConcurrency?: number;
  /** Puts a document-client fault (UnprocessedItems, say) in front of the table. */
  readonly wrapTable?: (doc: DynamoDBDocumentClient) => DynamoDBDocumentClient;
}

export interface RunOptions {
  /** What Lambda's getRemainingTimeInMillis says when the invocation starts; no deadline without it. */
  readonly remainingMs?: number;
  readonly reserveMs?: number;
}

/**
 * One consumer on clients of its own, so that a test can put faults in front of exactly this
 * consumer's S3 and DynamoDB requests (hold, delay, fail, lose the response) and run invocations of
 * it side by side, as Lambda runs several at once.
 */
export const isolatedConsumer = (
  aws: TestAws,
  consumer: ConsumerName,
  { limits = defaultImageLimits, recordConcurrency = 4, wrapTable = (doc) => doc }: IsolatedOptions = {},
) => {
  const common = {
    endpoint: aws.backend.endpoint,
    region: aws.backend.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const dynamo = new DynamoDBClient(common);
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const stage = stageOf(consumer, { s3, derivedBucket: aws.derivedBucket }, limits);
  const table = new ImageTable(wrapTable(doc), aws.tableName, { baseDelayMs: 1, maxDelayMs: 5 });
  return {
    stage,
    table,
    s3Faults: interpose(s3),
    dynamoFaults: interpose(dynamo),
    /** One invocation on these records; answers what the handler would. */
    run(records: readonly SQSRecord[], { remainingMs, reserveMs = 0 }: RunOptions = {}) {
      return processBatch(
        records,
        stage,
        { table, logger: quietLogger },
        { recordConcurrency, flushReserveMs: reserveMs, tombstoneTtlSeconds: 3600 },
        remainingMs === undefined ? {} : { remainingTimeMs: () => remainingMs },
      );
    },
    destroy() {
      s3.destroy();
      dynamo.destroy();
    },
  };
};

export type IsolatedConsumer = ReturnType<typeof isolatedConsumer>;
