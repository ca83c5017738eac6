/**
 * Batching: the indexing and metadata consumers through real SQS on the embedded backend, batch size
 * 10 with one atomic commit per image against batch size 1 with a request per item; on loopback, and
 * (full run) with a network's round trips added by a relay.
 */
import { consumerDefaults } from '../../lib/consumers';
import { goals, micro } from '../plan';
import { loadAverage, loadSince, side, sig, sum } from '../stats';
import type { Comparison } from '../types';
import type { BatchingMode, BatchingSample } from './batching-job';
import type { Micro } from './environment';
import type { JobOutput } from './jobs';
import { startLatencyProxy } from './proxies';
import { smallPhotos } from './samples';
import type { WiredConsumer } from './wired';

const consumers: readonly WiredConsumer[] = ['indexing', 'metadata'];
const cores = 2;
const batched = micro.comparedBatchSize;

const figures = (samples: readonly BatchingSample[], mode: BatchingMode) => {
  const runs = samples.filter((sample) => sample.mode === mode);
  const [messages, seconds] = [sum(runs.map((r) => r.messages)), sum(runs.map((r) => r.seconds))];
  const backend = runs.every((r) => r.backendCpuMs !== undefined)
    ? sum(runs.map((r) => r.backendCpuMs ?? 0))
    : undefined;
  const consumerCpu = sum(runs.map((r) => r.consumerCpuMs));
  const perMessage = (service: 'sqs' | 's3' | 'dynamodb') =>
    sum(runs.map((r) => r.requests[service])) / messages;
  return {
    messagesPerSecond: messages / seconds,
    runs: runs.map((r) => sig(r.messages / r.seconds)),
    consumerCpuMs: consumerCpu / messages,
    backendCpuMs: backend === undefined ? undefined : backend / messages,
    coresBusy: (consumerCpu + (backend ?? 0)) / 1000 / seconds,
    requests: { sqs: perMessage('sqs'), s3: perMessage('s3'), dynamodb: perMessage('dynamodb') },
    /** Wall time a message holds one of the concurrent invocations. */
    slotMsPerMessage: (micro.batchingMaxConcurrency * 1000 * seconds) / messages,
  };
};
type ModeFigures = ReturnType<typeof figures>;

const totalCpu = (f: ModeFigures) => f.consumerCpuMs + (f.backendCpuMs ?? 0);
/** Two measurements apart can differ by more than a small overhead: below zero, it is within noise. */
const overhead = (ms: number) => (ms < 0.5 ? '~0 ms (within noise)' : `${sig(ms)} ms`);

const describe = (label: string, f: ModeFigures) => {
  const { sqs, s3, dynamodb } = f.requests;
  const backend = f.backendCpuMs === undefined ? '' : ` + ${sig(f.backendCpuMs)} ms in the backend`;
  return (
    `${label}: ${sig(f.messagesPerSecond)} msg/s (runs ${f.runs.join(', ')}); per message ${sig(sqs + s3 + dynamodb)} requests ` +
    `(SQS ${sig(sqs, 2)}, S3 ${sig(s3, 2)}, DynamoDB ${sig(dynamodb, 2)}), ${sig(f.consumerCpuMs)} ms CPU in the consumer ` +
    `(poller + handler)${backend}, ${sig(f.slotMsPerMessage)} ms of an invocation slot; ${sig(f.coresBusy, 2)} of ${cores} cores busy`
  );
};

/** Why a case fell short of the goal: on loopback the image work's share of the CPU; with round trips, the CPU bound. */
const shortfall = (single: ModeFigures, many: ModeFigures, imageCpu: number, oneWayDelayMs: number) =>
  oneWayDelayMs === 0
    ? `short of ${goals.batchingSpeedup}x: locally a request costs CPU and no waiting, and the image work (${sig(imageCpu)} ms) ` +
      `is ${Math.round((100 * imageCpu) / totalCpu(single))}% of a batch-1 message's ${sig(totalCpu(single))} ms of CPU: ` +
      `even with all other CPU gone, batch ${batched} could reach ${sig(totalCpu(single) / imageCpu, 2)}x here`
    : `short of ${goals.batchingSpeedup}x: with round trips, batch 1 holds an invocation ${sig(single.slotMsPerMessage)} ms per message; ` +
      `batch ${batched} is then bound by CPU (${sig(totalCpu(many))} ms a message on ${cores} cores = at most ${sig((cores * 1000) / totalCpu(many))} msg/s)`;

