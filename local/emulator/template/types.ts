/**
 * The part of a CloudFormation template the local runtime can bring up, as plain data with every
 * intrinsic (Ref, GetAtt, Sub, Join, ...) already resolved to local names and ARNs.
 */

export interface LocalNaming {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly stackName: string;
  /** The S3/SNS/SQS endpoint queue URLs are built on, e.g. http://127.0.0.1:4566 */
  readonly endpoint: string;
}

export interface BucketSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** VersioningConfiguration Status "Enabled". */
  readonly versioned: boolean;
}

export interface NotificationFilter {
  readonly prefix?: string;
  readonly suffix?: string;
}

/** One entry of a bucket's notification configuration (TopicConfigurations, QueueConfigurations, ...). */
export interface BucketNotificationSpec {
  readonly bucket: string;
  readonly id: string;
  readonly destinationType: 'topic' | 'queue' | 'function';
  /** Topic ARN, queue ARN or function ARN. */
  readonly destinationArn: string;
  /** As written in the template, e.g. "s3:ObjectCreated:*" or "s3:ObjectRemoved:Delete". */
  readonly events: readonly string[];
  readonly filter: NotificationFilter;
  /** Where it came from: the bucket's own NotificationConfiguration or CDK's Custom::S3BucketNotifications. */
  readonly source: string;
}

export interface TopicSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface SubscriptionSpec {
  readonly logicalId: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  /** SNS subscription attributes as strings (RawMessageDelivery: "true", FilterPolicy: JSON, ...). */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface QueueSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  /**
   * SQS CreateQueue attributes as strings: VisibilityTimeout, MessageRetentionPeriod, DelaySeconds,
   * ReceiveMessageWaitTimeSeconds, MaximumMessageSize, RedrivePolicy (JSON with the DLQ ARN
   * resolved), FifoQueue, ContentBasedDeduplication. Encryption settings are left out.
   */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface KeySchemaElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

export interface TableSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly attributeDefinitions: readonly { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  readonly keySchema: readonly KeySchemaElement[];
  readonly globalSecondaryIndexes: readonly {
    IndexName: string;
    KeySchema: readonly KeySchemaElement[];
    Projection: { ProjectionType?: string; NonKeyAttributes?: readonly string[] };
  }[];
  readonly localSecondaryIndexes: readonly {
    IndexName: string;
    KeySchema: readonly KeySchemaElement[];
    Projection: { ProjectionType?: string; NonKeyAttributes?: readonly string[] };
  }[];
  readonly timeToLiveAttribute?: string;
}

export interface FunctionSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Absolute path of the bundled asset directory in the cloud assembly; undefined for inline code. */
  readonly assetDir?: string;
  /** Without an assetDir: where the code is instead (inline, a container image, an S3 object). */
  readonly codeElsewhere?: string;
  /** e.g. "index.handler" */
  readonly handler: string;
  /** e.g. "nodejs24.x" */
  readonly runtime: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly architectures: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  /** "JSON" or "Text" (LoggingConfig.LogFormat). */
  readonly logFormat: string;
  /** DeadLetterConfig.TargetArn: where asynchronous invocations go after their last failed try. */
  readonly deadLetterTargetArn?: string;
  /** ReservedConcurrentExecutions: invocations over it are throttled; undefined when not reserved. */
  readonly reservedConcurrentExecutions?: number;
}

export interface EventSourceMappingSpec {
  readonly logicalId: string;
  /** Name of the function (as in FunctionSpec.name). */
  readonly functionName: string;
  /** Queue ARN. */
  readonly eventSourceArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** undefined: no cap beyond what the runtime allows. */
  readonly maximumConcurrency?: number;
  /** Each filter's Pattern, parsed from JSON (kept as the raw string when it is not JSON: AWS refuses it). */
  readonly filterPatterns: readonly unknown[];
  readonly enabled: boolean;
}

/** How a route is authorized: none, or the JWT authorizer of the API with the scopes it requires. */
export interface HttpRouteAuthorization {
  readonly type: string;
  /** Logical id of the authorizer. */
  readonly authorizer?: string;
  readonly scopes: readonly string[];
}

export interface HttpRouteSpec {
  readonly logicalId: string;
  /** "POST /uploads", "GET /images/{id}", "ANY /{proxy+}" or "$default". */
  readonly routeKey: string;
  /** Logical id of the integration it targets. */
  readonly integration?: string;
  readonly authorization: HttpRouteAuthorization;
}

export interface HttpIntegrationSpec {
  readonly logicalId: string;
  /** AWS_PROXY (Lambda), HTTP_PROXY, ... */
  readonly type: string;
  /** The Lambda function's name, for AWS_PROXY integrations of a function of the stack. */
  readonly functionName?: string;
  readonly uri: string;
  readonly payloadFormatVersion: string;
  readonly timeoutMs: number;
}

export interface HttpAuthorizerSpec {
  readonly logicalId: string;
  readonly name: string;
  /** JWT or REQUEST (a Lambda authorizer). */
  readonly type: string;
  /** e.g. ["$request.header.Authorization"] */
  readonly identitySource: readonly string[];
  readonly issuer?: string;
  readonly audience: readonly string[];
}

export interface HttpThrottle {
  readonly rateLimit?: number;
  readonly burstLimit?: number;
}

export interface HttpStageSpec {
  readonly logicalId: string;
  /** "$default" serves at the root; another name is the first path segment. */
  readonly name: string;
  readonly throttle: HttpThrottle;
  /** Per route key, over the stage's default. */
  readonly routeThrottles: Readonly<Record<string, HttpThrottle>>;
  readonly stageVariables: Readonly<Record<string, string>>;
}

export interface HttpCorsSpec {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
  readonly allowCredentials: boolean;
}

/** An API Gateway HTTP API (AWS::ApiGatewayV2::Api with ProtocolType HTTP) and what belongs to it. */
export interface HttpApiSpec {
  readonly logicalId: string;
  readonly apiId: string;
  readonly name: string;
  readonly cors?: HttpCorsSpec;
  readonly routes: readonly HttpRouteSpec[];
  readonly integrations: readonly HttpIntegrationSpec[];
  readonly authorizers: readonly HttpAuthorizerSpec[];
  readonly stages: readonly HttpStageSpec[];
}

export interface UnsupportedResource {
  readonly logicalId: string;
  readonly type: string;
}

/** Everything the runtime brings up, plus what it knowingly leaves out. */
export interface Topology {
  readonly stackName: string;
  readonly naming: LocalNaming;
  readonly buckets: readonly BucketSpec[];
  readonly notifications: readonly BucketNotificationSpec[];
  readonly topics: readonly TopicSpec[];
  readonly subscriptions: readonly SubscriptionSpec[];
  readonly queues: readonly QueueSpec[];
  readonly tables: readonly TableSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly eventSourceMappings: readonly EventSourceMappingSpec[];
  readonly httpApis: readonly HttpApiSpec[];
  /** Stack outputs, resolved (e.g. UploadsBucketName -> local bucket name). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Resources of types with nothing to emulate locally (IAM, KMS, alarms, policies, ...). */
  readonly acceptedWithoutEmulation: readonly UnsupportedResource[];
  /** Resources of types the runtime does not know: each one is named in a warning. */
  readonly unsupported: readonly UnsupportedResource[];
  /** Human-readable warnings (unsupported types, functions that cannot run locally, ...). */
  readonly warnings: readonly string[];
}
