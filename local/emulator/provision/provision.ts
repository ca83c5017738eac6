import { CreateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  type NotificationConfiguration,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { LocalClients } from '../clients';
import { standInQueueName, standInSubscriptionAttributes } from '../sns-deliveries';
import type { BucketNotificationSpec, SubscriptionSpec, TableSpec, Topology } from '../template';
import { functionNameOf } from '../template';

/** An SNS subscription with protocol lambda, delivered through a queue of the runtime's own. */
export interface LambdaSubscription {
  readonly subscription: SubscriptionSpec;
  readonly functionName: string;
  readonly queueUrl: string;
  /** The stand-in queue's subscription: what the event's EventSubscriptionArn says. */
  readonly subscriptionArn: string;
}

export interface ProvisionResult {
  /** Queue URL by queue ARN, as the endpoint answered it (external endpoints build their own). */
  readonly queueUrls: ReadonlyMap<string, string>;
  /** Tables whose TTL the endpoint could not switch on (dynalite has no UpdateTimeToLive). */
  readonly tablesWithoutTtl: readonly string[];
  readonly lambdaSubscriptions: readonly LambdaSubscription[];
  readonly warnings: readonly string[];
}

const alreadyThere = (error: unknown, ...names: string[]) =>
  error instanceof Error && names.includes(error.name);

const ignoring = async (names: string[], action: () => Promise<unknown>) => {
  try {
    await action();
  } catch (error) {
    if (!alreadyThere(error, ...names)) throw error;
  }
};

const notificationConfiguration = (specs: readonly BucketNotificationSpec[]): NotificationConfiguration => {
  const filter = (spec: BucketNotificationSpec) => ({
    Key: {
      FilterRules: [
        ...(spec.filter.prefix === undefined ? [] : [{ Name: 'prefix' as const, Value: spec.filter.prefix }]),
        ...(spec.filter.suffix === undefined ? [] : [{ Name: 'suffix' as const, Value: spec.filter.suffix }]),
      ],
    },
  });
  const events = (spec: BucketNotificationSpec) =>
    spec.events as NonNullable<NotificationConfiguration['TopicConfigurations']>[number]['Events'];
  return {
    TopicConfigurations: specs
      .filter((s) => s.destinationType === 'topic')
      .map((s) => ({ Id: s.id, TopicArn: s.destinationArn, Events: events(s), Filter: filter(s) })),
    QueueConfigurations: specs
      .filter((s) => s.destinationType === 'queue')
      .map((s) => ({ Id: s.id, QueueArn: s.destinationArn, Events: events(s), Filter: filter(s) })),
    LambdaFunctionConfigurations: specs
      .filter((s) => s.destinationType === 'function')
      .map((s) => ({ Id: s.id, LambdaFunctionArn: s.destinationArn, Events: events(s), Filter: filter(s) })),
  };
};

/** Secondary indexes as CreateTable takes them; none at all rather than an empty list. */
const indexes = (specs: TableSpec['globalSecondaryIndexes']) =>
  specs.length === 0
    ? undefined
    : specs.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: [...index.KeySchema],
        Projection: {
          ...index.Projection,
          NonKeyAttributes: index.Projection.NonKeyAttributes && [...index.Projection.NonKeyAttributes],
        } as never,
      }));

const createBuckets = async ({ buckets }: Topology, { s3 }: LocalClients) => {
  for (const bucket of buckets) {
    await ignoring(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'], () =>
      s3.send(new CreateBucketCommand({ Bucket: bucket.name })),
    );
    if (bucket.versioned) {
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: bucket.name,
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      );
    }
  }
};

const createTopics = async ({ topics }: Topology, { sns }: LocalClients, warnings: string[]) => {
  for (const topic of topics) {
    const created = await sns.send(
      new CreateTopicCommand({ Name: topic.name, Attributes: { ...topic.attributes } }),
    );
    if (created.TopicArn !== topic.arn)
      warnings.push(`Topic ${topic.logicalId} is ${created.TopicArn}, not ${topic.arn}`);
  }
};

/** Every queue first, then the redrive policies that point from one to another. Answers URL by ARN. */
const createQueues = async ({ queues }: Topology, { sqs }: LocalClients) => {
  const queueUrls = new Map<string, string>();
  for (const queue of queues) {
    const { RedrivePolicy: _redrive, ...attributes } = queue.attributes;
    await ignoring(['QueueAlreadyExists', 'QueueNameExists'], () =>
      sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: attributes })),
    );
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue.name }));
    queueUrls.set(queue.arn, QueueUrl ?? queue.url);
  }
  for (const queue of queues) {
    const redrive = queue.attributes.RedrivePolicy;
    if (redrive === undefined) continue;
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrls.get(queue.arn),
        Attributes: { RedrivePolicy: redrive },
      }),
    );
  }
  return queueUrls;
};

