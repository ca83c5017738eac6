import { type App, type CfnElement, Validations } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { thumbnailPrefix, uploadsPrefix } from '../lambdas/shared/constants';
import type { ImageFanoutStack } from './image-fanout-stack';

/**
 * AwsSolutions checks on every synth (a finding fails it), and the few findings this design
 * accepts, each with its reason, narrowed to the exact permission or resource it concerns.
 */
export const applyNagChecks = (app: App, stack: ImageFanoutStack) => {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const arnOf = (bucket: IBucket) => `<${stack.getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>`;

  for (const consumer of Object.values(stack.consumers)) {
    Validations.of(consumer).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnOf(stack.uploadsBucket)}/${uploadsPrefix}*]`,
      reason:
        'Consumers read any upload: object keys are only known from events, and the grant stops at the uploads/ prefix.',
    });
  }
  for (const consumer of Object.values(stack.consumers)) {
    Validations.of(consumer.subscriptionDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "It is the dead-letter queue of the SNS subscription (the subscription's RedrivePolicy), which the check does not see.",
    });
  }
  Validations.of(stack.consumers.thumbnail).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${arnOf(stack.derivedBucket)}/${thumbnailPrefix}*]`,
    reason:
      'Thumbnail keys derive from image ids known only at run time; the grant stops at the thumbnails/ prefix.',
  });
  if (stack.settings.moderationProvider === 'rekognition') {
    Validations.of(stack.consumers.moderation).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'rekognition:DetectModerationLabels supports no resource-level permissions.',
    });
  }

  Validations.of(stack.api).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${arnOf(stack.uploadsBucket)}/${uploadsPrefix}*]`,
    reason:
      'The API presigns uploads to keys it makes per request (uploads/<owner>/<unique>/<file>); the grant stops at the uploads/ prefix.',
  });
  Validations.of(stack.api).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${arnOf(stack.derivedBucket)}/${thumbnailPrefix}*]`,
    reason:
      'The API presigns GET URLs of the thumbnails recorded on an image; their keys are known only at run time.',
  });
  if (stack.identity.userPool !== undefined) {
    Validations.of(stack.identity.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection needs the Plus feature plan, billed per active user; sign-up is closed (administrators invite users) and MFA is required.',
    });
  }

  // The singleton handler CDK itself adds to apply bucket notification configurations.
  for (const child of stack.node.children) {
    const id = child.node.id;
    if (id.startsWith('BucketNotificationsHandler')) {
      Validations.of(child).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'CDK-managed handler that applies the bucket notification configuration once per deployment; only logs.',
      });
    }
  }
};
