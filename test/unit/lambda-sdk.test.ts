/**
 * The AWS SDK a Node.js runtime provides ("Building Lambda functions with Node.js", Lambda Developer
 * Guide): bundles outside this project (a temporary folder, so nothing resolves by accident) that
 * import what they did not bundle.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionSpec } from '../../local/emulator';
import { createFunctionHost, providedSdk } from '../../local/emulator';

let root: string;

const spec = (assetDir: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec => ({
  logicalId: 'Fixture',
  name: 'sdk-fixture',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:sdk-fixture',
  assetDir,
  handler: 'index.handler',
  runtime: 'nodejs24.x',
  memorySize: 256,
  timeoutSeconds: 10,
  architectures: ['x86_64'],
  environment: {},
  logFormat: 'Text',
  ...overrides,
});

const invoke = async (fn: FunctionSpec) => {
  const host = createFunctionHost(fn, { maxEnvironments: 1 });
  try {
    return await host.invoke({});
  } finally {
    await host.stop();
  }
};

const bundle = async (name: string, file: string, source: string) => {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), source);
  return dir;
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lambda-sdk-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the runtime-provided AWS SDK', () => {
  it('serves an ES module handler that imports a client it did not bundle', async () => {
    const dir = await bundle(
      'esm',
      'index.mjs',
      `import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
export const handler = async () => [typeof SQSClient, typeof NodeHttpHandler];`,
    );
    expect(await invoke(spec(dir))).toMatchObject({ status: 'ok', result: ['function', 'function'] });
  });

  it('is the SDK and nothing else: another package the bundle left out fails as on Lambda', async () => {
    const dir = await bundle('cjs', 'index.js', `exports.handler = async () => require('p-limit');`);
    const outcome = await invoke(spec(dir));
    expect(outcome).toMatchObject({ status: 'error', errorType: 'Error' });
    expect(outcome.status === 'error' && outcome.errorMessage).toMatch(/Cannot find module 'p-limit'/);
  });

  it("names the installed clients' versions, the SDK functions get", () => {
    const { clients, nodeModules } = providedSdk();
    expect(clients['client-s3']).toMatch(/^3\.\d+\.\d+$/);
    expect(nodeModules).toMatch(/node_modules$/);
  });
});