/** Subscriptions other than to functions (those get a stand-in queue: provisionLambdaSubscriptions). */
const subscribe = async ({ subscriptions, queues }: Topology, { sns }: LocalClients, warnings: string[]) => {
  const queueArns = new Set(queues.map((queue) => queue.arn));
  for (const subscription of subscriptions.filter((entry) => entry.protocol !== 'lambda')) {
    // An emulator may accept a subscription to a queue that does not exist and drop its messages.
    if (subscription.protocol === 'sqs' && !queueArns.has(subscription.endpoint)) {
      warnings.push(
        `Subscription ${subscription.logicalId} points at ${subscription.endpoint}, which is not in the stack`,
      );
    }
    await sns.send(
      new SubscribeCommand({
        TopicArn: subscription.topicArn,
        Protocol: subscription.protocol,
        Endpoint: subscription.endpoint,
        Attributes: { ...subscription.attributes },
        ReturnSubscriptionArn: true,
      }),
    );
  }
};

/** Creates the tables; answers those whose TTL the endpoint could not switch on. */
const createTables = async ({ tables }: Topology, { dynamo }: LocalClients) => {
  const tablesWithoutTtl: string[] = [];
  for (const table of tables) {
    await ignoring(['ResourceInUseException'], () =>
      dynamo.send(
        new CreateTableCommand({
          TableName: table.name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...table.attributeDefinitions],
          KeySchema: [...table.keySchema],
          GlobalSecondaryIndexes: indexes(table.globalSecondaryIndexes),
          LocalSecondaryIndexes: indexes(table.localSecondaryIndexes),
        }),
      ),
    );
    if (table.timeToLiveAttribute === undefined) continue;
    const ttl = { AttributeName: table.timeToLiveAttribute, Enabled: true };
    await dynamo
      .send(new UpdateTimeToLiveCommand({ TableName: table.name, TimeToLiveSpecification: ttl }))
      .catch(() => tablesWithoutTtl.push(table.name));
  }
  return tablesWithoutTtl;
};

/** Hands the bucket notification configuration to an endpoint that delivers notifications itself. */
const configureNotifications = async ({ notifications }: Topology, { s3 }: LocalClients) => {
  for (const bucket of new Set(notifications.map((notification) => notification.bucket))) {
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: notificationConfiguration(
          notifications.filter((n) => n.bucket === bucket),
        ),
      }),
    );
  }
};

/**
 * Creates the topology's buckets, topics, queues, subscriptions and tables on an endpoint, through
 * the ordinary APIs, so it works on the embedded backend, LocalStack or another emulator alike.
 * Running it again is harmless. `nativeNotifications` hands S3 notifications to the endpoint
 * (LocalStack delivers them itself); the embedded backend leaves them to the runtime's notifier.
 */
export const provision = async (
  topology: Topology,
  clients: LocalClients,
  { nativeNotifications }: { nativeNotifications: boolean },
): Promise<ProvisionResult> => {
  const warnings: string[] = [];
  await createBuckets(topology, clients);
  await createTopics(topology, clients, warnings);
  const queueUrls = await createQueues(topology, clients);
  await subscribe(topology, clients, warnings);
  const tablesWithoutTtl = await createTables(topology, clients);
  if (nativeNotifications) await configureNotifications(topology, clients);
  const lambdaSubscriptions = await provisionLambdaSubscriptions(topology, clients, warnings);
  return { queueUrls, tablesWithoutTtl, lambdaSubscriptions, warnings };
};

/**
 * No emulator invokes a function for an SNS subscription: each lambda subscription to a function of
 * the stack gets a queue subscribed in its place (see sns-deliveries/sns-event.ts), which the runtime polls.
 * Creating and subscribing are idempotent, so a process that skips provisioning runs this too.
 */
export const provisionLambdaSubscriptions = async (
  topology: Topology,
  clients: LocalClients,
  warnings: string[],
): Promise<LambdaSubscription[]> => {
  const functions = new Set(topology.functions.map((fn) => fn.name));
  const delivered: LambdaSubscription[] = [];
  for (const subscription of topology.subscriptions.filter((entry) => entry.protocol === 'lambda')) {
    const functionName = functionNameOf(subscription.endpoint);
    if (!functions.has(functionName)) {
      warnings.push(
        `Subscription ${subscription.logicalId} invokes ${subscription.endpoint}, which is not in the stack; nothing is delivered to it locally`,
      );
      continue;
    }
    const QueueName = standInQueueName(topology.stackName, subscription);
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName }));
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const { SubscriptionArn } = await clients.sns.send(
      new SubscribeCommand({
        TopicArn: subscription.topicArn,
        Protocol: 'sqs',
        Endpoint: Attributes?.QueueArn,
        Attributes: standInSubscriptionAttributes(subscription),
        ReturnSubscriptionArn: true,
      }),
    );
    delivered.push({
      subscription,
      functionName,
      queueUrl: QueueUrl ?? '',
      subscriptionArn: SubscriptionArn ?? `${subscription.topicArn}:${subscription.logicalId}`,
    });
  }
  return delivered;
};

/** The queue URLs of a topology that another process has already created on the endpoint. */
export const findQueues = async (topology: Topology, clients: LocalClients): Promise<ProvisionResult> => {
  const queueUrls = new Map<string, string>();
  for (const queue of topology.queues) {
    const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queue.name }));
    queueUrls.set(queue.arn, QueueUrl ?? queue.url);
  }
  const warnings: string[] = [];
  const lambdaSubscriptions = await provisionLambdaSubscriptions(topology, clients, warnings);
  return { queueUrls, tablesWithoutTtl: [], lambdaSubscriptions, warnings };
};
