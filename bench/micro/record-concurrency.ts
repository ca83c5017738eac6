/**
 * Bounded record concurrency: the deployed thumbnail handler on a batch of ten 12 MP JPEGs with its
 * bound (recordConcurrency from lib/consumers.ts) against every record at once, as Powertools'
 * processPartialResponse runs them (Promise.all). Each side in its own process, for a clean peak.
 */
import { consumerDefaults } from '../../lib/consumers';
import { type BenchObject, createSequencer, uploadBatch } from '../events';
import { goals, micro } from '../plan';
import { peakRssMb, rssWatch, side, sig, sum } from '../stats';
import type { Comparison } from '../types';
import type { Micro, Target } from './environment';
import { alternated, deployedHandler } from './handlers';
import { phonePhotos, smallPhotos } from './samples';

export interface RecordConcurrencyJob {
  readonly target: Target;
  /** One batch: every object is one record. */
  readonly objects: readonly BenchObject[];
  /** A small image worked on first, so that loading sharp and connecting is not timed. */
  readonly warmup: BenchObject;
}

/** The thumbnail handler (RECORD_CONCURRENCY from the job's environment) on one batch of large images. */
export const runRecordConcurrencyJob = async ({ target, objects, warmup }: RecordConcurrencyJob) => {
  const nextSequencer = createSequencer();
  const handler = await deployedHandler('thumbnail');
  await handler(uploadBatch(target.uploadsBucket, [warmup], nextSequencer, target.region));
  const warmRssMb = process.memoryUsage.rss() / 2 ** 20;
  const sampled = rssWatch(20);
  const started = performance.now();
  const response = await handler(uploadBatch(target.uploadsBucket, objects, nextSequencer, target.region));
  const seconds = (performance.now() - started) / 1000;
  sampled.stop();
  if (response.batchItemFailures.length > 0)
    throw new Error(`${response.batchItemFailures.length} records failed`);
  return {
    images: objects.length,
    seconds,
    peakRssMb: peakRssMb(),
    sampledPeakRssMb: sampled.peak() / 2 ** 20,
    warmRssMb,
  };
};
type Run = Awaited<ReturnType<typeof runRecordConcurrencyJob>>;

const describe = (label: string, runs: readonly Run[]) =>
  `${label}: ${runs.map((r) => `${sig(r.images / r.seconds)} img/s, peak ${sig(r.peakRssMb)} MB (sampled every 20 ms ${sig(r.sampledPeakRssMb)}, warm ${sig(r.warmRssMb)})`).join('; ')}`;

export const compareRecordConcurrency = async (context: Micro): Promise<Comparison[]> => {
  const bound = consumerDefaults.thumbnail.recordConcurrency;
  const size = micro.recordConcurrencyBatch;
  const objects = await context.upload('record-concurrency', await phonePhotos(), size);
  const [warmup] = await context.upload('record-concurrency-warmup', await smallPhotos(1), 1);
  if (warmup === undefined) throw new Error('No warm-up image');
  const atOnce = { all: size, bounded: bound } as const;
  const runs: Record<keyof typeof atOnce, Run[]> = { all: [], bounded: [] };
  for (let round = 0; round < context.plan.recordConcurrency.rounds; round++) {
    for (const which of alternated(['all', 'bounded'] as const, round)) {
      context.log(`record concurrency: ${atOnce[which]} at once (round ${round + 1})`);
      const job = { target: context.target, objects, warmup };
      runs[which].push(
        await context.run('record-concurrency', job, { RECORD_CONCURRENCY: String(atOnce[which]) }),
      );
    }
  }
  const speed = (list: readonly Run[]) => sum(list.map((r) => r.images)) / sum(list.map((r) => r.seconds));
  const peak = (list: readonly Run[]) => Math.max(...list.map((r) => r.peakRssMb));
  const [all, bounded] = [`${size} at once (Promise.all)`, `${bound} at once (p-limit)`];
  const notes = [
    describe(`${size} at once`, runs.all),
    describe(`${bound} at once`, runs.bounded),
    `one process per run (${context.plan.recordConcurrency.rounds} run(s) a side, alternated), one batch of ${size} x 12 MP JPEG (1.8 MB) each after a warm-up image; peak = VmHWM of the whole process`,
    'sharp runs on libuv\'s pool (4 threads by default, on Lambda too): "all at once" decodes at most 4 images together, and holds the other downloads meanwhile',
  ];
  const speedRatio = speed(runs.bounded) / speed(runs.all);
  const peakRatio = peak(runs.bounded) / peak(runs.all);
  return [
    {
      name: 'record concurrency: thumbnail throughput',
      baseline: side(all, speed(runs.all), 'img/s'),
      candidate: side(bounded, speed(runs.bounded), 'img/s'),
      ratio: sig(speedRatio),
      goal: `>= ${goals.boundedThroughput} (same or better, within noise)`,
      met: speedRatio >= goals.boundedThroughput,
      notes,
    },
    {
      name: 'record concurrency: thumbnail peak RSS',
      baseline: side(all, peak(runs.all), 'MB'),
      candidate: side(bounded, peak(runs.bounded), 'MB'),
      ratio: sig(peakRatio),
      goal: '< 1 (lower peak)',
      met: peakRatio < 1,
    },
  ];
};
