import { compareBatching } from './batching/run';
import type { RunContext } from './context';
import { startBenchEnvironment } from './environment';
import { compareKeepAlive } from './keep-alive/run';
import { measureMemory, memoryComparisons } from './memory/run';
import { plans } from './plan';
import { compareRecordConcurrency } from './record-concurrency/run';
import { prepareWorker, runJob } from './spawn';
import { compareThumbnailWithSharp } from './thumbnail-vs-sharp/run';
import type { Comparison, ComparisonName, ConsumerMemory, MicroOptions } from './types';

export interface MicroSuiteResult {
  readonly comparisons: Comparison[];
  readonly memory: ConsumerMemory[];
  readonly seconds: number;
}

const micro: readonly [ComparisonName, (context: RunContext) => Promise<Comparison[]>][] = [
  ['batching', compareBatching],
  ['record-concurrency', compareRecordConcurrency],
  ['keep-alive', compareKeepAlive],
  ['thumbnail-vs-sharp', compareThumbnailWithSharp],
];

const withContext = async <T>(
  options: MicroOptions,
  body: (context: RunContext) => Promise<T>,
): Promise<T> => {
  const log = options.log ?? (() => undefined);
  const plan = plans[options.quick ? 'quick' : 'full'];
  const [worker, environment] = await Promise.all([prepareWorker(), startBenchEnvironment()]);
  log(
    `jobs run from ${worker.runner === 'bundle' ? 'an esbuild bundle' : 'tsx'}; backend at ${environment.endpoint}`,
  );
  const context: RunContext = {
    environment,
    plan,
    log,
    run: (job, overrides) => runJob(worker, job, environment.childEnvironment(overrides)),
  };
  try {
    return await body(context);
  } finally {
    await environment.stop();
  }
};

/** Every micro comparison in sequence on one embedded backend, then the memory of each consumer. */
export const runMicroSuite = (options: MicroOptions = {}): Promise<MicroSuiteResult> =>
  withContext(options, async (context) => {
    const started = performance.now();
    const selected = (name: ComparisonName) => options.only === undefined || options.only.includes(name);
    const comparisons: Comparison[] = [];
    const timed = async <T>(name: ComparisonName, work: () => Promise<T>): Promise<T> => {
      const begun = performance.now();
      const result = await work();
      context.log(`${name}: ${((performance.now() - begun) / 1000).toFixed(1)} s`);
      return result;
    };
    for (const [name, compare] of micro) {
      if (selected(name)) comparisons.push(...(await timed(name, () => compare(context))));
    }
    const memory = selected('memory') ? await timed('memory', () => measureMemory(context)) : [];
    comparisons.push(...memoryComparisons(memory, context.plan.memory.invocations));
    return { comparisons, memory, seconds: (performance.now() - started) / 1000 };
  });

/** The micro comparisons 2, 3, 4 and 6, and 7 (memory) as one comparison row per consumer. */
export const runMicroComparisons = async (options: MicroOptions = {}): Promise<Comparison[]> =>
  (await runMicroSuite(options)).comparisons;

/** Comparison 7 alone, as rows: each consumer's peak RSS on images at the pixel limit. */
export const measureConsumerMemory = (options: MicroOptions = {}): Promise<ConsumerMemory[]> =>
  withContext(options, measureMemory);
