/**
 * Measured runs through the local runtime. One pipeline (own port, own data) is started and warmed
 * up once, then carries the runs one after the other; each run's load is followed by a wait until
 * every image is done (or the time is up), so the next run starts from empty queues. The stage
 * records are read once at the end of a run, and every upload is accounted for.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { stackOutputs } from '../lambdas/shared/constants';
import { type ConsumerStatus, type LocalPipeline, startLocalPipeline } from '../local/emulator';
import { accountFor, viewOf } from '../local/tools';
import {
  apiEnvironment,
  apiSender,
  type BenchBackPressure,
  type SendUpload,
  summarizeBackPressure,
} from './api-load';
import type { BenchImage } from './images';
import { type Rate, runLoad } from './load';
import {
  type ConsumerSetup,
  consumerSetups,
  labelsByMapping,
  outputOf,
  type PipelineTuning,
} from './pipeline';
import { type Sampler, startSampler } from './sampler';
import { allDone, type StageTimes, stageReader } from './stages';
import { cpuSince, round } from './stats';
import { type BatchSpan, summarizeRun } from './summarize';
import type { RunResult, Sample, UploadRecord } from './types';

export interface RunProgress {
  readonly phase: string;
  readonly uploaded: number;
  /** Uploads planned; undefined when the run is bounded by time at `max` rate. */
  readonly planned?: number;
  /** Images every consumer has finished with (from the event sources' counts). */
  readonly done: number;
  readonly backlog: number;
  readonly invocationsInFlight: number;
  readonly rssMb: number;
  readonly elapsedSeconds: number;
  /** Uploads are over; the backlog is draining. */
  readonly draining: boolean;
}

export interface BenchPipelineOptions extends PipelineTuning {
  readonly cloudAssemblyDir: string;
  /** Distinguishes this bench's keys: `uploads/bench-<runId>-<run name>/...`. */
  readonly runId: string;
  readonly onError?: (message: string) => void;
  /** Upload through the stack's HTTP API, with these back-pressure settings (`--via api`). */
  readonly viaApi?: BenchBackPressure;
}

/** A local pipeline with what the runs measure it by: status samples and every batch's span. */
export interface BenchPipeline {
  readonly pipeline: LocalPipeline;
  readonly sampler: Sampler;
  readonly setups: readonly ConsumerSetup[];
  readonly batches: readonly BatchSpan[];
  readonly bucket: string;
  readonly runId: string;
  /** Set with `--via api`: uploads go through the API, and these are its back-pressure settings. */
  readonly viaApi?: { readonly send: SendUpload; readonly settings: BenchBackPressure };
  stop(): Promise<void>;
}

export interface LoadRunOptions {
  readonly name: string;
  readonly images: readonly BenchImage[];
  readonly rate: Rate;
  readonly count?: number;
  readonly durationSeconds?: number;
  /** Uploads in flight at `max` rate. */
  readonly maxInFlight?: number;
  /** How long to wait after the last upload for everything to be done. Default 10 minutes. */
  readonly settleTimeoutMs?: number;
  /** Account for every upload at the end (a Query and a listing per image). Default true. */
  readonly account?: boolean;
  readonly onProgress?: (progress: RunProgress) => void;
}

/**
 * Lambda keeps an idle execution environment for minutes; the runtime's default of 60 s would end
 * the environments a half-load run leaves idle, and the next run would pay their cold starts again.
 */
const benchIdleTimeoutMs = 15 * 60_000;

const processedSince = (sample: Sample, baseline: Sample, label: string) =>
  (sample.consumers[label]?.deleted ?? 0) - (baseline.consumers[label]?.deleted ?? 0);

const settled = (sample: Sample, baseline: Sample, expected: number) =>
  Object.entries(sample.consumers).every(
    ([label, consumer]) =>
      processedSince(sample, baseline, label) + consumer.dlqDepth >= expected &&
      consumer.backlog === 0 &&
      consumer.notVisible === 0 &&
      consumer.messagesInFlight === 0,
  );

const plannedUploads = (options: LoadRunOptions) =>
  options.count ??
  (options.rate === 'max' || options.durationSeconds === undefined
    ? undefined
    : Math.floor(options.rate * options.durationSeconds));

const progressOf = (
  phase: string,
  planned: number | undefined,
  sample: Sample | undefined,
  baseline: Sample,
  uploaded: number,
  started: number,
  draining: boolean,
  rss: number,
): RunProgress => {
  const consumers = Object.values(sample?.consumers ?? {});
  return {
    phase,
    uploaded,
    ...(planned === undefined ? {} : { planned }),
    done:
      sample === undefined
        ? 0
        : Math.max(
            0,
            Math.min(...Object.keys(sample.consumers).map((l) => processedSince(sample, baseline, l))),
          ),
    backlog: consumers.reduce((sum, consumer) => sum + consumer.backlog, 0),
    invocationsInFlight: consumers.reduce((sum, consumer) => sum + consumer.invocationsInFlight, 0),
    rssMb: Math.round(rss / 1e6),
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
    draining,
  };
};

