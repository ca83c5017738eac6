import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { keepAliveHandler } from '../lambdas/shared/clients';

export interface LocalClients {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBClient;
  destroy(): void;
}

/** Credentials for an emulator; a real endpoint uses whatever the environment provides. */
export const emulatorCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export const localCredentials = () =>
  process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY ? undefined : emulatorCredentials;

/** What a locally run function gets on top of its own variables: the endpoint, and credentials it accepts. */
export const endpointEnvironment = (endpoint: string): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? emulatorCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? emulatorCredentials.secretAccessKey,
  ...(process.env.AWS_SESSION_TOKEN ? { AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN } : {}),
  AWS_ENDPOINT_URL: endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** SDK clients for one endpoint, as the runtime and the tools use them. */
export const createLocalClients = (endpoint: string, region: string): LocalClients => {
  const common = {
    endpoint,
    region,
    credentials: localCredentials(),
    requestHandler: keepAliveHandler(256),
    // Uploads, accounting and operator commands must ride out throttling (real, or injected with
    // --faults throttle=...) rather than fail on the SDK's default of 3 attempts.
    maxAttempts: 8,
  };
  const clients = {
    // Path-style: emulators do not resolve bucket sub-domains of localhost.
    s3: new S3Client({ ...common, forcePathStyle: true }),
    sns: new SNSClient(common),
    // Queue URLs from emulators name hosts that may not resolve; the endpoint always does.
    sqs: new SQSClient({ ...common, useQueueUrlAsEndpoint: false }),
    dynamo: new DynamoDBClient(common),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
};

/** What emulators without STS (and the embedded backend's fauxqs) use. */
export const emulatorAccountId = '000000000000';

export type AccountAnswer =
  | { readonly accountId: string; readonly source: 'sts' }
  | { readonly accountId: string; readonly source: 'default'; readonly why: string };

/**
 * The account the endpoint puts in its ARNs, from STS GetCallerIdentity (moto answers 123456789012,
 * LocalStack and fauxqs 000000000000, AWS the caller's): the topology's ARNs must match the
 * endpoint's or subscriptions and notifications point nowhere.
 */
export const endpointAccountId = async (endpoint: string, region: string): Promise<AccountAnswer> => {
  const sts = new STSClient({ endpoint, region, credentials: localCredentials(), maxAttempts: 2 });
  try {
    const { Account } = await sts.send(new GetCallerIdentityCommand({}));
    if (Account) return { accountId: Account, source: 'sts' };
    return { accountId: emulatorAccountId, source: 'default', why: 'GetCallerIdentity named no account' };
  } catch (error) {
    return { accountId: emulatorAccountId, source: 'default', why: (error as Error).message };
  } finally {
    sts.destroy();
  }
};
