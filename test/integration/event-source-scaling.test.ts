/**
 * How the local SQS event source mapping scales, as AWS documents it: five concurrent batches to
 * start, growth with the backlog up to MaximumConcurrency, throttling over the function's reserved
 * concurrency, back-off on function errors. Times are the event source's own (its batch reports).
 */
import { describe, expect, it } from 'vitest';
import { type LocalPipeline, sqsScaling } from '../../local/emulator';
import type { LaneName } from '../fixtures/fidelity-app/app';
import {
  deliveries,
  depth,
  emptyQueue,
  invocationsOf,
  peakOverlap,
  reportsOf,
  sendBatch,
  type TimedReport,
  timeToReach,
} from '../helpers/event-source';
import { useFidelityFixture } from '../helpers/fidelity';
import { waitFor } from '../helpers/wait';

const lanesHere: LaneName[] = [
  'scaling',
  'backoffUnreported',
  'backoffReported',
  'reportedFailures',
  'reserved',
];
const waitMs = 30_000;
const testTimeoutMs = 60_000;

let pipeline: LocalPipeline;
const { observer, lane, statusOf } = useFidelityFixture('scaling-fixture-', lanesHere, (started) => {
  pipeline = started;
});

/** The reports of the first delivery of every message, once every message has had one. */
const firstDeliveries = (mapping: string, ids: readonly string[]) =>
  waitFor(
    () => {
      const first = reportsOf(observer, mapping).filter((report) =>
        [...report.receiveCounts.values()].every((count) => count === 1),
      );
      const covered = ids.every((id) => first.some((report) => report.receiveCounts.has(id)));
      return covered ? first : undefined;
    },
    { timeoutMs: waitMs, what: `the first delivery of ${ids.length} messages` },
  );

/**
 * The batches that started after the first wave was over: after every batch that had started
 * before `count` batches ended had itself ended (a receive under way when the count was reached
 * may still bring one more batch). Halving from at most 8 (the lanes' MaximumConcurrency), three
 * failures leave one batch at a time.
 */
const startedAfterFirstWave = (reports: readonly TimedReport[], count: number) => {
  const ended = reports.map((report) => report.endedAt).sort((a, b) => a - b);
  const since = ended[count - 1] ?? Number.POSITIVE_INFINITY;
  const waveEnd = Math.max(since, ...reports.filter((r) => r.startedAt < since).map((r) => r.endedAt));
  return reports.filter((report) => report.startedAt >= waveEnd);
};
const failuresToOneAtATime = 3;

/** The most batches running at the start of any of these, counting every batch of the lane. */
const peakAtStarts = (starts: readonly TimedReport[], all: readonly TimedReport[]) =>
  Math.max(
    0,
    ...starts.map(
      ({ startedAt }) =>
        all.filter((other) => other.startedAt <= startedAt && other.endedAt > startedAt).length,
    ),
  );

