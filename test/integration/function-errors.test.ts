/**
 * What a user sees when a function fails as a whole, run through `npm start` (local/tools/cli.ts) on a
 * fixture app (test/fixtures/errors-app): the lines Lambda writes to the function's log, in
 * `.local/logs/<function>.log` and under --verbose, and the last error on the status line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClients, readTopology } from '../../local/emulator';
import {
  type ErrorsFunction,
  errorsFixture,
  functionOutput,
  queueOutput,
} from '../fixtures/errors-app/names';
import { synthWithoutCli } from '../helpers/synth-without-cli';
import { waitFor } from '../helpers/wait';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const logsDir = join(projectDir, '.local', 'logs');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const names = Object.keys(errorsFixture.functions) as ErrorsFunction[];

let cli: ChildProcess;
let stdout = '';
const functionNames = new Map<ErrorsFunction, string>();
/** Where each function's log file ended before this run: only what follows is this run's. */
const logStart = new Map<ErrorsFunction, number>();

const logFile = (name: ErrorsFunction) => join(logsDir, `${functionNames.get(name)}.log`);
const logOf = (name: ErrorsFunction): string[] => {
  const file = logFile(name);
  if (!existsSync(file)) return [];
  return readFileSync(file).subarray(logStart.get(name)).toString('utf8').split('\n').filter(Boolean);
};
const finishedLog = (name: ErrorsFunction) =>
  waitFor(
    () => {
      const lines = logOf(name);
      return lines.some((line) => /^REPORT|"platform\.report"/.test(line)) ? lines : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `the REPORT line of ${name} in its log file` },
  );

beforeAll(async () => {
  const assembly = await synthWithoutCli(
    fileURLToPath(new URL('../fixtures/errors-app/app.ts', import.meta.url)),
  );
  const naming = { region: 'us-east-1', accountId: '000000000000', partition: 'aws', endpoint: 'http://x' };
  const { outputs } = readTopology({ cloudAssemblyDir: assembly, naming });
  for (const name of names) {
    functionNames.set(name, outputs[functionOutput(name)] as string);
    logStart.set(name, existsSync(logFile(name)) ? statSync(logFile(name)).size : 0);
  }
  cli = spawn(
    process.execPath,
    [tsxCli, 'local/tools/cli.ts', '--cdk-out', assembly, '--port', '0', '--verbose'],
    {
      cwd: projectDir,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  cli.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const endpoint = await waitFor(() => /endpoint\s+(http:\/\/\S+)/.exec(stdout)?.[1], {
    timeoutMs: 60_000,
    what: 'npm start to print its endpoint',
  });
  const { sqs, destroy } = createLocalClients(endpoint, 'us-east-1');
  for (const name of names) {
    const QueueName = (outputs[queueOutput(name)] as string).split(':').pop();
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `fail ${name}` }));
  }
  destroy();
}, 240_000);

afterAll(async () => {
  if (cli && cli.exitCode === null) {
    const exited = new Promise((resolve) => cli.once('exit', resolve));
    cli.kill('SIGINT');
    await exited;
  }
});

const requestIdOf = (line: string | undefined) => /RequestId: ([0-9a-f-]{36})/.exec(line ?? '')?.[1];

