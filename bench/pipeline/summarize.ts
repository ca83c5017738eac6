/** Turns what a run recorded (uploads, stage records, samples, batch reports) into its figures. */
import { type ConsumerName, consumerNames } from '../../lambdas/shared/constants';
import {
  type cpuSince,
  distribution,
  makespanRate,
  maxOverlap,
  perSecond,
  round,
  steadyRate,
  sum,
} from '../stats';
import type { BackPressureSummary, Rate, Sample, UploadRecord } from '../types';
import type { memoryFigures } from './measured-run';
import { allDone, allDoneAt, type StageTimes } from './stages';

/** One finished invocation, as the event source reported it. */
export interface BatchSpan {
  readonly consumer: string;
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

export interface RunRecord {
  readonly name: string;
  readonly rate: Rate;
  readonly requestedCount?: number;
  readonly requestedDurationSeconds?: number;
  readonly uploads: readonly UploadRecord[];
  readonly stages: StageTimes;
  readonly samples?: readonly Sample[];
  readonly batches?: readonly BatchSpan[];
  /** Per consumer: the cap and batch size it ran with. */
  readonly mappings?: Readonly<Record<string, { cap: number; batchSize: number }>>;
  readonly retried?: Readonly<Record<string, number>>;
  readonly coldStarts?: Readonly<Record<string, number>>;
  readonly timeouts?: number;
  readonly errors?: number;
  readonly memory?: ReturnType<typeof memoryFigures>;
  /** CPU of this whole process over the run (every thread: backend, runtime, functions). */
  readonly cpu?: ReturnType<typeof cpuSince>;
  readonly accounting?: Readonly<Record<string, number>>;
  /** Images not accounted for; without an accounting, the uploads with a stage missing. */
  readonly unaccounted?: number;
  readonly backPressure?: BackPressureSummary;
}

/** When each accepted upload was done by all four, and by each consumer. */
const completions = (record: RunRecord) => {
  const succeeded = record.uploads.filter((upload) => upload.error === undefined);
  const doneAt = new Map<string, number>();
  for (const upload of succeeded) {
    const entry = record.stages.get(upload.key);
    if (allDone(entry)) doneAt.set(upload.key, allDoneAt(entry ?? {}));
  }
  const consumerAt = (consumer: ConsumerName) => (key: string) => record.stages.get(key)?.[consumer]?.at;
  return { succeeded, doneAt, consumerAt };
};

const sumOver = (sample: Sample, field: 'backlog' | 'notVisible' | 'invocationsInFlight') =>
  Object.values(sample.consumers).reduce((total, consumer) => total + consumer[field], 0);

/** One value per second of the run, from its first upload, for the chart. */
const timelineOf = (record: RunRecord, doneAt: ReadonlyMap<string, number>) => {
  const { uploads, stages, samples = [] } = record;
  const start = Math.min(...uploads.map((upload) => upload.startedAt));
  const ends = [...uploads.map((upload) => upload.endedAt), ...doneAt.values(), ...samples.map((s) => s.at)];
  const seconds = Math.max(1, Math.ceil((Math.max(...ends) - start) / 1000));
  const uploadedAt = new Map(uploads.map((upload) => [upload.key, upload.endedAt]));
  const latencies: number[][] = Array.from({ length: seconds }, () => []);
  for (const [key, at] of doneAt)
    latencies[Math.floor((at - start) / 1000)]?.push(at - (uploadedAt.get(key) ?? at));
  // The sample taken in (or last before the end of) each second.
  const fromSamples = (pick: (sample: Sample) => number) =>
    Array.from({ length: seconds }, (_, second) => {
      const sample = samples.findLast((s) => s.at <= start + (second + 1) * 1000);
      return sample === undefined ? 0 : pick(sample);
    });
  const labels = Object.keys(samples[0]?.consumers ?? {});
  const counts = (times: readonly number[]) => perSecond(times, start, seconds);
  return {
    seconds,
    uploads: counts(uploads.map((upload) => upload.endedAt)),
    completed: counts([...doneAt.values()]),
    completedByConsumer: Object.fromEntries(
      consumerNames.map((c) => [c, counts([...stages.values()].flatMap((e) => e[c]?.at ?? []))]),
    ),
    p95LatencySeconds: latencies.map((values) => (values.length === 0 ? null : distribution(values).p95)),
    backlog: fromSamples((sample) => sumOver(sample, 'backlog')),
    queued: fromSamples((sample) => sumOver(sample, 'backlog') + sumOver(sample, 'notVisible')),
    backlogByConsumer: Object.fromEntries(
      labels.map((label) => [label, fromSamples((sample) => sample.consumers[label]?.backlog ?? 0)]),
    ),
    invocationsInFlight: fromSamples((sample) => sumOver(sample, 'invocationsInFlight')),
    rssMb: fromSamples((sample) => Math.round(sample.rssBytes / 1e6)),
    workingSetMb: fromSamples((sample) => Math.round((sample.rssBytes - sample.storedBytes) / 1e6)),
  };
};

/** Per consumer: the most invocations and messages held at once, exact from every batch's start and end. */
const concurrencyOf = (record: RunRecord) => {
  if (record.batches === undefined || record.mappings === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(record.mappings).map(([consumer, { cap, batchSize }]) => {
      const spans = (record.batches ?? []).filter((batch) => batch.consumer === consumer);
      const messages = sum(spans.map((batch) => batch.size));
      const figures = {
        cap,
        batchSize,
        maxInvocations: maxOverlap(spans),
        maxMessagesInFlight: maxOverlap(spans.map((batch) => ({ ...batch, weight: batch.size }))),
        invocations: spans.length,
        meanBatchSize: spans.length === 0 ? 0 : round(messages / spans.length, 2),
      };
      return [consumer, figures];
    }),
  );
};

/** Messages not yet done over the four queues: peak, peak visible, per consumer, and when the load stopped. */
const queueDepthOf = (samples: readonly Sample[], loadEnd: number) => {
  if (samples.length === 0) return undefined;
  const depth = (sample: Sample) => sumOver(sample, 'backlog') + sumOver(sample, 'notVisible');
  const labels = Object.keys(samples[0]?.consumers ?? {});
  const atLoadEnd = samples.findLast((sample) => sample.at <= loadEnd);
  return {
    peak: Math.max(...samples.map(depth)),
    atLoadEnd: atLoadEnd === undefined ? 0 : depth(atLoadEnd),
    peakVisible: Math.max(...samples.map((sample) => sumOver(sample, 'backlog'))),
    peakPerConsumer: Object.fromEntries(
      labels.map((label) => [
        label,
        Math.max(
          ...samples.map((s) => (s.consumers[label]?.backlog ?? 0) + (s.consumers[label]?.notVisible ?? 0)),
        ),
      ]),
    ),
  };
};

/**
 * A run at `max` is saturated from the first upload to the last image done. A fixed-rate run is
 * measured while its load is applied, less the first tenth (queues filling): the arrival rate below
 * capacity, the capacity above it; after the load the drain runs with fewer consumers busy, which
 * would flatter the slow ones. A run too short to finish two images in that window falls back on
 * the middle of its completions.
 */
const rateFor = (record: RunRecord) => {
  const firstStart = Math.min(...record.uploads.map((upload) => upload.startedAt));
  const loadEnd = Math.max(...record.uploads.map((upload) => upload.scheduledAt));
  const windowStart = firstStart + (loadEnd - firstStart) * 0.1;
  return (times: readonly number[]) => {
    if (record.rate === 'max') return makespanRate(times, firstStart);
    const during = times.filter((time) => time >= windowStart && time < loadEnd).length;
    return during >= 2 ? round(during / ((loadEnd - windowStart) / 1000), 3) : steadyRate(times);
  };
};

const uploadFigures = (uploads: readonly UploadRecord[], succeeded: readonly UploadRecord[]) => {
  const seconds =
    (Math.max(...uploads.map((u) => u.endedAt)) - Math.min(...uploads.map((u) => u.startedAt))) / 1000;
  return {
    count: uploads.length,
    failed: uploads.length - succeeded.length,
    megabytes: round(sum(succeeded.map((upload) => upload.bytes)) / 1e6, 1),
    seconds: round(seconds, 2),
    rate: seconds > 0 ? round(uploads.length / seconds, 2) : 0,
    late: uploads.filter((upload) => upload.late).length,
    latency: distribution(uploads.map((upload) => upload.endedAt - upload.startedAt)),
  };
};

export const summarizeRun = (record: RunRecord) => {
  const { succeeded, doneAt, consumerAt } = completions(record);
  const latencyTo = (at: (key: string) => number | undefined) =>
    distribution(
      succeeded.flatMap((upload) => {
        const done = at(upload.key);
        return done === undefined ? [] : [done - upload.endedAt];
      }),
    );
  const rateOf = rateFor(record);
  const firstStart = Math.min(...record.uploads.map((upload) => upload.startedAt));
  const lastEnd = Math.max(...record.uploads.map((upload) => upload.endedAt));
  const perConsumer = <T>(figure: (consumer: ConsumerName) => T) =>
    Object.fromEntries(consumerNames.map((consumer) => [consumer, figure(consumer)]));
  const timesOf = (consumer: ConsumerName) =>
    succeeded.flatMap((upload) => consumerAt(consumer)(upload.key) ?? []);
  return {
    name: record.name,
    rate: record.rate,
    // Figures a run does not have are left undefined, so the JSON leaves them out.
    requestedCount: record.requestedCount,
    requestedDurationSeconds: record.requestedDurationSeconds,
    uploads: uploadFigures(record.uploads, succeeded),
    throughput: {
      endToEnd: rateOf([...doneAt.values()]),
      overall: makespanRate([...doneAt.values()], firstStart),
      perConsumer: perConsumer((consumer) => rateOf(timesOf(consumer))),
    },
    latency: {
      allDone: latencyTo((key) => doneAt.get(key)),
      perConsumer: perConsumer((consumer) => latencyTo(consumerAt(consumer))),
    },
    drainSeconds: doneAt.size === 0 ? 0 : round((Math.max(...doneAt.values()) - lastEnd) / 1000, 2),
    retried: record.retried ?? {},
    timeouts: record.timeouts ?? 0,
    errors: record.errors ?? 0,
    concurrency: concurrencyOf(record),
    queueDepth: queueDepthOf(record.samples ?? [], lastEnd),
    coldStarts: record.coldStarts,
    memory: record.memory,
    cpu: record.cpu,
    accounting: record.accounting,
    backPressure: record.backPressure,
    unaccounted: record.unaccounted ?? succeeded.length - doneAt.size,
    timeline: timelineOf(record, doneAt),
  };
};
