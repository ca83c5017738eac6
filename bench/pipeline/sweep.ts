/**
 * The sweep of batch size and maximum concurrency, one consumer at a time, each point on a fresh local
 * pipeline with that one mapping adjusted and its S3 events sent to that consumer's queue only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { ConsumerName } from '../../lambdas/shared/constants';
import { type LocalPipeline, startLocalPipeline } from '../../local/emulator';
import type { EventSourceMappingSpec } from '../../local/emulator/template';
import { consumerLabel } from '../../local/tools/status-line';
import { type BenchObject, createSequencer, uploadEventBody } from '../events';
import type { BenchImage } from '../load/images';
import type { SweepPlan } from '../plan';
import type { Context } from '../runner';
import { distribution, round, rssWatch, steadyRate, sum } from '../stats';
import { outputOf } from './bench-pipeline';
import { stageReader } from './stages';

export interface SweepSetting {
  readonly batchSize: number;
  readonly maxConcurrency: number;
}

export interface SweepOptions
  extends Pick<Context, 'cloudAssemblyDir' | 'images' | 'warmupImages' | 'defaults'> {
  readonly plan: SweepPlan;
  readonly onProgress?: (point: number, points: number, label: string) => void;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly deleted: number;
}

/** The mapping with this setting: batches over 10 need a batching window of at least 1 s (Lambda's rule). */
const withSetting = (mapping: EventSourceMappingSpec, setting: SweepSetting): EventSourceMappingSpec => ({
  ...mapping,
  batchSize: setting.batchSize,
  maximumConcurrency: setting.maxConcurrency,
  maximumBatchingWindowSeconds:
    setting.batchSize > 10
      ? Math.max(1, mapping.maximumBatchingWindowSeconds)
      : mapping.maximumBatchingWindowSeconds,
});

const same = (a: SweepSetting | undefined, b: SweepSetting) =>
  a?.batchSize === b.batchSize && a.maxConcurrency === b.maxConcurrency;

/** The grid for each consumer, with its default setting added when the grid does not have it. */
const sweepPoints = (options: SweepOptions) =>
  (options.plan.consumers ?? Object.keys(options.defaults)).flatMap((consumer) => {
    const grid = options.plan.batchSizes.flatMap((batchSize) =>
      options.plan.concurrencies.map((maxConcurrency) => ({ batchSize, maxConcurrency })),
    );
    const own = options.defaults[consumer];
    const settings =
      own && options.plan.includeDefaults && !grid.some((s) => same(own, s)) ? [...grid, own] : grid;
    return settings.map((setting) => ({ consumer, setting, isDefault: same(own, setting) }));
  });

/** A pipeline with one mapping adjusted, recording that mapping's batches. */
const startPoint = async (cloudAssemblyDir: string, consumer: string, setting: SweepSetting) => {
  const spans: Span[] = [];
  let mappingId: string | undefined;
  const pipeline = await startLocalPipeline({
    cloudAssemblyDir,
    port: 0,
    adjustMapping: (mapping, fn) =>
      consumerLabel(fn.name) === consumer ? withSetting(mapping, setting) : mapping,
    onBatch: (report) => {
      const end = Date.now();
      if (report.mapping === mappingId)
        spans.push({ start: end - report.durationMs, end, deleted: report.deleted });
    },
  });
  const status = (await pipeline.status()).find((s) => consumerLabel(s.functionName) === consumer);
  const mapping = pipeline.topology.eventSourceMappings.find((m) => m.logicalId === status?.mapping);
  const queueUrl = pipeline.queueUrls.get(mapping?.eventSourceArn ?? '');
  mappingId = mapping?.logicalId;
  if (queueUrl === undefined) {
    await pipeline.stop();
    throw new Error(`The stack has no consumer ${consumer} with a queue`);
  }
  await pipeline.notificationsDelivered();
  return { pipeline, spans, queueUrl };
};

/** Outside the uploads prefix: no notification, so only the measured consumer's queue gets the events. */
const uploadOutside = (
  pipeline: LocalPipeline,
  prefix: string,
  images: readonly BenchImage[],
  count: number,
) =>
  Promise.all(
    Array.from({ length: count }, async (_, index): Promise<BenchObject> => {
      const image = images[index % images.length] as BenchImage;
      const key = `bench-sweep/${prefix}/${String(index).padStart(4, '0')}-${image.name}`;
      const { body: Body, contentType: ContentType } = image;
      const Bucket = outputOf(pipeline.topology, 'UploadsBucketName');
      await pipeline.clients.s3.send(new PutObjectCommand({ Bucket, Key: key, Body, ContentType }));
      return { key, size: image.bytes };
    }),
  );

