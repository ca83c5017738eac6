import { loadavg } from 'node:os';
import { consumerDefaults } from '../../../lib/consumers';
import type { RunContext } from '../context';
import { round, sum } from '../measure';
import { phonePhotos } from '../samples';
import type { Comparison } from '../types';
import type { ThumbnailSide, ThumbnailVsSharpResult } from './job';

const goal = 0.9;

const rate = (result: ThumbnailVsSharpResult, side: ThumbnailSide) =>
  result.samples.filter((s) => s.side === side).map((s) => s.images / s.seconds);

/** CPU per image of the job's process, and of the backend, over every run of the side. */
const cpuPerImage = (result: ThumbnailVsSharpResult, side: ThumbnailSide) => {
  const runs = result.samples.filter((s) => s.side === side);
  const images = sum(runs.map((s) => s.images));
  return {
    own: sum(runs.map((s) => s.cpuMs)) / images,
    backend: sum(runs.map((s) => s.backendCpuMs ?? 0)) / images,
  };
};

/** Images a second over every run of the side: alternated runs share out the machine's drifting load. */
const overall = (result: ThumbnailVsSharpResult, side: ThumbnailSide) => {
  const runs = result.samples.filter((s) => s.side === side);
  return sum(runs.map((s) => s.images)) / sum(runs.map((s) => s.seconds));
};

/**
 * Comparison 6: the thumbnail consumer (handler in-process, embedded S3 and table) against sharp
 * alone making the same six renditions of the same 12 MP images at the same concurrency.
 */
export const compareThumbnailWithSharp = async (context: RunContext): Promise<Comparison[]> => {
  const { environment, plan, log } = context;
  const { recordConcurrency, batchSize } = consumerDefaults.thumbnail;
  const objects = await environment.upload('thumbnail-vs-sharp', await phonePhotos(), plan.thumbnail.images);
  log(`thumbnail vs sharp alone: ${plan.thumbnail.rounds} round(s) of ${objects.length} images a side`);
  const loadBefore = loadavg()[0] ?? 0;
  const result = await context.run({
    kind: 'thumbnail-vs-sharp',
    target: environment.target,
    objects,
    concurrency: recordConcurrency,
    batchSize,
    rounds: plan.thumbnail.rounds,
  });
  const load = [loadBefore, loadavg()[0] ?? 0].map((value) => value.toFixed(1)).join(' -> ');
  const sharpAlone = overall(result, 'sharp');
  const consumer = overall(result, 'consumer');
  const sharpRuns = rate(result, 'sharp');
  const cpu = { sharp: cpuPerImage(result, 'sharp'), consumer: cpuPerImage(result, 'consumer') };
  const pairs = rate(result, 'consumer').map((value, index) =>
    round(value / (sharpRuns[index] ?? Number.NaN)),
  );
  const ratio = consumer / sharpAlone;
  return [
    {
      name: 'thumbnail consumer vs sharp alone',
      baseline: { label: 'sharp alone, same renditions', value: round(sharpAlone), unit: 'img/s' },
      candidate: { label: 'thumbnail consumer (handler)', value: round(consumer), unit: 'img/s' },
      ratio: round(ratio),
      goal: `>= ${goal}`,
      met: ratio >= goal,
      notes: [
        `runs (img/s): sharp ${sharpRuns.map((v) => round(v)).join(', ')}; consumer ` +
          `${rate(result, 'consumer')
            .map((v) => round(v))
            .join(', ')}; consumer/sharp per round ${pairs.join(', ')}; load average ${load}`,
        `CPU per image: sharp alone ${round(cpu.sharp.own)} ms; consumer ${round(cpu.consumer.own)} ms in its ` +
          `process + ${round(cpu.consumer.backend)} ms in the backend (S3, table); by the consumer's own CPU ` +
          `(S3 elsewhere, as on AWS) the ratio would be ${round(cpu.sharp.own / cpu.consumer.own)}`,
        `${objects.length} x 12 MP JPEG per run, ${recordConcurrency} at once on both sides (recordConcurrency), ` +
          `consumer in batches of ${batchSize} one after another; 6 renditions (128/512/1024 px, JPEG q80 + WebP q80)`,
        'sharp alone: bodies already in memory, decode once at 1024 px (shrink-on-load), smaller widths from ' +
          'the previous one; the consumer adds S3 GET, sniff and truncation checks, the header read, ' +
          '6 S3 PUTs, a LIST and a conditional PutItem per image, a BatchGetItem per batch, against a backend on the same 2 cores',
      ],
    },
  ];
};
