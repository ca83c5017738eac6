import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * One keep-alive connection pool per client, sized to the work in flight: a TLS handshake per
 * request costs more than most of the requests themselves.
 */
export const keepAliveHandler = (maxSockets: number) =>
  new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
  });

export interface AwsClients {
  readonly s3: S3Client;
  readonly dynamo: DynamoDBDocumentClient;
}

/**
 * Endpoints and region come from the SDK's own settings (AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_S3, AWS_REGION, ...): the same code talks to AWS and to a local backend.
 */
export const createAwsClients = ({ maxSockets = 64 }: { maxSockets?: number } = {}): AwsClients => {
  const requestHandler = keepAliveHandler(maxSockets);
  return {
    s3: new S3Client({ requestHandler }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({ requestHandler }), {
      marshallOptions: { removeUndefinedValues: true },
    }),
  };
};