const sendEvents = (pipeline: LocalPipeline, queueUrl: string, objects: readonly BenchObject[]) => {
  const bucket = outputOf(pipeline.topology, 'UploadsBucketName');
  const nextSequencer = createSequencer();
  const bodies = objects.map((object) => uploadEventBody(bucket, object, nextSequencer(), pipeline.region));
  return Promise.all(
    Array.from({ length: Math.ceil(bodies.length / 10) }, (_, i) => {
      const Entries = bodies
        .slice(i * 10, i * 10 + 10)
        .map((MessageBody, j) => ({ Id: String(j), MessageBody }));
      return pipeline.clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
    }),
  );
};

const waitForDeleted = async (spans: readonly Span[], from: number, expected: number, consumer: string) => {
  const deadline = Date.now() + 300_000;
  while (sum(spans.filter((span) => span.start >= from).map((span) => span.deleted)) < expected) {
    if (Date.now() > deadline) throw new Error(`${consumer}: ${expected} messages not done in 5 minutes`);
    await sleep(50);
  }
};

const measurePoint = async (options: SweepOptions, consumer: string, setting: SweepSetting) => {
  const { pipeline, spans, queueUrl } = await startPoint(options.cloudAssemblyDir, consumer, setting);
  const memory = rssWatch();
  try {
    const count = options.plan.messagesFor?.[consumer] ?? options.plan.messages;
    // As many batches as the measured round can run at once, so it finds its environments warm.
    const warmup = await uploadOutside(
      pipeline,
      'warmup',
      options.warmupImages,
      Math.min(count, setting.batchSize * setting.maxConcurrency),
    );
    const measured = await uploadOutside(pipeline, 'measured', options.images, count);
    const warmupStarted = Date.now();
    await sendEvents(pipeline, queueUrl, warmup);
    await waitForDeleted(spans, warmupStarted, warmup.length, consumer);
    memory.reset();
    const started = Date.now();
    await sendEvents(pipeline, queueUrl, measured);
    await waitForDeleted(spans, started, count, consumer);
    const batches = spans.filter((span) => span.start >= started);
    const reader = stageReader(
      pipeline.clients.dynamo,
      outputOf(pipeline.topology, 'ImagesTableName'),
      outputOf(pipeline.topology, 'UploadsBucketName'),
    );
    const stages = await reader.read(measured.map((object) => object.key));
    const doneAt = measured.flatMap((object) => stages.get(object.key)?.[consumer as ConsumerName]?.at ?? []);
    return {
      consumer,
      ...setting,
      messages: count,
      messagesPerSecond: round(steadyRate(doneAt), 2),
      overallPerSecond: round(count / ((Math.max(...batches.map((span) => span.end)) - started) / 1000), 2),
      p95BatchSeconds: distribution(batches.map((span) => span.end - span.start)).p95,
      peakRssMb: Math.round(memory.peak() / 1e6),
    };
  } finally {
    memory.stop();
    await pipeline.stop();
  }
};

export type SweepPoint = Awaited<ReturnType<typeof measurePoint>> & { readonly isDefault: boolean };

/** The fastest setting per consumer, and how its default compares. */
const bestOf = (points: readonly SweepPoint[], defaults: SweepOptions['defaults']) => {
  const consumers = [...new Set(points.map((point) => point.consumer))];
  return Object.fromEntries(
    consumers.map((consumer) => {
      const mine = points.filter((point) => point.consumer === consumer);
      const top = mine.reduce((winner, point) =>
        point.messagesPerSecond > winner.messagesPerSecond ? point : winner,
      );
      const own = defaults[consumer] ?? top;
      const ownPoint = mine.find((point) => point.isDefault);
      const setting = `batch ${own.batchSize} x ${own.maxConcurrency}`;
      const verdict =
        ownPoint === undefined
          ? `fastest here: batch ${top.batchSize} x concurrency ${top.maxConcurrency}`
          : ownPoint === top
            ? `the default (${setting}) is the fastest setting measured`
            : `the default (${setting}) reaches ${Math.round((ownPoint.messagesPerSecond / top.messagesPerSecond) * 100)}% of the fastest (batch ${top.batchSize} x ${top.maxConcurrency})`;
      const { batchSize, maxConcurrency, messagesPerSecond } = top;
      const ownSetting = { defaultBatchSize: own.batchSize, defaultMaxConcurrency: own.maxConcurrency };
      return [consumer, { batchSize, maxConcurrency, messagesPerSecond, ...ownSetting, verdict }];
    }),
  );
};

export const runSweep = async (options: SweepOptions) => {
  const plan = sweepPoints(options);
  const points: SweepPoint[] = [];
  for (const [index, { consumer, setting, isDefault }] of plan.entries()) {
    options.onProgress?.(
      index,
      plan.length,
      `${consumer} batch ${setting.batchSize} x concurrency ${setting.maxConcurrency}`,
    );
    points.push({ ...(await measurePoint(options, consumer, setting)), isDefault });
  }
  const consumers = [...new Set(plan.map((point) => point.consumer))];
  const messagesPerPoint = Object.fromEntries(
    consumers.map((consumer) => [consumer, options.plan.messagesFor?.[consumer] ?? options.plan.messages]),
  );
  return { messagesPerPoint, points, best: bestOf(points, options.defaults) };
};
