/**
 * The sweep of batch size and maximum concurrency, one consumer at a time. Each point is a fresh
 * pipeline whose one mapping is adjusted; the images are uploaded outside the notification prefix
 * (so no other queue gets work and the other three consumers stay idle, leaving the machine to the
 * one measured) and their S3 events sent to that consumer's queue only. A warm-up round of small
 * images starts the environments the measured round will use; the measured round's messages are all
 * queued at once, so every batch is as full as the setting allows.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { type ConsumerName, stackOutputs } from '../lambdas/shared/constants';
import type { EventSourceMappingSpec } from '../local/emulator';
import { startLocalPipeline } from '../local/emulator';
import { consumerLabel } from '../local/tools';
import { uploadEventBody } from './compare/events';
import type { BenchImage } from './images';
import { consumerSetups, outputOf } from './pipeline';
import { stageReader } from './stages';
import { distribution, round, steadyRate } from './stats';
import type { SweepPoint, SweepResult } from './types';

export interface SweepSetting {
  readonly batchSize: number;
  readonly maxConcurrency: number;
}

export interface SweepOptions {
  readonly cloudAssemblyDir: string;
  readonly images: readonly BenchImage[];
  readonly warmupImages: readonly BenchImage[];
  readonly consumers: readonly string[];
  readonly batchSizes: readonly number[];
  readonly concurrencies: readonly number[];
  /** Messages measured per point, by consumer (more for the light ones, for a stable figure). */
  readonly messages: Readonly<Record<string, number>>;
  /** Also measure each consumer's own setting from the template. Default true. */
  readonly includeDefaults?: boolean;
  readonly onProgress?: (point: number, points: number, label: string) => void;
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

interface Span {
  readonly start: number;
  readonly end: number;
  readonly size: number;
  readonly deleted: number;
}

const measurePoint = async (
  options: SweepOptions,
  consumer: string,
  setting: SweepSetting,
  isDefault: boolean,
): Promise<SweepPoint> => {
  const spans: Span[] = [];
  let mappingId: string | undefined;
  const pipeline = await startLocalPipeline({
    cloudAssemblyDir: options.cloudAssemblyDir,
    port: 0,
    adjustMapping: (mapping, fn) =>
      consumerLabel(fn.name) === consumer ? withSetting(mapping, setting) : mapping,
    onBatch: (report) => {
      if (report.mapping !== mappingId) return;
      const end = Date.now();
      spans.push({ start: end - report.durationMs, end, size: report.size, deleted: report.deleted });
    },
  });
  const setup = consumerSetups(pipeline.topology).find((candidate) => candidate.label === consumer);
  if (setup === undefined) {
    await pipeline.stop();
    throw new Error(`The stack has no consumer ${consumer}`);
  }
  mappingId = setup.mapping.logicalId;
  let peak = 0;
  const memoryTimer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 200);
  try {
    const bucket = outputOf(pipeline.topology, stackOutputs.uploadsBucketName);
    const queueUrl = pipeline.queueUrls.get(setup.mapping.eventSourceArn);
    if (queueUrl === undefined) throw new Error(`No queue for ${consumer}`);
    await pipeline.notificationsDelivered();
    const count = options.messages[consumer] ?? 48;

    // Outside the uploads prefix: no notification, so only this consumer's queue gets the events.
    const upload = async (prefix: string, images: readonly BenchImage[], n: number) =>
      Promise.all(
        Array.from({ length: n }, async (_, index) => {
          const image = images[index % images.length] as BenchImage;
          const key = `${prefix}${String(index).padStart(4, '0')}-${image.name}`;
          await pipeline.clients.s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: image.body,
              ContentType: image.contentType,
            }),
          );
          return { key, size: image.bytes };
        }),
      );
    const send = async (objects: { key: string; size: number }[]) => {
      const bodies = objects.map((object, index) =>
        uploadEventBody(
          bucket,
          object,
          (Date.now() * 1000 + index).toString(16).toUpperCase(),
          pipeline.region,
        ),
      );
      await Promise.all(
        Array.from({ length: Math.ceil(bodies.length / 10) }, (_, i) =>
          pipeline.clients.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: bodies
                .slice(i * 10, i * 10 + 10)
                .map((body, j) => ({ Id: String(j), MessageBody: body })),
            }),
          ),
        ),
      );
    };
    const deletedSince = (from: number) =>
      spans.filter((span) => span.start >= from).reduce((sum, span) => sum + span.deleted, 0);
    const waitFor = async (from: number, expected: number) => {
      const deadline = Date.now() + 300_000;
      while (deletedSince(from) < expected) {
        if (Date.now() > deadline) throw new Error(`${consumer}: ${expected} messages not done in 5 minutes`);
        await sleep(50);
      }
    };

    // As many batches as the measured round can run at once, so it finds its environments warm.
    const warmup = await upload(
      'bench-sweep/warmup/',
      options.warmupImages,
      Math.min(count, setting.batchSize * setting.maxConcurrency),
    );
    const measured = await upload('bench-sweep/measured/', options.images, count);
    const warmupStarted = Date.now();
    await send(warmup);
    await waitFor(warmupStarted, warmup.length);
    peak = 0;
    const started = Date.now();
    await send(measured);
    await waitFor(started, count);
    const batches = spans.filter((span) => span.start >= started);
    const last = Math.max(...batches.map((span) => span.end));
    const reader = stageReader(
      pipeline.clients.dynamo,
      outputOf(pipeline.topology, stackOutputs.imagesTableName),
      bucket,
    );
    const stages = await reader.read(measured.map((object) => object.key));
    const doneAt = measured.flatMap((object) => {
      const at = stages.get(object.key)?.[consumer as ConsumerName]?.at;
      return at === undefined ? [] : [at];
    });
    return {
      consumer,
      batchSize: setting.batchSize,
      maxConcurrency: setting.maxConcurrency,
      messages: count,
      messagesPerSecond: round(steadyRate(doneAt), 2),
      overallPerSecond: round(count / ((last - started) / 1000), 2),
      p95BatchSeconds: distribution(batches.map((span) => span.end - span.start)).p95,
      peakRssMb: Math.round(peak / 1e6),
      isDefault,
    };
  } finally {
    clearInterval(memoryTimer);
    await pipeline.stop();
  }
};

