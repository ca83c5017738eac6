import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  EmfDocument,
  FunctionHost,
  FunctionHostOptions,
  FunctionSpec,
  InvokeOutcome,
} from '../../local/emulator';
import { createFunctionHost } from '../../local/emulator';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Small CommonJS bundles, one export per behaviour, as NodejsFunction would emit them. */
const handlers = `
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
exports.echo = async (event, context) => ({
  event, date: new Date(0), missing: undefined, list: [1, undefined],
  requestId: context.awsRequestId, functionName: context.functionName, arn: context.invokedFunctionArn,
  memory: context.memoryLimitInMB, version: context.functionVersion,
  logGroup: context.logGroupName, logStream: context.logStreamName,
});
exports.nothing = async () => undefined;
exports.callback = (event, context, callback) => setTimeout(() => callback(null, { via: 'callback' }), 5);
exports.fails = async () => { throw new TypeError('bad input'); };
exports.rejectsString = () => Promise.reject('plain string');
exports.bigint = async () => ({ n: 1n });
exports.maybeSpin = (event) => {
  const end = Date.now() + 5000;
  while (event.spin && Date.now() < end) {}
  return Promise.resolve('done');
};
exports.remaining = async (event, context) => {
  const before = context.getRemainingTimeInMillis();
  await sleep(200);
  return [before, context.getRemainingTimeInMillis()];
};
exports.env = async () => process.env;
exports.window = async (event) => {
  const start = Date.now();
  await sleep(150);
  return { i: event.i, start, end: Date.now() };
};
exports.logs = async () => {
  console.log('first line');
  console.error('to stderr');
  console.log(JSON.stringify({ _aws: { Timestamp: 0, CloudWatchMetrics: [{ Namespace: 'Fixture', Dimensions: [[]], Metrics: [{ Name: 'Done', Unit: 'Count' }] }] }, Done: 1 }));
  console.log('multi\\nline');
  return 'logged';
};
exports.maybeExit = async (event) => {
  if (event.exit) process.exit(1);
  if (event.lateThrow) setTimeout(() => { throw new Error('late failure'); }, 10);
  return 'alive';
};
exports.maybeHog = async (event) => {
  const keep = [];
  while (event.hog) keep.push(new Array(100000).fill({ a: 1 }));
  return 'small';
};
`;

const sharpHandler = `
const sharp = require('sharp');
const image = (size) => sharp({ create: { width: size, height: size, channels: 3, background: { r: 200, g: 30, b: 30 } } });
exports.handler = async (event) => {
  while (event.forever) await image(3000).blur(20).jpeg().toBuffer();
  const jpeg = await image(event.size).resize(Math.max(1, event.size >> 1)).jpeg().toBuffer();
  return (await sharp(jpeg).metadata()).width;
};
`;

let root: string;
let cjsDir: string;
let esmDir: string;
let sharpDir: string;

function spec(overrides: Partial<FunctionSpec>): FunctionSpec {
  const name = overrides.name ?? 'fixture';
  return {
    logicalId: 'Fixture',
    name,
    arn: `arn:aws:lambda:eu-west-1:000000000000:function:${name}`,
    assetDir: cjsDir,
    handler: 'index.echo',
    runtime: 'nodejs24.x',
    memorySize: 256,
    timeoutSeconds: 3,
    architectures: ['x86_64'],
    environment: {},
    logFormat: 'JSON',
    ...overrides,
  };
}

const hosts: FunctionHost[] = [];
function host(overrides: Partial<FunctionSpec>, options: Partial<FunctionHostOptions> = {}): FunctionHost {
  const created = createFunctionHost(spec(overrides), { maxEnvironments: 1, ...options });
  hosts.push(created);
  return created;
}

