/**
 * The local runtime as the load runs use it: one pipeline (own port, own data), started and warmed
 * up once, then carrying the runs one after the other, each drained before the next so that every
 * run starts from empty queues. Caps, batch sizes and labels are the runtime's own, read back from it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalPipeline, startLocalPipeline } from '../../local/emulator';
import type { Topology } from '../../local/emulator/template';
import { consumerLabel } from '../../local/tools/status-line';
import { apiEnvironment, apiSender, type BenchBackPressure, type SendUpload } from '../load/api';
import { runLoad } from '../load/generator';
import type { BenchImage } from '../load/images';
import type { PhaseProgress } from '../progress';
import type { Context } from '../runner';
import type { Rate, Sample, UploadRecord } from '../types';
import { type Sampler, startSampler } from './sampler';
import type { BatchSpan } from './summarize';

export interface BenchPipelineOptions
  extends Pick<Context, 'cloudAssemblyDir' | 'runId' | 'maxConcurrency' | 'viaApi'> {
  readonly onError?: (message: string) => void;
}

export interface BenchPipeline {
  readonly pipeline: LocalPipeline;
  readonly sampler: Sampler;
  /** Every batch the event sources reported, by consumer label. */
  readonly batches: readonly BatchSpan[];
  /** Per consumer: the cap the runtime runs its mapping with, and its batch size. */
  readonly mappings: Readonly<Record<string, { readonly cap: number; readonly batchSize: number }>>;
  readonly bucket: string;
  readonly table: string;
  readonly runId: string;
  readonly viaApi?: { readonly send: SendUpload; readonly settings: BenchBackPressure };
  stop(): Promise<void>;
}

/** Lambda keeps an idle environment for minutes: a half-load run must not end the warm-up's environments. */
const benchIdleTimeoutMs = 15 * 60_000;

export const outputOf = (topology: Topology, name: string): string => {
  const value = topology.outputs[name];
  if (value === undefined)
    throw new Error(`The stack has no output ${name}; is this the image-fanout stack?`);
  return value;
};

export const startBenchPipeline = async (options: BenchPipelineOptions): Promise<BenchPipeline> => {
  const batches: BatchSpan[] = [];
  const labels = new Map<string, string>();
  const pipeline = await startLocalPipeline({
    cloudAssemblyDir: options.cloudAssemblyDir,
    port: 0,
    maxConcurrency: options.maxConcurrency,
    functionEnvironment: options.viaApi && apiEnvironment(options.viaApi),
    idleTimeoutMs: benchIdleTimeoutMs,
    onBatch: (report) => {
      const consumer = labels.get(report.mapping);
      const end = Date.now();
      if (consumer !== undefined)
        batches.push({ consumer, start: end - report.durationMs, end, size: report.size });
    },
    onError: (error, where) => options.onError?.(`${where}: ${String(error)}`),
  });
  const statuses = await pipeline.status();
  for (const status of statuses) labels.set(status.mapping, consumerLabel(status.functionName));
  const batchSizes = new Map(pipeline.topology.eventSourceMappings.map((m) => [m.logicalId, m.batchSize]));
  const sampler = startSampler(pipeline);
  await pipeline.notificationsDelivered();
  const viaApi = options.viaApi && { send: await apiSender(pipeline), settings: options.viaApi };
  return {
    ...(viaApi ? { viaApi } : {}),
    pipeline,
    sampler,
    batches,
    mappings: Object.fromEntries(
      statuses.map((s) => [
        consumerLabel(s.functionName),
        { cap: s.concurrency, batchSize: batchSizes.get(s.mapping) ?? 1 },
      ]),
    ),
    bucket: outputOf(pipeline.topology, 'UploadsBucketName'),
    table: outputOf(pipeline.topology, 'ImagesTableName'),
    runId: options.runId,
    async stop() {
      await sampler.stop();
      await pipeline.stop();
    },
  };
};

const processedSince = (sample: Sample, baseline: Sample, label: string) =>
  (sample.consumers[label]?.deleted ?? 0) - (baseline.consumers[label]?.deleted ?? 0);

/** Every consumer has dealt with `expected` messages since the baseline, and holds none. */
const settled = (sample: Sample, baseline: Sample, expected: number) =>
  Object.entries(sample.consumers).every(
    ([label, consumer]) =>
      processedSince(sample, baseline, label) + consumer.dlqDepth >= expected &&
      consumer.backlog === 0 &&
      consumer.notVisible === 0 &&
      consumer.messagesInFlight === 0,
  );