export const runSweep = async (
  options: SweepOptions,
  defaults: Readonly<Record<string, SweepSetting>>,
): Promise<SweepResult> => {
  const plan = options.consumers.flatMap((consumer) => {
    const grid = options.batchSizes.flatMap((batchSize) =>
      options.concurrencies.map((maxConcurrency) => ({ batchSize, maxConcurrency })),
    );
    const own = defaults[consumer];
    const inGrid = (setting: SweepSetting) =>
      grid.some((s) => s.batchSize === setting.batchSize && s.maxConcurrency === setting.maxConcurrency);
    const settings =
      own !== undefined && options.includeDefaults !== false && !inGrid(own) ? [...grid, own] : grid;
    return settings.map((setting) => ({
      consumer,
      setting,
      isDefault: own?.batchSize === setting.batchSize && own?.maxConcurrency === setting.maxConcurrency,
    }));
  });
  const points: SweepPoint[] = [];
  for (const [index, { consumer, setting, isDefault }] of plan.entries()) {
    options.onProgress?.(
      index,
      plan.length,
      `${consumer} batch ${setting.batchSize} x concurrency ${setting.maxConcurrency}`,
    );
    points.push(await measurePoint(options, consumer, setting, isDefault));
  }
  options.onProgress?.(plan.length, plan.length, 'done');

  const best: SweepResult['best'] = Object.fromEntries(
    options.consumers.flatMap((consumer) => {
      const mine = points.filter((point) => point.consumer === consumer);
      const top = mine.reduce<SweepPoint | undefined>(
        (winner, point) =>
          winner === undefined || point.messagesPerSecond > winner.messagesPerSecond ? point : winner,
        undefined,
      );
      if (top === undefined) return [];
      const own = defaults[consumer] ?? { batchSize: top.batchSize, maxConcurrency: top.maxConcurrency };
      const ownPoint = mine.find((point) => point.isDefault);
      const verdict =
        ownPoint === undefined
          ? `fastest here: batch ${top.batchSize} x concurrency ${top.maxConcurrency}`
          : ownPoint === top
            ? `the default (batch ${own.batchSize} x ${own.maxConcurrency}) is the fastest setting measured`
            : `the default (batch ${own.batchSize} x ${own.maxConcurrency}) reaches ${Math.round(
                (ownPoint.messagesPerSecond / top.messagesPerSecond) * 100,
              )}% of the fastest (batch ${top.batchSize} x ${top.maxConcurrency})`;
      return [
        [
          consumer,
          {
            batchSize: top.batchSize,
            maxConcurrency: top.maxConcurrency,
            messagesPerSecond: top.messagesPerSecond,
            defaultBatchSize: own.batchSize,
            defaultMaxConcurrency: own.maxConcurrency,
            verdict,
          },
        ],
      ];
    }),
  );
  return { messagesPerPoint: options.messages, points, best };
};
