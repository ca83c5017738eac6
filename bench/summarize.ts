/** Turns what a run recorded (uploads, stage records, samples, batch reports) into its figures. */
import { consumerNames } from '../lambdas/shared/constants';
import type { Rate } from './load';
import { allDone, allDoneAt, type StageTimes } from './stages';
import { distribution, makespanRate, maxOverlap, perSecond, round, steadyRate } from './stats';
import type {
  ConsumerConcurrency,
  CpuFigures,
  MemoryFigures,
  RunResult,
  Sample,
  Timeline,
  UploadRecord,
} from './types';

/** One finished invocation, as the event source reported it (epoch milliseconds). */
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
  readonly memory?: MemoryFigures;
  readonly cpu?: CpuFigures;
  readonly accounting?: Readonly<Record<string, number>>;
  /** Images not accounted for; without an accounting, the uploads with a stage missing. */
  readonly unaccounted?: number;
}

const mb = (bytes: number) => round(bytes / 1e6, 1);

const timelineOf = (record: RunRecord, doneAt: Map<string, number>, uploadedAt: Map<string, number>) => {
  const { uploads, stages, samples = [] } = record;
  const start = Math.min(...uploads.map((upload) => upload.startedAt));
  const ends = [
    ...uploads.map((upload) => upload.endedAt),
    ...doneAt.values(),
    ...samples.map((sample) => sample.at),
  ];
  const seconds = Math.max(1, Math.ceil((Math.max(...ends) - start) / 1000));
  const completedByConsumer = Object.fromEntries(
    consumerNames.map((consumer) => [
      consumer,
      perSecond(
        [...stages.values()].flatMap((entry) => (entry[consumer] ? [entry[consumer].at] : [])),
        start,
        seconds,
      ),
    ]),
  );
  const latencies: number[][] = Array.from({ length: seconds }, () => []);
  for (const [key, at] of doneAt) {
    const bucket = latencies[Math.floor((at - start) / 1000)];
    bucket?.push(at - (uploadedAt.get(key) ?? at));
  }
  // The sample taken in (or last before the end of) each second.
  const sampleAt = (second: number) => {
    const end = start + (second + 1) * 1000;
    let found: Sample | undefined;
    for (const sample of samples) {
      if (sample.at > end) break;
      found = sample;
    }
    return found;
  };
  const fromSamples = (pick: (sample: Sample) => number) =>
    Array.from({ length: seconds }, (_, second) => {
      const sample = sampleAt(second);
      return sample === undefined ? 0 : pick(sample);
    });
  const sum = (sample: Sample, field: 'backlog' | 'notVisible' | 'invocationsInFlight') =>
    Object.values(sample.consumers).reduce((total, consumer) => total + consumer[field], 0);
  const labels = samples[0] === undefined ? [] : Object.keys(samples[0].consumers);
  const timeline: Timeline = {
    seconds,
    uploads: perSecond(
      uploads.map((upload) => upload.endedAt),
      start,
      seconds,
    ),
    completed: perSecond([...doneAt.values()], start, seconds),
    completedByConsumer,
    p95LatencySeconds: latencies.map((values) => (values.length === 0 ? null : distribution(values).p95)),
    backlog: fromSamples((sample) => sum(sample, 'backlog')),
    queued: fromSamples((sample) => sum(sample, 'backlog') + sum(sample, 'notVisible')),
    backlogByConsumer: Object.fromEntries(
      labels.map((label) => [label, fromSamples((sample) => sample.consumers[label]?.backlog ?? 0)]),
    ),
    invocationsInFlight: fromSamples((sample) => sum(sample, 'invocationsInFlight')),
    rssMb: fromSamples((sample) => Math.round(sample.rssBytes / 1e6)),
    workingSetMb: fromSamples((sample) => Math.round((sample.rssBytes - sample.storedBytes) / 1e6)),
  };
  return timeline;
};

const concurrencyOf = (record: RunRecord): Record<string, ConsumerConcurrency> | undefined => {
  if (record.batches === undefined || record.mappings === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(record.mappings).map(([consumer, { cap, batchSize }]) => {
      const spans = (record.batches ?? []).filter((batch) => batch.consumer === consumer);
      const messages = spans.reduce((sum, batch) => sum + batch.size, 0);
      return [
        consumer,
        {
          cap,
          batchSize,
          maxInvocations: maxOverlap(spans),
          maxMessagesInFlight: maxOverlap(spans.map((batch) => ({ ...batch, weight: batch.size }))),
          invocations: spans.length,
          meanBatchSize: spans.length === 0 ? 0 : round(messages / spans.length, 2),
        },
      ];
    }),
  );
};

