/**
 * Turns a stack template of a cloud assembly into the Topology the local runtime brings up. It
 * knows CloudFormation resource types, not any particular app.
 */
import { readAssetFolders, readTemplate, selectStack } from './assembly';
import { asString, type CfnResource, type CfnTemplate, isRecord, TemplateError } from './cfn';
import { acceptedTypes, customResourceProviders, emulatedTypes } from './classify';
import type { ReadContext, TemplateResource } from './context';
import { readTable } from './dynamodb';
import { readHttpApis } from './http-api';
import { createResolver, type Resolver } from './intrinsics';
import { functionNameOf, readEventSourceMapping, readFunction, whyNotRunnable } from './lambda';
import { readQueue, readSubscription, readTopic } from './messaging';
import { readBucket, readBucketNotifications, readCustomNotifications } from './s3';
import type {
  BucketNotificationSpec,
  BucketSpec,
  EventSourceMappingSpec,
  FunctionSpec,
  HttpApiSpec,
  LocalNaming,
  QueueSpec,
  SubscriptionSpec,
  TableSpec,
  TopicSpec,
  Topology,
  UnsupportedResource,
} from './types';
import { assertDeployable } from './validate';

export interface TopologyOptions {
  /** Region, account, partition and endpoint of the local backend; the stack name comes from the template. */
  readonly naming: Omit<LocalNaming, 'stackName'>;
  /** Values for template parameters, over their Default. */
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface ReadTopologyOptions extends TopologyOptions {
  /** The cloud assembly directory, e.g. cdk.out. */
  readonly cloudAssemblyDir: string;
  /** Needed when the assembly holds several stacks: artifact id, stack name or display name. */
  readonly stackName?: string;
}

/** Reads a stack of a cloud assembly (manifest.json, then the stack's template). */
export const readTopology = (options: ReadTopologyOptions): Topology => {
  const stack = selectStack(options.cloudAssemblyDir, options.stackName);
  return buildTopology(readTemplate(stack), {
    ...options,
    stackName: stack.stackName,
    assemblyDir: stack.assemblyDir,
    assetFolders: readAssetFolders(stack),
  });
};

const templateResources = (template: CfnTemplate): TemplateResource[] =>
  Object.entries(template.Resources ?? {}).map(([logicalId, resource]) => {
    if (!isRecord(resource) || typeof resource.Type !== 'string') {
      throw new TemplateError(`Resources.${logicalId}`, 'a resource needs a Type');
    }
    return { logicalId, resource: resource as CfnResource };
  });

const unsupportedWarnings = (unsupported: readonly UnsupportedResource[]): string[] => {
  const byType = new Map<string, string[]>();
  for (const { type, logicalId } of unsupported) byType.set(type, [...(byType.get(type) ?? []), logicalId]);
  return [...byType].map(([type, logicalIds]) => {
    const ids = logicalIds.join(', ');
    const verb = logicalIds.length === 1 ? 'is' : 'are';
    return `${type} (${ids}) ${verb} not supported by the local runtime and will not exist locally`;
  });
};

/** Functions something invokes (mapping, notification, subscription) that cannot run locally. */
const unrunnableWarnings = (
  functions: readonly FunctionSpec[],
  invokedBy: ReadonlyMap<string, string[]>,
): string[] =>
  functions.flatMap((spec) => {
    const reason = whyNotRunnable(spec);
    const invokers = invokedBy.get(spec.name);
    if (reason === undefined || invokers === undefined) return [];
    return [
      `AWS::Lambda::Function (${spec.logicalId}) is invoked by ${invokers.join(', ')} but cannot run locally: ${reason}`,
    ];
  });

/** SQS mappings; any other source is named as unsupported. */
const readMappings = (context: ReadContext, entries: readonly TemplateResource[]) => {
  const eventSourceMappings: EventSourceMappingSpec[] = [];
  const unsupported: UnsupportedResource[] = [];
  const warnings: string[] = [];
  for (const entry of entries) {
    const result = readEventSourceMapping(context, entry);
    if (result.kind === 'sqs') {
      eventSourceMappings.push(result.mapping);
    } else {
      unsupported.push({ logicalId: entry.logicalId, type: entry.resource.Type });
      warnings.push(
        `${entry.resource.Type} (${entry.logicalId}) will not run locally: ${result.reason}; only SQS event sources are supported`,
      );
    }
  }
  return { eventSourceMappings, unsupported, warnings };
};

/** Function name -> what invokes it (mappings, bucket notifications, lambda subscriptions). */
const invokedFunctions = (
  mappings: readonly EventSourceMappingSpec[],
  notifications: readonly BucketNotificationSpec[],
  subscriptions: readonly SubscriptionSpec[],
  httpApis: readonly HttpApiSpec[],
): Map<string, string[]> => {
  const invokedBy = new Map<string, string[]>();
  const invokes = (arnOrName: string, by: string) => {
    const name = functionNameOf(arnOrName);
    invokedBy.set(name, [...(invokedBy.get(name) ?? []), by]);
  };
  for (const mapping of mappings) invokes(mapping.functionName, `event source mapping ${mapping.logicalId}`);
  for (const notification of notifications) {
    if (notification.destinationType === 'function')
      invokes(notification.destinationArn, notification.source);
  }
  for (const subscription of subscriptions) {
    if (subscription.protocol === 'lambda')
      invokes(subscription.endpoint, `subscription ${subscription.logicalId}`);
  }
  for (const api of httpApis) {
    for (const integration of api.integrations) {
      if (integration.functionName !== undefined)
        invokes(integration.functionName, `HTTP API ${api.logicalId}`);
    }
  }
  return invokedBy;
};

const outputString = (value: unknown, at: string): string =>
  Array.isArray(value)
    ? value.map((item, index) => asString(item, `${at}.${index}`)).join(',')
    : asString(value, at);

/** The stack outputs whose condition holds, resolved to local names. */
const readOutputs = (template: CfnTemplate, resolver: Resolver): Record<string, string> => {
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    const at = `Outputs.${name}`;
    if (output.Condition !== undefined && !resolver.condition(output.Condition, `${at}.Condition`)) continue;
    outputs[name] = outputString(resolver.resolve(output.Value, `${at}.Value`), `${at}.Value`);
  }
  return outputs;
};

