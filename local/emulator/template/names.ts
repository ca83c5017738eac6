/**
 * Local physical names, ARNs and URLs per CloudFormation resource type: what `Ref` and `Fn::GetAtt`
 * give for a resource once it exists on the local backend.
 */
import { createHash } from 'node:crypto';
import type { LocalNaming } from './types';

/** What a resource answers to `Ref` and `Fn::GetAtt` locally. */
export interface LocalResource {
  /** The physical name, for types that have one. */
  readonly name?: string;
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Reads one resolved property of the resource being named (explicit names may use intrinsics). */
export type PropertyReader = (property: string) => unknown;

const shortHash = (text: string, length = 8): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** A stable UUID-shaped id, for the ids AWS generates at random (KMS key ids, stack ids). */
export const stableUuid = (text: string): string => {
  const hex = createHash('sha256').update(text).digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
    '-',
  );
};

/** Shortens a name that is too long, keeping it unique with a hash of the whole. */
const fitLength = (name: string, maxLength: number): string =>
  name.length <= maxLength ? name : `${name.slice(0, maxLength - 9)}-${shortHash(name)}`;

const generatedBase = (naming: LocalNaming, logicalId: string) => `${naming.stackName}-${logicalId}`;

/** S3: 3-63 characters of [a-z0-9.-], starting and ending with a letter or digit. */
const localBucketName = (stackName: string, logicalId: string): string => {
  const cleaned = `${stackName}-${logicalId}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return fitLength(cleaned.padEnd(3, '0'), 63);
};

/** SQS queues, SNS topics, Lambda functions: [A-Za-z0-9_-], FIFO names end in ".fifo". */
const identifierName = (base: string, maxLength: number, fifo = false): string => {
  const cleaned = base.replace(/[^A-Za-z0-9_-]+/g, '-');
  return fifo ? `${fitLength(cleaned, maxLength - 5)}.fifo` : fitLength(cleaned, maxLength);
};

const isTrue = (value: unknown): boolean => value === true || value === 'true';

const explicitName = (read: PropertyReader, property: string): string | undefined => {
  const value = read(property);
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const arn = (naming: LocalNaming, service: string, resource: string, regional = true): string =>
  `arn:${naming.partition}:${service}:${regional ? naming.region : ''}:${naming.accountId}:${resource}`;

export const urlSuffix = (partition: string): string =>
  partition.startsWith('aws-cn') ? 'amazonaws.com.cn' : 'amazonaws.com';

export const queueUrl = (naming: LocalNaming, queueName: string): string =>
  `${naming.endpoint.replace(/\/+$/, '')}/${naming.accountId}/${queueName}`;

type Describe = (logicalId: string, naming: LocalNaming, read: PropertyReader) => LocalResource;

const bucket: Describe = (logicalId, naming, read) => {
  const name = explicitName(read, 'BucketName') ?? localBucketName(naming.stackName, logicalId);
  const suffix = urlSuffix(naming.partition);
  return {
    name,
    ref: name,
    attributes: {
      Arn: `arn:${naming.partition}:s3:::${name}`,
      DomainName: `${name}.s3.${suffix}`,
      RegionalDomainName: `${name}.s3.${naming.region}.${suffix}`,
      WebsiteURL: `http://${name}.s3-website-${naming.region}.${suffix}`,
    },
  };
};

const queue: Describe = (logicalId, naming, read) => {
  const name =
    explicitName(read, 'QueueName') ??
    identifierName(generatedBase(naming, logicalId), 80, isTrue(read('FifoQueue')));
  const url = queueUrl(naming, name);
  return { name, ref: url, attributes: { Arn: arn(naming, 'sqs', name), QueueName: name, QueueUrl: url } };
};

