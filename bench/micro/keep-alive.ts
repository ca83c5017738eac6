/**
 * Keep-alive: the indexing handler over many two-record batches, one invocation at a time, with
 * clients made once at module scope against clients made in every invocation; over the backend's
 * plain HTTP, and through a local TLS terminator (the handshake AWS endpoints cost).
 */
import { micro } from '../plan';
import { loadAverage, loadSince, side, sig, sum } from '../stats';
import type { Comparison } from '../types';
import type { Micro } from './environment';
import {
  type KeepAliveJob,
  type KeepAliveMode,
  type KeepAliveSample,
  keepAliveModes,
} from './keep-alive-job';
import { startTlsProxy, type TlsProxy } from './proxies';
import { smallPhotos } from './samples';

const labels: Record<KeepAliveMode, string> = {
  'module-scope': 'module-scope keep-alive clients',
  'per-invocation': 'clients per invocation, no keep-alive',
  'per-invocation-sdk-default': 'clients per invocation, SDK default agent',
};

/** Messages a second over every block of the mode: the rotation spreads drifting load over all modes. */
const throughput = (samples: readonly KeepAliveSample[], mode: KeepAliveMode) => {
  const blocks = samples.filter((s) => s.mode === mode);
  return sum(blocks.map((s) => s.messages)) / sum(blocks.map((s) => s.seconds));
};

const blocks = (samples: readonly KeepAliveSample[], mode: KeepAliveMode) =>
  samples
    .filter((s) => s.mode === mode)
    .map((s) => sig(s.messages / s.seconds))
    .join(', ');

const comparison = (
  protocol: 'HTTP' | 'HTTPS',
  samples: readonly KeepAliveSample[],
  baseline: Exclude<KeepAliveMode, 'module-scope'>,
  notes: readonly string[],
): Comparison => {
  const [base, candidate] = [throughput(samples, baseline), throughput(samples, 'module-scope')];
  return {
    name: `keep-alive: indexing over ${protocol}${baseline === 'per-invocation' ? '' : ', vs SDK default agent'}`,
    baseline: side(labels[baseline], base, 'msg/s'),
    candidate: side(labels['module-scope'], candidate, 'msg/s'),
    ratio: sig(candidate / base),
    goal: '> 1',
    met: candidate > base,
    notes: [
      `blocks (msg/s): module scope ${blocks(samples, 'module-scope')}; per invocation ${blocks(samples, baseline)}`,
      ...notes,
    ],
  };
};

/** TLS connections each mode opens per invocation, and how many resume a session, from a short run of each alone. */
const countHandshakes = async (
  context: Micro,
  job: KeepAliveJob,
  proxy: TlsProxy,
  environment: Record<string, string>,
) => {
  const invocations = 10;
  const counts: string[] = [];
  for (const mode of keepAliveModes) {
    const before = proxy.handshakes();
    await context.run(
      'keep-alive',
      { ...job, modes: [mode], rounds: 1, warmupInvocations: 0, invocationsPerBlock: invocations },
      environment,
    );
    const after = proxy.handshakes();
    const [connections, resumed] = [after.connections - before.connections, after.resumed - before.resumed];
    counts.push(
      `${labels[mode]} ${sig(connections / invocations, 2)} (${sig(resumed / invocations, 2)} resumed)`,
    );
  }
  return `TLS connections per invocation (${invocations} invocations of each alone): ${counts.join('; ')}`;
};

/** The record concurrency the comparison has always run at: what module scope changes is the connections. */
const recordConcurrency = { RECORD_CONCURRENCY: '4' };

/** One timed run of every mode, with what it ran on. */
const timedRun = async (context: Micro, job: KeepAliveJob, environment: Record<string, string>) => {
  const loadBefore = loadAverage();
  const { samples, retried } = await context.run('keep-alive', job, environment);
  const { rounds, invocationsPerBlock } = context.plan.keepAlive;
  const shape =
    `${rounds} round(s) of ${invocationsPerBlock} invocations a mode, ${micro.keepAliveBatchRecords} records each, one at a time, modes rotated within one process; ` +
    `load average ${loadSince(loadBefore)}` +
    (retried > 0 ? `; ${retried} records failed and were retried, figures are suspect` : '');
  return { samples, shape };
};

const overHttps = async (context: Micro, job: KeepAliveJob, proxy: TlsProxy): Promise<Comparison[]> => {
  context.log('keep-alive: over HTTPS (local TLS terminator, RSA 2048, self-signed)');
  const environment = {
    ...recordConcurrency,
    AWS_ENDPOINT_URL: proxy.endpoint,
    NODE_EXTRA_CA_CERTS: proxy.certificateFile,
  };
  const { samples, shape } = await timedRun(context, job, environment);
  const notes = [
    'TLS terminated in the backend process (RSA 2048 certificate made at run time): both ends of every handshake run on these 2 cores, with no network latency',
    shape,
    ...(context.plan.keepAlive.countHandshakes
      ? [await countHandshakes(context, job, proxy, environment)]
      : []),
  ];
  return [
    comparison('HTTPS', samples, 'per-invocation', notes),
    comparison('HTTPS', samples, 'per-invocation-sdk-default', [
      "the SDK v3 default agent keeps connections alive, but only for its client's life, and each client has its own agent: no session to resume, a full handshake per connection per invocation",
    ]),
  ];
};

export const compareKeepAlive = async (context: Micro): Promise<Comparison[]> => {
  const { invocationsPerBlock, warmupInvocations, rounds } = context.plan.keepAlive;
  const objects = await context.upload('keep-alive', await smallPhotos(), 40);
  const job = {
    target: context.target,
    objects,
    recordsPerBatch: micro.keepAliveBatchRecords,
    invocationsPerBlock,
    warmupInvocations,
    rounds,
  };
  context.log('keep-alive: over HTTP');
  const http = await timedRun(context, job, recordConcurrency);
  const httpComparison = comparison('HTTP', http.samples, 'per-invocation', [
    `per invocation with the SDK's default agent: ${sig(throughput(http.samples, 'per-invocation-sdk-default'))} msg/s`,
    http.shape,
    'the local backend is plain HTTP: a new connection costs a TCP handshake on loopback only; the TLS handshake it costs against AWS is in the HTTPS rows (the network round trips are in neither)',
  ]);
  let proxy: TlsProxy;
  try {
    proxy = await startTlsProxy(context.port);
  } catch (error) {
    return [
      {
        ...httpComparison,
        notes: [...(httpComparison.notes ?? []), `no HTTPS variant: ${(error as Error).message}`],
      },
    ];
  }
  try {
    return [httpComparison, ...(await overHttps(context, job, proxy))];
  } finally {
    await proxy.close();
  }
};
