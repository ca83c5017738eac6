import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/**
 * Sends a bucket's event notifications to an encrypted topic. Unlike the stock SnsDestination, the
 * topic and key policies require both aws:SourceArn and aws:SourceAccount (confused-deputy guard).
 */
export class UploadEventsDestination implements s3.IBucketNotificationDestination {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly key: kms.IKey,
  ) {}

  bind(_scope: Construct, bucket: s3.IBucket): s3.BucketNotificationDestinationConfig {
    const principal = new iam.ServicePrincipal('s3.amazonaws.com');
    const conditions = {
      ArnLike: { 'aws:SourceArn': bucket.bucketArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(bucket).account },
    };
    const { policyDependable } = this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'UploadsBucketPublishes',
        principals: [principal],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions,
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'UploadsBucketEncryptsEvents',
        principals: [principal],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions,
      }),
    );
    return {
      arn: this.topic.topicArn,
      type: s3.BucketNotificationDestinationType.TOPIC,
      dependencies: policyDependable ? [policyDependable] : [],
    };
  }
}
