import { loadavg } from 'node:os';
import { consumerDefaults } from '../../../lib/consumers';
import type { RunContext } from '../context';
import { startLatencyProxy } from '../latency';
import { round, sum } from '../measure';
import { batchingMaxConcurrency, comparedBatchSize } from '../plan';
import { smallPhotos } from '../samples';
import type { Comparison } from '../types';
import type { BatchingMode, BatchingResult, BatchingSample } from './job';

const consumers = ['indexing', 'metadata'] as const;
const cores = 2;
const goal = 5;

interface ModeFigures {
  readonly messagesPerSecond: number;
  readonly runs: number[];
  readonly consumerCpuMs: number;
  readonly backendCpuMs?: number;
  readonly coresBusy: number;
  readonly requestsPerMessage: { readonly sqs: number; readonly s3: number; readonly dynamodb: number };
  /** Wall time a message holds one of the concurrent invocations. */
  readonly slotMsPerMessage: number;
}

const figures = (samples: readonly BatchingSample[], mode: BatchingMode): ModeFigures => {
  const runs = samples.filter((sample) => sample.mode === mode);
  const messages = sum(runs.map((run) => run.messages));
  const seconds = sum(runs.map((run) => run.seconds));
  const backend = runs.every((run) => run.backendCpuMs !== undefined)
    ? sum(runs.map((run) => run.backendCpuMs ?? 0))
    : undefined;
  const consumerCpu = sum(runs.map((run) => run.consumerCpuMs));
  const perMessage = (service: 'sqs' | 's3' | 'dynamodb') =>
    sum(runs.map((run) => run.requests[service])) / messages;
  return {
    messagesPerSecond: messages / seconds,
    runs: runs.map((run) => round(run.messages / run.seconds)),
    consumerCpuMs: consumerCpu / messages,
    ...(backend === undefined ? {} : { backendCpuMs: backend / messages }),
    coresBusy: (consumerCpu + (backend ?? 0)) / 1000 / seconds,
    requestsPerMessage: { sqs: perMessage('sqs'), s3: perMessage('s3'), dynamodb: perMessage('dynamodb') },
    slotMsPerMessage: (batchingMaxConcurrency * 1000 * seconds) / messages,
  };
};

/** Two measurements apart can differ by more than a small overhead: below zero, it is within noise. */
const overhead = (ms: number) => (ms < 0.5 ? '~0 ms (within noise)' : `${round(ms)} ms`);

const describe = (label: string, f: ModeFigures) => {
  const { sqs, s3, dynamodb } = f.requestsPerMessage;
  return (
    `${label}: ${round(f.messagesPerSecond)} msg/s (runs ${f.runs.join(', ')}); per message ` +
    `${round(sqs + s3 + dynamodb)} requests (SQS ${round(sqs, 2)}, S3 ${round(s3, 2)}, DynamoDB ${round(dynamodb, 2)}), ` +
    `${round(f.consumerCpuMs)} ms CPU in the consumer (poller + handler)` +
    (f.backendCpuMs === undefined ? '' : ` + ${round(f.backendCpuMs)} ms in the backend`) +
    `, ${round(f.slotMsPerMessage)} ms of an invocation slot; ${round(f.coresBusy, 2)} of ${cores} cores busy`
  );
};