function resultOf(outcome: InvokeOutcome): unknown {
  if (outcome.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lambda-host-'));
  cjsDir = join(root, 'cjs');
  esmDir = join(root, 'esm');
  sharpDir = join(root, 'sharp');
  await mkdir(join(esmDir, 'dist'), { recursive: true });
  await mkdir(join(sharpDir, 'node_modules'), { recursive: true });
  await mkdir(cjsDir);
  await writeFile(join(cjsDir, 'index.js'), handlers);
  await writeFile(
    join(esmDir, 'dist', 'app.mjs'),
    'export const handler = async (event) => ({ esm: true, event });\n',
  );
  await writeFile(join(sharpDir, 'index.js'), sharpHandler);
  await symlink(join(repoRoot, 'node_modules', 'sharp'), join(sharpDir, 'node_modules', 'sharp'));
});

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((created) => created.stop()));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('results', () => {
  it('returns the JSON round-trip of what the handler returned, with a Lambda-like context', async () => {
    const outcome = await host({ name: 'echo-fn', memorySize: 512 }).invoke({ key: 'a b' });
    expect(outcome).toMatchObject({ status: 'ok', coldStart: true });
    expect(resultOf(outcome)).toEqual({
      event: { key: 'a b' },
      date: '1970-01-01T00:00:00.000Z',
      list: [1, null],
      requestId: outcome.requestId,
      functionName: 'echo-fn',
      arn: 'arn:aws:lambda:eu-west-1:000000000000:function:echo-fn',
      memory: '512',
      version: '$LATEST',
      logGroup: '/aws/lambda/echo-fn',
      logStream: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/),
    });
  });

  it('answers null for undefined; runs callback handlers (before nodejs24.x) and nested ESM handlers', async () => {
    expect(resultOf(await host({ handler: 'index.nothing' }).invoke({}))).toBeNull();
    const callback = host({ handler: 'index.callback', runtime: 'nodejs22.x' });
    expect(resultOf(await callback.invoke({}))).toEqual({ via: 'callback' });
    expect(await host({ handler: 'index.callback', runtime: 'nodejs24.x' }).invoke({})).toMatchObject({
      status: 'error',
      errorType: 'Runtime.CallbackHandlerDeprecated',
    });
    const esm = host({ assetDir: esmDir, handler: 'dist/app.handler' });
    expect(resultOf(await esm.invoke([1]))).toEqual({ esm: true, event: [1] });
  });

  it('reports thrown errors, rejected non-errors, unserialisable responses and missing handlers', async () => {
    expect(await host({ handler: 'index.fails' }).invoke({})).toMatchObject({
      status: 'error',
      errorType: 'TypeError',
      errorMessage: 'bad input',
    });
    expect(await host({ handler: 'index.rejectsString' }).invoke({})).toMatchObject({
      status: 'error',
      errorType: 'string',
      errorMessage: 'plain string',
    });
    expect(await host({ handler: 'index.bigint' }).invoke({})).toMatchObject({
      status: 'error',
      errorType: 'Runtime.MalformedResponse',
    });
    expect(await host({ handler: 'index.absent' }).invoke({})).toMatchObject({
      status: 'error',
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.absent is undefined or not exported',
    });
    expect(await host({ handler: 'missing.handler' }).invoke({})).toMatchObject({
      status: 'error',
      errorType: 'Runtime.ImportModuleError',
    });
  });
});

describe('timeouts', () => {
  it('times out after timeoutSeconds, discards the environment and keeps working', async () => {
    const spinner = host({ handler: 'index.maybeSpin', timeoutSeconds: 1 });
    expect(resultOf(await spinner.invoke({ spin: false }))).toBe('done');

    const started = performance.now();
    const timedOut = await spinner.invoke({ spin: true });
    const elapsed = performance.now() - started;
    expect(timedOut).toMatchObject({ status: 'timeout', errorMessage: 'Task timed out after 1.00 seconds' });
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(1200);

    const next = await spinner.invoke({ spin: false });
    expect(next).toMatchObject({ status: 'ok', result: 'done', coldStart: true });
    expect(spinner.stats()).toMatchObject({ timeouts: 1, coldStarts: 2, invocations: 3, environments: 1 });
  });

  it('counts getRemainingTimeInMillis down from the function timeout', async () => {
    const [before, after] = resultOf(
      await host({ handler: 'index.remaining', timeoutSeconds: 2 }).invoke({}),
    ) as [number, number];
    expect(before).toBeLessThanOrEqual(2000);
    expect(before).toBeGreaterThan(1900);
    expect(before - after).toBeGreaterThanOrEqual(190);
    expect(before - after).toBeLessThan(400);
  });
});