/** The template's resources whose Condition holds (one whose Condition is false is not created). */
const createdResources = (template: CfnTemplate, resolver: Resolver) =>
  templateResources(template).filter(
    ({ logicalId, resource }) =>
      resource.Condition === undefined ||
      resolver.condition(resource.Condition, `Resources.${logicalId}.Condition`),
  );

type OfType = (type: string) => TemplateResource[];

const readBuckets = (context: ReadContext, ofType: OfType) => {
  const buckets: BucketSpec[] = ofType('AWS::S3::Bucket').map((entry) => readBucket(context, entry));
  const bucketNames = new Set(buckets.map((bucket) => bucket.name));
  const notifications: BucketNotificationSpec[] = [
    ...ofType('AWS::S3::Bucket').flatMap((entry) => readBucketNotifications(context, entry)),
    ...ofType('Custom::S3BucketNotifications').flatMap((entry) =>
      readCustomNotifications(context, entry, bucketNames),
    ),
  ];
  return { buckets, notifications };
};

const readMessaging = (context: ReadContext, ofType: OfType) => {
  const topics: TopicSpec[] = [];
  const subscriptions: SubscriptionSpec[] = [];
  for (const entry of ofType('AWS::SNS::Topic')) {
    const read = readTopic(context, entry);
    topics.push(read.topic);
    subscriptions.push(...read.subscriptions);
  }
  subscriptions.push(...ofType('AWS::SNS::Subscription').map((entry) => readSubscription(context, entry)));
  const queues: QueueSpec[] = ofType('AWS::SQS::Queue').map((entry) => readQueue(context, entry));
  return { topics, subscriptions, queues };
};

/** Functions (not the providers of custom resources, which run at deploy time), mappings and APIs. */
const readCompute = (context: ReadContext, ofType: OfType, providers: ReadonlySet<string>) => ({
  functions: ofType('AWS::Lambda::Function')
    .filter(({ logicalId }) => !providers.has(logicalId))
    .map((entry) => readFunction(context, entry)),
  mappings: readMappings(context, ofType('AWS::Lambda::EventSourceMapping')),
  httpApis: readHttpApis(context, {
    apis: ofType('AWS::ApiGatewayV2::Api'),
    routes: ofType('AWS::ApiGatewayV2::Route'),
    integrations: ofType('AWS::ApiGatewayV2::Integration'),
    authorizers: ofType('AWS::ApiGatewayV2::Authorizer'),
    stages: ofType('AWS::ApiGatewayV2::Stage'),
  }),
});

/** Resources accepted with nothing to emulate (IAM, KMS, providers, ...) and those of unknown types. */
const classify = (resources: readonly TemplateResource[], providers: ReadonlySet<string>) => {
  const summary = ({ logicalId, resource }: TemplateResource): UnsupportedResource => ({
    logicalId,
    type: resource.Type,
  });
  return {
    acceptedWithoutEmulation: resources
      .filter(({ logicalId, resource }) => acceptedTypes.has(resource.Type) || providers.has(logicalId))
      .map(summary),
    unknown: resources
      .filter(({ resource }) => !acceptedTypes.has(resource.Type) && !emulatedTypes.has(resource.Type))
      .map(summary),
  };
};

/** Builds the topology from a template already in hand. */
export const buildTopology = (
  template: CfnTemplate,
  options: TopologyOptions & {
    readonly stackName: string;
    readonly assemblyDir: string;
    readonly assetFolders?: ReadonlyMap<string, string>;
  },
): Topology => {
  const naming: LocalNaming = { ...options.naming, stackName: options.stackName };
  const resolver = createResolver(template, naming, { parameters: options.parameters });
  const context: ReadContext = {
    resolver,
    naming,
    assemblyDir: options.assemblyDir,
    assetFolders: options.assetFolders ?? new Map(),
    warnings: [],
  };
  const resources = createdResources(template, resolver);
  const ofType = (type: string) => resources.filter(({ resource }) => resource.Type === type);
  const providers = customResourceProviders(resources);
  const storage = readBuckets(context, ofType);
  const messaging = readMessaging(context, ofType);
  const tables: TableSpec[] = ofType('AWS::DynamoDB::Table').map((entry) => readTable(context, entry));
  const { functions, mappings, httpApis } = readCompute(context, ofType, providers);
  const { eventSourceMappings } = mappings;
  assertDeployable({ mappings: eventSourceMappings, functions, queues: messaging.queues });
  const { acceptedWithoutEmulation, unknown } = classify(resources, providers);
  const invokedBy = invokedFunctions(
    eventSourceMappings,
    storage.notifications,
    messaging.subscriptions,
    httpApis,
  );
  return {
    stackName: options.stackName,
    naming,
    ...storage,
    ...messaging,
    tables,
    functions,
    eventSourceMappings,
    httpApis,
    outputs: readOutputs(template, resolver),
    acceptedWithoutEmulation,
    unsupported: [...mappings.unsupported, ...unknown],
    warnings: [
      ...unsupportedWarnings(unknown),
      ...mappings.warnings,
      ...unrunnableWarnings(functions, invokedBy),
      ...context.warnings,
    ],
  };
};
