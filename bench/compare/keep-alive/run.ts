import { loadavg } from 'node:os';
import type { RunContext } from '../context';
import { round, sum } from '../measure';
import { keepAliveBatchRecords } from '../plan';
import { smallPhotos } from '../samples';
import { startTlsProxy, type TlsProxy } from '../tls';
import type { Comparison } from '../types';
import { type KeepAliveJob, type KeepAliveMode, type KeepAliveResult, keepAliveModes } from './job';

/** Messages a second over every block of the mode: the rotation spreads drifting load over all modes. */
const throughput = (result: KeepAliveResult, mode: KeepAliveMode) => {
  const blocks = result.samples.filter((s) => s.mode === mode);
  return sum(blocks.map((s) => s.messages)) / sum(blocks.map((s) => s.seconds));
};

const runs = (result: KeepAliveResult, mode: KeepAliveMode) =>
  result.samples
    .filter((s) => s.mode === mode)
    .map((s) => round(s.messages / s.seconds))
    .join(', ');

const labels: Record<KeepAliveMode, string> = {
  'module-scope': 'module-scope keep-alive clients',
  'per-invocation': 'clients per invocation, no keep-alive',
  'per-invocation-sdk-default': 'clients per invocation, SDK default agent',
};

const comparison = (
  protocol: 'HTTP' | 'HTTPS',
  result: KeepAliveResult,
  baseline: Exclude<KeepAliveMode, 'module-scope'>,
  notes: string[],
): Comparison => {
  const base = throughput(result, baseline);
  const candidate = throughput(result, 'module-scope');
  return {
    name: `keep-alive: indexing over ${protocol}${baseline === 'per-invocation' ? '' : ', vs SDK default agent'}`,
    baseline: { label: labels[baseline], value: round(base), unit: 'msg/s' },
    candidate: { label: labels['module-scope'], value: round(candidate), unit: 'msg/s' },
    ratio: round(candidate / base),
    goal: '> 1',
    met: candidate > base,
    notes: [
      `blocks (msg/s): module scope ${runs(result, 'module-scope')}; per invocation ${runs(result, baseline)}`,
      ...notes,
    ],
  };
};

/** TLS connections each mode opens per invocation, and how many resume a session, from a short run of each alone. */
const countHandshakes = async (context: RunContext, job: KeepAliveJob, proxy: TlsProxy) => {
  const invocations = 10;
  const counts: string[] = [];
  for (const mode of keepAliveModes) {
    const before = proxy.handshakes();
    await context.run(
      { ...job, modes: [mode], rounds: 1, warmupInvocations: 0, invocationsPerBlock: invocations },
      { AWS_ENDPOINT_URL: proxy.endpoint, NODE_EXTRA_CA_CERTS: proxy.certificateFile },
    );
    const after = proxy.handshakes();
    const connections = after.connections - before.connections;
    const resumed = after.resumed - before.resumed;
    counts.push(
      `${labels[mode]} ${round(connections / invocations, 2)} (${round(resumed / invocations, 2)} resumed)`,
    );
  }
  return `TLS connections per invocation (${invocations} invocations of each alone): ${counts.join('; ')}`;
};

/**
 * Comparison 4: the indexing handler over many two-record batches, one invocation at a time, with
 * clients made once at module scope (createAwsClients, keep-alive) against clients made in every
 * invocation; over the backend's plain HTTP, and through a local TLS terminator.
 */
export const compareKeepAlive = async (context: RunContext): Promise<Comparison[]> => {
  const { environment, plan, log } = context;
  const objects = await environment.upload('keep-alive', await smallPhotos(), 40);
  const job: KeepAliveJob = {
    kind: 'keep-alive',
    target: environment.target,
    objects,
    recordsPerBatch: keepAliveBatchRecords,
    invocationsPerBlock: plan.keepAlive.invocationsPerBlock,
    warmupInvocations: plan.keepAlive.warmupInvocations,
    rounds: plan.keepAlive.rounds,
  };
  const shape = (load: readonly number[]) =>
    `${plan.keepAlive.rounds} round(s) of ${plan.keepAlive.invocationsPerBlock} invocations a mode, ` +
    `${keepAliveBatchRecords} records each, one at a time, modes rotated within one process; ` +
    `load average ${load.map((value) => value.toFixed(1)).join(' -> ')}`;

  log('keep-alive: over HTTP');
  let loadBefore = loadavg()[0] ?? 0;
  const http = await context.run(job);
  const comparisons = [
    comparison('HTTP', http, 'per-invocation', [
      `per invocation with the SDK's default agent: ${round(throughput(http, 'per-invocation-sdk-default'))} msg/s`,
      shape([loadBefore, loadavg()[0] ?? 0]),
      'the local backend is plain HTTP: a new connection costs a TCP handshake on loopback only; ' +
        'the TLS handshake it costs against AWS is in the HTTPS rows (the network round trips are in neither)',
    ]),
  ];

  let proxy: TlsProxy | undefined;
  try {
    proxy = await startTlsProxy(environment.backend.port);
  } catch (error) {
    comparisons[0]?.notes?.push(`no HTTPS variant: ${(error as Error).message}`);
    return comparisons;
  }
  try {
    log('keep-alive: over HTTPS (local TLS terminator, RSA 2048, self-signed)');
    loadBefore = loadavg()[0] ?? 0;
    const https = await context.run(job, {
      AWS_ENDPOINT_URL: proxy.endpoint,
      NODE_EXTRA_CA_CERTS: proxy.certificateFile,
    });
    const tlsNotes = [
      'TLS terminated in the backend process (RSA 2048 certificate made at run time): both ends of every ' +
        'handshake run on these 2 cores, with no network latency',
      shape([loadBefore, loadavg()[0] ?? 0]),
    ];
    if (plan.keepAlive.countHandshakes) {
      log('keep-alive: counting TLS handshakes per mode');
      tlsNotes.push(await countHandshakes(context, job, proxy));
    }
    comparisons.push(
      comparison('HTTPS', https, 'per-invocation', tlsNotes),
      comparison('HTTPS', https, 'per-invocation-sdk-default', [
        "the SDK v3 default agent keeps connections alive, but only for its client's life, and each client " +
          'has its own agent: no session to resume, a full handshake per connection per invocation',
      ]),
    );
  } finally {
    await proxy.close();
  }
  return comparisons;
};