/** Waits (one status sample a second) until every consumer has dealt with `expected` messages. */
const waitUntilSettled = async (sampler: Sampler, baseline: Sample, expected: number, deadline: number) => {
  for (;;) {
    const latest = sampler.latest();
    if (latest !== undefined && latest.at > baseline.at && settled(latest, baseline, expected)) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
};

/** A sample once the queues are empty and nothing is in flight (the s3:TestEvents are through). */
const quietSample = async (sampler: Sampler): Promise<Sample> => {
  let sample = await sampler.sample();
  for (let tries = 0; tries < 40 && !settled(sample, sample, 0); tries++) {
    await sleep(250);
    sample = await sampler.sample();
  }
  return sample;
};

export const startBenchPipeline = async (options: BenchPipelineOptions): Promise<BenchPipeline> => {
  const batches: BatchSpan[] = [];
  let labels = new Map<string, string>();
  const pipeline = await startLocalPipeline({
    cloudAssemblyDir: options.cloudAssemblyDir,
    port: 0,
    maxConcurrency: options.maxConcurrency,
    adjustMapping: options.adjustMapping,
    functionEnvironment: (fn) => ({
      ...options.functionEnvironment?.(fn),
      ...(options.viaApi ? apiEnvironment(options.viaApi)(fn) : {}),
    }),
    idleTimeoutMs: benchIdleTimeoutMs,
    onBatch: (report) => {
      const end = Date.now();
      batches.push({
        consumer: labels.get(report.mapping) ?? report.mapping,
        start: end - report.durationMs,
        end,
        size: report.size,
      });
    },
    onError: (error, where) => options.onError?.(`${where}: ${String(error)}`),
  });
  const setups = consumerSetups(pipeline.topology, options);
  labels = labelsByMapping(setups);
  const sampler = startSampler(pipeline);
  await pipeline.notificationsDelivered();
  const viaApi = options.viaApi && { send: await apiSender(pipeline), settings: options.viaApi };
  return {
    ...(viaApi ? { viaApi } : {}),
    pipeline,
    sampler,
    setups,
    batches,
    bucket: outputOf(pipeline.topology, stackOutputs.uploadsBucketName),
    runId: options.runId,
    async stop() {
      await sampler.stop();
      await pipeline.stop();
    },
  };
};

/**
 * Uploads images of the real mix at `max` and waits until they are done: the event sources start the
 * environments a saturated run needs (several small batches at once, each long enough to keep its
 * environment busy), and the moderation model is loaded in each. Returns the cold starts by consumer.
 */
export const warmUp = async (
  bench: BenchPipeline,
  options: {
    images: readonly BenchImage[];
    count: number;
    onProgress?: (progress: RunProgress) => void;
  },
): Promise<Record<string, number>> => {
  const { pipeline, sampler } = bench;
  const baseline = await quietSample(sampler);
  const started = Date.now();
  let uploaded = 0;
  const ticker = setInterval(
    () =>
      options.onProgress?.(
        progressOf(
          'warm-up',
          options.count,
          sampler.latest(),
          baseline,
          uploaded,
          started,
          uploaded >= options.count,
          sampler.peakRss(),
        ),
      ),
    500,
  );
  try {
    const uploads = await runLoad({
      s3: pipeline.clients.s3,
      bucket: bench.bucket,
      prefix: `${pipeline.topology.outputs[stackOutputs.uploadsPrefix] ?? ''}bench-${bench.runId}-warmup/`,
      images: options.images,
      rate: 'max',
      count: options.count,
      send: bench.viaApi?.send,
      onUpload: () => {
        uploaded++;
      },
    });
    await pipeline.notificationsDelivered();
    const accepted = uploads.filter((upload) => upload.error === undefined).length;
    await waitUntilSettled(sampler, baseline, accepted, Date.now() + 600_000);
  } finally {
    clearInterval(ticker);
  }
  return Object.fromEntries(
    (await pipeline.status()).map((status) => [
      bench.setups.find((setup) => setup.fn.name === status.functionName)?.label ?? status.functionName,
      status.coldStarts,
    ]),
  );
};

const coldStartsBy = (statuses: readonly ConsumerStatus[], setups: readonly ConsumerSetup[]) =>
  new Map(
    statuses.map((status) => [
      setups.find((setup) => setup.fn.name === status.functionName)?.label ?? status.functionName,
      status.coldStarts,
    ]),
  );

/** One measured load on a started pipeline, drained before it returns. */
export const runMeasured = async (bench: BenchPipeline, options: LoadRunOptions): Promise<RunResult> => {
  const { pipeline, sampler, setups } = bench;
  const { topology } = pipeline;
  const prefix = `${topology.outputs[stackOutputs.uploadsPrefix] ?? ''}bench-${bench.runId}-${options.name}/`;
  const baseline = await quietSample(sampler);
  const coldStartsBefore = coldStartsBy(await pipeline.status(), setups);
  sampler.resetPeak();
  const started = Date.now();
  const cpuAtStart = process.cpuUsage();
  const planned = plannedUploads(options);

  let uploaded = 0;
  let draining = false;
  const tick = () =>
    options.onProgress?.(
      progressOf(
        options.name,
        planned,
        sampler.latest(),
        baseline,
        uploaded,
        started,
        draining,
        sampler.peakRss(),
      ),
    );
  const ticker = setInterval(tick, 500);
  let uploads: UploadRecord[];
  let cpu: ReturnType<typeof cpuSince> | undefined;
  try {
    uploads = await runLoad({
      s3: pipeline.clients.s3,
      bucket: bench.bucket,
      prefix,
      images: options.images,
      rate: options.rate,
      count: options.count,
      durationSeconds: options.durationSeconds,
      maxInFlight: options.maxInFlight,
      send: bench.viaApi?.send,
      onUpload: () => {
        uploaded++;
      },
    });
    draining = true;
    const ok = uploads.filter((upload) => upload.error === undefined).length;
    await pipeline.notificationsDelivered();
    await waitUntilSettled(sampler, baseline, ok, Date.now() + (options.settleTimeoutMs ?? 600_000));
    cpu = cpuSince(cpuAtStart, ok, Date.now() - started);
  } finally {
    clearInterval(ticker);
  }
  tick();
  const ok = uploads.filter((upload) => upload.error === undefined);
  // Once the event sources are through, the records are there; a second look covers a late flush.
  const reader = stageReader(
    pipeline.clients.dynamo,
    outputOf(topology, stackOutputs.imagesTableName),
    bench.bucket,
  );
  const stages: StageTimes = await reader.read(ok.map((upload) => upload.key));
  const missing = ok.filter((upload) => !allDone(stages.get(upload.key)));
  if (missing.length > 0) {
    await sleep(1_000);
    await reader.read(
      missing.map((upload) => upload.key),
      stages,
    );
  }
  const final = await sampler.sample();
  const peakRss = sampler.peakRss();
  const peakWorkingSet = sampler.peakWorkingSet();
  const accounting =
    options.account === false
      ? undefined
      : await accountFor(
          viewOf(pipeline),
          ok.map((upload) => ({ key: upload.key, expect: 'processed' as const })),
        );
  const statuses = await pipeline.status();
  const coldStartsAfter = coldStartsBy(statuses, setups);
  const unaccounted =
    accounting === undefined
      ? undefined
      : accounting.counts.unaccounted +
        accounting.counts['still in progress'] +
        accounting.counts['wrong outcome'] +
        (uploads.length - ok.length);

  const samples = sampler.samples.filter((sample) => sample.at >= baseline.at && sample.at <= final.at);
  const summary = summarizeRun({
    name: options.name,
    rate: options.rate,
    requestedCount: options.count,
    requestedDurationSeconds: options.durationSeconds,
    uploads,
    stages,
    samples,
    batches: bench.batches.filter((batch) => batch.start >= started),
    mappings: Object.fromEntries(
      setups.map((setup) => [setup.label, { cap: setup.concurrency, batchSize: setup.mapping.batchSize }]),
    ),
    retried: Object.fromEntries(
      Object.entries(final.consumers).map(([label, consumer]) => [
        label,
        consumer.retried - (baseline.consumers[label]?.retried ?? 0),
      ]),
    ),
    coldStarts: Object.fromEntries(
      [...coldStartsAfter].map(([label, count]) => [label, count - (coldStartsBefore.get(label) ?? 0)]),
    ),
    timeouts: statuses.reduce((sum, status) => sum + status.timeouts, 0),
    errors: statuses.reduce((sum, status) => sum + status.errors, 0),
    memory: {
      startRssMb: round(baseline.rssBytes / 1e6, 0),
      peakRssMb: round(peakRss / 1e6, 0),
      endRssMb: round(final.rssBytes / 1e6, 0),
      endStoredMb: round(final.storedBytes / 1e6, 0),
      peakWorkingSetMb: round(peakWorkingSet / 1e6, 0),
      uploadedMb: round(ok.reduce((sum, upload) => sum + upload.bytes, 0) / 1e6, 1),
    },
    ...(cpu ? { cpu } : {}),
    ...(accounting ? { accounting: accounting.counts } : {}),
    ...(unaccounted === undefined ? {} : { unaccounted }),
  });
  // A refused upload was turned away by design: it is no image to account for.
  const refused = uploads.filter((upload) => upload.refused === true).length;
  return bench.viaApi
    ? {
        ...summary,
        ...(summary.unaccounted === undefined ? {} : { unaccounted: summary.unaccounted - refused }),
        backPressure: summarizeBackPressure(uploads, samples, bench.viaApi.settings),
      }
    : summary;
};