const toComparison = (
  consumer: (typeof consumers)[number],
  result: BatchingResult,
  oneWayDelayMs: number,
  load: readonly number[],
): Comparison => {
  const single = figures(result.samples, 'single');
  const batched = figures(result.samples, 'batched');
  const ratio = batched.messagesPerSecond / single.messagesPerSecond;
  const totalCpu = (f: ModeFigures) => f.consumerCpuMs + (f.backendCpuMs ?? 0);
  const { cpuMs: imageCpu, wallMs: imageWall } = result.imageWork;
  const notes = [
    describe(`batch ${comparedBatchSize} + one atomic commit per image`, batched),
    describe('batch 1 + a request per item', single),
    `image work alone (body in memory, one image at a time): ${round(imageCpu)} ms CPU, ${round(imageWall)} ms ` +
      `wall; ${cores} cores could do at most ${round((cores * 1000) / imageCpu)} msg/s of it`,
    `CPU per message besides the image work: batch 1 ${overhead(totalCpu(single) - imageCpu)}, ` +
      `batch ${comparedBatchSize} ${overhead(totalCpu(batched) - imageCpu)}`,
  ];
  if (ratio < goal && oneWayDelayMs === 0) {
    notes.push(
      `short of ${goal}x: locally a request costs CPU and no waiting, and the image work (${round(imageCpu)} ms) ` +
        `is ${Math.round((100 * imageCpu) / totalCpu(single))}% of a batch-1 message's ${round(totalCpu(single))} ms ` +
        `of CPU: even with all other CPU gone, batch ${comparedBatchSize} could reach ` +
        `${round(totalCpu(single) / imageCpu, 2)}x here`,
    );
  }
  if (ratio < goal && oneWayDelayMs > 0) {
    notes.push(
      `short of ${goal}x: with round trips, batch 1 holds an invocation ${round(single.slotMsPerMessage)} ms per message; ` +
        `batch ${comparedBatchSize} is then bound by CPU (${round(totalCpu(batched))} ms a message on ${cores} cores ` +
        `= at most ${round((cores * 1000) / totalCpu(batched))} msg/s)`,
    );
  }
  notes.push(
    `both at ${batchingMaxConcurrency} concurrent invocations, recordConcurrency ` +
      `${consumerDefaults[consumer].recordConcurrency} (lib/consumers.ts), runs alternated in one process; ` +
      (oneWayDelayMs === 0
        ? 'backend on loopback: no network latency, and the Lambda invoke is an in-process call'
        : `every SQS, S3 and DynamoDB request through a relay adding ${oneWayDelayMs} ms each way; ` +
          'the Lambda invoke is still an in-process call') +
      `; load average ${load.map((value) => value.toFixed(1)).join(' -> ')}`,
  );
  if (result.recordsFailed > 0 || result.samples.some((sample) => sample.retried > 0)) {
    notes.push(`${result.recordsFailed} records failed; figures are suspect`);
  }
  return {
    name: `batching: ${consumer}${oneWayDelayMs === 0 ? '' : `, ${2 * oneWayDelayMs} ms round trips`}`,
    baseline: { label: 'batch 1, a request per item', value: round(single.messagesPerSecond), unit: 'msg/s' },
    candidate: {
      label: `batch ${comparedBatchSize}, atomic commit per image`,
      value: round(batched.messagesPerSecond),
      unit: 'msg/s',
    },
    ratio: round(ratio),
    goal: `>= ${goal}x messages/s`,
    met: ratio >= goal,
    notes,
  };
};

/**
 * Comparison 2: the indexing and metadata consumers through real SQS (SqsPoller) on the embedded
 * backend, batch size 10 with one atomic commit per image against batch size 1 with a request per item;
 * on loopback, and (full run) with a network's round trips added.
 */
export const compareBatching = async (context: RunContext): Promise<Comparison[]> => {
  const { environment, plan, log } = context;
  const objects = await environment.upload('batching', await smallPhotos(), 100);
  const comparisons: Comparison[] = [];
  for (const oneWayDelayMs of plan.batching.oneWayDelaysMs) {
    const proxy =
      oneWayDelayMs > 0 ? await startLatencyProxy(environment.backend.port, oneWayDelayMs) : undefined;
    const endpoint = proxy?.endpoint ?? environment.endpoint;
    try {
      for (const consumer of consumers) {
        log(
          `batching: ${consumer}${proxy ? ` with ${2 * oneWayDelayMs} ms round trips` : ''} ` +
            `(${plan.batching.rounds} round(s) of ${plan.batching.messagesPerRun} messages a side)`,
        );
        const loadBefore = loadavg()[0] ?? 0;
        const result = await context.run(
          {
            kind: 'batching',
            target: environment.target,
            consumer,
            endpoint,
            objects,
            messagesPerRun: plan.batching.messagesPerRun,
            warmupMessages: plan.batching.warmupMessages,
            rounds: plan.batching.rounds,
            maxConcurrency: batchingMaxConcurrency,
            recordConcurrency: consumerDefaults[consumer].recordConcurrency,
            batchSize: comparedBatchSize,
            imageWorkSamples: plan.batching.imageWorkSamples,
          },
          { AWS_ENDPOINT_URL: endpoint },
        );
        comparisons.push(toComparison(consumer, result, oneWayDelayMs, [loadBefore, loadavg()[0] ?? 0]));
      }
    } finally {
      await proxy?.close();
    }
  }
  return comparisons;
};