describe.concurrent('SQS event source mapping scaling', () => {
  it(
    'starts with five concurrent batches and adds one every 200 ms while messages wait, up to MaximumConcurrency (Configuring scaling behavior for SQS event source mappings)',
    async () => {
      const target = lane('scaling');
      const ids = await sendBatch(
        pipeline,
        target.url,
        Array.from({ length: 40 }, (_, n) => ({ body: { n, sleepMs: 600 } })),
      );
      const batches = await firstDeliveries(target.mapping, ids);
      const reached = timeToReach(batches);
      const started = Math.min(...batches.map((batch) => batch.startedAt));
      expect(peakOverlap(batches)).toBe(10);
      // Five at once, then one more per 200 ms from when messages started waiting: the sixth no
      // sooner than 200 ms in, the tenth no sooner than a second in.
      const msIn = (level: number) => (reached.get(level) ?? 0) - started;
      expect(msIn(sqsScaling.initialConcurrency)).toBeLessThan(msIn(sqsScaling.initialConcurrency + 1));
      expect(msIn(sqsScaling.initialConcurrency + 1)).toBeGreaterThanOrEqual(
        sqsScaling.growthIntervalMs - 10,
      );
      expect(msIn(10)).toBeGreaterThanOrEqual(5 * sqsScaling.growthIntervalMs - 50);
      expect(await statusOf(target.mapping)).toMatchObject({ concurrency: 10 });
      expect(ids.map((id) => deliveries(observer, id))).toEqual(ids.map(() => [1]));
    },
    testTimeoutMs,
  );

  const backoffLanes: [LaneName, string][] = [
    ['backoffUnreported', 'without ReportBatchItemFailures'],
    ['backoffReported', 'with ReportBatchItemFailures'],
  ];
  it.each(backoffLanes)(
    '%s: backs off to one batch at a time after function errors, %s (Handling errors for an SQS event source in Lambda)',
    async (name, _how) => {
      const target = lane(name);
      const ids = await sendBatch(
        pipeline,
        target.url,
        Array.from({ length: 12 }, (_, n) => ({ body: { n, sleepMs: 300, throwOnReceive: 1 } })),
      );
      const batches = await firstDeliveries(target.mapping, ids);
      expect(batches.every((report) => report.verdict.kind === 'all-failed')).toBe(true);
      const later = startedAfterFirstWave(batches, failuresToOneAtATime);
      expect(later.length).toBeGreaterThanOrEqual(3);
      // Each of them ran alone: nothing else of the lane was running when it started.
      expect(peakAtStarts(later, batches)).toBe(1);
    },
    testTimeoutMs,
  );

  it(
    'does not back off when the function reports failed messages instead of failing (Handling errors for an SQS event source in Lambda)',
    async () => {
      const target = lane('reportedFailures');
      const ids = await sendBatch(
        pipeline,
        target.url,
        Array.from({ length: 60 }, (_, n) => ({ body: { n, sleepMs: 300, failOnReceive: 1 } })),
      );
      const batches = await firstDeliveries(target.mapping, ids);
      expect(batches.every((report) => report.verdict.kind === 'partial')).toBe(true);
      const later = startedAfterFirstWave(batches, failuresToOneAtATime);
      // After as many reported failures, batches still run side by side.
      expect(peakAtStarts(later, batches)).toBeGreaterThanOrEqual(sqsScaling.initialConcurrency);
    },
    testTimeoutMs,
  );

  it(
    'throttles invocations over reserved concurrency; the throttled messages come back after the visibility timeout (Handling errors for an SQS event source in Lambda)',
    async () => {
      const target = lane('reserved');
      const ids = await sendBatch(
        pipeline,
        target.url,
        Array.from({ length: 5 }, (_, n) => ({ body: { n, sleepMs: 500 } })),
      );
      await waitFor(
        async () => (deepEqual(await depth(pipeline, target.url), emptyQueue) ? true : undefined),
        {
          timeoutMs: waitMs,
          what: 'every message processed and deleted',
        },
      );
      const reports = reportsOf(observer, target.mapping);
      const ran = reports.filter((report) => report.verdict.kind === 'all-succeeded');
      expect(peakOverlap(invocationsOf(observer, target.arn))).toBe(1);
      expect(ran.flatMap((report) => [...report.receiveCounts.keys()]).sort()).toEqual([...ids].sort());
      expect(
        reports.some(
          (report) => report.verdict.kind === 'all-failed' && /throttled/.test(report.verdict.reason),
        ),
      ).toBe(true);
      // Some were let go once their visibility timeout neared: they came back with a higher receive count.
      expect(ids.some((id) => (deliveries(observer, id)[0] ?? 0) >= 2)).toBe(true);
      expect((await statusOf(target.mapping)).throttles).toBeGreaterThan(0);
      expect(await depth(pipeline, target.dlqUrl)).toEqual(emptyQueue);
    },
    testTimeoutMs,
  );
});

const deepEqual = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);

it('reports no runtime error or warning along the way', () => {
  expect(observer.problems).toEqual([]);
});
