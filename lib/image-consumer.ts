import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { BundlingOptions, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type ConsumerName, consumerEnv } from '../lambdas/shared/constants';
import { createBundledFunction } from './bundled-function';
import { consumerAlarms, consumerDashboardRow, consumerMetric } from './consumer-monitoring';
import type { ConsumerSettings } from './consumers';
import { visibilityTimeoutFor } from './defaults';
import type { ArchitectureName } from './settings';

export interface ImageConsumerProps {
  readonly name: ConsumerName;
  readonly description: string;
  readonly settings: ConsumerSettings;
  /** The fan-out topic; the consumer's queue subscribes to it with raw message delivery. */
  readonly topic: sns.ITopic;
  /** Encrypts the queue and its DLQ; SNS must be able to use it (the topic's key policy allows it). */
  readonly encryptionKey: kms.IKey;
  readonly architecture: ArchitectureName;
  /** Bundles the fault injector in (the local stage's soak and crash tests); dead code otherwise. */
  readonly faultInjection: boolean;
  /** Environment every consumer shares (limits, log level). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Extra esbuild settings (the moderation model's WASM files, say). */
  readonly bundling?: Partial<BundlingOptions>;
}

/** The esbuild constant lambdas/shared/consumer.ts tests; false makes the injector dead code. */
export const faultInjectionDefine = 'IMAGE_FANOUT_FAULT_INJECTION';

/**
 * One consumer of the fan-out: queue and DLQ, raw-delivery subscription, function, SQS trigger
 * reporting partial batch failures, its alarms. The pipeline creates it once per consumer.
 */
export class ImageConsumer extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Where SNS puts the events it could not deliver to the queue (a key or policy mistake, say). */
  readonly subscriptionDeadLetterQueue: sqs.Queue;
  readonly function: NodejsFunction;
  readonly alarms: cloudwatch.Alarm[];
  readonly consumerName: ConsumerName;
  private readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ImageConsumerProps) {
    super(scope, id);
    const { settings } = props;
    this.consumerName = props.name;
    this.deadLetterQueue = this.createDeadLetterQueue('DeadLetterQueue', props.encryptionKey, settings);
    this.queue = this.createQueue(props.encryptionKey, settings);
    this.subscriptionDeadLetterQueue = this.createDeadLetterQueue(
      'SubscriptionDeadLetterQueue',
      props.encryptionKey,
      settings,
    );
    // Raw delivery: the message body is the S3 event itself, not an SNS envelope around it.
    props.topic.addSubscription(
      new SqsSubscription(this.queue, {
        rawMessageDelivery: true,
        deadLetterQueue: this.subscriptionDeadLetterQueue,
      }),
    );
    const { function: fn, role } = this.createFunction(props);
    this.function = fn;
    this.role = role;
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxBatchingWindow:
          settings.maxBatchingWindowSeconds > 0
            ? Duration.seconds(settings.maxBatchingWindowSeconds)
            : undefined,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    this.alarms = consumerAlarms(this, settings);
  }

  /** Kept longer than the queue: a dead-letter queue keeps a message's first enqueue time. */
  private createDeadLetterQueue(id: string, key: kms.IKey, settings: ConsumerSettings): sqs.Queue {
    return new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(settings.dlqRetentionDays),
    });
  }

  private createQueue(key: kms.IKey, settings: ConsumerSettings): sqs.Queue {
    return new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      // One data key serves many messages: fewer KMS calls on the hot path.
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(settings.retentionDays),
      visibilityTimeout:
        settings.visibilityTimeoutSeconds === undefined
          ? visibilityTimeoutFor(settings.timeoutSeconds, settings.maxBatchingWindowSeconds)
          : Duration.seconds(settings.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
  }

  private createFunction(props: ImageConsumerProps) {
    const { settings, architecture } = props;
    return createBundledFunction(this, {
      folder: props.name,
      description: props.description,
      roleDescription: `Runs the ${props.name} consumer`,
      architecture,
      memorySize: settings.memorySize,
      timeoutSeconds: settings.timeoutSeconds,
      environment: {
        ...props.environment,
        [consumerEnv.recordConcurrency]: String(settings.recordConcurrency),
        // Keep back time to flush and answer before the timeout: a timed-out batch retries everything.
        [consumerEnv.flushReserveMs]: String(Math.min(5_000, Math.round(settings.timeoutSeconds * 100))),
      },
      bundling: {
        define: { [faultInjectionDefine]: JSON.stringify(props.faultInjection) },
        // sharp is native: installed into the asset for the function's OS and CPU, not bundled.
        nodeModules: ['sharp'],
        environment: {
          npm_config_os: 'linux',
          npm_config_cpu: architecture === 'arm64' ? 'arm64' : 'x64',
          npm_config_libc: 'glibc',
          // Use the copy `npm install` already cached when there is one: synth then needs no network.
          npm_config_prefer_offline: 'true',
          npm_config_audit: 'false',
          npm_config_fund: 'false',
        },
        ...props.bundling,
      },
    });
  }

  /**
   * Reads uploaded objects under a prefix, by version too (an event names the version it made);
   * ListBucket makes a missing object a 404, not a 403.
   */
  readsObjects(bucket: s3.IBucket, prefix: string): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
  }

  /**
   * Writes, lists and deletes derived objects under a prefix (listing finds what superseded attempts
   * left), and names the bucket in `envName`.
   */
  writesObjects(envName: string, bucket: s3.IBucket, prefix: string): void {
    this.function.addEnvironment(envName, bucket.bucketName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
  }

  /**
   * Reads and commits image records through the batch runtime, and names the table in `envName`.
   * TransactWriteItems has no action of its own: IAM checks the PutItem and DeleteItem inside it.
   */
  usesTable(envName: string, table: dynamodb.ITable): void {
    this.function.addEnvironment(envName, table.tableName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:BatchGetItem',
          'dynamodb:GetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:PutItem',
          'dynamodb:DeleteItem',
        ],
        resources: [table.tableArn],
      }),
    );
  }

  /** Any further permission the consumer's work needs (a moderation API, say). */
  addToRolePolicy(statement: iam.PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  /** The consumer's own EMF metrics, as published by the batch runtime. */
  metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return consumerMetric(this.consumerName, metricName, props);
  }

  /** One dashboard row: backlog, failures, speed. */
  dashboardWidgets(): cloudwatch.IWidget[] {
    return consumerDashboardRow(this);
  }
}
