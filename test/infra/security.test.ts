import type { CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { moderationProviders } from '../../lambdas/moderation/types';
import {
  type ConsumerName,
  consumerNames,
  thumbnailPrefix,
  uploadsPrefix,
} from '../../lambdas/shared/constants';
import { synthesize } from '../helpers/synth';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
type Resources = Readonly<Record<string, Resource>>;
interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}
/** An identity-policy statement and the roles it applies to. */
interface Grant {
  readonly policy: string;
  readonly roles: readonly string[];
  readonly statement: Statement;
}

const resourcesOf = (template: Template) => template.toJSON().Resources as Resources;
const { stack, template } = synthesize();
const resources = resourcesOf(template);
// Rekognition moderation adds the one unscoped grant; a test stage adds CDK's auto-delete handler.
const rekognitionResources = resourcesOf(synthesize({ moderationProvider: 'rekognition' }).template);
const variants: Record<string, Resources> = {
  'production defaults': resources,
  'Rekognition moderation': rekognitionResources,
  'a test stage (retainData=false)': resourcesOf(synthesize({ retainData: 'false' }).template),
};

/** Actions that may be granted on Resource "*", each with why: AWS does not scope them by resource. */
const unscopedActions: Readonly<Record<string, string>> = {
  'rekognition:DetectModerationLabels':
    'no resource-level permissions; held by moderation with Rekognition only',
};
/**
 * Roles of CDK's own custom-resource handlers (CDK's code, not ours), the only ones that may carry an
 * AWS managed policy: AWSLambdaBasicExecutionRole, which lets them write their logs and nothing else.
 */
const cdkHandlerRoles: Readonly<Record<string, string>> = {
  BucketNotificationsHandler: 'applies the uploads bucket notification configuration once per deployment',
  CustomS3AutoDeleteObjectsCustomResourceProvider: 'empties the buckets of a test stage when it is deleted',
};
const account = { Ref: 'AWS::AccountId' };
const tlsOnly = { Bool: { 'aws:SecureTransport': 'false' } };

const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const statementsOf = (document: unknown) =>
  list((document as { Statement?: unknown } | undefined)?.Statement) as Statement[];
const refOf = (value: unknown) => (value as { Ref?: string } | undefined)?.Ref;
const getAttOf = (value: unknown) =>
  (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
const ofType = (from: Resources, type: string) =>
  Object.entries(from).filter(([, resource]) => resource.Type === type);
const withoutSid = ({ Sid: _sid, ...statement }: Statement) => statement;

/** A resource as a readable name: `<logicalId>` for its ARN, `<logicalId>/suffix` for a path under it. */
const target = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, unknown>;
  if ('Ref' in intrinsic) return String(intrinsic.Ref);
  if ('Fn::GetAtt' in intrinsic) {
    const [id, attribute] = intrinsic['Fn::GetAtt'] as [string, string];
    return attribute === 'Arn' ? id : `${id}.${attribute}`;
  }
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(target).join(separator);
  }
  if ('Fn::Sub' in intrinsic && typeof intrinsic['Fn::Sub'] === 'string') return intrinsic['Fn::Sub'];
  return JSON.stringify(value);
};

/** Every identity-policy statement: AWS::IAM::Policy, role inline policies, customer managed policies. */
const identityGrants = (from: Resources): Grant[] =>
  Object.entries(from).flatMap(([id, resource]): Grant[] => {
    const properties = resource.Properties ?? {};
    const grants = (document: unknown, roles: string[]) =>
      statementsOf(document).map((statement) => ({ policy: id, roles, statement }));
    switch (resource.Type) {
      case 'AWS::IAM::Policy':
        return grants(properties.PolicyDocument, list(properties.Roles).map(target));
      case 'AWS::IAM::ManagedPolicy': {
        const attachedBy = ofType(from, 'AWS::IAM::Role')
          .filter(([, role]) => list(role.Properties?.ManagedPolicyArns).some((arn) => refOf(arn) === id))
          .map(([roleId]) => roleId);
        return grants(properties.PolicyDocument, [...list(properties.Roles).map(target), ...attachedBy]);
      }
      case 'AWS::IAM::Role':
        return list(properties.Policies).flatMap((policy) =>
          grants((policy as { PolicyDocument?: unknown }).PolicyDocument, [id]),
        );
      default:
        return [];
    }
  });

