/**
 * Runs a selection of phases, in order, on one image set and one synthesized stack. A phase that fails
 * is a note and a goal not met; the phases after it run.
 */
import { cpus, totalmem } from 'node:os';
import { relative } from 'node:path';
import { concurrencyCeiling } from '../local/emulator/event-source/settings';
import { readTopology } from '../local/emulator/template/topology';
import { consumerLabel } from '../local/tools/status-line';
import { ensureLocalAssembly } from '../local/tools/synth';
import type { BenchBackPressure } from './load/api';
import { type BenchImage, loadImageSet, summarizeImageSet } from './load/images';
import { type Micro, startMicro } from './micro/environment';
import type { Phase, SoFar } from './phases';
import { type BenchPipeline, startBenchPipeline, warmUp } from './pipeline/bench-pipeline';
import type { RemoteTarget } from './pipeline/remote';
import type { SweepSetting } from './pipeline/sweep';
import { accountedGoal } from './pipeline/verdicts';
import { type BenchPlan, contendedShare, warmupMaxMegapixels } from './plan';
import type { PhaseProgress } from './progress';
import { loadAverage, round } from './stats';
import type { BenchResult, PhaseReport, Rate } from './types';

export interface BenchSettings {
  readonly projectDir: string;
  readonly plan: BenchPlan;
  readonly phases: readonly Phase[];
  readonly quick?: boolean;
  /** Images in the raw and max-rate runs (a single run's count with `rate`). */
  readonly count?: number;
  /** Length of the half-load and overload runs (a single run's duration with `rate`). */
  readonly durationSeconds?: number;
  readonly rate?: Rate;
  /** Cap on every consumer's concurrent invocations, as `npm start -- --max-concurrency`. */
  readonly maxConcurrency?: number;
  /** Upload through the stack's HTTP API with these back-pressure settings (`--via api`). */
  readonly viaApi?: BenchBackPressure;
  readonly remote?: RemoteTarget;
  /** Synthesize even if the local assembly looks up to date. */
  readonly synth?: boolean;
  readonly onProgress?: (progress: PhaseProgress) => void;
  readonly log?: (line: string) => void;
}

/** What every phase may use: the settings, the images, the stack, and what the phases before found. */
export interface Context extends BenchSettings {
  readonly images: readonly BenchImage[];
  /** Small images of the mix, for warm-ups: cheap work, the same cold starts. */
  readonly warmupImages: readonly BenchImage[];
  readonly warmupCount: number;
  readonly cloudAssemblyDir: string;
  /** Distinguishes this bench's keys: `uploads/bench-<runId>-<run name>/...`. */
  readonly runId: string;
  readonly mappings: ReturnType<typeof mappingsOf>;
  /** Each consumer's setting in the template, for the sweep. */
  readonly defaults: Readonly<Record<string, SweepSetting>>;
  readonly soFar: SoFar;
  /** The shared local pipeline, started and warmed up on first use. */
  pipeline(): Promise<BenchPipeline>;
  /** The micro comparisons' backend, started on first use. */
  micro(): Promise<Micro>;
  readonly progress: (progress: PhaseProgress) => void;
  readonly log: (line: string) => void;
}

export const machineInfo = (loadAtStart: number) => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  loadAverage: { start: loadAtStart, end: round(loadAverage(), 2) },
});

/** Each consumer's mapping as the template sets it, and as the runtime will run it under the cap. */
export const mappingsOf = (cloudAssemblyDir: string, maxConcurrency: number | undefined) => {
  const naming = {
    region: 'us-east-1',
    accountId: '000000000000',
    partition: 'aws',
    endpoint: 'http://127.0.0.1',
  };
  const topology = readTopology({ cloudAssemblyDir, naming });
  const labels = new Map(topology.functions.map((fn) => [fn.name, consumerLabel(fn.name)]));
  return Object.fromEntries(
    topology.eventSourceMappings.map((mapping) => [
      labels.get(mapping.functionName) ?? mapping.functionName,
      {
        batchSize: mapping.batchSize,
        batchingWindowSeconds: mapping.maximumBatchingWindowSeconds,
        maxConcurrency: concurrencyCeiling(mapping, maxConcurrency),
        templateMaxConcurrency: concurrencyCeiling(mapping),
      },
    ]),
  );
};

/** The stack (synthesized unless remote), the image set, and the template's mappings. */
const prepare = async (
  settings: BenchSettings,
  progress: (p: PhaseProgress) => void,
  log: (line: string) => void,
) => {
  progress({ phase: settings.remote ? 'images' : 'synth', done: 0 });
  const assembly = settings.remote
    ? undefined
    : await ensureLocalAssembly({ projectDir: settings.projectDir, force: settings.synth });
  if (assembly)
    log(
      assembly.reused
        ? 'Local assembly up to date, reused.'
        : `Synthesized in ${round(assembly.durationMs / 1000, 1)} s.`,
    );
  const imageSet = await loadImageSet({
    projectDir: settings.projectDir,
    onProgress: (done, total) => progress({ phase: 'building the image set', done, total }),
  });
  const small = imageSet.images.filter((image) => image.megapixels <= warmupMaxMegapixels);
  const mappings = assembly ? mappingsOf(assembly.dir, settings.maxConcurrency) : {};
  const defaults = Object.fromEntries(
    Object.entries(mappings).map(([label, m]) => [
      label,
      { batchSize: m.batchSize, maxConcurrency: m.templateMaxConcurrency },
    ]),
  );
  const warmupImages = small.length > 0 ? small : imageSet.images;
  return { imageSet, warmupImages, cloudAssemblyDir: assembly?.dir ?? '', mappings, defaults };
};

