/**
 * The raw compute bound: the same four consumers' work on the same images, with the same bundles,
 * function hosts, environment and concurrency as the local runtime gives them, but no queues. The
 * objects are uploaded first; then each host is invoked directly with SQS events (batches of the
 * mapping's size, all four consumers at once, the host's FIFO wait doing what a full queue would).
 */
import { GetQueueAttributesCommand, type QueueAttributeName } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import {
  createFunctionHost,
  emulatorFunctionEnvironment,
  type FunctionHost,
  type LocalPipeline,
  startLocalPipeline,
} from '../../local/emulator';
import { concurrencyCeiling } from '../../local/emulator/event-source/settings';
import type { EventSourceMappingSpec, FunctionSpec } from '../../local/emulator/template';
import { whyNotRunnable } from '../../local/emulator/template/lambda';
import { consumerLabel } from '../../local/tools/status-line';
import { createSequencer, uploadBatch } from '../events';
import { runLoad } from '../load/generator';
import type { BenchImage } from '../load/images';
import type { Context } from '../runner';
import { cpuSince, round, rssWatch } from '../stats';
import type { UploadRecord } from '../types';
import { outputOf } from './bench-pipeline';
import { allDone, allDoneAt, stageReader } from './stages';

export interface RawBoundOptions
  extends Pick<Context, 'cloudAssemblyDir' | 'images' | 'runId' | 'maxConcurrency'> {
  readonly count: number;
  /** The pipeline's warm-up, done here too before the clock starts, so both sides start equally warm. */
  readonly warmup: { readonly images: readonly BenchImage[]; readonly count: number };
  readonly onProgress?: (done: number, total: number, step: string) => void;
}

interface Consumer {
  readonly label: string;
  readonly fn: FunctionSpec;
  readonly mapping: EventSourceMappingSpec;
  readonly concurrency: number;
  readonly host: FunctionHost;
}

/** The consumers the runtime would run, each on a host with the runtime's concurrency and environment. */
const startHosts = (pipeline: LocalPipeline, maxConcurrency?: number): Consumer[] => {
  const functions = new Map(pipeline.topology.functions.map((fn) => [fn.name, fn]));
  return pipeline.topology.eventSourceMappings.flatMap((mapping) => {
    const fn = functions.get(mapping.functionName);
    if (!mapping.enabled || fn === undefined || whyNotRunnable(fn) !== undefined) return [];
    const concurrency = concurrencyCeiling(mapping, maxConcurrency);
    const environment = emulatorFunctionEnvironment(pipeline.endpoint);
    const host = createFunctionHost(fn, { environment, maxEnvironments: concurrency });
    return [{ label: consumerLabel(fn.name), fn, mapping, concurrency, host }];
  });
};

/** Invokes until every record has succeeded, retrying what a batch reports as failed (as SQS would). */
const invokeUntilDone = async (host: FunctionHost, event: SQSEvent, onDone: (n: number) => void) => {
  let pending = event.Records;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= 5)
      throw new Error(`${host.functionName}: ${pending.length} records still failing after 5 tries`);
    const outcome = await host.invoke({ Records: pending });
    if (outcome.status !== 'ok') continue;
    const response = outcome.result as { batchItemFailures?: { itemIdentifier: string }[] } | null;
    const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    onDone(pending.length - failed.size);
    pending = pending.filter((record) => failed.has(record.messageId));
  }
};

/** Every upload to every consumer, in batches of `perBatch` (or the mapping's size), all at once. */
const invokeAll = (
  consumers: readonly Consumer[],
  uploads: readonly UploadRecord[],
  target: { bucket: string; region: string },
  onDone: (n: number) => void,
  perBatch?: (consumer: Consumer) => number,
) =>
  Promise.all(
    consumers.flatMap((consumer) => {
      const size = perBatch?.(consumer) ?? consumer.mapping.batchSize;
      const objects = uploads.map((upload) => ({ key: upload.key, size: upload.bytes }));
      return Array.from({ length: Math.ceil(objects.length / size) }, (_, i) => {
        const batch = objects.slice(i * size, (i + 1) * size);
        const event = uploadBatch(
          target.bucket,
          batch,
          createSequencer(),
          target.region,
          consumer.mapping.eventSourceArn,
        );
        return invokeUntilDone(consumer.host, event, onDone);
      });
    }),
  );

const depths: QueueAttributeName[] = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'];

