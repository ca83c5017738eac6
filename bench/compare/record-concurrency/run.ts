import { consumerDefaults } from '../../../lib/consumers';
import type { RunContext } from '../context';
import { round, sum } from '../measure';
import { phonePhotos, smallPhotos } from '../samples';
import type { Comparison } from '../types';
import type { RecordConcurrencyResult } from './job';

const batchSize = 10;

/**
 * Comparison 3: the thumbnail consumer on a batch of ten 12 MP JPEGs with our bound
 * (recordConcurrency from lib/consumers.ts) against every record at once, as Powertools'
 * processPartialResponse runs them (Promise.all). Each side in its own process, for a clean peak.
 */
export const compareRecordConcurrency = async (context: RunContext): Promise<Comparison[]> => {
  const { environment, plan, log } = context;
  const bound = consumerDefaults.thumbnail.recordConcurrency;
  const objects = await environment.upload('record-concurrency', await phonePhotos(), batchSize);
  const [warmup] = await environment.upload('record-concurrency-warmup', await smallPhotos(1), 1);
  if (warmup === undefined) throw new Error('No warm-up image');
  const sides = { all: batchSize, bounded: bound } as const;
  const results: Record<keyof typeof sides, RecordConcurrencyResult[]> = { all: [], bounded: [] };
  for (let round = 0; round < plan.recordConcurrency.rounds; round++) {
    const order = round % 2 === 0 ? (['all', 'bounded'] as const) : (['bounded', 'all'] as const);
    for (const side of order) {
      log(
        `record concurrency: ${sides[side]} at once (round ${round + 1} of ${plan.recordConcurrency.rounds})`,
      );
      results[side].push(
        await context.run({
          kind: 'record-concurrency',
          target: environment.target,
          objects,
          warmup,
          recordConcurrency: sides[side],
          batches: plan.recordConcurrency.batchesPerProcess,
        }),
      );
    }
  }
  const throughput = (runs: readonly RecordConcurrencyResult[]) =>
    sum(runs.map((r) => r.images)) / sum(runs.map((r) => r.seconds));
  const peak = (runs: readonly RecordConcurrencyResult[]) => Math.max(...runs.map((r) => r.peakRssMb));
  const describe = (label: string, runs: readonly RecordConcurrencyResult[]) =>
    `${label}: ${runs.map((r) => `${round(r.images / r.seconds)} img/s, peak ${round(r.peakRssMb)} MB (sampled every 20 ms ${round(r.sampledPeakRssMb)}, warm ${round(r.warmRssMb)})`).join('; ')}`;
  const all = { speed: throughput(results.all), peak: peak(results.all) };
  const bounded = { speed: throughput(results.bounded), peak: peak(results.bounded) };
  const failed = sum([...results.all, ...results.bounded].map((r) => r.failed));
  const notes = [
    describe(`${batchSize} at once`, results.all),
    describe(`${bound} at once`, results.bounded),
    `one process per run (${plan.recordConcurrency.rounds} run(s) a side, alternated), ` +
      `${plan.recordConcurrency.batchesPerProcess} batch(es) of ${batchSize} x 12 MP JPEG (1.8 MB) each after a warm-up image; ` +
      'peak = VmHWM of the whole process',
    'sharp runs on libuv\'s pool (4 threads by default, on Lambda too): "all at once" decodes at most 4 ' +
      'images together, and holds the other downloads meanwhile',
    ...(failed > 0 ? [`${failed} records failed; figures are suspect`] : []),
  ];
  return [
    {
      name: 'record concurrency: thumbnail throughput',
      baseline: { label: `${batchSize} at once (Promise.all)`, value: round(all.speed), unit: 'img/s' },
      candidate: { label: `${bound} at once (p-limit)`, value: round(bounded.speed), unit: 'img/s' },
      ratio: round(bounded.speed / all.speed),
      goal: '>= 0.95 (same or better, within noise)',
      met: bounded.speed / all.speed >= 0.95,
      notes,
    },
    {
      name: 'record concurrency: thumbnail peak RSS',
      baseline: { label: `${batchSize} at once (Promise.all)`, value: round(all.peak), unit: 'MB' },
      candidate: { label: `${bound} at once (p-limit)`, value: round(bounded.peak), unit: 'MB' },
      ratio: round(bounded.peak / all.peak),
      goal: '< 1 (lower peak)',
      met: bounded.peak < all.peak,
    },
  ];
};
