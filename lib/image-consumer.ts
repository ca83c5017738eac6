import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type ConsumerName, metricsNamespace } from '../lambdas/shared/constants';
import type { ConsumerSettings } from './consumers';
import { alarmPeriod, esbuildTarget, lambdaRuntime, logRetention, visibilityTimeoutFor } from './defaults';
import type { ArchitectureName } from './settings';

const projectRoot = path.resolve(import.meta.dirname, '..');

export interface ImageConsumerProps {
  readonly name: ConsumerName;
  readonly description: string;
  readonly settings: ConsumerSettings;
  /** The fan-out topic; the consumer's queue subscribes to it with raw message delivery. */
  readonly topic: sns.ITopic;
  /** Encrypts the queue and its DLQ; SNS must be able to use it (the topic's key policy allows it). */
  readonly encryptionKey: kms.IKey;
  readonly architecture: ArchitectureName;
  /** Environment every consumer shares (limits, log level). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Extra esbuild settings (the moderation model's WASM files, say). */
  readonly bundling?: Partial<BundlingOptions>;
}

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
    const { settings, name } = props;
    this.consumerName = name;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(settings.dlqRetentionDays),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      // One data key serves many messages: fewer KMS calls on the hot path.
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(settings.retentionDays),
      visibilityTimeout: visibilityTimeoutFor(settings.timeoutSeconds, settings.maxBatchingWindowSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
    this.subscriptionDeadLetterQueue = new sqs.Queue(this, 'SubscriptionDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(settings.dlqRetentionDays),
    });
    // Raw delivery: the message body is the S3 event itself, not an SNS envelope around it.
    props.topic.addSubscription(
      new SqsSubscription(this.queue, {
        rawMessageDelivery: true,
        deadLetterQueue: this.subscriptionDeadLetterQueue,
      }),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logRetention });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${name} consumer`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    const arm = props.architecture === 'arm64';
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(projectRoot, 'lambdas', name, 'handler.ts'),
      handler: 'handler',
      description: props.description,
      runtime: lambdaRuntime,
      architecture: arm ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.timeoutSeconds),
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      environment: {
        ...props.environment,
        RECORD_CONCURRENCY: String(settings.recordConcurrency),
        // Keep back time to flush and answer before the timeout: a timed-out batch retries everything.
        FLUSH_RESERVE_MS: String(Math.min(5_000, Math.round(settings.timeoutSeconds * 100))),
      },
      bundling: {
        format: OutputFormat.CJS,
        target: esbuildTarget,
        minify: true,
        sourceMap: false,
        // The runtime's own SDK may lag; bundling ours pins what the tests ran against.
        externalModules: [],
        // sharp is native: installed into the asset for the function's OS and CPU, not bundled.
        nodeModules: ['sharp'],
        environment: {
          npm_config_os: 'linux',
          npm_config_cpu: arm ? 'arm64' : 'x64',
          npm_config_libc: 'glibc',
          // Use the copy `npm install` already cached when there is one: synth then needs no network.
          npm_config_prefer_offline: 'true',
          npm_config_audit: 'false',
          npm_config_fund: 'false',
        },
        ...props.bundling,
      },
    });

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

    this.alarms = this.createAlarms(settings);
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
    return new cloudwatch.Metric({
      namespace: metricsNamespace,
      metricName,
      dimensionsMap: { service: `image-fanout-${this.consumerName}`, consumer: this.consumerName },
      statistic: 'Sum',
      period: Duration.minutes(1),
      ...props,
    });
  }

  private createAlarms(settings: ConsumerSettings): cloudwatch.Alarm[] {
    const label = `${Stack.of(this).stackName} ${this.consumerName}`;
    return [
      new cloudwatch.Alarm(this, 'DeadLetterQueueNotEmpty', {
        alarmDescription: `${label}: messages are in the DLQ; see README "Runbook"`,
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: alarmPeriod,
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'SubscriptionDeadLetterQueueNotEmpty', {
        alarmDescription: `${label}: SNS could not deliver events to the queue; see README "Runbook"`,
        metric: this.subscriptionDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: alarmPeriod,
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'OldestMessageTooOld', {
        alarmDescription: `${label}: the queue is falling behind; see README "Runbook"`,
        metric: this.queue.metricApproximateAgeOfOldestMessage({ period: alarmPeriod, statistic: 'Maximum' }),
        threshold: settings.oldestMessageAlarmSeconds,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'FunctionErrors', {
        alarmDescription: `${label}: invocations failed as a whole (crash, timeout); see README "Runbook"`,
        metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
  }

  /** One dashboard row: backlog, failures, speed. */
  dashboardWidgets(): cloudwatch.IWidget[] {
    const title = (what: string) => `${this.consumerName}: ${what}`;
    return [
      new cloudwatch.GraphWidget({
        title: title('queue'),
        left: [
          this.queue.metricApproximateNumberOfMessagesVisible(),
          this.queue.metricApproximateNumberOfMessagesNotVisible(),
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'DLQ' }),
        ],
        right: [this.queue.metricApproximateAgeOfOldestMessage()],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: title('records'),
        left: ['RecordsProcessed', 'RecordsRejected', 'RecordsRetried', 'RecordsSkipped'].map((name) =>
          this.metric(name),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: title('function'),
        left: [
          this.function.metricInvocations(),
          this.function.metricErrors(),
          this.function.metricThrottles(),
        ],
        right: [
          this.function.metricDuration({ statistic: 'p99' }),
          this.metric('BatchDuration', { statistic: 'p99' }),
        ],
        width: 8,
      }),
    ];
  }
}
