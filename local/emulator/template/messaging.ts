/** SNS topics and subscriptions, SQS queues. */
import { asJsonString, asList, asRecord, asString, isRecord, propertyPath } from './cfn';
import type { ReadContext, TemplateResource } from './context';
import type { QueueSpec, SubscriptionSpec, TopicSpec } from './types';

type Attributes = Record<string, string>;

/**
 * Copies the properties present as API attributes, which have the same names: as strings, JSON
 * for objects.
 */
const attributesOf = (context: ReadContext, logicalId: string, names: readonly string[]): Attributes => {
  const attributes: Attributes = {};
  for (const property of names) {
    const value = context.resolver.property(logicalId, property);
    if (value === undefined) continue;
    const at = propertyPath(logicalId, property);
    attributes[property] =
      isRecord(value) || Array.isArray(value) ? asJsonString(value, at) : asString(value, at);
  }
  return attributes;
};

// KMS settings are left out on purpose: the local backends do not encrypt.
const topicAttributes = [
  'DisplayName',
  'FifoTopic',
  'ContentBasedDeduplication',
  'SignatureVersion',
  'TracingConfig',
  'DeliveryPolicy',
] as const;

const subscriptionAttributes = [
  'RawMessageDelivery',
  'FilterPolicy',
  'FilterPolicyScope',
  'RedrivePolicy',
  'DeliveryPolicy',
  'SubscriptionRoleArn',
] as const;

const queueAttributes = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

export const readTopic = (
  context: ReadContext,
  { logicalId }: TemplateResource,
): { topic: TopicSpec; subscriptions: SubscriptionSpec[] } => {
  const local = context.resolver.local(logicalId);
  const arn = asString(local.ref, `Resources.${logicalId}`);
  const at = propertyPath(logicalId, 'Subscription');
  const subscriptions = asList(context.resolver.property(logicalId, 'Subscription'), at).map(
    (item, index) => {
      const entry = asRecord(item, `${at}.${index}`);
      return {
        logicalId: `${logicalId}.Subscription.${index}`,
        topicArn: arn,
        protocol: asString(entry.Protocol, `${at}.${index}.Protocol`),
        endpoint: asString(entry.Endpoint, `${at}.${index}.Endpoint`),
        attributes: {},
      };
    },
  );
  return {
    topic: {
      logicalId,
      name: asString(local.name, `Resources.${logicalId}`),
      arn,
      attributes: attributesOf(context, logicalId, topicAttributes),
    },
    subscriptions,
  };
};

export const readSubscription = (context: ReadContext, { logicalId }: TemplateResource): SubscriptionSpec => {
  const required = (property: string) =>
    asString(context.resolver.property(logicalId, property), propertyPath(logicalId, property));
  return {
    logicalId,
    topicArn: required('TopicArn'),
    protocol: required('Protocol'),
    endpoint: required('Endpoint'),
    attributes: attributesOf(context, logicalId, subscriptionAttributes),
  };
};

export const readQueue = (context: ReadContext, { logicalId }: TemplateResource): QueueSpec => {
  const local = context.resolver.local(logicalId);
  const at = `Resources.${logicalId}`;
  return {
    logicalId,
    name: asString(local.name, at),
    arn: asString(local.attributes.Arn, at),
    url: asString(local.attributes.QueueUrl, at),
    attributes: attributesOf(context, logicalId, queueAttributes),
  };
};

/** The queue's RedrivePolicy target: where SQS moves a message after maxReceiveCount receives. */
export const deadLetterTargetOf = (queue: QueueSpec): string | undefined => {
  const policy = queue.attributes.RedrivePolicy;
  if (policy === undefined) return undefined;
  try {
    const target = (JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof target === 'string' ? target : undefined;
  } catch {
    return undefined;
  }
};
