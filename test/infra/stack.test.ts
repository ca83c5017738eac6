import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { consumerNames, consumerOutputs, stackOutputs } from '../../lambdas/shared/constants';
import { consumerDefaults } from '../../lib/consumers';
import { synthesize } from '../helpers/synth';

const { template, stack } = synthesize();
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties?: Record<string, unknown> }
>;
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as Parameters<typeof stack.getLogicalId>[0]);
const arnOf = (construct: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [logicalId(construct), 'Arn'],
});
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
}
const statementsOf = (resource: { Properties?: Record<string, unknown> }) =>
  ((resource.Properties?.PolicyDocument ?? { Statement: [] }) as { Statement: Statement[] }).Statement;
const refOf = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: logicalId(construct) });

describe.each(consumerNames)('consumer %s', (name) => {
  const consumer = stack.consumers[name];
  const settings = consumerDefaults[name];

  it('has a KMS-encrypted queue with a DLQ, maxReceiveCount and retention (TTL)', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: settings.retentionDays * 86_400,
      RedrivePolicy: {
        deadLetterTargetArn: arnOf(consumer.deadLetterQueue),
        maxReceiveCount: settings.maxReceiveCount,
      },
    });
    const dlq = resources[logicalId(consumer.deadLetterQueue)]?.Properties ?? {};
    expect(dlq.MessageRetentionPeriod).toBe(settings.dlqRetentionDays * 86_400);
    // A DLQ keeps the original enqueue time: a shorter retention would expire messages on arrival.
    expect(dlq.MessageRetentionPeriod as number).toBeGreaterThan(settings.retentionDays * 86_400);
    expect(dlq.KmsMasterKeyId).toBeDefined();
  });

  it('derives the visibility timeout from the function timeout (>= 6x plus the batching window)', () => {
    const queue = resources[logicalId(consumer.queue)]?.Properties ?? {};
    expect(queue.VisibilityTimeout).toBe(6 * settings.timeoutSeconds + settings.maxBatchingWindowSeconds);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Timeout: settings.timeoutSeconds,
      MemorySize: settings.memorySize,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Role: arnOf(consumer.function.role as never),
    });
  });

  it('subscribes its queue to the topic with raw message delivery, and a DLQ for what SNS cannot deliver', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      Endpoint: arnOf(consumer.queue),
      TopicArn: refOf(stack.topic),
      RedrivePolicy: { deadLetterTargetArn: arnOf(consumer.subscriptionDeadLetterQueue) },
    });
    const dlq = resources[logicalId(consumer.subscriptionDeadLetterQueue)]?.Properties ?? {};
    expect(dlq.KmsMasterKeyId).toBeDefined();
    expect(dlq.MessageRetentionPeriod).toBe(settings.dlqRetentionDays * 86_400);
  });

  it('alarms as soon as SNS puts an event in the subscription DLQ', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(consumer.subscriptionDeadLetterQueue), 'QueueName'] },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: Match.anyValue(),
    });
  });

  it('triggers its function with batches, a batching window, max concurrency and partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(consumer.queue),
      FunctionName: refOf(consumer.function),
      BatchSize: settings.batchSize,
      MaximumBatchingWindowInSeconds:
        settings.maxBatchingWindowSeconds > 0 ? settings.maxBatchingWindowSeconds : Match.absent(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: settings.maxConcurrency },
    });
  });

  it('lets only the topic send to its queue, and only over TLS', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [refOf(consumer.queue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          {
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'sns.amazonaws.com' },
            Resource: arnOf(consumer.queue),
            Condition: { ArnEquals: { 'aws:SourceArn': refOf(stack.topic) } },
          },
        ]),
      },
    });
    const allows = Object.values(resources)
      .filter((r) => r.Type === 'AWS::SQS::QueuePolicy')
      .filter((r) => JSON.stringify(r.Properties?.Queues) === JSON.stringify([refOf(consumer.queue)]))
      .flatMap(statementsOf)
      .filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
  });

  it('alarms on DLQ messages, the age of the oldest message and function errors', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const watching = (metricName: string, dimension: unknown) =>
      alarms.filter(
        (alarm) =>
          alarm.Properties?.MetricName === metricName &&
          JSON.stringify(alarm.Properties?.Dimensions).includes(JSON.stringify(dimension)),
      );
    expect(
      watching('ApproximateNumberOfMessagesVisible', {
        'Fn::GetAtt': [logicalId(consumer.deadLetterQueue), 'QueueName'],
      }),
    ).toHaveLength(1);
    expect(
      watching('ApproximateAgeOfOldestMessage', { 'Fn::GetAtt': [logicalId(consumer.queue), 'QueueName'] })[0]
        ?.Properties?.Threshold,
    ).toBe(settings.oldestMessageAlarmSeconds);
    expect(watching('Errors', refOf(consumer.function))).toHaveLength(1);
  });
});

