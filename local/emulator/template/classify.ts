/** Which resource types the local runtime brings up, which it knowingly leaves out, and the rest. */
import type { TemplateResource } from './context';
import { referencedIds } from './references';

/** Types read into the topology. */
export const emulatedTypes: ReadonlySet<string> = new Set([
  'AWS::S3::Bucket',
  'Custom::S3BucketNotifications',
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
  'AWS::SQS::Queue',
  'AWS::DynamoDB::Table',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Stage',
]);

/**
 * Types with nothing to run locally: access control, encryption, monitoring and CDK bookkeeping.
 * Custom::S3AutoDeleteObjects only empties buckets on stack deletion, which a local run does not have.
 */
export const acceptedTypes: ReadonlySet<string> = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::Logs::LogGroup',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::S3::BucketPolicy',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::Lambda::Permission',
  'AWS::CDK::Metadata',
  'Custom::S3AutoDeleteObjects',
  // The local runtime is the identity provider of every JWT authorizer: users sign in nowhere locally.
  'AWS::Cognito::UserPool',
  'AWS::Cognito::UserPoolClient',
]);

const isCustomResource = (type: string): boolean =>
  type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

/**
 * Functions that only serve custom resources (CDK's BucketNotificationsHandler, auto-delete
 * providers, ...): every resource that refers to them, apart from permissions and policies, is a
 * custom resource. The runtime emulates what such resources do, or there is nothing to do, so the
 * providers themselves never run.
 */
export const customResourceProviders = (resources: readonly TemplateResource[]): Set<string> => {
  const users = new Map<string, string[]>();
  for (const { logicalId, resource } of resources) {
    if (acceptedTypes.has(resource.Type)) continue;
    for (const target of referencedIds(resource.Properties)) {
      if (target === logicalId) continue;
      users.set(target, [...(users.get(target) ?? []), resource.Type]);
    }
  }
  const providers = new Set<string>();
  for (const { logicalId, resource } of resources) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const types = users.get(logicalId) ?? [];
    if (types.length > 0 && types.every(isCustomResource)) providers.add(logicalId);
  }
  return providers;
};
