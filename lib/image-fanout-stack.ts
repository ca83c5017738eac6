import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { moderationBundling, moderationWasmDirectory } from '../lambdas/moderation/bundling';
import {
  type ConsumerName,
  consumerConstructId,
  consumerEnv,
  consumerNames,
  consumerOutputs,
  stackOutputs,
  thumbnailPrefix,
  uploadsPrefix,
} from '../lambdas/shared/constants';
import { tableSchema } from '../lambdas/shared/store/schema';
import { ApiIdentity } from './api-auth';
import { consumerDescriptions } from './consumers';
import { accessLogDays, alarmPeriod, noncurrentVersionDays } from './defaults';
import { ImageApi } from './image-api';
import { ImageConsumer } from './image-consumer';
import type { PipelineSettings } from './settings';
import { UploadEventsDestination } from './upload-events';

export interface ImageFanoutStackProps extends StackProps {
  readonly settings: PipelineSettings;
}

/** The whole fan-out: uploads bucket -> topic -> four queues -> four consumers -> derived bucket and table. */
export class ImageFanoutStack extends Stack {
  readonly settings: PipelineSettings;
  readonly uploadsBucket: s3.Bucket;
  readonly derivedBucket: s3.Bucket;
  readonly topic: sns.Topic;
  readonly table: dynamodb.Table;
  readonly consumers: Readonly<Record<ConsumerName, ImageConsumer>>;
  readonly api: ImageApi;
  readonly identity: ApiIdentity;