const topic: Describe = (logicalId, naming, read) => {
  const name =
    explicitName(read, 'TopicName') ??
    identifierName(generatedBase(naming, logicalId), 256, isTrue(read('FifoTopic')));
  const topicArn = arn(naming, 'sns', name);
  return { name, ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
};

const table: Describe = (logicalId, naming, read) => {
  const name =
    explicitName(read, 'TableName') ??
    fitLength(generatedBase(naming, logicalId).replace(/[^A-Za-z0-9_.-]+/g, '-'), 255);
  const tableArn = arn(naming, 'dynamodb', `table/${name}`);
  // A fixed stream label: the local backend has no streams, but the ARN must be stable.
  return {
    name,
    ref: name,
    attributes: { Arn: tableArn, StreamArn: `${tableArn}/stream/1970-01-01T00:00:00.000` },
  };
};

const lambdaFunction: Describe = (logicalId, naming, read) => {
  const name = explicitName(read, 'FunctionName') ?? identifierName(generatedBase(naming, logicalId), 64);
  return { name, ref: name, attributes: { Arn: arn(naming, 'lambda', `function:${name}`) } };
};

const subscription: Describe = (logicalId, naming, read) => {
  const topicArn = read('TopicArn');
  const base = typeof topicArn === 'string' ? topicArn : arn(naming, 'sns', logicalId);
  return { ref: `${base}:${stableUuid(`${naming.stackName}/${logicalId}`)}`, attributes: {} };
};

const kmsKey: Describe = (logicalId, naming) => {
  const keyId = stableUuid(`${naming.stackName}/${logicalId}`);
  return { ref: keyId, attributes: { Arn: arn(naming, 'kms', `key/${keyId}`), KeyId: keyId } };
};

const role: Describe = (logicalId, naming, read) => {
  const name = explicitName(read, 'RoleName') ?? identifierName(generatedBase(naming, logicalId), 64);
  return {
    name,
    ref: name,
    attributes: {
      Arn: arn(naming, 'iam', `role/${name}`, false),
      RoleId: `AROA${shortHash(name, 17).toUpperCase()}`,
    },
  };
};

const logGroup: Describe = (logicalId, naming, read) => {
  const name = explicitName(read, 'LogGroupName') ?? `/local/${naming.stackName}/${logicalId}`;
  return { name, ref: name, attributes: { Arn: arn(naming, 'logs', `log-group:${name}:*`) } };
};

/** API Gateway ids: 10 lowercase letters and digits, stable per stack and logical id. */
const gatewayId = (naming: LocalNaming, logicalId: string) =>
  BigInt(`0x${shortHash(`${naming.stackName}/${logicalId}`, 16)}`)
    .toString(36)
    .padStart(10, '0')
    .slice(0, 10);

const httpApi: Describe = (logicalId, naming) => {
  const apiId = gatewayId(naming, logicalId);
  return {
    ref: apiId,
    attributes: {
      ApiId: apiId,
      ApiEndpoint: `https://${apiId}.execute-api.${naming.region}.${urlSuffix(naming.partition)}`,
    },
  };
};

const gatewayChild: Describe = (logicalId, naming) => ({ ref: gatewayId(naming, logicalId), attributes: {} });

/** Cognito pool ids look like us-east-1_AbCdEf123; the issuer of its tokens is built from it. */
const userPool: Describe = (logicalId, naming) => {
  const id = `${naming.region}_${shortHash(`${naming.stackName}/${logicalId}`, 9)}`;
  const provider = `cognito-idp.${naming.region}.${urlSuffix(naming.partition)}/${id}`;
  return {
    ref: id,
    attributes: {
      Arn: arn(naming, 'cognito-idp', `userpool/${id}`),
      UserPoolId: id,
      ProviderName: provider,
      ProviderURL: `https://${provider}`,
    },
  };
};

const userPoolClient: Describe = (logicalId, naming) => {
  const id = shortHash(`${naming.stackName}/${logicalId}`, 26);
  return { ref: id, attributes: { ClientId: id, Name: logicalId } };
};

const describers: Readonly<Record<string, Describe>> = {
  'AWS::ApiGatewayV2::Api': httpApi,
  'AWS::ApiGatewayV2::Route': gatewayChild,
  'AWS::ApiGatewayV2::Integration': gatewayChild,
  'AWS::ApiGatewayV2::Authorizer': gatewayChild,
  'AWS::ApiGatewayV2::Stage': gatewayChild,
  'AWS::Cognito::UserPool': userPool,
  'AWS::Cognito::UserPoolClient': userPoolClient,
  'AWS::S3::Bucket': bucket,
  'AWS::SQS::Queue': queue,
  'AWS::SNS::Topic': topic,
  'AWS::SNS::Subscription': subscription,
  'AWS::DynamoDB::Table': table,
  'AWS::Lambda::Function': lambdaFunction,
  'AWS::KMS::Key': kmsKey,
  'AWS::IAM::Role': role,
  'AWS::Logs::LogGroup': logGroup,
};

/**
 * The local identity of a resource. Types without an entry get stable placeholders, so that a
 * template referring to resources the runtime does not bring up still resolves.
 */
export const describeResource = (
  type: string,
  logicalId: string,
  naming: LocalNaming,
  read: PropertyReader,
): LocalResource => {
  const known = Object.hasOwn(describers, type) ? describers[type] : undefined;
  if (known) return known(logicalId, naming, read);
  return { ref: `local:${logicalId}`, attributes: {} };
};

/** What `Fn::GetAtt` gives for an attribute the type's entry does not know. */
export const placeholderAttribute = (
  type: string,
  logicalId: string,
  attribute: string,
  naming: LocalNaming,
): string => {
  const service = (type.split('::')[1] ?? 'cloudformation').toLowerCase();
  const resource = attribute === 'Arn' ? logicalId : `${logicalId}/${attribute}`;
  return arn(naming, type.startsWith('Custom::') ? 'cloudformation' : service, resource);
};