describe('a function that fails as a whole, in its log file', () => {
  // "Log and monitor Node.js Lambda functions" and "AWS Lambda function errors in Node.js" (Lambda
  // Developer Guide): START, the runtime's "Invoke Error" line with the error as JSON, END, REPORT.
  it('logs a thrown error as the Node.js runtime does in the text format', async () => {
    const lines = await finishedLog('throwsText');
    const [start, printed, invokeError, end, report] = lines;
    const requestId = requestIdOf(start);
    expect(start).toBe(`START RequestId: ${requestId} Version: $LATEST`);
    expect(printed).toBe('about to fail on 1 records');
    const [time, id, level, label, json] = (invokeError ?? '').split('\t');
    expect([id, level, label]).toEqual([requestId, 'ERROR', 'Invoke Error ']);
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.parse(json ?? '{}')).toMatchObject({
      errorType: 'QuotaError',
      errorMessage: 'quota exceeded for tenant 42',
      retryable: false,
      stack: expect.arrayContaining(['QuotaError: quota exceeded for tenant 42']),
    });
    expect(end).toBe(`END RequestId: ${requestId}`);
    expect(report).toMatch(
      new RegExp(
        `^REPORT RequestId: ${requestId}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: [1-9]\\d* MB\\tInit Duration: \\d+\\.\\d\\d ms\\t$`,
      ),
    );
  });

  // "Configuring JSON and plain text log formats" (Lambda Developer Guide): with LoggingConfig JSON the
  // error is one JSON object with the error under "message", and the platform writes platform.* events.
  it('logs a thrown error as JSON when the function says LoggingConfig JSON', async () => {
    const lines = (await finishedLog('throwsJson')).map((line) =>
      line.startsWith('{') ? JSON.parse(line) : line,
    );
    expect(lines.map((line) => (typeof line === 'string' ? 'text' : (line.type ?? line.level)))).toEqual([
      'platform.start',
      'text',
      'ERROR',
      'platform.runtimeDone',
      'platform.report',
    ]);
    const requestId = lines[0].record.requestId;
    expect(lines[2]).toMatchObject({
      requestId,
      message: {
        errorType: 'QuotaError',
        errorMessage: 'quota exceeded for tenant 42',
        stackTrace: expect.arrayContaining(['QuotaError: quota exceeded for tenant 42']),
      },
    });
    expect(lines[4].record).toMatchObject({
      requestId,
      status: 'error',
      metrics: { memorySizeMB: 128, durationMs: expect.any(Number), billedDurationMs: expect.any(Number) },
    });
  });

  // "Troubleshoot invocation issues in Lambda" (Lambda Developer Guide): "Task timed out after N.NN seconds".
  it('logs a timeout with the time it was given', async () => {
    const lines = await finishedLog('timesOut');
    const requestId = requestIdOf(lines[0]);
    expect(lines[1]).toBe('sleeping past the timeout');
    expect(lines[2]).toMatch(new RegExp(`^\\S+Z ${requestId} Task timed out after 1\\.00 seconds$`));
    expect(lines[3]).toBe(`END RequestId: ${requestId}`);
    expect(lines[4]).toMatch(/\tStatus: timeout\t$/);
  });

  // "Troubleshoot execution and function errors in Lambda" (Lambda Developer Guide): a module that cannot
  // be loaded fails the init phase with Runtime.ImportModuleError, reported in INIT_REPORT.
  it('logs an init failure with the error and INIT_REPORT', async () => {
    const lines = await finishedLog('failsInit');
    const [uncaught, initReport, start] = lines;
    const [, id, level, label, json] = (uncaught ?? '').split('\t');
    expect([id, level, label]).toEqual(['undefined', 'ERROR', 'Uncaught Exception ']);
    expect(JSON.parse(json ?? '{}')).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Error: Cannot find module 'a-package-nobody-bundled'",
    });
    expect(initReport).toMatch(
      /^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: Runtime\.ImportModuleError$/,
    );
    expect(start).toMatch(/^START RequestId: /);
    expect(lines.at(-1)).toMatch(/\tStatus: error\tError Type: Runtime\.ImportModuleError\t$/);
  });
});

describe('npm start', () => {
  it('prints the log lines under --verbose and the last error of each function on its status line', async () => {
    await Promise.all(names.map(finishedLog));
    const text = await waitFor(() => ((stdout.match(/last error/g)?.length ?? 0) >= 4 ? stdout : undefined), {
      timeoutMs: 20_000,
      what: 'a status block with the four last errors',
    });
    expect(text).toMatch(/\[ErrorsFixture-ThrowsText\w+\] START RequestId: /);
    const block = text.slice(text.lastIndexOf('throwstext '));
    expect(block).toMatch(
      /^throwstext .*\n {13}last error \d\d:\d\d:\d\d {2}QuotaError: quota exceeded for tenant 42$/m,
    );
    expect(block).toMatch(
      /^timesout .*\n {13}last error \d\d:\d\d:\d\d {2}Sandbox\.Timedout: Task timed out after 1\.00 seconds$/m,
    );
    expect(block).toMatch(
      /^failsinit .*\n {13}last error \d\d:\d\d:\d\d {2}Runtime\.ImportModuleError: Error: Cannot find module 'a-package-nobody-bundled'$/m,
    );
  });
});