export const summarizeRun = (record: RunRecord): RunResult => {
  const { uploads, stages } = record;
  const succeeded = uploads.filter((upload) => upload.error === undefined);
  const uploadedAt = new Map(succeeded.map((upload) => [upload.key, upload.endedAt]));
  const doneAt = new Map<string, number>();
  for (const upload of succeeded) {
    const entry = stages.get(upload.key);
    if (entry !== undefined && allDone(entry)) doneAt.set(upload.key, allDoneAt(entry));
  }
  const latencyTo = (at: (key: string) => number | undefined) =>
    distribution(
      succeeded.flatMap((upload) => {
        const done = at(upload.key);
        return done === undefined ? [] : [done - upload.endedAt];
      }),
    );
  const firstStart = Math.min(...uploads.map((upload) => upload.startedAt));
  const lastEnd = Math.max(...uploads.map((upload) => upload.endedAt));
  const uploadSeconds = (lastEnd - firstStart) / 1000;
  // A run at `max` is saturated from the first upload to the last image done. A fixed-rate run is
  // measured while its load is applied, less the first tenth (queues filling): the arrival rate
  // below capacity, the capacity above it. After the load the drain runs with fewer consumers busy,
  // which would flatter the slow ones. A run too short to finish two images in that window falls
  // back on the middle of its completions.
  const loadEnd = Math.max(...uploads.map((upload) => upload.scheduledAt));
  const windowStart = firstStart + (loadEnd - firstStart) * 0.1;
  const rateOf = (times: number[]) => {
    if (record.rate === 'max') return makespanRate(times, firstStart);
    const during = times.filter((time) => time >= windowStart && time < loadEnd).length;
    return during >= 2 ? round(during / ((loadEnd - windowStart) / 1000), 3) : steadyRate(times);
  };
  const perConsumerTimes = (consumer: (typeof consumerNames)[number]) =>
    succeeded.flatMap((upload) => {
      const at = stages.get(upload.key)?.[consumer]?.at;
      return at === undefined ? [] : [at];
    });
  const queueDepth = (() => {
    const samples = record.samples ?? [];
    if (samples.length === 0) return undefined;
    const depth = (sample: Sample) =>
      Object.values(sample.consumers).reduce(
        (sum, consumer) => sum + consumer.backlog + consumer.notVisible,
        0,
      );
    const peakPerConsumer: Record<string, number> = {};
    for (const sample of samples) {
      for (const [label, consumer] of Object.entries(sample.consumers)) {
        peakPerConsumer[label] = Math.max(
          peakPerConsumer[label] ?? 0,
          consumer.backlog + consumer.notVisible,
        );
      }
    }
    const atLoadEnd = samples.filter((sample) => sample.at <= lastEnd).at(-1);
    return {
      peak: Math.max(...samples.map(depth)),
      atLoadEnd: atLoadEnd === undefined ? 0 : depth(atLoadEnd),
      peakVisible: Math.max(
        ...samples.map((sample) => Object.values(sample.consumers).reduce((sum, c) => sum + c.backlog, 0)),
      ),
      peakPerConsumer,
    };
  })();
  const concurrency = concurrencyOf(record);

  return {
    name: record.name,
    rate: record.rate,
    ...(record.requestedCount === undefined ? {} : { requestedCount: record.requestedCount }),
    ...(record.requestedDurationSeconds === undefined
      ? {}
      : { requestedDurationSeconds: record.requestedDurationSeconds }),
    uploads: {
      count: uploads.length,
      failed: uploads.length - succeeded.length,
      megabytes: mb(succeeded.reduce((sum, upload) => sum + upload.bytes, 0)),
      seconds: round(uploadSeconds, 2),
      rate: uploadSeconds > 0 ? round(uploads.length / uploadSeconds, 2) : 0,
      late: uploads.filter((upload) => upload.late).length,
      latency: distribution(uploads.map((upload) => upload.endedAt - upload.startedAt)),
    },
    throughput: {
      endToEnd: rateOf([...doneAt.values()]),
      overall: makespanRate([...doneAt.values()], firstStart),
      perConsumer: Object.fromEntries(
        consumerNames.map((consumer) => [consumer, rateOf(perConsumerTimes(consumer))]),
      ),
    },
    latency: {
      allDone: latencyTo((key) => doneAt.get(key)),
      perConsumer: Object.fromEntries(
        consumerNames.map((consumer) => [consumer, latencyTo((key) => stages.get(key)?.[consumer]?.at)]),
      ),
    },
    drainSeconds: doneAt.size === 0 ? 0 : round((Math.max(...doneAt.values()) - lastEnd) / 1000, 2),
    retried: record.retried ?? {},
    timeouts: record.timeouts ?? 0,
    errors: record.errors ?? 0,
    ...(concurrency ? { concurrency } : {}),
    ...(queueDepth ? { queueDepth } : {}),
    ...(record.coldStarts ? { coldStarts: record.coldStarts } : {}),
    ...(record.memory ? { memory: record.memory } : {}),
    ...(record.cpu ? { cpu: record.cpu } : {}),
    ...(record.accounting ? { accounting: record.accounting } : {}),
    unaccounted: record.unaccounted ?? succeeded.length - doneAt.size,
    timeline: timelineOf(record, doneAt, uploadedAt),
  };
};