/** A baseline sample once the queues are empty and nothing is in flight (the s3:TestEvents are through). */
export const quietSample = async (sampler: Sampler): Promise<Sample> => {
  let sample = await sampler.sample();
  for (let tries = 0; tries < 40 && !settled(sample, sample, 0); tries++) {
    await sleep(250);
    sample = await sampler.sample();
  }
  return sample;
};

/** Progress of a run from the latest sample: uploads, then the drain. */
const runProgress = (bench: BenchPipeline, run: string, baseline: Sample, planned: number | undefined) => {
  const started = Date.now();
  return (uploaded: number, draining: boolean): PhaseProgress => {
    const sample = bench.sampler.latest() ?? baseline;
    const consumers = Object.values(sample.consumers);
    const labels = Object.keys(sample.consumers);
    const done = Math.max(0, Math.min(...labels.map((label) => processedSince(sample, baseline, label))));
    const total = (field: 'backlog' | 'invocationsInFlight') => consumers.reduce((n, c) => n + c[field], 0);
    const detail = [
      `${uploaded} up`,
      `${done} done`,
      `backlog ${total('backlog')}`,
      `${total('invocationsInFlight')} invocations`,
      `${(bench.sampler.peaks().rss / 1e9).toFixed(1)} GB`,
      `${Math.round((Date.now() - started) / 1000)} s`,
      ...(draining ? ['draining'] : []),
    ];
    const counted = draining || planned === undefined ? done : uploaded;
    return {
      phase: run,
      done: counted,
      ...(planned === undefined ? {} : { total: planned }),
      detail: detail.join(' · '),
    };
  };
};

export interface LoadSpec {
  readonly name: string;
  readonly rate: Rate;
  readonly count?: number;
  readonly durationSeconds?: number;
  /** How long to wait after the last upload for everything to be done. Default 10 minutes. */
  readonly settleTimeoutMs?: number;
}

/** Uploads the load will make: its count, or its rate over its duration; unknown at max for a time. */
export const plannedUploads = ({ rate, count, durationSeconds = 0 }: Omit<LoadSpec, 'name'>) =>
  count ?? (rate === 'max' ? undefined : Math.floor(rate * durationSeconds));

/** Uploads the load, then waits (one sample a second) until every accepted upload is done or the time is up. */
export const loadAndSettle = async (
  bench: BenchPipeline,
  images: readonly BenchImage[],
  spec: LoadSpec,
  baseline: Sample,
  onProgress: (progress: PhaseProgress) => void = () => undefined,
): Promise<UploadRecord[]> => {
  const progressOf = runProgress(bench, spec.name, baseline, plannedUploads(spec));
  let uploaded = 0;
  let draining = false;
  const ticker = setInterval(() => onProgress(progressOf(uploaded, draining)), 500);
  try {
    const uploads = await runLoad({
      s3: bench.pipeline.clients.s3,
      bucket: bench.bucket,
      prefix: `${bench.pipeline.topology.outputs.UploadsPrefix ?? ''}bench-${bench.runId}-${spec.name}/`,
      images,
      ...spec,
      send: bench.viaApi?.send,
      onUpload: () => uploaded++,
    });
    draining = true;
    await bench.pipeline.notificationsDelivered();
    const accepted = uploads.filter((upload) => upload.error === undefined).length;
    const deadline = Date.now() + (spec.settleTimeoutMs ?? 600_000);
    for (;;) {
      const latest = bench.sampler.latest();
      if (latest !== undefined && latest.at > baseline.at && settled(latest, baseline, accepted)) break;
      if (Date.now() > deadline) break;
      await sleep(250);
    }
    onProgress(progressOf(uploaded, draining));
    return uploads;
  } finally {
    clearInterval(ticker);
  }
};

/**
 * Uploads images of the real mix at `max` and waits until they are done: the event sources start the
 * environments a saturated run needs, and the moderation model loads in each. Returns the cold starts.
 */
export const warmUp = async (
  bench: BenchPipeline,
  images: readonly BenchImage[],
  count: number,
  onProgress?: (progress: PhaseProgress) => void,
): Promise<string> => {
  const baseline = await quietSample(bench.sampler);
  await loadAndSettle(bench, images, { name: 'warm-up', rate: 'max', count }, baseline, onProgress);
  const statuses = await bench.pipeline.status();
  const started = statuses.map((s) => `${consumerLabel(s.functionName)} ${s.coldStarts}/${s.concurrency}`);
  return `Warm-up (${count} images): environments started ${started.join(', ')}.`;
};