/** What a role may do: action -> the resources it may do it on, sorted. */
const accessOf = (from: Resources, roleId: string) => {
  const access: Record<string, string[]> = {};
  for (const { roles, statement } of identityGrants(from)) {
    if (statement.Effect !== 'Allow' || !roles.includes(roleId)) continue;
    for (const action of list(statement.Action) as string[]) {
      access[action] = [
        ...new Set([...(access[action] ?? []), ...list(statement.Resource).map(target)]),
      ].sort();
    }
  }
  return access;
};
/** Whether a resource is the one with this logical id, or a path under it. */
const isOrUnder = (id: string) => (resource: string) => resource === id || resource.startsWith(`${id}/`);

const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const uploads = logicalId(stack.uploadsBucket);
const derived = logicalId(stack.derivedBucket);
const table = logicalId(stack.table);
const eventsTopic = logicalId(stack.topic);

/** The template's own view of a consumer: its role, log group, queue and the key of that queue. */
const consumerIds = (name: ConsumerName) => {
  const consumer = stack.consumers[name];
  const fn = resources[logicalId(consumer.function)]?.Properties ?? {};
  const queue = logicalId(consumer.queue);
  return {
    role: String(getAttOf(fn.Role)),
    logGroup: String(refOf((fn.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup)),
    queue,
    deadLetterQueue: logicalId(consumer.deadLetterQueue),
    subscriptionDeadLetterQueue: logicalId(consumer.subscriptionDeadLetterQueue),
    queueKey: String(getAttOf(resources[queue]?.Properties?.KmsMasterKeyId)),
  };
};

/** Everything a consumer's work needs; anything more is a finding. */
const neededAccess = (name: ConsumerName, moderationProvider: string): Record<string, string[]> => {
  const own = consumerIds(name);
  const everywhere = (actions: string[], resource: string) =>
    Object.fromEntries(actions.map((action) => [action, [resource]]));
  return {
    ...everywhere(['logs:CreateLogStream', 'logs:PutLogEvents'], own.logGroup),
    // The SQS trigger's actions, on its own queue: the DLQ is an operator's, redriven with their credentials.
    ...everywhere(
      [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ],
      own.queue,
    ),
    'kms:Decrypt': [own.queueKey],
    ...everywhere(['s3:GetObject', 's3:GetObjectVersion'], `${uploads}/${uploadsPrefix}*`),
    's3:ListBucket': name === 'thumbnail' ? [uploads, derived].sort() : [uploads],
    // The table itself: the byTerm index is for readers of the search entries, not for the consumers.
    ...everywhere(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
      ],
      table,
    ),
    ...(name === 'thumbnail'
      ? everywhere(['s3:PutObject', 's3:DeleteObject'], `${derived}/${thumbnailPrefix}*`)
      : {}),
    ...(name === 'moderation' && moderationProvider === 'rekognition'
      ? { 'rekognition:DetectModerationLabels': ['*'] }
      : {}),
  };
};

describe.each(Object.entries(variants))('identity policies, %s', (_variant, from) => {
  const allows = identityGrants(from).filter((grant) => grant.statement.Effect === 'Allow');
  const roles = ofType(from, 'AWS::IAM::Role');

  it('grant no wildcard action, NotAction or NotResource, in any policy, inline or managed', () => {
    expect(allows.length).toBeGreaterThan(20);
    const broad = allows.filter(
      ({ statement }) =>
        statement.NotAction !== undefined ||
        statement.NotResource !== undefined ||
        list(statement.Action).some((action) => typeof action !== 'string' || action.includes('*')),
    );
    expect(broad).toEqual([]);
  });

  it('use Resource "*" only for actions AWS does not scope by resource', () => {
    const unscoped = allows
      .filter(({ statement }) => list(statement.Resource).includes('*'))
      .flatMap(({ statement }) => list(statement.Action) as string[]);
    expect(unscoped.filter((action) => !(action in unscopedActions))).toEqual([]);
  });

  it("attach AWS managed policies only to CDK's own custom-resource handlers, and only to write logs", () => {
    const attached = roles.flatMap(([roleId, role]) =>
      list(role.Properties?.ManagedPolicyArns).map((arn) => ({ roleId, policy: target(arn) })),
    );
    expect(attached.length).toBeGreaterThan(0);
    for (const { roleId, policy } of attached) {
      expect(
        Object.keys(cdkHandlerRoles).some((handler) => roleId.startsWith(handler)),
        roleId,
      ).toBe(true);
      expect(policy).toMatch(/:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole$/);
    }
  });

  it('let only Lambda assume a role', () => {
    const trust = roles.flatMap(([, role]) => statementsOf(role.Properties?.AssumeRolePolicyDocument));
    expect(trust.length).toBeGreaterThanOrEqual(consumerNames.length);
    for (const statement of trust) {
      expect(statement).toEqual({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'lambda.amazonaws.com' },
      });
    }
  });
});