describe('topic', () => {
  it('accepts publishes only from the uploads bucket of this account, over TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [refOf(stack.topic)],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 's3.amazonaws.com' },
            Condition: {
              ArnLike: { 'aws:SourceArn': arnOf(stack.uploadsBucket) },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          }),
        ],
      },
    });
    expect(resources[logicalId(stack.topic)]?.Properties?.KmsMasterKeyId).toBeDefined();
  });

  it('receives ObjectCreated and ObjectRemoved events under uploads/ only', () => {
    const filter = { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } };
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: refOf(stack.uploadsBucket),
      NotificationConfiguration: {
        TopicConfigurations: [
          { Events: ['s3:ObjectCreated:*'], Filter: filter, TopicArn: refOf(stack.topic) },
          { Events: ['s3:ObjectRemoved:*'], Filter: filter, TopicArn: refOf(stack.topic) },
        ],
      },
    });
  });
});

describe('storage', () => {
  const buckets = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket');

  it.each(buckets.map(([id]) => id))('bucket %s blocks public access and is encrypted', (id) => {
    expect(resources[id]?.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [expect.anything()] },
    });
  });

  it('versions uploads and expires old versions', () => {
    expect(resources[logicalId(stack.uploadsBucket)]?.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
  });

  it('keeps derived images in their own bucket, so thumbnails never trigger the pipeline', () => {
    expect(logicalId(stack.derivedBucket)).not.toBe(logicalId(stack.uploadsBucket));
    const notified = Object.values(resources)
      .filter((r) => r.Type === 'Custom::S3BucketNotifications')
      .map((r) => r.Properties?.BucketName);
    expect(notified).toEqual([refOf(stack.uploadsBucket)]);
  });

  it('has an on-demand table with point-in-time recovery, TTL and the search index', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byTerm' })],
    });
  });

  it('names no physical resources, so that stages live side by side', () => {
    const named = Object.values(resources).filter(
      (r) => r.Properties?.BucketName !== undefined && r.Type === 'AWS::S3::Bucket',
    );
    expect(named).toEqual([]);
    for (const r of Object.values(resources)) {
      expect(r.Properties?.QueueName ?? r.Properties?.TableName ?? r.Properties?.TopicName).toBeUndefined();
    }
  });
});

describe('permissions', () => {
  const allowStatements = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap(statementsOf)
    .filter((statement) => statement.Effect === 'Allow');

  it('grants no wildcard actions', () => {
    const actions = allowStatements.flatMap((statement) => [statement.Action].flat());
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('lets only the thumbnail consumer write derived objects', () => {
    const derived = logicalId(stack.derivedBucket);
    const writers = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
      .filter(([, r]) =>
        statementsOf({ Properties: r.Properties }).some(
          (s) => [s.Action].flat().includes('s3:PutObject') && JSON.stringify(s).includes(derived),
        ),
      )
      .map(([id]) => id);
    expect(writers).toHaveLength(1);
    expect(writers[0]).toMatch(/^Thumbnail/);
  });
});

it('outputs every name of the contract: buckets, topic, table, queues, DLQs, functions, and what a client of the API needs', () => {
  const outputs = Object.keys(template.toJSON().Outputs).sort();
  const contract = [
    ...Object.values(stackOutputs),
    ...consumerNames.flatMap((consumer) => Object.values(consumerOutputs(consumer))),
  ];
  expect(outputs).toEqual([...contract].sort());
  // The names operators and their scripts know from the docs.
  expect(outputs).toEqual(expect.arrayContaining(['UploadsBucketName', 'ThumbnailQueueUrl', 'ApiUrl']));
});

describe('delivery from the topic', () => {
  it("alarms when SNS fails to deliver any notification (the topic's NumberOfNotificationsFailed)", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [logicalId(stack.topic), 'TopicName'] } }],
      Statistic: 'Sum',
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
  });
});
