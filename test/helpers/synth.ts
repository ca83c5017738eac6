import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ImageFanoutStack } from '../../lib/image-fanout-stack';
import { applyNagChecks } from '../../lib/nag';
import { settingsFromContext } from '../../lib/settings';

const featureFlags = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/**
 * The app as `cdk synth` builds it (same feature flags, same nag checks), minus esbuild bundling,
 * which the infra tests do not need. Extra context plays the part of `-c key=value`.
 */
export const synthesize = (context: Record<string, unknown> = {}) => {
  const app = new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [], ...context } });
  const settings = settingsFromContext(app.node);
  const stack = new ImageFanoutStack(app, `ImageFanout-${settings.stage}`, { settings });
  applyNagChecks(app, stack);
  const assembly = app.synth();
  return { app, stack, assembly, template: Template.fromStack(stack) };
};

/**
 * The app with its functions bundled, into `outdir`, with the asset paths the CDK CLI records.
 * CDK's built-in template validation is left to the infra tests' own synths: it costs seconds here.
 */
export const synthesizeBundled = (context: Record<string, unknown>, outdir: string) => {
  const app = new App({
    outdir,
    context: { ...featureFlags, 'aws:cdk:enable-asset-metadata': true, ...context },
    builtinCloudFormationValidation: false,
  });
  const settings = settingsFromContext(app.node);
  const stack = new ImageFanoutStack(app, `ImageFanout-${settings.stage}`, { settings });
  applyNagChecks(app, stack);
  return app.synth();
};
