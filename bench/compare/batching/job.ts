import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { indexEntries } from '../../../lambdas/indexing/entries';
import { perceptualHash } from '../../../lambdas/indexing/phash';
import { ownerOf, tokensOf } from '../../../lambdas/indexing/terms';
import { extractMetadata } from '../../../lambdas/metadata/extract';
import { createAwsClients } from '../../../lambdas/shared/clients';
import { imageIdOf } from '../../../lambdas/shared/events';
import { inspectImage, orientedSize, sniffImageFormat, truncation } from '../../../lambdas/shared/image';
import { ImageTable } from '../../../lambdas/shared/store';
import type { InvokeOutcome } from '../../../local/emulator';
import { createLocalClients, SqsPoller } from '../../../local/emulator';
import { type BenchObject, createSequencer, uploadEventBody } from '../events';
import { cpuMs, parentCpuMs } from '../measure';
import { PerItemImageTable } from '../per-item-table';
import { handlerFor, limits, type Target } from '../wiring';

export const batchingModes = ['single', 'batched'] as const;
export type BatchingMode = (typeof batchingModes)[number];

export interface BatchingJob {
  readonly kind: 'batching';
  readonly target: Target;
  readonly consumer: 'metadata' | 'indexing';
  readonly endpoint: string;
  /** A pool larger than the messages in flight, so that no image is in two batches at once. */
  readonly objects: readonly BenchObject[];
  readonly messagesPerRun: number;
  readonly warmupMessages: number;
  readonly rounds: number;
  /** Concurrent invocations, the same for both modes. */
  readonly maxConcurrency: number;
  readonly recordConcurrency: number;
  readonly batchSize: number;
  /** Images worked on one at a time, without S3 or the table, to price the image work alone. */
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

const services = ['sqs', 's3', 'dynamodb'] as const;
type Service = (typeof services)[number];

export interface BatchingResult {
  readonly samples: BatchingSample[];
  /** CPU and wall time of the consumer's own image work per image, one image at a time. */
  readonly imageWork: { readonly cpuMs: number; readonly wallMs: number };
  readonly recordsCreated: number;
  readonly recordsFailed: number;
}

const runTimeoutMs = 120_000;

export const runBatchingJob = async (job: BatchingJob): Promise<BatchingResult> => {
  const { target } = job;
  const clients = createAwsClients();
  const local = createLocalClients(job.endpoint, target.region);
  const nextSequencer = createSequencer();
  // Every call each client makes, so that a run can say how many requests a message costs.
  const calls: Record<Service, number> = { sqs: 0, s3: 0, dynamodb: 0 };
  const counter = { step: 'initialize', name: 'benchCallCounter' } as const;
  local.sqs.middlewareStack.add(
    (next) => (args) => {
      calls.sqs++;
      return next(args);
    },
    counter,
  );
  clients.s3.middlewareStack.add(
    (next) => (args) => {
      calls.s3++;
      return next(args);
    },
    counter,
  );
  clients.dynamo.middlewareStack.add(
    (next) => (args) => {
      calls.dynamodb++;
      return next(args);
    },
    counter,
  );
  const handlers = {
    batched: handlerFor(job.consumer, clients, target, {
      recordConcurrency: job.recordConcurrency,
      table: new ImageTable(clients.dynamo, target.tableName),
    }),
    single: handlerFor(job.consumer, clients, target, {
      recordConcurrency: job.recordConcurrency,
      table: new PerItemImageTable(clients.dynamo, target.tableName),
    }),
  };
  const batchSizes: Record<BatchingMode, number> = { batched: job.batchSize, single: 1 };
  let cursor = 0;

  // A queue per run: a stopped poller's long poll stays open on the server, and would take (and
  // hide for the visibility timeout) the first messages sent to its queue afterwards.
  let queues = 0;
  const createQueue = async () => {
    const { QueueUrl } = await local.sqs.send(
      new CreateQueueCommand({ QueueName: `bench-batching-${job.consumer}-${process.pid}-${++queues}` }),
    );
    if (QueueUrl === undefined) throw new Error('CreateQueue returned no URL');
    const { Attributes } = await local.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl, arn: Attributes?.QueueArn ?? QueueUrl };
  };

