import { App } from 'aws-cdk-lib';
import { ImageFanoutStack } from '../lib/image-fanout-stack';
import { applyNagChecks } from '../lib/nag';
import { settingsFromContext } from '../lib/settings';

const app = new App();
const settings = settingsFromContext(app.node);
const stack = new ImageFanoutStack(app, `ImageFanout-${settings.stage}`, {
  settings,
  description: `image-fanout (${settings.stage}): S3 uploads fanned out through SNS and SQS to four Lambda consumers`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  tags: { project: 'image-fanout', stage: settings.stage },
});
applyNagChecks(app, stack);
