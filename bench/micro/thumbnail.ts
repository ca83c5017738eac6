/**
 * The deployed thumbnail handler against its own renderer (renderThumbnails, lambdas/thumbnail/render.ts)
 * on the same 12 MP images already in memory, at the same concurrency: the baseline cannot drift from
 * the consumer's algorithm.
 */
import pLimit from 'p-limit';
import { createAwsClients } from '../../lambdas/shared/clients';
import { imageLimitsFromEnv } from '../../lambdas/shared/image';
import { thumbnailSettingsFromEnv } from '../../lambdas/thumbnail/config';
import { renderThumbnails } from '../../lambdas/thumbnail/render';
import { consumerDefaults } from '../../lib/consumers';
import { type BenchObject, createSequencer, uploadBatch } from '../events';
import { goals } from '../plan';
import { cpuMs, loadAverage, loadSince, parentCpuMs, side, sig, sum } from '../stats';
import type { Comparison } from '../types';
import type { Micro, Target } from './environment';
import { alternated, deployedHandler, fetchBodies } from './handlers';
import { phonePhotos } from './samples';

const sides = ['renderer', 'consumer'] as const;
type Side = (typeof sides)[number];

export interface ThumbnailJob {
  readonly target: Target;
  readonly objects: readonly BenchObject[];
  /** Images at once on both sides: the consumer's recordConcurrency. */
  readonly concurrency: number;
  readonly batchSize: number;
  readonly rounds: number;
}

interface ThumbnailSample {
  readonly side: Side;
  readonly images: number;
  readonly seconds: number;
  /** CPU of this process (every thread) and of the parent, which hosts S3 and the table. */
  readonly cpuMs: number;
  readonly backendCpuMs: number;
}

export const runThumbnailJob = async (job: ThumbnailJob): Promise<ThumbnailSample[]> => {
  const { target } = job;
  const nextSequencer = createSequencer();
  const handler = await deployedHandler('thumbnail');
  const bodies = await fetchBodies(createAwsClients().s3, target.uploadsBucket, job.objects);
  const [limits, settings] = [imageLimitsFromEnv(), thumbnailSettingsFromEnv()];
  const limit = pLimit(job.concurrency);
  const run: Record<Side, () => Promise<unknown>> = {
    renderer: () => Promise.all(bodies.map((body) => limit(() => renderThumbnails(body, limits, settings)))),
    // Batches one after the other, as one Lambda environment receives them.
    consumer: async () => {
      for (let start = 0; start < job.objects.length; start += job.batchSize) {
        const batch = job.objects.slice(start, start + job.batchSize);
        const response = await handler(
          uploadBatch(target.uploadsBucket, batch, nextSequencer, target.region),
        );
        if (response.batchItemFailures.length > 0) throw new Error('thumbnail records failed');
      }
    },
  };
  // Warm both paths (sharp's first pipelines, connections) on two images before timing.
  await renderThumbnails(bodies[0] as Buffer, limits, settings);
  await handler(uploadBatch(target.uploadsBucket, job.objects.slice(0, 2), nextSequencer, target.region));
  const samples: ThumbnailSample[] = [];
  for (let round = 0; round < job.rounds; round++) {
    for (const side of alternated(sides, round)) {
      const [cpuBefore, backendBefore, started] = [cpuMs(), parentCpuMs() ?? 0, performance.now()];
      await run[side]();
      const seconds = (performance.now() - started) / 1000;
      const backendCpuMs = (parentCpuMs() ?? 0) - backendBefore;
      samples.push({ side, images: job.objects.length, seconds, cpuMs: cpuMs() - cpuBefore, backendCpuMs });
    }
  }
  return samples;
};

const of = (samples: readonly ThumbnailSample[], side: Side) => {
  const runs = samples.filter((sample) => sample.side === side);
  const images = sum(runs.map((r) => r.images));
  return {
    /** Images a second over every run of the side: alternated runs share out the machine's drifting load. */
    rate: images / sum(runs.map((r) => r.seconds)),
    runs: runs.map((r) => r.images / r.seconds),
    cpu: sum(runs.map((r) => r.cpuMs)) / images,
    backendCpu: sum(runs.map((r) => r.backendCpuMs)) / images,
  };
};

export const compareThumbnailWithSharp = async (context: Micro): Promise<Comparison[]> => {
  const { recordConcurrency, batchSize } = consumerDefaults.thumbnail;
  const { images, rounds } = context.plan.thumbnail;
  const objects = await context.upload('thumbnail', await phonePhotos(), images);
  context.log(
    `thumbnail consumer vs sharp alone (its renderer): ${rounds} round(s) of ${images} images a side`,
  );
  const loadBefore = loadAverage();
  const samples = await context.run(
    'thumbnail',
    { target: context.target, objects, concurrency: recordConcurrency, batchSize, rounds },
    { RECORD_CONCURRENCY: String(recordConcurrency) },
  );
  const [renderer, consumer] = [of(samples, 'renderer'), of(samples, 'consumer')];
  const ratio = consumer.rate / renderer.rate;
  const perRound = consumer.runs.map((value, i) => sig(value / (renderer.runs[i] ?? Number.NaN)));
  return [
    {
      name: 'thumbnail consumer vs sharp alone',
      baseline: side('sharp alone: renderThumbnails, same images', renderer.rate, 'img/s'),
      candidate: side('thumbnail consumer (handler)', consumer.rate, 'img/s'),
      ratio: sig(ratio),
      goal: `>= ${goals.thumbnailVsSharp}`,
      met: ratio >= goals.thumbnailVsSharp,
      notes: [
        `runs (img/s): renderer ${renderer.runs.map((v) => sig(v)).join(', ')}; consumer ${consumer.runs.map((v) => sig(v)).join(', ')}; consumer/renderer per round ${perRound.join(', ')}; load average ${loadSince(loadBefore)}`,
        `CPU per image: renderer alone ${sig(renderer.cpu)} ms; consumer ${sig(consumer.cpu)} ms in its process + ${sig(consumer.backendCpu)} ms in the backend (S3, table); by the consumer's own CPU (S3 elsewhere, as on AWS) the ratio would be ${sig(renderer.cpu / consumer.cpu)}`,
        `${objects.length} x 12 MP JPEG per run, ${recordConcurrency} at once on both sides (recordConcurrency), consumer in batches of ${batchSize} one after another; the renderer's own settings (6 renditions: 128/512/1024 px, JPEG q80 + WebP q80)`,
        'renderer alone: bodies already in memory, the header read, one decode at the largest width (shrink-on-load), smaller widths from the previous one; the consumer adds S3 GET, sniff and truncation checks, 6 S3 PUTs, a LIST and the atomic commit per image, a BatchGetItem per batch, against a backend on the same 2 cores',
      ],
    },
  ];
};
