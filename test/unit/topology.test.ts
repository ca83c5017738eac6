// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the templates under test use Fn::Sub, whose placeholders look like ${Name}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerNames, stackOutputs } from '../../lambdas/shared/constants';
import type { Topology } from '../../local/emulator';
import { readTopology } from '../../local/emulator';
import { synthesize } from '../helpers/synth';

const naming = {
  region: 'eu-west-1',
  accountId: '000000000000',
  partition: 'aws',
  endpoint: 'http://127.0.0.1:4566',
};

const byLogicalId = <T extends { logicalId: string }>(items: readonly T[], logicalId: string): T => {
  const found = items.find((item) => item.logicalId === logicalId);
  if (!found) throw new Error(`no ${logicalId} among ${items.map((item) => item.logicalId).join(', ')}`);
  return found;
};

describe('readTopology on the image pipeline', () => {
  let topology: Topology;
  let synthesized: ReturnType<typeof synthesize>;
  const logicalIdOf = (construct: IConstruct) =>
    synthesized.stack.getLogicalId(construct.node.defaultChild as CfnElement);

  beforeAll(() => {
    // The CDK CLI sets this context; without it an in-process synth writes no asset metadata at all.
    synthesized = synthesize({ 'aws:cdk:enable-asset-metadata': true });
    topology = readTopology({ cloudAssemblyDir: synthesized.assembly.directory, naming });
  });

  it('names the stack and finds buckets with valid local names', () => {
    expect(topology.stackName).toBe(synthesized.stack.stackName);
    expect(topology.buckets).toHaveLength(3);
    for (const bucket of topology.buckets) {
      expect(bucket.name).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
      expect(bucket.arn).toBe(`arn:aws:s3:::${bucket.name}`);
    }
    const uploads = byLogicalId(topology.buckets, logicalIdOf(synthesized.stack.uploadsBucket));
    expect(uploads.name).toBe(
      `${synthesized.stack.stackName}-${uploads.logicalId}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-'),
    );
    expect(topology.outputs[stackOutputs.uploadsBucketName]).toBe(uploads.name);
    expect(topology.outputs[stackOutputs.uploadsPrefix]).toBe('uploads/');
    // The uploads bucket is versioned (so deletes make delete markers); the others are not.
    expect(topology.buckets.filter((bucket) => bucket.versioned).map((bucket) => bucket.logicalId)).toEqual([
      uploads.logicalId,
    ]);
  });

  it('reads the upload notifications of the CDK custom resource', () => {
    const uploads = byLogicalId(topology.buckets, logicalIdOf(synthesized.stack.uploadsBucket));
    const topic = byLogicalId(topology.topics, logicalIdOf(synthesized.stack.topic));
    expect(topology.notifications.map(({ id: _id, source: _source, ...rest }) => rest)).toEqual([
      {
        bucket: uploads.name,
        destinationType: 'topic',
        destinationArn: topic.arn,
        events: ['s3:ObjectCreated:*'],
        filter: { prefix: 'uploads/' },
      },
      {
        bucket: uploads.name,
        destinationType: 'topic',
        destinationArn: topic.arn,
        events: ['s3:ObjectRemoved:*'],
        filter: { prefix: 'uploads/' },
      },
    ]);
  });

  it('reads topics, raw-delivery subscriptions and queues with their redrive policies', () => {
    const { stack } = synthesized;
    const topic = byLogicalId(topology.topics, logicalIdOf(stack.topic));
    expect(topology.topics).toHaveLength(2);
    expect(topic.arn).toBe(`arn:aws:sns:eu-west-1:000000000000:${topic.name}`);
    // Per consumer: its queue, its DLQ, and the DLQ of its SNS subscription.
    expect(topology.queues).toHaveLength(12);
    expect(topology.subscriptions).toHaveLength(4);
    const raw = synthesized.template.toJSON().Resources as Record<
      string,
      { Properties: Record<string, unknown> }
    >;

    for (const name of consumerNames) {
      const consumer = stack.consumers[name];
      const queue = byLogicalId(topology.queues, logicalIdOf(consumer.queue));
      const dlq = byLogicalId(topology.queues, logicalIdOf(consumer.deadLetterQueue));
      expect(queue.url).toBe(`http://127.0.0.1:4566/000000000000/${queue.name}`);
      expect(queue.name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);

      const subscription = topology.subscriptions.find((s) => s.endpoint === queue.arn);
      expect(subscription).toMatchObject({
        topicArn: topic.arn,
        protocol: 'sqs',
        attributes: {
          RawMessageDelivery: 'true',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: byLogicalId(
              topology.queues,
              logicalIdOf(consumer.subscriptionDeadLetterQueue),
            ).arn,
          }),
        },
      });

      const { RedrivePolicy, ...attributes } = queue.attributes;
      expect(JSON.parse(RedrivePolicy ?? '')).toEqual({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 });
      const properties = raw[queue.logicalId]?.Properties ?? {};
      expect(attributes).toEqual({
        MessageRetentionPeriod: String(properties.MessageRetentionPeriod),
        VisibilityTimeout: String(properties.VisibilityTimeout),
      });
      expect(attributes.MessageRetentionPeriod).toBe(
        String(stack.settings.consumers[name].retentionDays * 86_400),
      );
      expect(dlq.attributes).toEqual({
        MessageRetentionPeriod: String(stack.settings.consumers[name].dlqRetentionDays * 86_400),
      });
    }
  });

  it('reads the images table with its GSI and time to live', () => {
    const table = byLogicalId(topology.tables, logicalIdOf(synthesized.stack.table));
    expect(topology.tables).toHaveLength(1);
    expect(table.arn).toBe(`arn:aws:dynamodb:eu-west-1:000000000000:table/${table.name}`);
    expect(table.keySchema.map((key) => key.KeyType)).toEqual(['HASH', 'RANGE']);
    expect(table.globalSecondaryIndexes.map((index) => index.IndexName)).toEqual(['byTerm']);
    expect(table.timeToLiveAttribute).toBe('expiresAt');
    expect(topology.outputs[stackOutputs.imagesTableName]).toBe(table.name);
  });

  it('reads the four consumer functions with their resolved environment', () => {
    const { stack } = synthesized;
    const table = byLogicalId(topology.tables, logicalIdOf(stack.table));
    const derived = byLogicalId(topology.buckets, logicalIdOf(stack.derivedBucket));
    // The four consumers and the API's function.
    expect(topology.functions).toHaveLength(5);
    for (const name of consumerNames) {
      const settings = stack.settings.consumers[name];
      const fn = byLogicalId(topology.functions, logicalIdOf(stack.consumers[name].function));
      expect(fn).toMatchObject({
        handler: 'index.handler',
        memorySize: settings.memorySize,
        timeoutSeconds: settings.timeoutSeconds,
        architectures: [stack.settings.architecture],
        logFormat: 'JSON',
      });
      expect(fn.runtime).toMatch(/^nodejs\d+\.x$/);
      expect(fn.environment.TABLE_NAME).toBe(table.name);
      // With bundling skipped, CDK points the asset at its source directory (the project root),
      // absolute, instead of a bundle staged in the assembly.
      expect(fn.assetDir).toBe(resolve(import.meta.dirname, '../..'));
    }
    const thumbnail = byLogicalId(topology.functions, logicalIdOf(stack.consumers.thumbnail.function));
    expect(thumbnail.environment.DERIVED_BUCKET).toBe(derived.name);
  });

  it('reads the HTTP API: routes to the function, the JWT authorizer of the Cognito pool, the throttled $default stage', () => {
    const { stack } = synthesized;
    expect(topology.httpApis).toHaveLength(1);
    const [api] = topology.httpApis;
    const fn = byLogicalId(topology.functions, logicalIdOf(stack.api.function));
    expect(api?.routes.map((route) => route.routeKey).sort()).toEqual(
      [
        'DELETE /images/{imageId}',
        'GET /images',
        'GET /images/{imageId}',
        'GET /images/{imageId}/similar',
        'GET /search',
        'POST /uploads',
      ].sort(),
    );
    const [authorizer] = api?.authorizers ?? [];
    expect(authorizer).toMatchObject({ type: 'JWT', identitySource: ['$request.header.Authorization'] });
    expect(authorizer?.issuer).toMatch(
      /^https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\/eu-west-1_[0-9a-f]{9}$/,
    );
    expect(authorizer?.audience).toEqual([expect.stringMatching(/^[0-9a-f]{26}$/)]);
    expect(topology.outputs[stackOutputs.jwtIssuer]).toBe(authorizer?.issuer);
    for (const route of api?.routes ?? []) {
      expect(route.authorization).toEqual({ type: 'JWT', authorizer: authorizer?.logicalId, scopes: [] });
      const integration = api?.integrations.find((candidate) => candidate.logicalId === route.integration);
      expect(integration).toMatchObject({
        type: 'AWS_PROXY',
        functionName: fn.name,
        payloadFormatVersion: '2.0',
      });
    }
    expect(api?.stages).toEqual([
      expect.objectContaining({
        name: '$default',
        throttle: {
          rateLimit: stack.settings.api.throttleRateLimit,
          burstLimit: stack.settings.api.throttleBurstLimit,
        },
      }),
    ]);
    expect(topology.outputs.ApiUrl).toBe(`https://${api?.apiId}.execute-api.eu-west-1.amazonaws.com/`);
  });

  it('reads the four SQS event source mappings', () => {
    const { stack } = synthesized;
    expect(topology.eventSourceMappings).toHaveLength(4);
    for (const name of consumerNames) {
      const settings = stack.settings.consumers[name];
      const queue = byLogicalId(topology.queues, logicalIdOf(stack.consumers[name].queue));
      const fn = byLogicalId(topology.functions, logicalIdOf(stack.consumers[name].function));
      const mapping = topology.eventSourceMappings.find((m) => m.eventSourceArn === queue.arn);
      expect(mapping).toMatchObject({
        functionName: fn.name,
        batchSize: settings.batchSize,
        maximumBatchingWindowSeconds: settings.maxBatchingWindowSeconds,
        reportBatchItemFailures: true,
        maximumConcurrency: settings.maxConcurrency,
        filterPatterns: [],
        enabled: true,
      });
    }
  });

  it('accepts the notifications handler, policies and alarms without a warning', () => {
    const accepted = topology.acceptedWithoutEmulation;
    expect(accepted).toContainEqual({
      logicalId: expect.stringMatching(/^BucketNotificationsHandler[0-9a-f]{32}[0-9A-F]{8}$/),
      type: 'AWS::Lambda::Function',
    });
    const types = new Set(accepted.map((resource) => resource.type));
    for (const type of [
      'AWS::IAM::Role',
      'AWS::KMS::Key',
      'AWS::CloudWatch::Alarm',
      'AWS::SQS::QueuePolicy',
    ]) {
      expect(types).toContain(type);
    }
    expect(topology.unsupported).toEqual([]);
    expect(topology.warnings).toEqual([]);
  });
});

