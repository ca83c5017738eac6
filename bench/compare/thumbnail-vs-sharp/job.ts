import { GetObjectCommand } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { createAwsClients } from '../../../lambdas/shared/clients';
import { defaultThumbnailSettings, type ThumbnailSettings } from '../../../lambdas/thumbnail/render';
import { type BenchObject, createSequencer, uploadBatch } from '../events';
import { cpuMs, parentCpuMs } from '../measure';
import { handlerFor, limits, type Target } from '../wiring';

export const thumbnailSides = ['sharp', 'consumer'] as const;
export type ThumbnailSide = (typeof thumbnailSides)[number];

export interface ThumbnailVsSharpJob {
  readonly kind: 'thumbnail-vs-sharp';
  readonly target: Target;
  readonly objects: readonly BenchObject[];
  /** Images at once on both sides: the consumer's recordConcurrency. */
  readonly concurrency: number;
  readonly batchSize: number;
  readonly rounds: number;
}

export interface ThumbnailSample {
  readonly side: ThumbnailSide;
  readonly images: number;
  readonly seconds: number;
  readonly outputBytes: number;
  /** CPU of this process (every thread) and of the parent, which hosts S3 and the table. */
  readonly cpuMs: number;
  readonly backendCpuMs?: number;
}

export interface ThumbnailVsSharpResult {
  readonly samples: ThumbnailSample[];
  readonly created: number;
}

/**
 * sharp alone, with the consumer's recipe and settings: decode once at the largest width (JPEG
 * shrink-on-load), derive each smaller width from the previous one, encode JPEG and WebP of each.
 */
const renditions = async (body: Buffer, settings: ThumbnailSettings): Promise<Buffer[]> => {
  const widths = [...new Set(settings.widths)].sort((a, b) => b - a);
  let current = await sharp(body, { limitInputPixels: limits.maxPixels, failOn: 'truncated' })
    .rotate()
    .resize({ width: widths[0], withoutEnlargement: true })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const outputs: Buffer[] = [];
  for (const width of widths) {
    if (width < current.info.width) {
      current = await sharp(current.data, { raw: current.info })
        .resize({ width })
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
    }
    const { data, info } = current;
    outputs.push(
      ...(await Promise.all(
        settings.formats.map((format) =>
          format === 'jpeg'
            ? sharp(data, { raw: info })
                .flatten({ background: '#ffffff' })
                .jpeg({ quality: settings.quality, mozjpeg: false, progressive: true })
                .toBuffer()
            : sharp(data, { raw: info }).webp({ quality: settings.quality, effort: 2 }).toBuffer(),
        ),
      )),
    );
  }
  return outputs;
};

export const runThumbnailVsSharpJob = async (job: ThumbnailVsSharpJob): Promise<ThumbnailVsSharpResult> => {
  const { target } = job;
  const clients = createAwsClients();
  const nextSequencer = createSequencer();
  const { handler, counts } = handlerFor('thumbnail', clients, target, {
    recordConcurrency: job.concurrency,
  });
  const bodies: Buffer[] = [];
  for (const object of job.objects) {
    const response = await clients.s3.send(
      new GetObjectCommand({ Bucket: target.uploadsBucket, Key: object.key }),
    );
    bodies.push(Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array()));
  }

  const sides: Record<ThumbnailSide, () => Promise<number>> = {
    sharp: async () => {
      const limit = pLimit(job.concurrency);
      const sizes = await Promise.all(
        bodies.map((body) =>
          limit(async () =>
            (await renditions(body, defaultThumbnailSettings)).reduce((n, b) => n + b.length, 0),
          ),
        ),
      );
      return sizes.reduce((total, size) => total + size, 0);
    },
    consumer: async () => {
      // Batches one after the other, as one Lambda environment receives them.
      for (let start = 0; start < job.objects.length; start += job.batchSize) {
        const event = uploadBatch(
          target.uploadsBucket,
          job.objects.slice(start, start + job.batchSize),
          nextSequencer,
          target.region,
        );
        const response = await handler(event);
        if (response.batchItemFailures.length > 0) throw new Error('thumbnail records failed');
      }
      return 0;
    },
  };

  // Warm both paths (sharp's first pipelines, connections) on two images before timing.
  await renditions(bodies[0] as Buffer, defaultThumbnailSettings);
  await handler(uploadBatch(target.uploadsBucket, job.objects.slice(0, 2), nextSequencer, target.region));
  counts.created = 0;

  const samples: ThumbnailSample[] = [];
  for (let round = 0; round < job.rounds; round++) {
    const order = round % 2 === 0 ? thumbnailSides : [...thumbnailSides].reverse();
    for (const side of order) {
      const cpuBefore = cpuMs();
      const backendBefore = parentCpuMs();
      const started = performance.now();
      const outputBytes = await sides[side]();
      const seconds = (performance.now() - started) / 1000;
      const backendAfter = parentCpuMs();
      samples.push({
        side,
        images: job.objects.length,
        seconds,
        outputBytes,
        cpuMs: cpuMs() - cpuBefore,
        ...(backendBefore === undefined || backendAfter === undefined
          ? {}
          : { backendCpuMs: backendAfter - backendBefore }),
      });
    }
  }
  return { samples, created: counts.created };
};