/** The shared resources: started on first use, released before a phase that does not use them. */
const sharedResources = (context: Omit<Context, 'soFar' | 'pipeline' | 'micro'>, notes: string[]) => {
  let pipeline: Promise<BenchPipeline> | undefined;
  let micro: Promise<Micro> | undefined;
  const startPipeline = async () => {
    const { cloudAssemblyDir, runId, maxConcurrency, viaApi } = context;
    const onError = (message: string) => notes.push(`runtime error: ${message}`);
    const bench = await startBenchPipeline({ cloudAssemblyDir, runId, maxConcurrency, viaApi, onError });
    context.log(await warmUp(bench, context.images, context.warmupCount, context.progress));
    return bench;
  };
  const microLog = (line: string) =>
    context.progress({ phase: 'micro comparisons', done: 0, detail: line.slice(0, 80) });
  return {
    pipeline: () => (pipeline ??= startPipeline()),
    micro: () => (micro ??= startMicro(context.plan.micro, microLog)),
    async release(keep?: Phase['uses']) {
      const stopping = [keep === 'pipeline' ? undefined : pipeline, keep === 'micro' ? undefined : micro];
      if (keep !== 'pipeline') pipeline = undefined;
      if (keep !== 'micro') micro = undefined;
      // One that failed to start has nothing to stop.
      for (const started of stopping)
        await started?.then(
          (resource) => resource.stop(),
          () => undefined,
        );
    },
  };
};

const failed = (phase: Phase, error: unknown): PhaseReport => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const value = message.split('\n')[0] ?? '';
  return {
    notes: [`${phase.name} failed: ${message}`],
    goals: [{ name: `${phase.name} ran to the end`, goal: 'no error', value, met: false }],
  };
};

/** Every phase's report, in order, with how long each took. */
const runPhases = async (base: Omit<Context, 'soFar' | 'pipeline' | 'micro'>, notes: string[]) => {
  const reports: PhaseReport[] = [];
  const timings: { name: string; seconds: number }[] = [];
  const shared = sharedResources(base, notes);
  try {
    for (const phase of base.phases) {
      await shared.release(phase.uses);
      const started = Date.now();
      const soFar = { raw: reports.find((r) => r.raw)?.raw, runs: reports.flatMap((r) => r.runs ?? []) };
      base.progress({ phase: phase.name, done: 0, detail: phase.measures });
      const context: Context = { ...base, soFar, pipeline: shared.pipeline, micro: shared.micro };
      reports.push(await phase.run(context).catch((error: unknown) => failed(phase, error)));
      timings.push({ name: phase.name, seconds: round((Date.now() - started) / 1000, 1) });
    }
  } finally {
    await shared.release();
  }
  return { reports, timings };
};

/** What the figures cannot say by themselves: a machine shared with other work, a cap on concurrency. */
const runNotes = (reports: readonly PhaseReport[], settings: BenchSettings) => {
  const cores = cpus().length;
  const saturated = [
    ['the raw bound', reports.find((r) => r.raw)?.raw?.cpu],
    ['the max-rate run', reports.flatMap((r) => r.runs ?? []).find((run) => run.name === 'max-rate')?.cpu],
  ] as const;
  const capped =
    settings.maxConcurrency !== undefined &&
    settings.phases.some((phase) => phase.uses === 'pipeline' || phase.name === 'raw');
  return [
    ...saturated.flatMap(([what, cpu]) =>
      cpu !== undefined && cpu.coresUsed < contendedShare * cores
        ? [
            `${what} kept only ${cpu.coresUsed} of ${cores} cores busy: something else was using the machine, so its throughput (and what is scaled from it) reads low`,
          ]
        : [],
    ),
    ...(capped
      ? [
          `every consumer capped at ${settings.maxConcurrency} concurrent invocations (--max-concurrency; none runs the template's own)`,
        ]
      : []),
  ];
};

export const runBench = async (settings: BenchSettings): Promise<BenchResult> => {
  const started = Date.now();
  const loadAtStart = round(loadAverage(), 2);
  const [progress, log] = [settings.onProgress ?? (() => undefined), settings.log ?? (() => undefined)];
  const { imageSet, ...prepared } = await prepare(settings, progress, log);
  const runId = new Date(started).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const base = {
    ...settings,
    ...prepared,
    images: imageSet.images,
    warmupCount: settings.plan.warmupCount,
    runId,
    progress,
    log,
  };
  const notes: string[] = [];
  const { reports, timings } = await runPhases(base, notes);
  const runs = reports.flatMap((report) => report.runs ?? []);
  const memory = reports.flatMap((report) => report.memory ?? []);
  const { quick = false, count, durationSeconds, rate, maxConcurrency, viaApi, remote } = settings;
  return {
    version: 2,
    mode: remote ? 'remote' : 'local',
    startedAt: new Date(started).toISOString(),
    durationSeconds: round((Date.now() - started) / 1000, 1),
    machine: machineInfo(loadAtStart),
    options: {
      quick,
      count,
      durationSeconds,
      rate,
      maxConcurrency,
      warmupCount: base.warmupCount,
      via: viaApi ? 'api' : 's3',
      viaApi,
      remote,
    },
    phases: timings,
    imageSet: summarizeImageSet(imageSet.images, relative(settings.projectDir, imageSet.dir)),
    mappings: prepared.mappings,
    raw: reports.find((report) => report.raw)?.raw,
    runs,
    sweep: reports.find((report) => report.sweep)?.sweep,
    comparisons: reports.flatMap((report) => report.comparisons ?? []),
    memory,
    goals: [
      ...reports.flatMap((report) => report.goals ?? []),
      ...(runs.length > 0 ? [accountedGoal(runs)] : []),
    ],
    notes: [...reports.flatMap((report) => report.notes ?? []), ...notes, ...runNotes(reports, settings)],
  };
};
