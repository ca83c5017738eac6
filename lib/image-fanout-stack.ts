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
  consumerNames,
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

/** The output a client reads the API's base URL from (ops tool, bench, docs). */
export const apiUrlOutput = 'ApiUrl';

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

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

    // S3 publishes into the topic and SNS into the queues: each needs a customer-managed key it may
    // use. Two keys, because each key policy names the publisher (bucket, topic) it trusts.
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

    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(accessLogDays) }],
      removalPolicy,
      autoDeleteObjects: !settings.retainData,
    });
    const bucketDefaults = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      removalPolicy,
      autoDeleteObjects: !settings.retainData,
    } satisfies s3.BucketProps;

    this.uploadsBucket = new s3.Bucket(this, 'UploadsBucket', {
      ...bucketDefaults,
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
    this.derivedBucket = new s3.Bucket(this, 'DerivedBucket', {
      ...bucketDefaults,
      serverAccessLogsPrefix: 'derived/',
    });

    this.table = new dynamodb.Table(this, 'ImagesTable', {
      partitionKey: { name: tableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableSchema.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableSchema.timeToLiveAttribute,
      deletionProtection: settings.retainData,
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: tableSchema.termIndex.name,
      partitionKey: { name: tableSchema.termIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableSchema.termIndex.sortKey, type: dynamodb.AttributeType.STRING },
    });

    this.topic = new sns.Topic(this, 'ImageEventsTopic', {
      displayName: 'Image upload events',
      masterKey: topicKey,
      enforceSSL: true,
    });
    const destination = new UploadEventsDestination(this.topic, topicKey);
    for (const event of [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED]) {
      this.uploadsBucket.addEventNotification(event, destination, { prefix: uploadsPrefix });
    }

    const environment = {
      MAX_IMAGE_BYTES: String(settings.limits.maxBytes),
      MAX_IMAGE_PIXELS: String(settings.limits.maxPixels),
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    const consumers = {} as Record<ConsumerName, ImageConsumer>;
    for (const name of consumerNames) {
      const consumer = new ImageConsumer(this, pascal(name), {
        name,
        description: consumerDescriptions[name],
        settings: settings.consumers[name],
        topic: this.topic,
        encryptionKey: queueKey,
        architecture: settings.architecture,
        environment,
        bundling: name === 'moderation' ? moderationBundling() : undefined,
      });
      consumer.readsObjects(this.uploadsBucket, uploadsPrefix);
      consumer.usesTable('TABLE_NAME', this.table);
      consumers[name] = consumer;
    }
    consumers.thumbnail.writesObjects('DERIVED_BUCKET', this.derivedBucket, thumbnailPrefix);
    consumers.thumbnail.function.addEnvironment('THUMBNAIL_WIDTHS', settings.thumbnailWidths.join(','));
    consumers.moderation.function.addEnvironment('MODERATION_PROVIDER', settings.moderationProvider);
    consumers.moderation.function.addEnvironment('MODERATION_WASM_PATH', moderationWasmDirectory);
    if (settings.moderationProvider === 'rekognition') {
      consumers.moderation.addToRolePolicy(
        // DetectModerationLabels has no resource-level permissions.
        new iam.PolicyStatement({ actions: ['rekognition:DetectModerationLabels'], resources: ['*'] }),
      );
    }
    this.consumers = consumers;

    this.identity = new ApiIdentity(this, 'ApiIdentity', { auth: settings.apiAuth, removalPolicy });
    this.api = new ImageApi(this, 'Api', {
      settings: settings.api,
      trust: this.identity.trust,
      corsOrigins: settings.apiAuth.corsOrigins,
      architecture: settings.architecture,
      environment,
    });
    this.api.managesUploads(this.uploadsBucket, uploadsPrefix, settings.apiAuth.corsOrigins);
    this.api.presignsDownloads(this.derivedBucket, thumbnailPrefix);
    this.api.readsImages(this.table, tableSchema.termIndex.name);
    for (const consumer of Object.values(consumers))
      this.api.watchesBacklog(consumer.consumerName, consumer.queue);

    this.addAlarmsAndDashboard(topicKey, settings);
    this.addOutputs();
  }

  private addAlarmsAndDashboard(key: kms.IKey, settings: PipelineSettings) {
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
    const action = new SnsAction(alarmTopic);
    const consumers = Object.values(this.consumers);
    const deliveryFailures = new cloudwatch.Alarm(this, 'NotificationsFailed', {
      alarmDescription: `${this.stackName}: SNS failed to deliver image events; see README "Runbook"`,
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
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn });
  }

  private addOutputs() {
    new CfnOutput(this, 'UploadsBucketName', { value: this.uploadsBucket.bucketName });
    new CfnOutput(this, 'UploadsPrefix', { value: uploadsPrefix });
    new CfnOutput(this, 'DerivedBucketName', { value: this.derivedBucket.bucketName });
    new CfnOutput(this, 'ImageEventsTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'ImagesTableName', { value: this.table.tableName });
    new CfnOutput(this, apiUrlOutput, { value: this.api.stage.url });
    new CfnOutput(this, 'ApiFunctionName', { value: this.api.function.functionName });
    for (const consumer of Object.values(this.consumers)) {
      const id = pascal(consumer.consumerName);
      new CfnOutput(this, `${id}QueueUrl`, { value: consumer.queue.queueUrl });
      new CfnOutput(this, `${id}DeadLetterQueueUrl`, { value: consumer.deadLetterQueue.queueUrl });
      new CfnOutput(this, `${id}FunctionName`, { value: consumer.function.functionName });
    }
  }
}