describe.each(consumerNames)('the %s consumer role', (name) => {
  const own = consumerIds(name);
  const access = accessOf(resources, own.role);

  it.each(moderationProviders)(
    'can do exactly what its work needs, nothing more (%s moderation)',
    (provider) => {
      const from = provider === 'rekognition' ? rekognitionResources : resources;
      expect(accessOf(from, own.role)).toEqual(neededAccess(name, provider));
    },
  );

  it("reaches only its own queue: no other consumer's queue, no dead-letter queue", () => {
    const queues = ofType(resources, 'AWS::SQS::Queue').map(([id]) => id);
    expect(queues).toContain(own.deadLetterQueue);
    const reached = Object.values(access)
      .flat()
      .filter((resource) => queues.some((queue) => isOrUnder(queue)(resource)));
    expect(new Set(reached)).toEqual(new Set([own.queue]));
  });

  it('reads uploads but can never write, delete or reconfigure them', () => {
    const onUploads = Object.entries(access)
      .filter(([, targets]) => targets.some(isOrUnder(uploads)))
      .map(([action]) => action);
    expect(onUploads.sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket']);
  });
});

describe('the API role', () => {
  const fn = resources[logicalId(stack.api.function)]?.Properties ?? {};
  const role = String(getAttOf(fn.Role));
  const logGroup = String(refOf((fn.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup));

  it('can do exactly what the routes need: presign and delete under uploads/, presign thumbnails, read the table and the queue depths', () => {
    const queues = consumerNames.map((name) => consumerIds(name).queue).sort();
    expect(accessOf(resources, role)).toEqual({
      'logs:CreateLogStream': [logGroup],
      'logs:PutLogEvents': [logGroup],
      's3:PutObject': [`${uploads}/${uploadsPrefix}*`],
      's3:DeleteObject': [`${uploads}/${uploadsPrefix}*`],
      's3:GetObject': [`${derived}/${thumbnailPrefix}*`],
      'dynamodb:Query': [table, `${table}/index/byTerm`].sort(),
      'sqs:GetQueueAttributes': queues,
    });
  });

  it('cannot write the table, reconfigure a bucket or touch a message', () => {
    const actions = Object.keys(accessOf(resources, role));
    expect(actions.filter((action) => /^dynamodb:(Put|Update|Delete|Batch)/.test(action))).toEqual([]);
    expect(actions.filter((action) => /^s3:Put(Bucket|Lifecycle)|^s3:DeleteBucket/.test(action))).toEqual([]);
    expect(actions.filter((action) => /^sqs:(Send|Receive|Delete|Purge|Change)/.test(action))).toEqual([]);
  });
});

describe('who may publish and send', () => {
  const policyStatements = (policyType: string, listKey: string, resourceId: string) =>
    ofType(resources, policyType)
      .filter(([, policy]) => list(policy.Properties?.[listKey]).some((ref) => refOf(ref) === resourceId))
      .flatMap(([, policy]) => statementsOf(policy.Properties?.PolicyDocument));
  const allowsOf = (statements: Statement[]) =>
    statements.filter((statement) => statement.Effect === 'Allow').map(withoutSid);
  /** A Deny of these actions to everyone when the request is not over TLS. */
  const deniesInsecure = (statements: Statement[], actions: string) =>
    statements.some(
      (statement) =>
        statement.Effect === 'Deny' &&
        statement.Action === actions &&
        (statement.Principal === '*' || (statement.Principal as { AWS?: unknown }).AWS === '*') &&
        JSON.stringify(statement.Condition) === JSON.stringify(tlsOnly),
    );

  it('the image events topic accepts publishes only from the uploads bucket of this account', () => {
    expect(allowsOf(policyStatements('AWS::SNS::TopicPolicy', 'Topics', eventsTopic))).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: eventsTopic },
        Condition: {
          ArnLike: { 'aws:SourceArn': arnOf(uploads) },
          StringEquals: { 'aws:SourceAccount': account },
        },
      },
    ]);
  });

  it('the alarm topic accepts publishes only from CloudWatch alarms of this account', () => {
    const alarmTopics = new Set(
      ofType(resources, 'AWS::CloudWatch::Alarm').flatMap(([, alarm]) =>
        list(alarm.Properties?.AlarmActions).map(target),
      ),
    );
    expect(alarmTopics.size).toBe(1);
    const [alarmTopic = ''] = alarmTopics;
    expect(alarmTopic).not.toBe(eventsTopic);
    const allows = allowsOf(policyStatements('AWS::SNS::TopicPolicy', 'Topics', alarmTopic));
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: alarmTopic },
        Condition: {
          ArnLike: { 'aws:SourceArn': expect.anything() },
          StringEquals: { 'aws:SourceAccount': account },
        },
      },
    ]);
    expect(target(allows[0]?.Condition?.ArnLike?.['aws:SourceArn'])).toBe(
      'arn:AWS::Partition:cloudwatch:AWS::Region:AWS::AccountId:alarm:*',
    );
  });

  it.each(ofType(resources, 'AWS::SNS::Topic').map(([id]) => id))(
    'topic %s refuses publishes without TLS',
    (id) => {
      expect(deniesInsecure(policyStatements('AWS::SNS::TopicPolicy', 'Topics', id), 'sns:Publish')).toBe(
        true,
      );
    },
  );

  const queues = consumerNames.flatMap((name) => {
    const own = consumerIds(name);
    return [
      [`${name} queue`, 'the topic only', own.queue],
      [`${name} DLQ`, 'nobody', own.deadLetterQueue],
      // SNS itself moves what it cannot deliver into the subscription's DLQ.
      [`${name} subscription DLQ`, 'the topic only', own.subscriptionDeadLetterQueue],
    ] as const;
  });

  it('leaves no queue of the template out of the checks below', () => {
    expect(
      ofType(resources, 'AWS::SQS::Queue')
        .map(([id]) => id)
        .sort(),
    ).toEqual(queues.map(([, , queue]) => queue).sort());
  });

  it.each(queues)(
    'the %s refuses requests without TLS and accepts messages from %s',
    (_label, accepts, queue) => {
      const statements = policyStatements('AWS::SQS::QueuePolicy', 'Queues', queue);
      expect(deniesInsecure(statements, 'sqs:*')).toBe(true);
      // SQS moves messages into a DLQ itself: a DLQ needs no Allow for anyone.
      const expected =
        accepts === 'nobody'
          ? []
          : [
              {
                Effect: 'Allow',
                Principal: { Service: 'sns.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: arnOf(queue),
                Condition: { ArnEquals: { 'aws:SourceArn': { Ref: eventsTopic } } },
              },
            ];
      expect(allowsOf(statements)).toEqual(expected);
    },
  );

  // Block Public Access on every bucket: stack.test.ts ("bucket %s blocks public access and is encrypted").
  it.each(ofType(resources, 'AWS::S3::Bucket').map(([id]) => id))(
    'bucket %s refuses requests without TLS, has ACLs off and lets in only S3 log delivery of this stack',
    (id) => {
      const statements = policyStatements('AWS::S3::BucketPolicy', 'Bucket', id);
      expect(statements).toContainEqual({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: [arnOf(id), { 'Fn::Join': ['', [arnOf(id), '/*']] }],
        Condition: tlsOnly,
      });
      const bucketIds = ofType(resources, 'AWS::S3::Bucket').map(([bucketId]) => bucketId);
      for (const allow of allowsOf(statements)) {
        expect(allow).toMatchObject({
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Condition: { StringEquals: { 'aws:SourceAccount': account } },
        });
        expect(bucketIds).toContain(getAttOf(allow.Condition?.ArnLike?.['aws:SourceArn']));
      }
      expect(resources[id]?.Properties?.OwnershipControls).toEqual({
        Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
      });
    },
  );

  it.each(ofType(resources, 'AWS::KMS::Key').map(([id]) => id))(
    'key %s lets services use it only on behalf of this account',
    (id) => {
      const allows = allowsOf(statementsOf(resources[id]?.Properties?.KeyPolicy));
      const root = target({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', account, ':root']],
      });
      for (const allow of allows) {
        const principal = allow.Principal as { AWS?: unknown; Service?: unknown };
        if (principal.AWS !== undefined) {
          // CDK's default key policy: the account's own IAM policies decide who may use the key.
          expect(target(principal.AWS)).toBe(root);
          continue;
        }
        expect(Object.keys(principal)).toEqual(['Service']);
        expect(
          list(allow.Action).every((action) => action === 'kms:Decrypt' || action === 'kms:GenerateDataKey'),
        ).toBe(true);
        const conditions = Object.values(allow.Condition ?? {}).flatMap((keys) => Object.keys(keys));
        expect(conditions.some((key) => key === 'aws:SourceAccount' || key === 'aws:SourceArn')).toBe(true);
      }
    },
  );
});

