/**
 * The whole benchmark on the local runtime, every figure measured in the same run on the same image
 * list: the raw compute bound, the pipeline at its maximum rate, at half of it (latency under load),
 * at twice it (back-pressure), the batch size and concurrency sweep, and the micro comparisons.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { relative } from 'node:path';
import { readTopology } from '../local/emulator';
import { consumerLabel, ensureLocalAssembly } from '../local/tools';
import type { BenchBackPressure } from './api-load';
import { backPressureComparison, efficiencyComparison, goalsOf, sweepComparisons } from './comparisons';
import {
  benchPlans,
  contendedShare,
  defaultSingleRunCount,
  latencyLoadShare,
  overloadFactor,
  type SweepPlan,
  warmupMaxMegapixels,
} from './constants';
import { type BenchImage, loadImageSet, summarizeImageSet } from './images';
import type { Rate } from './load';
import { consumerSetups, type PipelineTuning } from './pipeline';
import { runRawBound } from './raw';
import { type RunProgress, runMeasured, startBenchPipeline, warmUp } from './run';
import { round } from './stats';
import { runSweep, type SweepSetting } from './sweep';
import type { BenchResult, Comparison, MachineInfo, RawBoundResult, RunResult, SweepResult } from './types';

/** Progress of a long phase, for the progress bar. */
export interface PhaseProgress {
  readonly phase: string;
  readonly done: number;
  readonly total?: number;
  readonly detail?: string;
}

export interface BenchOptions {
  readonly projectDir: string;
  readonly quick?: boolean;
  /** Images in the raw and max-rate runs (a single run's count with `rate`). */
  readonly count?: number;
  /** Length of the 50% and overload runs (a single run's duration with `rate`). */
  readonly durationSeconds?: number;
  /** One load run at this rate instead of the suite (k6-style: `--rate 5 --duration 60`). */
  readonly rate?: Rate;
  readonly skipSweep?: boolean;
  readonly skipMicro?: boolean;
  /** Images of the mix done before the clock starts (the pipeline's and the raw bound's); default from the plan. */
  readonly warmupCount?: number;
  /** Fewer sweep points (tests). */
  readonly sweep?: Partial<SweepPlan> & { readonly consumers?: readonly string[] };
  /** Synthesize even if the local assembly looks up to date. */
  readonly synth?: boolean;
  readonly tuning?: PipelineTuning;
  /** Upload through the stack's HTTP API with these back-pressure settings (`--via api`). */
  readonly viaApi?: BenchBackPressure;
  readonly onProgress?: (progress: PhaseProgress) => void;
  readonly log?: (line: string) => void;
}

export const machineInfo = (loadAtStart?: number): MachineInfo => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  ...(loadAtStart === undefined
    ? {}
    : { loadAverage: { start: loadAtStart, end: round(loadavg()[0] ?? 0, 2) } }),
});

const runProgress =
  (onProgress: BenchOptions['onProgress']) =>
  (progress: RunProgress): void =>
    onProgress?.({
      phase: progress.phase,
      done: progress.draining || progress.planned === undefined ? progress.done : progress.uploaded,
      total: progress.planned,
      detail: [
        `${progress.uploaded} up`,
        `${progress.done} done`,
        `backlog ${progress.backlog}`,
        `${progress.invocationsInFlight} invocations`,
        `${(progress.rssMb / 1000).toFixed(1)} GB`,
        `${progress.elapsedSeconds} s`,
        ...(progress.draining ? ['draining'] : []),
      ].join(' · '),
    });

const warmupImagesOf = (images: readonly BenchImage[]) => {
  const small = images.filter((image) => image.megapixels <= warmupMaxMegapixels);
  return small.length > 0 ? small : images;
};

/** Loaded only when they run: the micro comparisons bring their own jobs and backend. */
const microComparisons = async (options: { quick: boolean; log: (line: string) => void }) => {
  const module = (await import('./compare/index')) as {
    runMicroComparisons(options: { quick?: boolean; log?: (line: string) => void }): Promise<Comparison[]>;
  };
  return module.runMicroComparisons(options);
};

