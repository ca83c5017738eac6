/** Every phase `npm run bench` can run, as data; the runner runs a selection of them in this order. */
import { compareBatching } from './micro/batching';
import type { Micro } from './micro/environment';
import { compareKeepAlive } from './micro/keep-alive';
import { measureMemory } from './micro/memory';
import { compareRecordConcurrency } from './micro/record-concurrency';
import { compareThumbnailWithSharp } from './micro/thumbnail';
import { compareCommitDesigns, compareWriteApis } from './micro/writes';
import type { LoadSpec } from './pipeline/bench-pipeline';
import { runMeasured } from './pipeline/measured-run';
import { runRawBound } from './pipeline/raw';
import { runRemote } from './pipeline/remote';
import { runSweep } from './pipeline/sweep';
import { efficiencyVerdict, latencyGoal, overloadVerdict, sweepComparisons } from './pipeline/verdicts';
import { latencyLoadShare, overloadFactor } from './plan';
import type { Context } from './runner';
import { round } from './stats';
import type { Comparison, PhaseReport, RawBoundResult, RunResult } from './types';

/** What the phases before reported, for the phases that scale from them. */
export interface SoFar {
  readonly raw?: RawBoundResult;
  readonly runs: readonly RunResult[];
}

export interface Phase {
  readonly name: string;
  /** What it measures, for --help and the docs. */
  readonly measures: string;
  /** What it shares with the phases around it: the warmed local pipeline, the micro backend, or nothing. */
  readonly uses: 'pipeline' | 'micro' | 'nothing';
  /** Phases whose results it builds on; selecting it selects them. */
  readonly after?: readonly string[];
  run(context: Context): Promise<PhaseReport>;
}

interface LoadRun {
  readonly name: string;
  readonly measures: string;
  readonly after?: readonly string[];
  /** The load, from the settings and the runs before. */
  readonly spec: (context: Context, soFar: SoFar) => Omit<LoadSpec, 'name'>;
  readonly verdict?: (run: RunResult, soFar: SoFar) => PhaseReport;
}

/** A measured load on the shared pipeline, then its verdict. */
const loadRun = ({ name, spec, verdict = () => ({}), ...described }: LoadRun): Phase => ({
  name,
  ...described,
  uses: 'pipeline',
  run: async (context) => {
    const load = { name, ...spec(context, context.soFar) };
    const run = await runMeasured(await context.pipeline(), context.images, load, context.progress);
    context.log(
      `${name}: ${run.throughput.endToEnd} images/s, p99 ${run.latency.allDone.p99} s upload to all done.`,
    );
    return { runs: [run], ...verdict(run, context.soFar) };
  },
});

/** A rate scaled from the max-rate run's. */
const scaled = (soFar: SoFar, factor: number) => {
  const max = soFar.runs.find((run) => run.name === 'max-rate')?.throughput.endToEnd ?? 0;
  if (!(max > 0)) throw new Error('The max-rate run completed no image; nothing to scale this run by');
  return round(max * factor, 2);
};

/** A micro comparison on the shared micro backend. */
const micro = (name: string, measures: string, compare: (micro: Micro) => Promise<Comparison[]>): Phase => ({
  name,
  measures,
  uses: 'micro',
  run: async (context) => ({ comparisons: await compare(await context.micro()) }),
});

