/**
 * The batching comparison's process: the consumer fed through the local runtime's own SQS event source
 * (SqsPoller) from a real queue, both batch sizes alternated; then its image work alone, which no
 * batching can take away.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { InitializeMiddleware } from '@smithy/types';
import { indexEntries } from '../../lambdas/indexing/entries';
import { perceptualHash } from '../../lambdas/indexing/phash';
import { ownerOf, tokensOf } from '../../lambdas/indexing/terms';
import { extractMetadata } from '../../lambdas/metadata/extract';
import { type AwsClients, createAwsClients } from '../../lambdas/shared/clients';
import { imageIdOf } from '../../lambdas/shared/events';
import {
  imageLimitsFromEnv,
  inspectImage,
  orientedSize,
  sniffImageFormat,
  truncation,
} from '../../lambdas/shared/image';
import { ImageTable } from '../../lambdas/shared/store';
import { createLocalClients } from '../../local/emulator/clients';
import { SqsPoller } from '../../local/emulator/event-source/sqs-poller';
import { type BenchObject, createSequencer, uploadEventBody } from '../events';
import { cpuMs, parentCpuMs } from '../stats';
import type { Target } from './environment';
import { alternated, fetchBodies, type Handler } from './handlers';
import { PerItemImageTable } from './per-item-table';
import { type WiredConsumer, wiredHandler } from './wired';

const batchingModes = ['single', 'batched'] as const;
export type BatchingMode = (typeof batchingModes)[number];
const services = ['sqs', 's3', 'dynamodb'] as const;
type Service = (typeof services)[number];

export interface BatchingJob {
  readonly target: Target;
  readonly consumer: WiredConsumer;
  readonly endpoint: string;
  /** A pool larger than the messages in flight, so that no image is in two batches at once. */
  readonly objects: readonly BenchObject[];
  readonly messagesPerRun: number;
  readonly warmupMessages: number;
  readonly rounds: number;
  /** Concurrent invocations, the same for both modes. */
  readonly maxConcurrency: number;
  readonly batchSize: number;
  readonly imageWorkSamples: number;
}

export interface BatchingSample {
  readonly mode: BatchingMode;
  readonly messages: number;
  readonly seconds: number;
  readonly invocations: number;
  readonly retried: number;
  readonly consumerCpuMs: number;
  readonly backendCpuMs?: number;
  /** SDK calls made during the run, by service (retries not counted twice). */
  readonly requests: Readonly<Record<Service, number>>;
}

interface Setup {
  readonly job: BatchingJob;
  readonly sqs: SQSClient;
  readonly handlers: Readonly<Record<BatchingMode, Handler>>;
  readonly calls: Readonly<Record<Service, number>>;
  readonly nextBody: () => string;
}

const runTimeoutMs = 120_000;

/** Counts every call each client makes, so that a run can say how many requests a message costs. */
const countCalls = (sqs: SQSClient, clients: AwsClients) => {
  const calls: Record<Service, number> = { sqs: 0, s3: 0, dynamodb: 0 };
  const counter =
    <I extends object, O extends object>(service: Service): InitializeMiddleware<I, O> =>
    (next) =>
    (args) => {
      calls[service]++;
      return next(args);
    };
  const step = { step: 'initialize', name: 'benchCallCounter' } as const;
  sqs.middlewareStack.add(counter('sqs'), step);
  clients.s3.middlewareStack.add(counter('s3'), step);
  clients.dynamo.middlewareStack.add(counter('dynamodb'), step);
  return calls;
};

const setUp = (job: BatchingJob): Setup => {
  const clients = createAwsClients();
  const sqs = createLocalClients(job.endpoint, job.target.region).sqs;
  const calls = countCalls(sqs, clients);
  const nextSequencer = createSequencer();
  let cursor = 0;
  const nextBody = () => {
    const object = job.objects[cursor++ % job.objects.length] as BenchObject;
    return uploadEventBody(job.target.uploadsBucket, object, nextSequencer(), job.target.region);
  };
  const handlers = {
    batched: wiredHandler(job.consumer, clients, {
      table: new ImageTable(clients.dynamo, job.target.tableName),
    }),
    single: wiredHandler(job.consumer, clients, {
      table: new PerItemImageTable(clients.dynamo, job.target.tableName),
    }),
  };
  return { job, sqs, handlers, calls, nextBody };
};

/**
 * A queue per run, filled before its poller starts: a stopped poller's long poll stays open on the
 * server, and would take (and hide for the visibility timeout) the first messages of a reused queue.
 */
const filledQueue = async (setup: Setup, mode: BatchingMode, count: number) => {
  const name = `bench-batching-${setup.job.consumer}-${mode}-${process.pid}-${Date.now()}`;
  const { QueueUrl = '' } = await setup.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await setup.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  for (let sent = 0; sent < count; sent += 10) {
    const Entries = Array.from({ length: Math.min(10, count - sent) }, (_, i) => ({
      Id: String(i),
      MessageBody: setup.nextBody(),
    }));
    const { Failed = [] } = await setup.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
    if (Failed.length > 0) throw new Error(`SendMessageBatch failed: ${Failed[0]?.Message}`);
  }
  return { url: QueueUrl, arn: Attributes?.QueueArn ?? QueueUrl };
};

