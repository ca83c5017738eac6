/**
 * One measured load on a started bench pipeline: a quiet baseline, the load and its drain, then the
 * stage records read once and every upload accounted for by the local runtime's own accounting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerStatus } from '../../local/emulator';
import { accountFor } from '../../local/tools/accounting';
import { viewOf } from '../../local/tools/attach';
import { consumerLabel } from '../../local/tools/status-line';
import { summarizeBackPressure } from '../load/api';
import type { BenchImage } from '../load/images';
import type { PhaseProgress } from '../progress';
import { cpuSince, round, sum } from '../stats';
import type { RunResult, Sample, UploadRecord } from '../types';
import { type BenchPipeline, type LoadSpec, loadAndSettle, quietSample } from './bench-pipeline';
import { allDone, stageReader } from './stages';
import { summarizeRun } from './summarize';

/** Per consumer, how much a count in the runtime's status grew between two readings. */
const grown = (
  before: readonly ConsumerStatus[],
  after: readonly ConsumerStatus[],
  count: 'retried' | 'coldStarts',
) =>
  Object.fromEntries(
    after.map((status) => {
      const earlier = before.find((b) => b.functionName === status.functionName)?.[count] ?? 0;
      return [consumerLabel(status.functionName), status[count] - earlier];
    }),
  );

/** Once the event sources are through, the records are there; a second look covers a late flush. */
const readStages = async (bench: BenchPipeline, keys: readonly string[]) => {
  const reader = stageReader(bench.pipeline.clients.dynamo, bench.table, bench.bucket);
  const stages = await reader.read(keys);
  const missing = keys.filter((key) => !allDone(stages.get(key)));
  if (missing.length > 0) {
    await sleep(1_000);
    await reader.read(missing, stages);
  }
  return stages;
};

/** Images not accounted for: anything but processed exactly once, and uploads that failed (not refused). */
const account = async (bench: BenchPipeline, uploads: readonly UploadRecord[]) => {
  const accepted = uploads.filter((upload) => upload.error === undefined);
  const { counts } = await accountFor(
    viewOf(bench.pipeline),
    accepted.map((upload) => ({ key: upload.key, expect: 'processed' as const })),
  );
  const failed = uploads.filter((upload) => upload.error !== undefined && upload.refused !== true).length;
  const unaccounted = counts.unaccounted + counts['still in progress'] + counts['wrong outcome'] + failed;
  return { accounting: counts, unaccounted };
};

export const memoryFigures = (
  bench: BenchPipeline,
  baseline: Sample,
  final: Sample,
  uploads: readonly UploadRecord[],
) => {
  const peaks = bench.sampler.peaks();
  const accepted = uploads.filter((upload) => upload.error === undefined);
  return {
    startRssMb: round(baseline.rssBytes / 1e6, 0),
    peakRssMb: round(peaks.rss / 1e6, 0),
    endRssMb: round(final.rssBytes / 1e6, 0),
    endStoredMb: round(final.storedBytes / 1e6, 0),
    peakWorkingSetMb: round(peaks.workingSet / 1e6, 0),
    uploadedMb: round(sum(accepted.map((upload) => upload.bytes)) / 1e6, 1),
  };
};

export const runMeasured = async (
  bench: BenchPipeline,
  images: readonly BenchImage[],
  spec: LoadSpec,
  onProgress?: (progress: PhaseProgress) => void,
): Promise<RunResult> => {
  const { pipeline, sampler } = bench;
  const baseline = await quietSample(sampler);
  const before = await pipeline.status();
  sampler.resetPeaks();
  const started = Date.now();
  const cpuAtStart = process.cpuUsage();
  const uploads = await loadAndSettle(bench, images, spec, baseline, onProgress);
  const accepted = uploads.filter((upload) => upload.error === undefined);
  const cpu = cpuSince(cpuAtStart, accepted.length, Date.now() - started);
  const stages = await readStages(
    bench,
    accepted.map((upload) => upload.key),
  );
  const final = await sampler.sample();
  const memory = memoryFigures(bench, baseline, final, uploads);
  const after = await pipeline.status();
  const samples = sampler.samples.filter((sample) => sample.at >= baseline.at && sample.at <= final.at);
  return summarizeRun({
    name: spec.name,
    rate: spec.rate,
    requestedCount: spec.count,
    requestedDurationSeconds: spec.durationSeconds,
    uploads,
    stages,
    samples,
    batches: bench.batches.filter((batch) => batch.start >= started),
    mappings: bench.mappings,
    retried: grown(before, after, 'retried'),
    coldStarts: grown(before, after, 'coldStarts'),
    timeouts: sum(after.map((s) => s.timeouts)) - sum(before.map((s) => s.timeouts)),
    errors: sum(after.map((s) => s.errors)) - sum(before.map((s) => s.errors)),
    memory,
    cpu,
    ...(await account(bench, uploads)),
    ...(bench.viaApi ? { backPressure: summarizeBackPressure(uploads, samples, bench.viaApi.settings) } : {}),
  });
};
