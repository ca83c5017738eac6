import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ConsumerName, consumerNames, consumerOutputs, stackOutputs } from '../lambdas/shared/constants';
import { createLocalClients, endpointAccountId } from '../local/emulator/clients';
import { readTopology } from '../local/emulator/template';
import { OpsError } from './errors';

export interface ConsumerResources {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly functionName?: string;
}

/** One deployment of the stack and the clients that reach it: AWS, or an AWS-compatible endpoint. */
export interface Target {
  /** For the operator: which stack, where. */
  readonly description: string;
  readonly stackName: string;
  readonly uploadsBucket: string;
  readonly uploadsPrefix: string;
  readonly derivedBucket: string;
  readonly tableName: string;
  /** The HTTP API's base URL (ApiUrl output); locally it is where `npm start` says, not the output. */
  readonly apiUrl?: string;
  readonly consumers: Readonly<Record<ConsumerName, ConsumerResources>>;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly doc: DynamoDBDocumentClient;
  /** Undefined against an endpoint: emulators publish no SQS metrics. */
  readonly cloudwatch?: CloudWatchClient;
  close(): void;
}

export const defaultStackName = 'ImageFanout-dev';

interface TargetClients {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  readonly cloudwatch?: CloudWatchClient;
  destroy(): void;
}

/** The stack's outputs, named as lib/image-fanout-stack.ts names them, to the resources they are. */
export const targetFromOutputs = (
  outputs: Readonly<Record<string, string | undefined>>,
  clients: TargetClients,
  where: { readonly stackName: string; readonly description: string },
): Target => {
  const output = (name: string): string => {
    const value = outputs[name];
    if (value === undefined || value === '') {
      const known = Object.keys(outputs).sort().join(', ') || 'none';
      throw new OpsError(
        `Stack ${where.stackName} has no output ${name} (outputs: ${known}); is it this app?`,
      );
    }
    return value;
  };
  const consumers = Object.fromEntries(
    consumerNames.map((consumer) => {
      const names = consumerOutputs(consumer);
      const functionName = outputs[names.functionName];
      return [
        consumer,
        {
          queueUrl: output(names.queueUrl),
          deadLetterQueueUrl: output(names.deadLetterQueueUrl),
          ...(functionName ? { functionName } : {}),
        },
      ];
    }),
  ) as Record<ConsumerName, ConsumerResources>;
  return {
    ...where,
    uploadsBucket: output(stackOutputs.uploadsBucketName),
    uploadsPrefix: outputs[stackOutputs.uploadsPrefix] ?? '',
    ...(outputs[stackOutputs.apiUrl] ? { apiUrl: outputs[stackOutputs.apiUrl] } : {}),
    derivedBucket: output(stackOutputs.derivedBucketName),
    tableName: output(stackOutputs.imagesTableName),
    consumers,
    sqs: clients.sqs,
    s3: clients.s3,
    doc: DynamoDBDocumentClient.from(clients.dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    ...(clients.cloudwatch ? { cloudwatch: clients.cloudwatch } : {}),
    close: () => clients.destroy(),
  };
};

export interface EndpointTargetOptions {
  readonly endpoint: string;
  readonly region: string;
  /** The cloud assembly the endpoint's resources were created from (what `npm start` ran). */
  readonly cloudAssemblyDir: string;
  /** Needed when the assembly holds several stacks. */
  readonly stackName?: string;
}

const queueName = (url: string) => url.replace(/\/+$/, '').split('/').pop() ?? url;

/**
 * A local backend or LocalStack: names from the local cloud assembly, as the local runtime created
 * them; queue URLs asked of the endpoint, since each emulator spells its own.
 */
export const endpointTarget = async (options: EndpointTargetOptions): Promise<Target> => {
  const { accountId } = await endpointAccountId(options.endpoint, options.region);
  let topology: ReturnType<typeof readTopology>;
  try {
    topology = readTopology({
      cloudAssemblyDir: options.cloudAssemblyDir,
      stackName: options.stackName,
      naming: {
        region: options.region,
        accountId,
        partition: 'aws',
        endpoint: options.endpoint,
      },
    });
  } catch (error) {
    throw new OpsError(
      `Cannot read the local cloud assembly: ${(error as Error).message}. ` +
        '`npm start` writes it (.local/cdk.out); or pass --cdk-out <dir>.',
    );
  }
  const clients = createLocalClients(options.endpoint, options.region);
  try {
    const outputs: Record<string, string> = { ...topology.outputs };
    const queueOutputs = consumerNames.flatMap((consumer) => {
      const names = consumerOutputs(consumer);
      return [names.queueUrl, names.deadLetterQueueUrl];
    });
    for (const name of queueOutputs) {
      const value = outputs[name];
      if (value === undefined) continue;
      const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName(value) }));
      if (QueueUrl) outputs[name] = QueueUrl;
    }
    return targetFromOutputs(outputs, clients, {
      stackName: topology.stackName,
      description: `${topology.stackName} on ${options.endpoint}`,
    });
  } catch (error) {
    clients.destroy();
    if (error instanceof OpsError) throw error;
    throw new OpsError(
      `The endpoint ${options.endpoint} does not have the stack's queues (${(error as Error).message}); ` +
        'is `npm start` running there?',
      { cause: error },
    );
  }
};

export interface AwsTargetOptions {
  readonly stackName: string;
  /** Otherwise the SDK's own resolution (AWS_REGION, the profile). */
  readonly region?: string;
}

/** A deployed stack: its outputs from CloudFormation, credentials and region the SDK's usual way. */
export const awsTarget = async (options: AwsTargetOptions): Promise<Target> => {
  const config = options.region === undefined ? {} : { region: options.region };
  const cloudformation = new CloudFormationClient(config);
  let outputs: Record<string, string> = {};
  let region = options.region ?? '';
  try {
    region = await cloudformation.config.region();
    const { Stacks = [] } = await cloudformation.send(
      new DescribeStacksCommand({ StackName: options.stackName }),
    );
    outputs = Object.fromEntries(
      (Stacks[0]?.Outputs ?? []).flatMap(({ OutputKey, OutputValue }) =>
        OutputKey && OutputValue ? [[OutputKey, OutputValue]] : [],
      ),
    );
  } catch (error) {
    throw new OpsError(
      `Cannot describe stack ${options.stackName}: ${(error as Error).message}. ` +
        'Check --stack, --region and the credentials; for a local backend pass --endpoint.',
      { cause: error },
    );
  } finally {
    cloudformation.destroy();
  }
  const clients = {
    sqs: new SQSClient(config),
    s3: new S3Client(config),
    dynamo: new DynamoDBClient(config),
    cloudwatch: new CloudWatchClient(config),
    destroy() {
      for (const client of [this.sqs, this.s3, this.dynamo, this.cloudwatch]) client.destroy();
    },
  };
  return targetFromOutputs(outputs, clients, {
    stackName: options.stackName,
    description: `${options.stackName} in ${region}`,
  });
};