/** The pipeline runs are sampled once a second (a depth request per queue): so is this one, for equal overhead. */
const probeQueues = (pipeline: LocalPipeline) =>
  setInterval(() => {
    for (const QueueUrl of pipeline.queueUrls.values()) {
      const depth = new GetQueueAttributesCommand({ QueueUrl, AttributeNames: depths });
      void pipeline.clients.sqs.send(depth).catch(() => undefined);
    }
  }, 1_000);

const upload = (pipeline: LocalPipeline, prefix: string, images: readonly BenchImage[], count: number) =>
  runLoad({
    s3: pipeline.clients.s3,
    bucket: outputOf(pipeline.topology, 'UploadsBucketName'),
    prefix,
    images,
    rate: 'max',
    count,
  });

const figures = async (
  pipeline: LocalPipeline,
  consumers: readonly Consumer[],
  uploads: readonly UploadRecord[],
  started: number,
) => {
  const bucket = outputOf(pipeline.topology, 'UploadsBucketName');
  const reader = stageReader(pipeline.clients.dynamo, outputOf(pipeline.topology, 'ImagesTableName'), bucket);
  const stages = await reader.read(uploads.map((upload) => upload.key));
  const entries = uploads.map((upload) => stages.get(upload.key));
  const missing = entries.filter((entry) => !allDone(entry)).length;
  if (missing > 0) throw new Error(`${missing} images have no record from every consumer after the raw run`);
  const rate = (last: number) => round(uploads.length / ((last - started) / 1000), 3);
  const lastOf = (label: string) =>
    Math.max(...entries.map((entry) => entry?.[label as keyof typeof entry]?.at ?? Number.NaN));
  return {
    endToEnd: rate(Math.max(...entries.map((entry) => allDoneAt(entry ?? {})))),
    perConsumer: Object.fromEntries(consumers.map((c) => [c.label, rate(lastOf(c.label))])),
    maxEnvironments: Object.fromEntries(consumers.map((c) => [c.label, c.concurrency])),
    batchSize: Object.fromEntries(consumers.map((c) => [c.label, c.mapping.batchSize])),
  };
};

export const runRawBound = async (options: RawBoundOptions) => {
  // The backend and resources only: the event sources are not started, the hosts are ours.
  const pipeline = await startLocalPipeline({
    cloudAssemblyDir: options.cloudAssemblyDir,
    port: 0,
    backendOnly: true,
  });
  const memory = rssWatch();
  const consumers: Consumer[] = [];
  const probe = probeQueues(pipeline);
  try {
    const prefix = `${pipeline.topology.outputs.UploadsPrefix ?? ''}bench-${options.runId}-raw/`;
    options.onProgress?.(0, options.count, 'uploading');
    consumers.push(...startHosts(pipeline, options.maxConcurrency));
    const uploads = await upload(pipeline, prefix, options.images, options.count);
    // At least one warm-up image for every environment, no batch above the mapping's size.
    const warmupCount = Math.max(options.warmup.count, ...consumers.map((c) => c.concurrency));
    const warmups = await upload(pipeline, `${prefix}warmup/`, options.warmup.images, warmupCount);
    const failed = [...uploads, ...warmups].find((record) => record.error !== undefined);
    if (failed) throw new Error(`Upload of ${failed.key} failed: ${failed.error}`);
    // The bucket's notifications put these uploads in queues nobody reads: let that finish first.
    await pipeline.notificationsDelivered();
    const target = { bucket: outputOf(pipeline.topology, 'UploadsBucketName'), region: pipeline.region };
    options.onProgress?.(0, options.count, 'warming up');
    await invokeAll(
      consumers,
      warmups,
      target,
      () => undefined,
      (c) => Math.min(c.mapping.batchSize, Math.ceil(warmups.length / c.concurrency)),
    );
    let done = 0;
    const started = Date.now();
    const cpuAtStart = process.cpuUsage();
    await invokeAll(consumers, uploads, target, (n) => {
      done += n;
      options.onProgress?.(Math.floor(done / consumers.length), options.count, 'measuring');
    });
    const finished = Date.now();
    const cpu = cpuSince(cpuAtStart, options.count, finished - started);
    const rates = await figures(pipeline, consumers, uploads, started);
    return {
      images: options.count,
      ...rates,
      seconds: round((finished - started) / 1000, 2),
      cpu,
      peakRssMb: Math.round(memory.peak() / 1e6),
    };
  } finally {
    clearInterval(probe);
    memory.stop();
    await Promise.all(consumers.map((consumer) => consumer.host.stop()));
    await pipeline.stop();
  }
};
