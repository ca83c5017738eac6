/**
 * Memory sizes: each deployed consumer handler, in a cold process of its own, on images at the 40 MP
 * pixel limit, recordConcurrency of them at once (or its whole batch); its peak RSS against the
 * memory size in lib/consumers.ts, and the size that would keep the headroom.
 */
import { type ConsumerName, consumerNames } from '../../lambdas/shared/constants';
import { consumerDefaults } from '../../lib/consumers';
import { type BenchObject, createSequencer, uploadBatch } from '../events';
import { stageReader } from '../pipeline/stages';
import { goals } from '../plan';
import { peakRssMb, round, sig } from '../stats';
import type { Comparison, PhaseReport } from '../types';
import type { Micro, Target } from './environment';
import { deployedHandler } from './handlers';
import { pixelLimitImages } from './samples';

export interface MemoryJob {
  readonly target: Target;
  readonly consumer: ConsumerName;
  /** One invocation's batch: each a copy of the same image under its own key. */
  readonly objects: readonly BenchObject[];
}

/** Peak memory of one consumer on a batch of images at the pixel limit, in a process of its own. */
export interface ConsumerMemory {
  readonly consumer: ConsumerName;
  /** Which image at the pixel limit (baseline or progressive JPEG). */
  readonly image: string;
  readonly imageBytes: number;
  /** Records in the batch, and records worked on at once. */
  readonly batchSize: number;
  readonly recordConcurrency: number;
  /** VmHWM of the consumer's process: everything Lambda counts as Max Memory Used. */
  readonly peakRssMb: number;
  /** RSS once the handler module is loaded, before the first invocation. */
  readonly loadedRssMb: number;
  /** The function's memory size in lib/consumers.ts. */
  readonly memorySizeMb: number;
  /** Share of the memory size left at the peak. */
  readonly headroom: number;
  /** Records the consumer recorded as processed; fewer means the peak is not that of the whole batch. */
  readonly processed: number;
  readonly recommendedMb: number;
}

/** A cold environment: the handler module is loaded, then invoked once on the batch. */
export const runMemoryJob = async ({ target, consumer, objects }: MemoryJob) => {
  const handler = await deployedHandler(consumer);
  const loadedRssMb = process.memoryUsage.rss() / 2 ** 20;
  await handler(uploadBatch(target.uploadsBucket, objects, createSequencer(), target.region));
  return { loadedRssMb, peakRssMb: peakRssMb() };
};

/** The smallest memory size, in 64 MB steps, that keeps the headroom free above the peak. */
const recommendMemorySize = (peak: number): number =>
  Math.max(128, Math.ceil(peak / (1 - goals.memoryHeadroom) / 64) * 64);

/** Records the consumer recorded as processed, from its own stage records. */
const processedBy = async (context: Micro, consumer: ConsumerName, objects: readonly BenchObject[]) => {
  const reader = stageReader(context.clients.dynamo, context.target.tableName, context.target.uploadsBucket);
  const stages = await reader.read(objects.map((object) => object.key));
  return objects.filter((object) => stages.get(object.key)?.[consumer]?.status === 'processed').length;
};

const measureImage = async (context: Micro, image: keyof typeof pixelLimitImages, wholeBatch: boolean) => {
  const recordsOf = (consumer: ConsumerName) =>
    consumerDefaults[consumer][wholeBatch ? 'batchSize' : 'recordConcurrency'];
  const body = await pixelLimitImages[image]();
  const objects = await context.upload(`memory-${image}`, [body], Math.max(...consumerNames.map(recordsOf)));
  const rows: ConsumerMemory[] = [];
  try {
    for (const consumer of consumerNames) {
      const { recordConcurrency, memorySize } = consumerDefaults[consumer];
      const batch = objects.slice(0, recordsOf(consumer));
      context.log(`memory: ${consumer} on ${batch.length} x ${image}, ${recordConcurrency} at once`);
      const env = { RECORD_CONCURRENCY: String(recordConcurrency) };
      const result = await context.run('memory', { target: context.target, consumer, objects: batch }, env);
      rows.push({
        consumer,
        image,
        imageBytes: body.length,
        batchSize: batch.length,
        recordConcurrency,
        peakRssMb: sig(result.peakRssMb, 4),
        loadedRssMb: sig(result.loadedRssMb, 4),
        memorySizeMb: memorySize,
        headroom: round((memorySize - result.peakRssMb) / memorySize, 2),
        processed: await processedBy(context, consumer, batch),
        recommendedMb: recommendMemorySize(result.peakRssMb),
      });
    }
  } finally {
    await context.remove(objects);
  }
  return rows;
};

/** One comparison per consumer: its worst peak against its memory size, every image's peak in the notes. */
const memoryComparison = (consumer: ConsumerName, rows: readonly ConsumerMemory[]): Comparison[] => {
  const mine = rows.filter((row) => row.consumer === consumer);
  const worst = mine.reduce<ConsumerMemory | undefined>(
    (top, row) => (top && top.peakRssMb >= row.peakRssMb ? top : row),
    undefined,
  );
  if (worst === undefined) return [];
  const ratio = worst.peakRssMb / worst.memorySizeMb;
  const notes = [
    ...mine.map(
      (row) =>
        `${row.image} (${sig(row.imageBytes / 2 ** 20)} MB): peak ${sig(row.peakRssMb)} MB, headroom ${Math.round(row.headroom * 100)}%, loaded ${sig(row.loadedRssMb)} MB; ${row.batchSize} records, ${row.recordConcurrency} at once`,
    ),
    `recommended memory size: ${worst.recommendedMb} MB (peak / ${1 - goals.memoryHeadroom}, rounded up to 64 MB)`,
    ...mine
      .filter((row) => row.processed < row.batchSize)
      .map((row) => `${row.image}: only ${row.processed} of ${row.batchSize} records processed`),
  ];
  return [
    {
      name: `memory: ${consumer}`,
      baseline: { label: 'memory size (lib/consumers.ts)', value: worst.memorySizeMb, unit: 'MB' },
      candidate: { label: `peak RSS, ${worst.image}`, value: sig(worst.peakRssMb), unit: 'MB' },
      ratio: sig(ratio),
      goal: `<= ${1 - goals.memoryHeadroom} (${goals.memoryHeadroom * 100}% headroom)`,
      met: ratio <= 1 - goals.memoryHeadroom,
      notes,
    },
  ];
};

export const measureMemory = async (context: Micro): Promise<PhaseReport> => {
  const memory: ConsumerMemory[] = [];
  for (const { image, wholeBatch } of context.plan.memory)
    memory.push(...(await measureImage(context, image, wholeBatch)));
  return { memory, comparisons: consumerNames.flatMap((consumer) => memoryComparison(consumer, memory)) };
};
