/**
 * A new user's app (test/fixtures/sdk-app): a NodejsFunction with default bundling behind an SQS
 * trigger, synthesized with `tsx app.ts` and CDK_OUTDIR rather than the CDK CLI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createFunctionHost, type LocalPipeline, providedSdk, readTopology } from '../../local/emulator';
import { sdkFixture } from '../fixtures/sdk-app/names';
import { useLocalPipeline } from '../helpers/pipeline';
import { synthWithoutCli } from '../helpers/synth-without-cli';
import { pipelineTarget } from '../helpers/target';
import { waitFor } from '../helpers/wait';

let assembly: string;
let pipeline: LocalPipeline;
const warnings: string[] = [];

useLocalPipeline(
  async () => {
    assembly = await synthWithoutCli(fileURLToPath(new URL('../fixtures/sdk-app/app.ts', import.meta.url)));
    return {
      cloudAssemblyDir: assembly,
      ...pipelineTarget(),
      onWarning: (message) => warnings.push(message),
    };
  },
  (started) => {
    pipeline = started;
  },
  240_000,
);

const writer = () => {
  const fn = pipeline.topology.functions.find((entry) => entry.logicalId.startsWith('Writer'));
  if (fn === undefined) throw new Error('the fixture has no Writer function');
  return fn;
};

const output = (name: string) => pipeline.topology.outputs[name] as string;

describe('an app synthesized without the CDK CLI', () => {
  // CDK Developer Guide, "Assets": the asset manifest (<stack>.assets.json) maps each asset to its source folder.
  it('has no aws:asset:path metadata, and its function is found through <stack>.assets.json and runs', () => {
    const template = readFileSync(join(assembly, `${sdkFixture.stackName}.template.json`), 'utf8');
    expect(template).not.toContain('aws:asset:path');
    const manifest = JSON.parse(readFileSync(join(assembly, `${sdkFixture.stackName}.assets.json`), 'utf8'));
    const [folder] = Object.values(manifest.files as Record<string, { source: { path: string } }>)
      .map((file) => join(assembly, file.source.path))
      .filter((path) => path.includes('asset.'));
    expect(writer().assetDir).toBe(folder);
    const topology = readTopology({
      cloudAssemblyDir: assembly,
      naming: { region: 'us-east-1', accountId: '000000000000', partition: 'aws', endpoint: 'http://x' },
    });
    expect(topology.warnings.filter((warning) => warning.includes('Lambda::Function'))).toEqual([]);
    expect(warnings.filter((warning) => warning.includes(writer().name))).toEqual([]);
  });
});

describe('a NodejsFunction that leaves the AWS SDK out of its bundle', () => {
  // "Building Lambda functions with Node.js" (Lambda Developer Guide): the Node.js runtimes include the
  // AWS SDK for JavaScript; from nodejs18.x it is v3, found through NODE_PATH.
  it('runs with the SDK the runtime provides, as on Lambda', async () => {
    const bundleDir = writer().assetDir as string;
    expect(readdirSync(bundleDir)).toEqual(['index.js']);
    const bundle = readFileSync(join(bundleDir, 'index.js'), 'utf8');
    expect(bundle).toContain('require("@aws-sdk/client-s3")');
    expect(bundle.length).toBeLessThan(10_000);

    const { MessageId } = await pipeline.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.queueUrls.get(output(sdkFixture.outputs.queueArn)),
        MessageBody: 'hello sdk',
      }),
    );
    const written = await waitFor(
      async () => {
        const object = await pipeline.clients.s3.send(
          new GetObjectCommand({
            Bucket: output(sdkFixture.outputs.bucket),
            Key: `results/${MessageId}.json`,
          }),
        );
        return JSON.parse(await (object.Body?.transformToString() ?? Promise.resolve('{}')));
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the function to write its result with the SDK' },
    );
    expect(written).toEqual({
      body: 'hello sdk',
      nodePath: expect.stringContaining(providedSdk().nodeModules),
    });
  });

  it('fails to load on a runtime that ships no SDK v3 (nodejs16.x carried v2), as on Lambda', async () => {
    const host = createFunctionHost({ ...writer(), runtime: 'nodejs16.x' }, { maxEnvironments: 1 });
    try {
      const outcome = await host.invoke({ Records: [] });
      expect(outcome).toMatchObject({ status: 'error', errorType: 'Runtime.ImportModuleError' });
      expect(outcome.status === 'error' && outcome.errorMessage).toMatch(
        /Cannot find module '@aws-sdk\/client-s3'/,
      );
    } finally {
      await host.stop();
    }
  });
});