const pollerFor = (
  setup: Setup,
  mode: BatchingMode,
  queue: { url: string; arn: string },
  onBatch: () => void,
) => {
  const { job } = setup;
  const handler = setup.handlers[mode];
  return new SqsPoller({
    mapping: {
      logicalId: `Bench${mode}`,
      functionName: job.consumer,
      eventSourceArn: queue.arn,
      batchSize: mode === 'batched' ? job.batchSize : 1,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: true,
      maximumConcurrency: job.maxConcurrency,
      filterPatterns: [],
      enabled: true,
    },
    queueUrl: queue.url,
    region: job.target.region,
    sqs: setup.sqs,
    maxConcurrency: job.maxConcurrency,
    invoke: async (event) => {
      const started = performance.now();
      const base = { requestId: 'bench', coldStart: false };
      try {
        return {
          ...base,
          status: 'ok',
          result: await handler(event),
          durationMs: performance.now() - started,
        };
      } catch (error) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        return { ...base, status: 'error', errorType: name, errorMessage: message, durationMs: 0 };
      }
    },
    onBatch,
    onError: (error) => console.error('poller error', error),
  });
};

/** One run of one mode: `count` messages through the poller, with the CPU and requests they cost. */
const consume = async (setup: Setup, mode: BatchingMode, count: number): Promise<BatchingSample> => {
  const queue = await filledQueue(setup, mode, count);
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const poller = pollerFor(setup, mode, queue, () => {
    if (poller.stats().deleted + poller.stats().retried >= count) finish();
  });
  const callsBefore = { ...setup.calls };
  const [cpuBefore, backendBefore, started] = [cpuMs(), parentCpuMs(), performance.now()];
  poller.start();
  const timeout = setTimeout(finish, runTimeoutMs);
  await finished;
  const [seconds, consumerCpuMs, backendAfter] = [
    (performance.now() - started) / 1000,
    cpuMs() - cpuBefore,
    parentCpuMs(),
  ];
  const requests = Object.fromEntries(services.map((s) => [s, setup.calls[s] - callsBefore[s]])) as Record<
    Service,
    number
  >;
  clearTimeout(timeout);
  await poller.stop();
  const stats = poller.stats();
  if (stats.deleted + stats.retried < count)
    throw new Error(`${mode}: only ${stats.deleted + stats.retried} of ${count} messages done in time`);
  const backendCpuMs =
    backendBefore === undefined || backendAfter === undefined ? undefined : backendAfter - backendBefore;
  const { deleted: messages, invocations, retried } = stats;
  return {
    mode,
    messages,
    seconds,
    invocations,
    retried,
    consumerCpuMs,
    requests,
    ...(backendCpuMs === undefined ? {} : { backendCpuMs }),
  };
};

/** CPU and wall time of the consumer's domain work per image, bodies in memory, one image at a time. */
const measureImageWork = async (job: BatchingJob, s3: AwsClients['s3']) => {
  const bodies = await fetchBodies(s3, job.target.uploadsBucket, job.objects.slice(0, 8));
  const limits = imageLimitsFromEnv();
  const bucket = job.target.uploadsBucket;
  const work = async (body: Buffer, key: string) => {
    const format = sniffImageFormat(body) ?? 'jpeg';
    truncation(body, format);
    if (job.consumer === 'metadata') return void (await extractMetadata(body, format, limits));
    const { width, height } = orientedSize(await inspectImage(body, limits));
    const phash = await perceptualHash(body, limits);
    const uploadedAt = new Date().toISOString();
    const tokens = tokensOf(key, { title: 'bench photo' });
    const image = {
      bucket,
      key,
      owner: ownerOf(key),
      uploadedAt,
      contentType: 'image/jpeg',
      bytes: body.length,
    };
    indexEntries({ imageId: imageIdOf(bucket, key), ...image, width, height, tokens, phash });
  };
  for (const [index, body] of bodies.entries()) await work(body, `warm/${index}`);
  const [cpuBefore, started] = [cpuMs(), performance.now()];
  for (let i = 0; i < job.imageWorkSamples; i++) {
    await work(bodies[i % bodies.length] as Buffer, job.objects[i % job.objects.length]?.key ?? 'x');
  }
  return {
    cpuMs: (cpuMs() - cpuBefore) / job.imageWorkSamples,
    wallMs: (performance.now() - started) / job.imageWorkSamples,
  };
};

export const runBatchingJob = async (job: BatchingJob) => {
  const setup = setUp(job);
  for (const mode of batchingModes) await consume(setup, mode, job.warmupMessages);
  const samples: BatchingSample[] = [];
  for (let round = 0; round < job.rounds; round++) {
    for (const mode of alternated(batchingModes, round))
      samples.push(await consume(setup, mode, job.messagesPerRun));
  }
  const imageWork = await measureImageWork(job, createAwsClients().s3);
  setup.sqs.destroy();
  return { samples, imageWork };
};