const toComparison = (
  consumer: WiredConsumer,
  result: JobOutput<'batching'>,
  oneWayDelayMs: number,
  load: string,
): Comparison => {
  const [single, many] = [figures(result.samples, 'single'), figures(result.samples, 'batched')];
  const ratio = many.messagesPerSecond / single.messagesPerSecond;
  const { cpuMs: imageCpu, wallMs: imageWall } = result.imageWork;
  const network =
    oneWayDelayMs === 0
      ? 'backend on loopback: no network latency, and the Lambda invoke is an in-process call'
      : `every SQS, S3 and DynamoDB request through a relay adding ${oneWayDelayMs} ms each way; the Lambda invoke is still an in-process call`;
  const notes = [
    describe(`batch ${batched} + one atomic commit per image`, many),
    describe('batch 1 + a request per item', single),
    `image work alone (body in memory, one image at a time): ${sig(imageCpu)} ms CPU, ${sig(imageWall)} ms wall; ${cores} cores could do at most ${sig((cores * 1000) / imageCpu)} msg/s of it`,
    `CPU per message besides the image work: batch 1 ${overhead(totalCpu(single) - imageCpu)}, batch ${batched} ${overhead(totalCpu(many) - imageCpu)}`,
    ...(ratio < goals.batchingSpeedup ? [shortfall(single, many, imageCpu, oneWayDelayMs)] : []),
    `both at ${micro.batchingMaxConcurrency} concurrent invocations, recordConcurrency ${consumerDefaults[consumer].recordConcurrency} (lib/consumers.ts), runs alternated in one process; ${network}; load average ${load}`,
    ...(result.samples.some((sample) => sample.retried > 0)
      ? ['some records failed and were retried; figures are suspect']
      : []),
  ];
  return {
    name: `batching: ${consumer}${oneWayDelayMs === 0 ? '' : `, ${2 * oneWayDelayMs} ms round trips`}`,
    baseline: side('batch 1, a request per item', single.messagesPerSecond, 'msg/s'),
    candidate: side(`batch ${batched}, atomic commit per image`, many.messagesPerSecond, 'msg/s'),
    ratio: sig(ratio),
    goal: `>= ${goals.batchingSpeedup}x messages/s`,
    met: ratio >= goals.batchingSpeedup,
    notes,
  };
};

export const compareBatching = async (context: Micro): Promise<Comparison[]> => {
  const { plan } = context;
  const objects = await context.upload('batching', await smallPhotos(), 100);
  const comparisons: Comparison[] = [];
  for (const oneWayDelayMs of plan.batching.oneWayDelaysMs) {
    const proxy = oneWayDelayMs > 0 ? await startLatencyProxy(context.port, oneWayDelayMs) : undefined;
    const endpoint = proxy?.endpoint ?? context.endpoint;
    try {
      for (const consumer of consumers) {
        const { messagesPerRun, rounds } = plan.batching;
        context.log(
          `batching: ${consumer}${proxy ? ` with ${2 * oneWayDelayMs} ms round trips` : ''} (${rounds} round(s) of ${messagesPerRun} messages a side)`,
        );
        const loadBefore = loadAverage();
        const { oneWayDelaysMs: _, ...sizes } = plan.batching;
        const job = { ...sizes, target: context.target, consumer, endpoint, objects };
        const result = await context.run(
          'batching',
          { ...job, maxConcurrency: micro.batchingMaxConcurrency, batchSize: batched },
          {
            AWS_ENDPOINT_URL: endpoint,
            RECORD_CONCURRENCY: String(consumerDefaults[consumer].recordConcurrency),
          },
        );
        comparisons.push(toComparison(consumer, result, oneWayDelayMs, loadSince(loadBefore)));
      }
    } finally {
      await proxy?.close();
    }
  }
  return comparisons;
};