export const phases: readonly Phase[] = [
  {
    name: 'raw',
    measures: 'the raw compute bound: the same bundles and hosts on the same images, no queues',
    uses: 'nothing',
    run: async (context) => {
      const raw = await runRawBound({
        ...context,
        count: context.count ?? context.plan.count,
        warmup: { images: context.images, count: context.warmupCount },
        onProgress: (done, total, step) =>
          context.progress({ phase: `raw compute bound: ${step}`, done, total }),
      });
      context.log(`Raw compute bound: ${raw.endToEnd} images/s (${raw.images} images in ${raw.seconds} s).`);
      return { raw };
    },
  },
  loadRun({
    name: 'max-rate',
    measures: 'the pipeline at its maximum rate (8 uploads in flight), against the raw bound',
    spec: (context) => ({ rate: 'max', count: context.count ?? context.plan.count }),
    verdict: (run, soFar) => efficiencyVerdict(soFar.raw, run),
  }),
  loadRun({
    name: 'half-load',
    measures: `latency at ${latencyLoadShare * 100}% of the maximum rate`,
    after: ['max-rate'],
    spec: (context, soFar) => ({
      rate: scaled(soFar, latencyLoadShare),
      durationSeconds: context.durationSeconds ?? context.plan.latencySeconds,
    }),
    verdict: (run) => ({ goals: [latencyGoal(run)] }),
  }),
  loadRun({
    name: 'overload',
    measures: `back-pressure at ${overloadFactor}x the maximum rate: queues grow, caps and memory hold`,
    after: ['max-rate'],
    spec: (context, soFar) => ({
      rate: scaled(soFar, overloadFactor),
      durationSeconds: context.durationSeconds ?? context.plan.overloadSeconds,
    }),
    verdict: (run, soFar) => overloadVerdict(run, soFar.runs),
  }),
  loadRun({
    name: 'load',
    measures: 'one load run at --rate, for --count images or --duration seconds',
    spec: ({ rate = 'max', count, durationSeconds }) => ({ rate, count, durationSeconds }),
  }),
  {
    name: 'remote',
    measures: 'the load against a deployment (--bucket, --table), latency from its stage records',
    uses: 'nothing',
    run: async (context) => {
      if (context.remote === undefined) throw new Error('The remote phase needs --bucket and --table');
      const { remote: target, rate = 'max', progress: onProgress } = context;
      const run = await runRemote({ ...context, target, rate, onProgress });
      return {
        runs: [run],
        notes: [
          "latencies compare this machine's clock with the functions' (updatedAt): clock skew adds to them",
        ],
      };
    },
  },
  {
    name: 'sweep',
    measures: 'batch size x maximum concurrency, one consumer at a time, against each default',
    uses: 'nothing',
    run: async (context) => {
      const onProgress = (done: number, total: number, detail: string) =>
        context.progress({ phase: 'sweep', done, total, detail });
      const sweep = await runSweep({ ...context, plan: context.plan.sweep, onProgress });
      return { sweep, comparisons: sweepComparisons(sweep) };
    },
  },
  micro('batching', 'batch 10, a commit per image, against batch 1, a request per item', compareBatching),
  micro('record-concurrency', 'bounded record concurrency against all at once', compareRecordConcurrency),
  micro('keep-alive', 'module-scope clients against clients per invocation', compareKeepAlive),
  micro('thumbnail-vs-sharp', 'the thumbnail consumer against its renderer alone', compareThumbnailWithSharp),
  {
    name: 'memory',
    measures: "each consumer's peak RSS on 40 MP images against its memory size",
    uses: 'micro',
    run: async (context) => measureMemory(await context.micro()),
  },
  micro('write-apis', 'DynamoDB items/s by write API on the embedded backend', compareWriteApis),
  micro(
    'commit-designs',
    'a transaction per commit against entries keyed by sequencer',
    compareCommitDesigns,
  ),
];

/** Names that stand for several phases in --only and --skip. */
export const phaseGroups: Readonly<Record<string, readonly string[]>> = {
  pipeline: ['raw', 'max-rate', 'half-load', 'overload'],
  micro: phases.filter((phase) => phase.uses === 'micro').map((phase) => phase.name),
};

/** The suite without --rate or --bucket. */
export const suite = phases.map((phase) => phase.name).filter((name) => name !== 'load' && name !== 'remote');

const expand = (names: readonly string[]) => names.flatMap((name) => phaseGroups[name] ?? [name]);

/** The phases to run, in table order: `only` (with what they build on) or the suite, less `skip`. */
export const selectPhases = (options: { only?: readonly string[]; skip?: readonly string[] }): Phase[] => {
  const known = [...Object.keys(phaseGroups), ...phases.map((phase) => phase.name)];
  const unknown = [...(options.only ?? []), ...(options.skip ?? [])].filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new Error(`No phase ${unknown.join(', ')}; phases and groups: ${known.join(', ')}`);
  const wanted = new Set(expand(options.only ?? suite));
  for (const phase of phases)
    if (wanted.has(phase.name)) for (const before of phase.after ?? []) wanted.add(before);
  for (const name of expand(options.skip ?? [])) wanted.delete(name);
  return phases.filter((phase) => wanted.has(phase.name));
};