  constructor(scope: Construct, id: string, props: ImageFanoutStackProps) {
    super(scope, id, props);
    const { settings } = props;
    this.settings = settings;
    const removalPolicy = settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const keys = this.createKeys(removalPolicy);
    const buckets = this.createBuckets(settings, removalPolicy);
    this.uploadsBucket = buckets.uploads;
    this.derivedBucket = buckets.derived;
    this.table = this.createTable(settings, removalPolicy);
    this.topic = this.createTopic(keys.topicKey);
    // Shared by every function: the limits the guards enforce, and the log level.
    const environment = {
      [consumerEnv.maxImageBytes]: String(settings.limits.maxBytes),
      [consumerEnv.maxImagePixels]: String(settings.limits.maxPixels),
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    this.consumers = this.createConsumers(settings, keys.queueKey, environment);
    this.identity = new ApiIdentity(this, 'ApiIdentity', { auth: settings.apiAuth, removalPolicy });
    this.api = this.createApi(settings, environment);
    this.addAlarmsAndDashboard(keys.topicKey, settings);
    this.addOutputs();
  }

  /**
   * S3 publishes into the topic and SNS into the queues: each needs a customer-managed key it may
   * use. Two keys, because each key policy names the publisher (bucket, topic) it trusts.
   */
  private createKeys(removalPolicy: RemovalPolicy) {
    const topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the image events and alarm topics',
      enableKeyRotation: true,
      removalPolicy,
    });
    const queueKey = new kms.Key(this, 'QueueKey', {
      description: 'Encrypts the consumer queues and their dead-letter queues',
      enableKeyRotation: true,
      removalPolicy,
    });
    return { topicKey, queueKey };
  }

  private createBuckets(settings: PipelineSettings, removalPolicy: RemovalPolicy) {
    const privateBucket = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: !settings.retainData,
    } satisfies s3.BucketProps;
    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      ...privateBucket,
      lifecycleRules: [{ expiration: Duration.days(accessLogDays) }],
    });
    const uploads = new s3.Bucket(this, 'UploadsBucket', {
      ...privateBucket,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'uploads/',
      versioned: true,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(noncurrentVersionDays),
          expiredObjectDeleteMarker: true,
        },
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    // Derived output never goes back into the uploads bucket: no recursive triggers.
    const derived = new s3.Bucket(this, 'DerivedBucket', {
      ...privateBucket,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'derived/',
    });
    return { uploads, derived };
  }

  private createTable(settings: PipelineSettings, removalPolicy: RemovalPolicy) {
    const table = new dynamodb.Table(this, 'ImagesTable', {
      partitionKey: { name: tableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableSchema.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableSchema.timeToLiveAttribute,
      deletionProtection: settings.retainData,
      removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: tableSchema.termIndex.name,
      partitionKey: { name: tableSchema.termIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableSchema.termIndex.sortKey, type: dynamodb.AttributeType.STRING },
    });
    return table;
  }

  /** The fan-out topic, fed by the uploads bucket's object events under the uploads prefix. */
  private createTopic(topicKey: kms.IKey) {
    const topic = new sns.Topic(this, 'ImageEventsTopic', {
      displayName: 'Image upload events',
      masterKey: topicKey,
      enforceSSL: true,
    });
    const destination = new UploadEventsDestination(topic, topicKey);
    for (const event of [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED]) {
      this.uploadsBucket.addEventNotification(event, destination, { prefix: uploadsPrefix });
    }
    return topic;
  }

  private createConsumers(
    settings: PipelineSettings,
    queueKey: kms.IKey,
    environment: Readonly<Record<string, string>>,
  ): Record<ConsumerName, ImageConsumer> {
    const consumers = Object.fromEntries(
      consumerNames.map((name) => {
        const consumer = new ImageConsumer(this, consumerConstructId(name), {
          name,
          description: consumerDescriptions[name],
          settings: settings.consumers[name],
          topic: this.topic,
          encryptionKey: queueKey,
          architecture: settings.architecture,
          faultInjection: settings.faultInjection,
          environment,
          bundling: name === 'moderation' ? moderationBundling() : undefined,
        });
        consumer.readsObjects(this.uploadsBucket, uploadsPrefix);
        consumer.usesTable(consumerEnv.tableName, this.table);
        return [name, consumer];
      }),
    ) as Record<ConsumerName, ImageConsumer>;
    const { thumbnail, moderation } = consumers;
    thumbnail.writesObjects(consumerEnv.derivedBucket, this.derivedBucket, thumbnailPrefix);
    thumbnail.function.addEnvironment(consumerEnv.thumbnailWidths, settings.thumbnailWidths.join(','));
    moderation.function.addEnvironment(consumerEnv.moderationProvider, settings.moderationProvider);
    moderation.function.addEnvironment(consumerEnv.moderationWasmPath, moderationWasmDirectory);
    if (settings.moderationProvider === 'rekognition') {
      moderation.addToRolePolicy(
        // DetectModerationLabels has no resource-level permissions.
        new iam.PolicyStatement({ actions: ['rekognition:DetectModerationLabels'], resources: ['*'] }),
      );
    }
    return consumers;
  }

  private createApi(settings: PipelineSettings, environment: Readonly<Record<string, string>>) {
    const api = new ImageApi(this, 'Api', {
      settings: settings.api,
      trust: this.identity.trust,
      corsOrigins: settings.apiAuth.corsOrigins,
      architecture: settings.architecture,
      environment,
    });
    api.managesUploads(this.uploadsBucket, uploadsPrefix, settings.apiAuth.corsOrigins);
    api.presignsDownloads(this.derivedBucket, thumbnailPrefix);
    api.readsImages(this.table, tableSchema.termIndex.name);
    for (const consumer of Object.values(this.consumers))
      api.watchesBacklog(consumer.consumerName, consumer.queue);
    return api;
  }

  private addAlarmsAndDashboard(key: kms.IKey, settings: PipelineSettings) {
    const alarmTopic = this.createAlarmTopic(key, settings);
    const action = new SnsAction(alarmTopic);
    const consumers = Object.values(this.consumers);
    const deliveryFailures = new cloudwatch.Alarm(this, 'NotificationsFailed', {
      alarmDescription: `${this.stackName}: SNS failed to deliver image events; see docs/operations.md "Runbook"`,
      metric: this.topic.metricNumberOfNotificationsFailed({ period: alarmPeriod, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const alarms = [
      deliveryFailures,
      ...consumers.flatMap((consumer) => consumer.alarms),
      ...this.api.alarms,
    ];
    for (const alarm of alarms) alarm.addAlarmAction(action);

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 }));
    for (const consumer of consumers) dashboard.addWidgets(...consumer.dashboardWidgets());
    dashboard.addWidgets(...this.api.dashboardWidgets());
    new CfnOutput(this, stackOutputs.alarmTopicArn, { value: alarmTopic.topicArn });
  }

  /** Where every alarm goes: CloudWatch may publish (and use the key), an operator may subscribe. */
  private createAlarmTopic(key: kms.IKey, settings: PipelineSettings) {
    const alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'image-fanout alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL replaces SNS's default topic policy, which was what let CloudWatch publish alarms.
    alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchPublishesAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [alarmTopic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
          },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchPublishesAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    if (settings.alarmEmail !== undefined)
      alarmTopic.addSubscription(new EmailSubscription(settings.alarmEmail));
    return alarmTopic;
  }

  /** The names everything outside the stack finds its resources by (lambdas/shared/constants.ts). */
  private addOutputs() {
    const output = (name: string, value: string) => new CfnOutput(this, name, { value });
    output(stackOutputs.uploadsBucketName, this.uploadsBucket.bucketName);
    output(stackOutputs.uploadsPrefix, uploadsPrefix);
    output(stackOutputs.derivedBucketName, this.derivedBucket.bucketName);
    output(stackOutputs.imageEventsTopicArn, this.topic.topicArn);
    output(stackOutputs.imagesTableName, this.table.tableName);
    output(stackOutputs.apiUrl, this.api.stage.url);
    output(stackOutputs.apiFunctionName, this.api.function.functionName);
    for (const consumer of Object.values(this.consumers)) {
      const names = consumerOutputs(consumer.consumerName);
      output(names.queueUrl, consumer.queue.queueUrl);
      output(names.deadLetterQueueUrl, consumer.deadLetterQueue.queueUrl);
      output(names.functionName, consumer.function.functionName);
    }
  }
}
