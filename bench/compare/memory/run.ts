import { type ConsumerName, consumerNames } from '../../../lambdas/shared/constants';
import { consumerDefaults } from '../../../lib/consumers';
import type { RunContext } from '../context';
import { round } from '../measure';
import { memoryHeadroom } from '../plan';
import { pixelLimitImages } from '../samples';
import type { Comparison, ConsumerMemory } from '../types';

/** The smallest memory size, in 64 MB steps, that keeps `memoryHeadroom` free above the peak. */
export const recommendMemorySize = (peakRssMb: number): number =>
  Math.max(128, Math.ceil(peakRssMb / (1 - memoryHeadroom) / 64) * 64);

/**
 * Comparison 7: each consumer, in its own process, on images at the 40 MP pixel limit,
 * recordConcurrency of them at once; peak RSS against the memory size in lib/consumers.ts.
 */
export const measureMemory = async (context: RunContext): Promise<ConsumerMemory[]> => {
  const { environment, plan, log } = context;
  const { invocations } = plan.memory;
  const rows: ConsumerMemory[] = [];
  for (const { image, wholeBatch } of plan.memory.runs) {
    const recordsOf = (consumer: ConsumerName) =>
      wholeBatch ? consumerDefaults[consumer].batchSize : consumerDefaults[consumer].recordConcurrency;
    const body = await pixelLimitImages[image]();
    const objects = await environment.upload(
      `memory-${image}`,
      [body],
      Math.max(...consumerNames.map(recordsOf)),
    );
    try {
      for (const consumer of consumerNames) {
        const settings = consumerDefaults[consumer];
        const records = recordsOf(consumer);
        log(`memory: ${consumer} on ${records} x ${image}, ${settings.recordConcurrency} at once`);
        const result = await context.run({
          kind: 'memory',
          target: environment.target,
          consumer,
          objects: objects.slice(0, records),
          recordConcurrency: settings.recordConcurrency,
          invocations,
        });
        rows.push({
          consumer,
          image,
          imageBytes: body.length,
          batchSize: records,
          recordConcurrency: settings.recordConcurrency,
          peakRssMb: round(result.peakRssMb, 4),
          loadedRssMb: round(result.loadedRssMb, 4),
          memorySizeMb: settings.memorySize,
          headroom: round((settings.memorySize - result.peakRssMb) / settings.memorySize, 2),
          processed: Math.round(result.created / invocations),
        });
      }
    } finally {
      await environment.remove(objects);
    }
  }
  return rows;
};

/** One row per consumer: its worst peak against its memory size, with every image's peak in the notes. */
export const memoryComparisons = (rows: readonly ConsumerMemory[], invocations: number): Comparison[] =>
  consumerNames.flatMap((consumer) => {
    const mine = rows.filter((row) => row.consumer === consumer);
    const worst = mine.reduce<ConsumerMemory | undefined>(
      (top, row) => (top === undefined || row.peakRssMb > top.peakRssMb ? row : top),
      undefined,
    );
    if (worst === undefined) return [];
    const ratio = worst.peakRssMb / worst.memorySizeMb;
    const incomplete = mine.filter((row) => row.processed < row.batchSize);
    return [
      {
        name: `memory: ${consumer}`,
        baseline: { label: 'memory size (lib/consumers.ts)', value: worst.memorySizeMb, unit: 'MB' },
        candidate: { label: `peak RSS, ${worst.image}`, value: round(worst.peakRssMb), unit: 'MB' },
        ratio: round(ratio),
        goal: `<= ${1 - memoryHeadroom} (${memoryHeadroom * 100}% headroom)`,
        met: ratio <= 1 - memoryHeadroom,
        notes: [
          ...mine.map(
            (row) =>
              `${row.image} (${round(row.imageBytes / 1024 / 1024)} MB): peak ${round(row.peakRssMb)} MB, ` +
              `headroom ${Math.round(row.headroom * 100)}%, loaded ${round(row.loadedRssMb)} MB; ` +
              `${row.batchSize} records, ${row.recordConcurrency} at once, ${invocations} invocation(s)`,
          ),
          `recommended memory size: ${recommendMemorySize(worst.peakRssMb)} MB ` +
            `(peak / ${1 - memoryHeadroom}, rounded up to 64 MB)`,
          ...incomplete.map(
            (row) => `${row.image}: only ${row.processed} of ${row.batchSize} records processed`,
          ),
        ],
      },
    ];
  });