describe('encryption at rest', () => {
  const rotatingStackKey = (value: unknown) => {
    const key = resources[getAttOf(value) ?? ''];
    return key?.Type === 'AWS::KMS::Key' && key.Properties?.EnableKeyRotation === true;
  };
  // Types whose data the tests below check, and types that hold no data of their own.
  const holdsData = [
    'AWS::S3::Bucket',
    'AWS::SQS::Queue',
    'AWS::SNS::Topic',
    'AWS::DynamoDB::Table',
    'AWS::Logs::LogGroup',
    // Environment variables only, which Lambda always encrypts at rest with its service key.
    'AWS::Lambda::Function',
    // User profiles, which Cognito always encrypts at rest (AWS owned keys).
    'AWS::Cognito::UserPool',
  ];

  it('checks every type of the template that holds data', () => {
    const holdsNothing = [
      'AWS::KMS::Key',
      'AWS::IAM::Role',
      'AWS::IAM::Policy',
      'AWS::S3::BucketPolicy',
      'AWS::SNS::TopicPolicy',
      'AWS::SQS::QueuePolicy',
      'AWS::SNS::Subscription',
      'AWS::Lambda::EventSourceMapping',
      'AWS::CloudWatch::Alarm',
      'AWS::CloudWatch::Dashboard',
      'Custom::S3BucketNotifications',
      'AWS::ApiGatewayV2::Api',
      'AWS::ApiGatewayV2::Route',
      'AWS::ApiGatewayV2::Integration',
      'AWS::ApiGatewayV2::Authorizer',
      'AWS::ApiGatewayV2::Stage',
      'AWS::Lambda::Permission',
      'AWS::Cognito::UserPoolClient',
    ];
    const types = new Set(Object.values(resources).map((resource) => resource.Type));
    expect([...types].filter((type) => !holdsData.includes(type) && !holdsNothing.includes(type))).toEqual(
      [],
    );
  });

  it.each(ofType(resources, 'AWS::S3::Bucket').map(([id]) => id))('bucket %s encrypts every object', (id) => {
    const encryption = resources[id]?.Properties?.BucketEncryption as
      | { ServerSideEncryptionConfiguration?: unknown[] }
      | undefined;
    const rules = list(encryption?.ServerSideEncryptionConfiguration);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(['AES256', 'aws:kms', 'aws:kms:dsse']).toContain(
        (rule as { ServerSideEncryptionByDefault?: { SSEAlgorithm?: string } }).ServerSideEncryptionByDefault
          ?.SSEAlgorithm,
      );
    }
  });

  it('encrypts every queue, DLQ and topic with a customer managed key of this stack that rotates', () => {
    const encrypted = [...ofType(resources, 'AWS::SQS::Queue'), ...ofType(resources, 'AWS::SNS::Topic')];
    expect(encrypted.length).toBe(3 * consumerNames.length + 2);
    for (const [id, resource] of encrypted) {
      expect(rotatingStackKey(resource.Properties?.KmsMasterKeyId), id).toBe(true);
    }
  });

  it('encrypts the table with the AWS owned key (DynamoDB encrypts every table; no SSESpecification)', () => {
    // A customer managed key would also need kms grants for every consumer: change both together.
    for (const [, table] of ofType(resources, 'AWS::DynamoDB::Table')) {
      expect(table.Properties?.SSESpecification).toBeUndefined();
    }
  });

  it("leaves log groups to CloudWatch Logs' own encryption, or uses a rotating key of this stack", () => {
    const logGroups = ofType(resources, 'AWS::Logs::LogGroup');
    // One per consumer, the API function's and the API's access log.
    expect(logGroups.length).toBe(consumerNames.length + 2);
    for (const [id, group] of logGroups) {
      const key = group.Properties?.KmsKeyId;
      if (key !== undefined) expect(rotatingStackKey(key), id).toBe(true);
    }
  });

  it('rotates every key', () => {
    const keys = ofType(resources, 'AWS::KMS::Key');
    expect(keys.length).toBeGreaterThan(0);
    for (const [id, key] of keys) expect(key.Properties?.EnableKeyRotation, id).toBe(true);
  });
});

// Zero unacknowledged AwsSolutions findings, for both moderation providers: settings.test.ts.
describe('cdk-nag', () => {
  it('fails the synth on an unacknowledged finding, so that a clean synth means something', () => {
    const { app, stack: probe } = synthesize();
    new sqs.Queue(probe, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => app.synth({ force: true })).toThrow(/AwsSolutions-SQS2/);
  });
});