describe('readTopology on hand-written templates', () => {
  const root = mkdtempSync(join(tmpdir(), 'topology-test-'));
  let count = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A minimal cloud assembly: manifest.json naming one template per stack. */
  const assembly = (stacks: Record<string, object>): string => {
    const dir = join(root, `assembly${++count}`);
    mkdirSync(dir);
    const artifacts: Record<string, object> = {};
    for (const [name, template] of Object.entries(stacks)) {
      writeFileSync(join(dir, `${name}.template.json`), JSON.stringify(template));
      artifacts[name] = {
        type: 'aws:cloudformation:stack',
        properties: { templateFile: `${name}.template.json` },
      };
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '55.0.0', artifacts }));
    return dir;
  };
  const read = (template: object, stackName = 'Local-Test') =>
    readTopology({ cloudAssemblyDir: assembly({ [stackName]: template }), naming });

  it('resolves every intrinsic, parameters, pseudo parameters and conditions', () => {
    const topology = read({
      Parameters: {
        Env: { Type: 'String', Default: 'dev' },
        Zones: { Type: 'CommaDelimitedList', Default: 'a, b' },
      },
      Conditions: {
        IsDev: { 'Fn::Equals': [{ Ref: 'Env' }, 'dev'] },
        IsProd: { 'Fn::Not': [{ Condition: 'IsDev' }] },
        DevOrOne: {
          'Fn::And': [
            { Condition: 'IsDev' },
            { 'Fn::Or': [{ Condition: 'IsProd' }, { 'Fn::Equals': ['1', 1] }] },
          ],
        },
      },
      Resources: {
        Queue: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            VisibilityTimeout: { 'Fn::If': ['IsDev', 45, 30] },
            DelaySeconds: { 'Fn::If': ['IsProd', 5, { Ref: 'AWS::NoValue' }] },
          },
        },
        Bucket: { Type: 'AWS::S3::Bucket' },
        ProdOnly: { Type: 'AWS::SQS::Queue', Condition: 'IsProd' },
      },
      Outputs: {
        Sub: {
          Value: {
            'Fn::Sub':
              '${AWS::Partition}|${Bucket}|${AWS::Region}|${AWS::AccountId}|${AWS::StackName}|${AWS::URLSuffix}',
          },
        },
        SubVars: {
          Value: { 'Fn::Sub': ['${Name}-${Queue.QueueName}-${!Literal}', { Name: { Ref: 'Env' } }] },
        },
        Join: { Value: { 'Fn::Join': ['/', ['a', { Ref: 'Env' }, { 'Fn::GetAtt': 'Queue.Arn' }]] } },
        Select: { Value: { 'Fn::Select': [1, { 'Fn::Split': [',', 'x,y,z'] }] } },
        SelectParameter: { Value: { 'Fn::Select': ['1', { Ref: 'Zones' }] } },
        If: { Value: { 'Fn::If': ['IsProd', 'production', 'development'] } },
        Nested: { Value: { 'Fn::If': ['DevOrOne', 'yes', 'no'] } },
        Zone: { Value: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] } },
        Base64: { Value: { 'Fn::Base64': { 'Fn::Sub': 'hi ${Env}' } } },
        StackId: { Value: { Ref: 'AWS::StackId' } },
        QueueUrl: { Value: { 'Fn::GetAtt': ['Queue', 'QueueUrl'] } },
        QueueRef: { Value: { Ref: 'Queue' } },
        ProdOutput: { Value: 'hidden', Condition: 'IsProd' },
      },
    });
    const bucket = 'local-test-bucket';
    const queueName = 'Local-Test-Queue';
    expect(topology.outputs).toEqual({
      Sub: `aws|${bucket}|eu-west-1|000000000000|Local-Test|amazonaws.com`,
      SubVars: `dev-${queueName}-\${Literal}`,
      Join: `a/dev/arn:aws:sqs:eu-west-1:000000000000:${queueName}`,
      Select: 'y',
      SelectParameter: 'b',
      If: 'development',
      Nested: 'yes',
      Zone: 'eu-west-1a',
      Base64: Buffer.from('hi dev').toString('base64'),
      StackId: expect.stringMatching(
        /^arn:aws:cloudformation:eu-west-1:000000000000:stack\/Local-Test\/[0-9a-f-]{36}$/,
      ),
      QueueUrl: `http://127.0.0.1:4566/000000000000/${queueName}`,
      QueueRef: `http://127.0.0.1:4566/000000000000/${queueName}`,
    });
    // AWS::NoValue drops the key; a resource whose condition is false is not created.
    expect(topology.queues.map((queue) => [queue.logicalId, queue.attributes])).toEqual([
      ['Queue', { VisibilityTimeout: '45' }],
    ]);
    expect(topology.buckets[0]?.name).toBe(bucket);
  });

  it('reads a bucket’s own NotificationConfiguration and explicit names', () => {
    const topology = read({
      Resources: {
        Bucket: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketName: { 'Fn::Sub': 'photos-${AWS::AccountId}' },
            NotificationConfiguration: {
              QueueConfigurations: [
                {
                  Event: 's3:ObjectCreated:Put',
                  Queue: { 'Fn::GetAtt': ['Queue', 'Arn'] },
                  Filter: {
                    S3Key: {
                      Rules: [
                        { Name: 'suffix', Value: '.jpg' },
                        { Name: 'Prefix', Value: 'in/' },
                      ],
                    },
                  },
                },
              ],
            },
          },
        },
        Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'photo-events' } },
      },
      Outputs: { Bucket: { Value: { Ref: 'Bucket' } } },
    });
    expect(topology.buckets).toEqual([
      {
        logicalId: 'Bucket',
        name: 'photos-000000000000',
        arn: 'arn:aws:s3:::photos-000000000000',
        versioned: false,
      },
    ]);
    expect(topology.queues[0]?.name).toBe('photo-events');
    expect(topology.notifications).toEqual([
      {
        bucket: 'photos-000000000000',
        id: 'Bucket.QueueConfigurations.0',
        destinationType: 'queue',
        destinationArn: 'arn:aws:sqs:eu-west-1:000000000000:photo-events',
        events: ['s3:ObjectCreated:Put'],
        filter: { prefix: 'in/', suffix: '.jpg' },
        source: 'Bucket.NotificationConfiguration',
      },
    ]);
    expect(topology.warnings).toEqual([]);
  });

  it('reads inline topic subscriptions, subscription attributes and FIFO names', () => {
    const topology = read({
      Resources: {
        Topic: {
          Type: 'AWS::SNS::Topic',
          Properties: {
            FifoTopic: true,
            Subscription: [{ Protocol: 'sqs', Endpoint: { 'Fn::GetAtt': ['Orders', 'Arn'] } }],
          },
        },
        Orders: {
          Type: 'AWS::SQS::Queue',
          Properties: { FifoQueue: true, ContentBasedDeduplication: 'true' },
        },
        Filtered: {
          Type: 'AWS::SNS::Subscription',
          Properties: {
            TopicArn: { Ref: 'Topic' },
            Protocol: 'sqs',
            Endpoint: { 'Fn::GetAtt': ['Orders', 'Arn'] },
            RawMessageDelivery: 'false',
            FilterPolicy: { kind: ['order'] },
            FilterPolicyScope: 'MessageAttributes',
          },
        },
      },
    });
    const [topic] = topology.topics;
    const [queue] = topology.queues;
    expect(topic?.name).toBe('Local-Test-Topic.fifo');
    expect(topic?.attributes).toEqual({ FifoTopic: 'true' });
    expect(queue?.name).toBe('Local-Test-Orders.fifo');
    expect(queue?.attributes).toEqual({ FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    expect(topology.subscriptions).toEqual([
      {
        logicalId: 'Topic.Subscription.0',
        topicArn: topic?.arn,
        protocol: 'sqs',
        endpoint: queue?.arn,
        attributes: {},
      },
      {
        logicalId: 'Filtered',
        topicArn: topic?.arn,
        protocol: 'sqs',
        endpoint: queue?.arn,
        attributes: {
          RawMessageDelivery: 'false',
          FilterPolicy: '{"kind":["order"]}',
          FilterPolicyScope: 'MessageAttributes',
        },
      },
    ]);
  });

  it('shortens long generated names and keeps them unique and valid', () => {
    const longId = `Queue${'X'.repeat(90)}`;
    const topology = read(
      {
        Resources: {
          [`${longId}A`]: { Type: 'AWS::SQS::Queue' },
          [`${longId}B`]: { Type: 'AWS::SQS::Queue' },
          [`${longId}C`]: { Type: 'AWS::S3::Bucket' },
        },
      },
      'Long-Stack',
    );
    const [a, b] = topology.queues.map((queue) => queue.name);
    expect(a).toMatch(/^[A-Za-z0-9_-]{80}$/);
    expect(a).not.toBe(b);
    expect(topology.buckets[0]?.name).toMatch(/^[a-z0-9][a-z0-9.-]{61}[a-z0-9]$/);
  });

  it('reads functions and a mapping with filter criteria, with Lambda defaults', () => {
    const topology = read({
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue' },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Handler: 'index.handler',
            Runtime: 'nodejs22.x',
            Code: { S3Bucket: 'assets', S3Key: 'fn.zip' },
            Environment: { Variables: { QUEUE: { Ref: 'Queue' }, LIMIT: 5, GONE: { Ref: 'AWS::NoValue' } } },
          },
          Metadata: { 'aws:asset:path': 'asset.fn', 'aws:asset:property': 'Code' },
        },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] },
            EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
            FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["image"]}}' }] },
            Enabled: 'false',
          },
        },
      },
    });
    const [fn] = topology.functions;
    expect(fn).toEqual({
      logicalId: 'Fn',
      name: 'Local-Test-Fn',
      arn: 'arn:aws:lambda:eu-west-1:000000000000:function:Local-Test-Fn',
      assetDir: expect.stringMatching(/[/\\]asset\.fn$/),
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      memorySize: 128,
      timeoutSeconds: 3,
      architectures: ['x86_64'],
      environment: { QUEUE: topology.queues[0]?.url, LIMIT: '5' },
      logFormat: 'Text',
    });
    expect(topology.eventSourceMappings).toEqual([
      {
        logicalId: 'Mapping',
        functionName: 'Local-Test-Fn',
        eventSourceArn: topology.queues[0]?.arn,
        batchSize: 10,
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: false,
        filterPatterns: [{ body: { kind: ['image'] } }],
        enabled: false,
      },
    ]);
    expect(topology.warnings).toEqual([]);
  });

  it('names unsupported resources and unsupported event sources in warnings', () => {
    const topology = read({
      Resources: {
        MyMachine: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
        Stream: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 1 } },
        Provider: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Handler: 'index.handler',
            Runtime: 'python3.13',
            Code: { ZipFile: 'def handler(e, c): pass' },
          },
        },
        Seeder: {
          Type: 'Custom::Seeder',
          Properties: { ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] } },
        },
        Reader: {
          Type: 'AWS::Lambda::Function',
          Properties: { Handler: 'app.handler', Runtime: 'python3.13', Code: { S3Bucket: 'b', S3Key: 'k' } },
        },
        FromStream: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            FunctionName: { Ref: 'Reader' },
            EventSourceArn: { 'Fn::GetAtt': ['Stream', 'Arn'] },
          },
        },
        Queue: { Type: 'AWS::SQS::Queue' },
        FromQueue: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: { Ref: 'Reader' }, EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
        },
      },
      Outputs: {
        Machine: { Value: { Ref: 'MyMachine' } },
        MachineArn: { Value: { 'Fn::GetAtt': 'MyMachine.Arn' } },
      },
    });
    expect(topology.outputs).toEqual({
      Machine: 'local:MyMachine',
      MachineArn: 'arn:aws:stepfunctions:eu-west-1:000000000000:MyMachine',
    });
    expect(topology.acceptedWithoutEmulation).toEqual([
      { logicalId: 'Provider', type: 'AWS::Lambda::Function' },
    ]);
    expect(topology.unsupported).toEqual([
      { logicalId: 'FromStream', type: 'AWS::Lambda::EventSourceMapping' },
      { logicalId: 'MyMachine', type: 'AWS::StepFunctions::StateMachine' },
      { logicalId: 'Stream', type: 'AWS::Kinesis::Stream' },
      { logicalId: 'Seeder', type: 'Custom::Seeder' },
    ]);
    expect(topology.eventSourceMappings.map((mapping) => mapping.logicalId)).toEqual(['FromQueue']);
    expect(topology.warnings).toEqual([
      'AWS::StepFunctions::StateMachine (MyMachine) is not supported by the local runtime and will not exist locally',
      'AWS::Kinesis::Stream (Stream) is not supported by the local runtime and will not exist locally',
      'Custom::Seeder (Seeder) is not supported by the local runtime and will not exist locally',
      expect.stringMatching(
        /^AWS::Lambda::EventSourceMapping \(FromStream\) will not run locally: its source arn:aws:kinesis:.*:Stream is not an SQS queue/,
      ),
      expect.stringMatching(
        /^AWS::Lambda::Function \(Reader\) is invoked by event source mapping FromQueue but cannot run locally/,
      ),
    ]);
  });

  it('names the resource and property of a Ref to a missing resource', () => {
    const template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Runtime: 'nodejs22.x',
            Environment: { Variables: { TABLE: { Ref: 'NoSuchTable' } } },
          },
        },
      },
    };
    expect(() => read(template)).toThrow(
      'Resources.Fn.Properties.Environment.Variables.TABLE.Ref: Ref to "NoSuchTable", which is no resource or parameter',
    );
    expect(() => read({ Outputs: { Odd: { Value: { 'Fn::Magic': [] } } } })).toThrow(
      /Outputs\.Odd\.Value: unknown or unsupported intrinsic function Fn::Magic/,
    );
  });

  it('asks which stack to read when the assembly has several', () => {
    const dir = assembly({
      First: { Resources: {} },
      Second: { Resources: { Queue: { Type: 'AWS::SQS::Queue' } } },
    });
    expect(() => readTopology({ cloudAssemblyDir: dir, naming })).toThrow(/several stacks \(First, Second\)/);
    expect(readTopology({ cloudAssemblyDir: dir, stackName: 'Second', naming }).queues).toHaveLength(1);
  });
});
