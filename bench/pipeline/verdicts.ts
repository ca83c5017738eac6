/** The pipeline's own comparisons (efficiency, back-pressure, sweep) and the goals they are held to. */
import { apiBackPressureGoal } from '../load/api';
import { goals, latencyLoadShare, overloadBacklogShare, overloadFactor } from '../plan';
import { round, sum } from '../stats';
import type { Comparison, Goal, PhaseReport, RawBoundResult, RunResult, SweepResult } from '../types';

/** Ratio of the pipeline's images/s to the raw bound's, both on the same N images. */
const efficiencyComparison = (raw: RawBoundResult, pipeline: RunResult): Comparison => {
  const ratio = raw.endToEnd > 0 ? round(pipeline.throughput.endToEnd / raw.endToEnd, 3) : 0;
  return {
    name: 'pipeline efficiency',
    baseline: { label: 'raw compute bound (no queues)', value: raw.endToEnd, unit: 'images/s' },
    candidate: { label: 'pipeline at max rate', value: pipeline.throughput.endToEnd, unit: 'images/s' },
    ratio,
    goal: `>= ${goals.efficiency}`,
    met: ratio >= goals.efficiency,
    notes: [
      `same ${raw.images} images, same bundles, hosts and concurrency, both started warm`,
      ...(pipeline.cpu
        ? [
            `CPU seconds per image: raw ${raw.cpu.perImage}, pipeline ${pipeline.cpu.perImage} (ratio ${round(raw.cpu.perImage / pipeline.cpu.perImage, 3)}); cores kept busy: raw ${raw.cpu.coresUsed}, pipeline ${pipeline.cpu.coresUsed}`,
          ]
        : []),
      `per consumer (pipeline/raw): ${Object.entries(raw.perConsumer)
        .map(
          ([consumer, value]) =>
            `${consumer} ${value > 0 ? round((pipeline.throughput.perConsumer[consumer] ?? 0) / value, 2) : 0}`,
        )
        .join(', ')}`,
    ],
  };
};

/** The overload run's own memory (RSS less stored objects) against the steadier runs'. */
const backPressureComparison = (overload: RunResult, steady: readonly RunResult[]): Comparison => {
  const reference = Math.max(...steady.map((run) => run.memory?.peakWorkingSetMb ?? 0));
  const peak = overload.memory?.peakWorkingSetMb ?? 0;
  const ratio = reference > 0 ? round(peak / reference, 3) : 0;
  const capped = Object.values(overload.concurrency ?? {}).every(
    (consumer) =>
      consumer.maxInvocations <= consumer.cap &&
      consumer.maxMessagesInFlight <= consumer.cap * consumer.batchSize,
  );
  return {
    name: 'back-pressure: memory under overload',
    baseline: { label: 'runtime memory, steady runs (peak)', value: reference, unit: 'MB' },
    candidate: { label: `runtime memory at ${overloadFactor}x max (peak)`, value: peak, unit: 'MB' },
    ratio,
    goal: `<= ${goals.overloadWorkingSetRatio}, caps kept, all drained and accounted for`,
    met: ratio <= goals.overloadWorkingSetRatio && capped && overload.unaccounted === 0,
    notes: [
      `queue depth (visible + received) peaked at ${overload.queueDepth?.peak ?? 0} messages, ${overload.queueDepth?.atLoadEnd ?? 0} when the load stopped; drained ${overload.drainSeconds} s after the last upload`,
      `peak RSS ${overload.memory?.peakRssMb} MB of which ${overload.memory?.endStoredMb} MB stored objects at the end (the emulated S3 keeps them in memory)`,
      `invocations at once / cap: ${Object.entries(overload.concurrency ?? {})
        .map(([consumer, c]) => `${consumer} ${c.maxInvocations}/${c.cap}`)
        .join(', ')}`,
    ],
  };
};

export const sweepComparisons = (sweep: SweepResult): Comparison[] =>
  Object.entries(sweep.best).flatMap(([consumer, best]) => {
    const own = sweep.points.find((point) => point.consumer === consumer && point.isDefault);
    if (own === undefined) return [];
    return [
      {
        name: `sweep: ${consumer}`,
        baseline: {
          label: `default batch ${own.batchSize} x ${own.maxConcurrency}`,
          value: own.messagesPerSecond,
          unit: 'msg/s',
        },
        candidate: {
          label: `fastest batch ${best.batchSize} x ${best.maxConcurrency}`,
          value: best.messagesPerSecond,
          unit: 'msg/s',
        },
        ratio: own.messagesPerSecond > 0 ? round(best.messagesPerSecond / own.messagesPerSecond, 3) : 0,
        notes: [best.verdict],
      },
    ];
  });

/** The efficiency comparison, and its goal, when the raw bound ran. */
export const efficiencyVerdict = (raw: RawBoundResult | undefined, max: RunResult): PhaseReport => {
  if (raw === undefined) return {};
  const comparison = efficiencyComparison(raw, max);
  const value = String(comparison.ratio);
  return {
    comparisons: [comparison],
    goals: [{ name: comparison.name, goal: comparison.goal ?? '', value, met: comparison.met === true }],
  };
};

export const latencyGoal = (run: RunResult): Goal => ({
  name: `p99 upload-to-all-done at ${latencyLoadShare * 100}% of max`,
  goal: `< ${goals.p99LatencySeconds} s`,
  value: `${run.latency.allDone.p99} s`,
  met: run.latency.allDone.p99 < goals.p99LatencySeconds,
});

/**
 * Through the API, the API's own goal. Straight to S3, back-pressure holds when the backlog grew (a
 * tenth of the messages sent still waiting when the load stopped, more than the steady runs ever had),
 * the caps held, the runtime's memory stayed bounded and everything drained and was accounted for.
 */
export const overloadVerdict = (overload: RunResult, steady: readonly RunResult[]): PhaseReport => {
  if (overload.backPressure) return { goals: [apiBackPressureGoal(overload, overload.backPressure)] };
  const comparison = backPressureComparison(overload, steady);
  const steadyPeak = Math.max(
    0,
    ...steady.filter((run) => run.rate !== 'max').map((run) => run.queueDepth?.peak ?? 0),
  );
  const waiting = overload.queueDepth?.atLoadEnd ?? 0;
  const sent = overload.uploads.count * Object.keys(overload.throughput.perConsumer).length;
  const backlogGrew = waiting > steadyPeak && waiting >= overloadBacklogShare * sent;
  const goal: Goal = {
    name: 'back-pressure under overload',
    goal: 'backlog grows, caps kept, memory bounded, all drained and accounted for',
    value: `${waiting} of ${sent} messages waiting at load end (half-load peak ${steadyPeak}), runtime memory x${comparison.ratio}, unaccounted ${overload.unaccounted}`,
    met: backlogGrew && comparison.met === true,
  };
  return { comparisons: [comparison], goals: [goal] };
};

export const accountedGoal = (runs: readonly RunResult[]): Goal => {
  const unaccounted = sum(runs.map((run) => run.unaccounted));
  return {
    name: 'every image accounted for',
    goal: '0 unaccounted',
    value: String(unaccounted),
    met: unaccounted === 0,
  };
};
