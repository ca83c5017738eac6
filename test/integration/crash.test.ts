/**
 * Crash and restart: the backend in one process, the consumers in another, as `npm start --
 * --backend-only` and `npm start -- --endpoint ... --skip-provision` run them. The consumer process
 * is killed with SIGKILL in the middle of the work and started again; every image must still be
 * accounted for: the messages it had in flight come back after their visibility timeout.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { accountFor, attachPipeline, formatAccounting, type PipelineView, runSoak } from '../../local/tools';
import { pipelineNames } from '../helpers/outputs';
import { waitFor } from '../helpers/wait';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcessWithoutNullStreams>();

/** `npm start` with these arguments, as a child process of its own (node itself, so a kill hits it). */
const startCli = (args: string[]) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/tools/cli.ts', ...args], {
    cwd: projectDir,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
};

const endpointOf = async (started: ReturnType<typeof startCli>) =>
  waitFor(() => /endpoint\s+(http:\/\/\S+)/.exec(started.output())?.[1], {
    timeoutMs: 60_000,
    what: 'the backend process to print its endpoint',
  });

let view: PipelineView & { close(): void };
let endpoint: string;
const assembly = () => inject('soakAssembly');
const consumerArgs = () => [
  '--cdk-out',
  assembly(),
  '--endpoint',
  endpoint,
  '--skip-provision',
  '--max-concurrency',
  '2',
];

beforeAll(async () => {
  const backend = startCli(['--backend-only', '--port', '0', '--cdk-out', assembly()]);
  endpoint = await endpointOf(backend);
  view = await attachPipeline({ cloudAssemblyDir: assembly(), endpoint });
}, 90_000);

afterAll(async () => {
  view?.close();
  await Promise.all(
    [...children].map(async (child) => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }),
  );
});

it('loses nothing when the consumer process is killed mid-run and started again', async () => {
  let first = startCli(consumerArgs());
  await waitFor(() => (first.output().includes('ready in') ? true : undefined), {
    timeoutMs: 60_000,
    what: 'the consumer process to start',
  });
  const names = pipelineNames(view.topology.outputs);
  let unfinishedAtKill = -1;
  const result = await runSoak(
    view,
    { bucket: names.uploads, prefix: names.prefix },
    {
      count: 40,
      hostileShare: 0.1,
      settleTimeoutMs: 240_000,
      afterUploads: async () => {
        // Kill it once some images are through and others are not.
        await waitFor(
          async () => {
            const status = await view.status();
            const inFlight = status.reduce((sum, queue) => sum + queue.notVisible, 0);
            return inFlight > 0 ? inFlight : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 50, what: 'messages in flight in the consumer process' },
        );
        first.child.kill('SIGKILL');
        await once(first.child, 'exit');
        const status = await view.status();
        unfinishedAtKill = status.reduce((sum, queue) => sum + queue.notVisible + queue.backlog, 0);
        first = startCli(consumerArgs());
      },
    },
  );
  expect(unfinishedAtKill, 'messages unfinished when the consumer process was killed').toBeGreaterThan(0);
  expect(result.accounting.counts, formatAccounting(result.accounting)).toMatchObject({
    'processed exactly once': 36,
    'rejected with its reason': 4,
    unaccounted: 0,
    'wrong outcome': 0,
  });
  // And a second look finds the same: nothing is still moving.
  const again = await accountFor(view, result.uploads);
  expect(again.counts).toEqual(result.accounting.counts);
}, 300_000);