  const enqueue = async (queueUrl: string, count: number) => {
    for (let sent = 0; sent < count; sent += 10) {
      const entries = Array.from({ length: Math.min(10, count - sent) }, (_, index) => {
        const object = job.objects[cursor++ % job.objects.length] as BenchObject;
        return {
          Id: String(index),
          MessageBody: uploadEventBody(target.uploadsBucket, object, nextSequencer(), target.region),
        };
      });
      const response = await local.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
      );
      if ((response.Failed ?? []).length > 0)
        throw new Error(`SendMessageBatch failed: ${response.Failed?.[0]?.Message}`);
    }
  };

  const consume = async (mode: BatchingMode, count: number): Promise<BatchingSample> => {
    const queue = await createQueue();
    await enqueue(queue.url, count);
    const { handler } = handlers[mode];
    const invoke = async (event: SQSEvent): Promise<InvokeOutcome> => {
      const started = performance.now();
      const base = { requestId: 'bench', coldStart: false };
      try {
        const result = await handler(event);
        return { ...base, status: 'ok', result, durationMs: performance.now() - started };
      } catch (error) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        return { ...base, status: 'error', errorType: name, errorMessage: message, durationMs: 0 };
      }
    };
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const poller: SqsPoller = new SqsPoller({
      mapping: {
        logicalId: `Bench${mode}`,
        functionName: job.consumer,
        eventSourceArn: queue.arn,
        batchSize: batchSizes[mode],
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: true,
        maximumConcurrency: job.maxConcurrency,
        filterPatterns: [],
        enabled: true,
      },
      queueUrl: queue.url,
      region: target.region,
      sqs: local.sqs,
      invoke,
      maxConcurrency: job.maxConcurrency,
      onBatch: () => {
        const stats = poller.stats();
        if (stats.deleted + stats.retried >= count) finish();
      },
      onError: (error) => console.error('poller error', error),
    });
    const callsBefore = { ...calls };
    const cpuBefore = cpuMs();
    const backendBefore = parentCpuMs();
    const started = performance.now();
    poller.start();
    const timeout = setTimeout(finish, runTimeoutMs);
    await finished;
    const seconds = (performance.now() - started) / 1000;
    clearTimeout(timeout);
    const consumerCpuMs = cpuMs() - cpuBefore;
    const backendAfter = parentCpuMs();
    const callsAfter = { ...calls };
    await poller.stop();
    const stats = poller.stats();
    if (stats.deleted + stats.retried < count) {
      throw new Error(`${mode}: only ${stats.deleted + stats.retried} of ${count} messages done in time`);
    }
    return {
      mode,
      messages: stats.deleted,
      seconds,
      invocations: stats.invocations,
      retried: stats.retried,
      consumerCpuMs,
      requests: {
        sqs: callsAfter.sqs - callsBefore.sqs,
        s3: callsAfter.s3 - callsBefore.s3,
        dynamodb: callsAfter.dynamodb - callsBefore.dynamodb,
      },
      ...(backendBefore === undefined || backendAfter === undefined
        ? {}
        : { backendCpuMs: backendAfter - backendBefore }),
    };
  };

  for (const mode of batchingModes) await consume(mode, job.warmupMessages);
  const samples: BatchingSample[] = [];
  for (let round = 0; round < job.rounds; round++) {
    // A/B, then B/A: neither mode always runs first.
    const order = round % 2 === 0 ? batchingModes : [...batchingModes].reverse();
    for (const mode of order) samples.push(await consume(mode, job.messagesPerRun));
  }

  const imageWork = await measureImageWork(job, clients.s3);
  local.destroy();
  const counts = [handlers.batched.counts, handlers.single.counts];
  return {
    samples,
    imageWork,
    recordsCreated: counts.reduce((total, c) => total + c.created, 0),
    recordsFailed: counts.reduce((total, c) => total + c.failed, 0),
  };
};

/** The consumer's domain work on bodies already in memory: what no batching can take away. */
const measureImageWork = async (
  job: BatchingJob,
  s3: ReturnType<typeof createAwsClients>['s3'],
): Promise<{ cpuMs: number; wallMs: number }> => {
  const bodies: Buffer[] = [];
  for (const object of job.objects.slice(0, 8)) {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: job.target.uploadsBucket, Key: object.key }),
    );
    bodies.push(Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array()));
  }
  const work = async (body: Buffer, key: string) => {
    const format = sniffImageFormat(body) ?? 'jpeg';
    truncation(body, format);
    if (job.consumer === 'metadata') {
      await extractMetadata(body, format, limits);
      return;
    }
    const size = orientedSize(await inspectImage(body, limits));
    const phash = await perceptualHash(body, limits);
    indexEntries({
      imageId: imageIdOf(job.target.uploadsBucket, key),
      bucket: job.target.uploadsBucket,
      key,
      owner: ownerOf(key),
      uploadedAt: new Date().toISOString(),
      contentType: 'image/jpeg',
      bytes: body.length,
      width: size.width,
      height: size.height,
      tokens: tokensOf(key, { title: 'bench photo' }),
      phash,
    });
  };
  for (const [index, body] of bodies.entries()) await work(body, `warm/${index}`);
  const cpuBefore = cpuMs();
  const started = performance.now();
  for (let i = 0; i < job.imageWorkSamples; i++) {
    await work(bodies[i % bodies.length] as Buffer, job.objects[i % job.objects.length]?.key ?? 'x');
  }
  return {
    cpuMs: (cpuMs() - cpuBefore) / job.imageWorkSamples,
    wallMs: (performance.now() - started) / job.imageWorkSamples,
  };
};