export const runBenchmark = async (options: BenchOptions): Promise<BenchResult> => {
  const started = Date.now();
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  const log = options.log ?? (() => undefined);
  const plan = benchPlans[options.quick ? 'quick' : 'full'];
  const progress = options.onProgress;
  const notes: string[] = [];

  progress?.({ phase: 'synth', done: 0 });
  const assembly = await ensureLocalAssembly({ projectDir: options.projectDir, force: options.synth });
  log(
    assembly.reused
      ? 'Local assembly up to date, reused.'
      : `Synthesized in ${round(assembly.durationMs / 1000, 1)} s.`,
  );
  progress?.({ phase: 'images', done: 0 });
  const imageSet = await loadImageSet({
    projectDir: options.projectDir,
    onProgress: (built, total) => progress?.({ phase: 'building the image set', done: built, total }),
  });
  const images = imageSet.images;
  const warmupImages = warmupImagesOf(images);
  const cloudAssemblyDir = assembly.dir;
  const tuning = options.tuning ?? {};
  const runId = new Date(started).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const warmupCount = options.warmupCount ?? plan.warmupCount;
  const topology = readTopology({
    cloudAssemblyDir,
    naming: {
      region: 'us-east-1',
      accountId: '000000000000',
      partition: 'aws',
      endpoint: 'http://127.0.0.1',
    },
  });
  const setups = consumerSetups(topology, tuning);
  const mappings = Object.fromEntries(
    setups.map((setup) => [
      setup.label,
      {
        batchSize: setup.mapping.batchSize,
        batchingWindowSeconds: setup.mapping.maximumBatchingWindowSeconds,
        maxConcurrency: setup.concurrency,
        templateMaxConcurrency: setup.mapping.maximumConcurrency ?? setup.concurrency,
      },
    ]),
  );
  const runs: RunResult[] = [];
  let raw: RawBoundResult | undefined;
  let sweep: SweepResult | undefined;
  const comparisons: Comparison[] = [];
  const onProgress = runProgress(progress);
  const count = options.count ?? plan.count;

  if (options.rate === undefined) {
    raw = await runRawBound({
      cloudAssemblyDir,
      images,
      count,
      runId,
      warmup: { images, count: warmupCount },
      ...tuning,
      onProgress: (done, total, phase) => progress?.({ phase: `raw compute bound: ${phase}`, done, total }),
    });
    log(`Raw compute bound: ${raw.endToEnd} images/s (${count} images in ${raw.seconds} s).`);
  }

  // One pipeline for every load run: warmed up once, drained between runs.
  const bench = await startBenchPipeline({
    cloudAssemblyDir,
    runId,
    ...tuning,
    ...(options.viaApi ? { viaApi: options.viaApi } : {}),
    onError: (message) => notes.push(`runtime error: ${message}`),
  });
  try {
    const started = await warmUp(bench, { images, count: warmupCount, onProgress });
    log(
      `Warm-up (${warmupCount} images): environments started ${bench.setups
        .map((setup) => `${setup.label} ${started[setup.label] ?? 0}/${setup.concurrency}`)
        .join(', ')}.`,
    );
    if (options.rate !== undefined) {
      runs.push(
        await runMeasured(bench, {
          name: 'load',
          images,
          rate: options.rate,
          count: options.count ?? (options.durationSeconds === undefined ? defaultSingleRunCount : undefined),
          durationSeconds: options.durationSeconds,
          onProgress,
        }),
      );
    } else {
      const max = await runMeasured(bench, { name: 'max-rate', images, rate: 'max', count, onProgress });
      runs.push(max);
      if (raw) comparisons.push(efficiencyComparison(raw, max));
      const maxRate = max.throughput.endToEnd;
      log(`Pipeline at max rate: ${maxRate} images/s.`);
      if (!(maxRate > 0))
        throw new Error('The max-rate run completed no image; nothing to scale the other runs by');
      runs.push(
        await runMeasured(bench, {
          name: 'half-load',
          images,
          rate: round(maxRate * latencyLoadShare, 2),
          durationSeconds: options.durationSeconds ?? plan.latencySeconds,
          onProgress,
        }),
      );
      log(`Half load: p99 ${runs.at(-1)?.latency.allDone.p99} s upload to all done.`);
      const overload = await runMeasured(bench, {
        name: 'overload',
        images,
        rate: round(maxRate * overloadFactor, 2),
        durationSeconds: options.durationSeconds ?? plan.overloadSeconds,
        onProgress,
      });
      runs.push(overload);
      comparisons.push(backPressureComparison(overload, [max, runs[1] as RunResult]));
    }
  } finally {
    await bench.stop();
  }

  if (options.rate === undefined) {
    if (!options.skipSweep) {
      const sweepPlan = { ...plan.sweep, ...options.sweep };
      const consumers = options.sweep?.consumers ?? setups.map((setup) => setup.label);
      const defaults: Record<string, SweepSetting> = Object.fromEntries(
        consumerSetups(topology).map((setup) => [
          setup.label,
          { batchSize: setup.mapping.batchSize, maxConcurrency: setup.concurrency },
        ]),
      );
      sweep = await runSweep(
        {
          cloudAssemblyDir,
          images,
          warmupImages,
          consumers,
          batchSizes: sweepPlan.batchSizes,
          concurrencies: sweepPlan.concurrencies,
          messages: Object.fromEntries(
            consumers.map((consumer) => [consumer, sweepPlan.messagesFor?.[consumer] ?? sweepPlan.messages]),
          ),
          includeDefaults: sweepPlan.includeDefaults,
          onProgress: (point, points, label) =>
            progress?.({ phase: 'sweep', done: point, total: points, detail: label }),
        },
        defaults,
      );
      comparisons.push(...sweepComparisons(sweep));
    }

    if (!options.skipMicro) {
      progress?.({ phase: 'micro comparisons', done: 0, detail: 'bench/compare' });
      try {
        comparisons.push(
          ...(await microComparisons({
            quick: options.quick === true,
            log: (line) => progress?.({ phase: 'micro comparisons', done: 0, detail: line.slice(0, 80) }),
          })),
        );
      } catch (error) {
        notes.push(`micro comparisons failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  const labels = setups.map((setup) => consumerLabel(setup.fn.name));
  // The raw bound and the max-rate run are saturated by design: fewer busy cores means other work.
  const cores = cpus().length;
  for (const [what, cpu] of [
    ['the raw bound', raw?.cpu],
    ['the max-rate run', runs.find((run) => run.name === 'max-rate')?.cpu],
  ] as const) {
    if (cpu !== undefined && cpu.coresUsed < contendedShare * cores) {
      notes.push(
        `${what} kept only ${cpu.coresUsed} of ${cores} cores busy: something else was using the machine, so its throughput (and what is scaled from it) reads low`,
      );
    }
  }
  if (tuning.maxConcurrency !== undefined) {
    notes.push(
      `every consumer capped at ${tuning.maxConcurrency} concurrent invocations (--max-concurrency; none runs the template's own)`,
    );
  }
  const result: BenchResult = {
    version: 1,
    mode: 'local',
    startedAt: new Date(started).toISOString(),
    durationSeconds: round((Date.now() - started) / 1000, 1),
    machine: machineInfo(loadAtStart),
    options: {
      quick: options.quick === true,
      count: options.count,
      durationSeconds: options.durationSeconds,
      rate: options.rate,
      skipSweep: options.skipSweep === true,
      skipMicro: options.skipMicro === true,
      warmupCount,
      consumers: labels,
      maxConcurrency: tuning.maxConcurrency,
      ...(options.viaApi ? { via: 'api', backPressure: options.viaApi } : {}),
    },
    imageSet: summarizeImageSet(images, relative(options.projectDir, imageSet.dir)),
    mappings,
    ...(raw ? { raw } : {}),
    runs,
    ...(sweep ? { sweep } : {}),
    comparisons,
    goals: goalsOf({ raw, runs, comparisons }),
    notes,
  };
  return result;
};