describe('environment variables', () => {
  it("gives each function its own, Lambda's reserved ones and the host's extras, with /var/task rewritten", async () => {
    process.env.LAMBDA_HOST_TEST_SECRET = 'host only';
    try {
      const first = host(
        {
          name: 'fn-a',
          handler: 'index.env',
          environment: {
            ONLY_A: 'a',
            SHARED: 'from function',
            MODEL: '/var/task/models/m.bin',
            NEAR: '/var/taskish',
          },
        },
        { environment: { SHARED: 'from host', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' } },
      );
      const second = host({ name: 'fn-b', handler: 'index.env', logFormat: 'Text', memorySize: 1024 });
      const [a, b] = await Promise.all([first.invoke({}), second.invoke({})]);
      const envA = resultOf(a) as Record<string, string>;
      const envB = resultOf(b) as Record<string, string>;

      expect(envA).toMatchObject({
        ONLY_A: 'a',
        SHARED: 'from host',
        MODEL: join(cjsDir, 'models/m.bin'),
        NEAR: '/var/taskish',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        AWS_LAMBDA_FUNCTION_NAME: 'fn-a',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn-a',
        AWS_LAMBDA_LOG_FORMAT: 'JSON',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        AWS_REGION: 'eu-west-1',
        LAMBDA_TASK_ROOT: cjsDir,
        _HANDLER: 'index.env',
        TZ: 'UTC',
      });
      expect(envA.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/\[\$LATEST\][0-9a-f]{32}$/);
      expect(envB).toMatchObject({
        AWS_LAMBDA_FUNCTION_NAME: 'fn-b',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      });
      for (const leaked of [
        'ONLY_A',
        'SHARED',
        'AWS_ENDPOINT_URL',
        'AWS_LAMBDA_LOG_FORMAT',
        'LAMBDA_HOST_TEST_SECRET',
      ]) {
        expect(envB[leaked], leaked).toBeUndefined();
      }
      expect(envA.LAMBDA_HOST_TEST_SECRET).toBeUndefined();
      expect(process.env.ONLY_A).toBeUndefined();
    } finally {
      delete process.env.LAMBDA_HOST_TEST_SECRET;
    }
  });
});

describe('environments', () => {
  it('runs at most maxEnvironments invocations at once, queues the rest in order and reuses warm ones', async () => {
    const pool = host({ handler: 'index.window' }, { maxEnvironments: 2 });
    const outcomes = await Promise.all([0, 1, 2, 3, 4].map((i) => pool.invoke({ i })));
    const windows = outcomes.map((outcome) => resultOf(outcome) as { i: number; start: number; end: number });

    const overlapAt = (t: number) => windows.filter((w) => w.start <= t && t < w.end).length;
    expect(Math.max(...windows.map((w) => overlapAt(w.start)))).toBe(2);
    // Queued in order: with two environments the k-th invocation starts only once k - 1 have ended.
    // (Start times taken in two worker threads cannot order two invocations dispatched at once.)
    for (const [k, w] of windows.entries()) {
      if (k < 2) continue;
      expect(windows.filter((o) => o.end <= w.start).length, `invocation ${k}`).toBeGreaterThanOrEqual(k - 1);
    }
    expect(outcomes.map((outcome) => outcome.coldStart)).toEqual([true, true, false, false, false]);

    expect(await pool.invoke({ i: 5 })).toMatchObject({ status: 'ok', coldStart: false });
    expect(pool.stats()).toMatchObject({
      environments: 2,
      busy: 0,
      queued: 0,
      coldStarts: 2,
      invocations: 6,
    });
  });

  it('reaps environments that stay idle', async () => {
    const reaped = host({ handler: 'index.nothing' }, { idleTimeoutMs: 50 });
    await reaped.invoke({});
    await vi.waitFor(() => expect(reaped.stats().environments).toBe(0));
    expect(await reaped.invoke({})).toMatchObject({ status: 'ok', coldStart: true });
  });
});

describe('logs and metrics', () => {
  it('sends EMF documents to onMetrics and every other line to onLog, before the outcome', async () => {
    const lines: string[] = [];
    const metrics: EmfDocument[] = [];
    const logger = host(
      { name: 'logger', handler: 'index.logs' },
      { onLog: (line, fn) => lines.push(`${fn}: ${line}`), onMetrics: (emf) => metrics.push(emf) },
    );
    expect(resultOf(await logger.invoke({}))).toBe('logged');
    const platform = (line: string) => line.startsWith('logger: {"time"');
    expect(lines.filter(platform).map((line) => JSON.parse(line.slice(8)).type)).toEqual([
      'platform.start',
      'platform.runtimeDone',
      'platform.report',
    ]);
    expect(lines.filter((line) => !platform(line)).sort()).toEqual([
      'logger: first line',
      'logger: line',
      'logger: multi',
      'logger: to stderr',
    ]);
    expect(metrics).toEqual([expect.objectContaining({ Done: 1 })]);
    expect(metrics[0]?._aws.CloudWatchMetrics).toHaveLength(1);
  });
});

describe('crashes', () => {
  it('reports process.exit and uncaught exceptions as errors and replaces the environment', async () => {
    const lines: string[] = [];
    const crashy = host({ handler: 'index.maybeExit' }, { onLog: (line) => lines.push(line) });
    expect(await crashy.invoke({ exit: true })).toMatchObject({
      status: 'error',
      errorType: 'Runtime.ExitError',
      errorMessage: 'Runtime exited with error: exit status 1',
    });
    expect(await crashy.invoke({})).toMatchObject({ status: 'ok', result: 'alive', coldStart: true });

    // Dies after answering, while idle: the next invocation gets a fresh environment.
    expect(await crashy.invoke({ lateThrow: true })).toMatchObject({ status: 'ok', coldStart: false });
    await vi.waitFor(() => expect(crashy.stats().environments).toBe(0));
    expect(lines.some((line) => line.includes('late failure'))).toBe(true);
    expect(await crashy.invoke({})).toMatchObject({ status: 'ok', coldStart: true });
  });

  it('ends a heap exhaustion as Runtime.OutOfMemory without harming the host', async () => {
    const hog = host({ handler: 'index.maybeHog', memorySize: 128, timeoutSeconds: 10 });
    expect(await hog.invoke({ hog: true })).toMatchObject({
      status: 'error',
      errorType: 'Runtime.OutOfMemory',
    });
    expect(await hog.invoke({})).toMatchObject({ status: 'ok', result: 'small', coldStart: true });
    expect(hog.stats()).toMatchObject({ errors: 1, environments: 1 });
  });
});

describe('native modules', () => {
  it('runs a bundle that loads sharp in three environments at once', async () => {
    const thumbnails = host({ assetDir: sharpDir, handler: 'index.handler' }, { maxEnvironments: 3 });
    const outcomes = await Promise.all([64, 128, 256].map((size) => thumbnails.invoke({ size })));
    expect(outcomes.map((outcome) => [outcome.status, outcome.coldStart])).toEqual([
      ['ok', true],
      ['ok', true],
      ['ok', true],
    ]);
    expect(outcomes.map(resultOf)).toEqual([32, 64, 128]);
  });

  it('terminates environments busy in sharp and exits cleanly, when the host runs under tsx', async () => {
    const script = join(root, 'sharp-exit.mts');
    await writeFile(
      script,
      `import { createFunctionHost } from ${JSON.stringify(join(repoRoot, 'local/emulator/lambda/host.ts'))};
const spec = ${JSON.stringify(spec({ assetDir: sharpDir, handler: 'index.handler', timeoutSeconds: 1 }))};
const host = createFunctionHost(spec, { maxEnvironments: 3 });
const warm = await Promise.all([1, 2, 3].map(() => host.invoke({ size: 64 })));
const slow = await Promise.all([1, 2].map(() => host.invoke({ forever: true })));
const after = await host.invoke({ size: 64 });
await host.stop();
console.log(JSON.stringify({ warm: warm.map((o) => o.status), slow: slow.map((o) => o.status), after: [after.status, after.coldStart] }));
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 15_000,
    });
    // execFile rejects on a non-zero exit or a signal (a segfault at exit), failing the test.
    expect(JSON.parse(stdout)).toEqual({
      warm: ['ok', 'ok', 'ok'],
      slow: ['timeout', 'timeout'],
      after: ['ok', false],
    });
  });
});
