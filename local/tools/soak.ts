import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import {
  notAnImage,
  photoJpeg,
  pngPixelBomb,
  pngWithAlpha,
  truncatedJpeg,
  webpImage,
} from '../../samples/images';
import {
  type Accounting,
  accountFor,
  type ExpectedUpload,
  type ImageAccount,
  isFinal,
  tally,
} from './accounting';
import type { PipelineView } from './attach';
import { accountForStorm, runStorm, type StormAccount, type StormOptions } from './storm';
import { ensureLocalAssembly } from './synth';

/**
 * The soak and crash runs use the same stack with short function and visibility timeouts: a message
 * left by a crash or a timeout is back in seconds, not the 6 minutes of the production settings.
 * 15 s outlasts a cold start of a few seconds, the 8 s timeout and the batching window, so a message
 * is not delivered again while it is still being worked on.
 */
export const soakTimeoutSeconds = 8;
export const soakVisibilityTimeoutSeconds = 15;

export const soakContext = (): Record<string, string> => {
  const consumer = {
    timeoutSeconds: soakTimeoutSeconds,
    visibilityTimeoutSeconds: soakVisibilityTimeoutSeconds,
  };
  return {
    consumers: JSON.stringify({
      thumbnail: consumer,
      moderation: consumer,
      metadata: consumer,
      indexing: consumer,
    }),
    // The API's limits scaled to a test's few dozen uploads: a backlog of 60, a 1 s drain, read every second.
    api: JSON.stringify({ uploadUrlSeconds: 5, maxBacklog: 60, drainSeconds: 1, backlogReadSeconds: 1 }),
  };
};

export const ensureSoakAssembly = (projectDir: string, onOutput?: (line: string) => void) =>
  ensureLocalAssembly({
    projectDir,
    outDir: join(projectDir, '.local', 'soak.out'),
    context: soakContext(),
    onOutput,
  });

export interface SoakUpload extends ExpectedUpload {
  readonly contentType: string;
  readonly body: () => Buffer | Promise<Buffer>;
}

const hostileKinds = [
  {
    name: 'notes.jpg',
    contentType: 'image/jpeg',
    reasonCode: 'not-an-image',
    body: () => notAnImage('text'),
  },
  { name: 'cut.jpg', contentType: 'image/jpeg', reasonCode: 'corrupt-image', body: () => truncatedJpeg() },
  { name: 'bomb.png', contentType: 'image/png', reasonCode: 'too-many-pixels', body: () => pngPixelBomb() },
  {
    name: 'empty.jpg',
    contentType: 'image/jpeg',
    reasonCode: 'empty-object',
    body: () => notAnImage('empty'),
  },
] as const;

const goodKinds = [
  {
    ext: 'jpg',
    contentType: 'image/jpeg',
    body: (i: number) => photoJpeg({ width: 640, height: 480, seed: i % 8 }),
  },
  {
    ext: 'jpg',
    contentType: 'image/jpeg',
    body: (i: number) => photoJpeg({ width: 1600, height: 1200, seed: i % 4 }),
  },
  { ext: 'png', contentType: 'image/png', body: (i: number) => pngWithAlpha({ seed: i % 4 }) },
  { ext: 'webp', contentType: 'image/webp', body: (i: number) => webpImage({ seed: i % 4 }) },
] as const;

/**
 * `count` uploads under `uploads/soak-<run>/`, `hostileShare` of them hostile (spread evenly),
 * the rest real images of a few sizes and formats.
 */
export const soakUploads = (
  count: number,
  hostileShare: number,
  run: string,
  prefix = 'uploads/',
): SoakUpload[] => {
  const every = hostileShare > 0 ? Math.max(1, Math.round(1 / hostileShare)) : Number.POSITIVE_INFINITY;
  return Array.from({ length: count }, (_, i): SoakUpload => {
    const owner = `soak-${run}-${i % 10}`;
    if ((i + 1) % every === 0) {
      const kind = hostileKinds[Math.floor(i / every) % hostileKinds.length] as (typeof hostileKinds)[number];
      return {
        key: `${prefix}${owner}/${i} ${kind.name}`,
        contentType: kind.contentType,
        expect: 'rejected',
        reasonCode: kind.reasonCode,
        body: kind.body,
      };
    }
    const kind = goodKinds[i % goodKinds.length] as (typeof goodKinds)[number];
    return {
      key: `${prefix}${owner}/image ${i}.${kind.ext}`,
      contentType: kind.contentType,
      expect: 'processed',
      body: () => kind.body(i),
    };
  });
};

export interface SoakOptions {
  readonly count: number;
  readonly hostileShare?: number;
  readonly run?: string;
  /** Uploads in flight at once. */
  readonly uploadConcurrency?: number;
  /** How long to wait for everything to settle after the last upload. */
  readonly settleTimeoutMs?: number;
  readonly onProgress?: (accounting: Accounting, elapsedMs: number) => void;
  /** Called once every upload is in (the crash test kills consumers around here). */
  readonly afterUploads?: () => Promise<void> | void;
  /** Overwrites and deletes on shared keys, played while the uploads go in. */
  readonly storm?: StormOptions;
}

export interface SoakResult {
  readonly accounting: Accounting;
  /** Each storm key against its newest event (empty without a storm). */
  readonly storm: readonly StormAccount[];
  readonly uploads: readonly SoakUpload[];
  readonly uploadMs: number;
  readonly durationMs: number;
}

const settledNow = (accounting: Accounting) =>
  accounting.counts['still in progress'] === 0 && accounting.counts.unaccounted === 0;

/** Puts every upload, `concurrency` at a time. */
const uploadAll = async (
  pipeline: PipelineView,
  bucket: string,
  uploads: readonly SoakUpload[],
  concurrency: number,
) => {
  const limit = pLimit(concurrency);
  await Promise.all(
    uploads.map((upload) =>
      limit(async () =>
        pipeline.clients.s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: upload.key,
            Body: await upload.body(),
            ContentType: upload.contentType,
          }),
        ),
      ),
    ),
  );
};

/**
 * An accounting that looks again only at images without a final outcome: a final one cannot
 * change (duplicates are skipped, stale events ignored), and a soak has thousands.
 */
const incrementalAccounting = (pipeline: PipelineView, uploads: readonly SoakUpload[]) => {
  const final = new Map<string, ImageAccount>();
  return async (): Promise<Accounting> => {
    const partial = await accountFor(
      pipeline,
      uploads.filter((upload) => !final.has(upload.key)),
    );
    for (const image of partial.images) if (isFinal(image.verdict)) final.set(image.key, image);
    const byKey = new Map(partial.images.map((image) => [image.key, image]));
    const images = uploads.map((upload) => final.get(upload.key) ?? (byKey.get(upload.key) as ImageAccount));
    return { images, counts: tally(images), deadLetters: partial.deadLetters };
  };
};

/** Every image accounted for, every storm key on its newest event, and the queues empty. */
const waitUntilSettled = async (
  pipeline: PipelineView,
  progress: () => Promise<Accounting>,
  storm: (deadLetters: Accounting['deadLetters']) => Promise<readonly StormAccount[]>,
  { deadline, onProgress }: { deadline: number; onProgress: (accounting: Accounting) => void },
) => {
  for (;;) {
    const accounting = await progress();
    onProgress(accounting);
    const settled =
      settledNow(accounting) &&
      (await storm(accounting.deadLetters)).every((key) => key.verdict !== 'still in progress') &&
      (await pipeline.status()).every((queue) => queue.backlog === 0 && queue.notVisible === 0);
    if (settled || Date.now() > deadline) return;
    await sleep(1_000);
  }
};

/** Out of time: anything not yet settled is unaccounted. */
const closedAccounting = (accounting: Accounting): Accounting => ({
  ...accounting,
  images: accounting.images.map((image) =>
    image.verdict === 'still in progress' ? { ...image, verdict: 'unaccounted' as const } : image,
  ),
  counts: {
    ...accounting.counts,
    unaccounted: accounting.counts.unaccounted + accounting.counts['still in progress'],
    'still in progress': 0,
  },
});

/**
 * Uploads the soak set and accounts for it until every image is accounted for and the queues are
 * empty, or the time is up; whatever is then still in progress is unaccounted.
 */
export const runSoak = async (
  pipeline: PipelineView,
  uploadTo: { bucket: string; prefix: string },
  options: SoakOptions,
): Promise<SoakResult> => {
  const started = Date.now();
  const run = options.run ?? String(started);
  const uploads = soakUploads(options.count, options.hostileShare ?? 0.03, run, uploadTo.prefix);
  const [, storm] = await Promise.all([
    uploadAll(pipeline, uploadTo.bucket, uploads, options.uploadConcurrency ?? 16),
    options.storm === undefined ? undefined : runStorm(pipeline, { ...uploadTo, run }, options.storm),
  ]);
  const stormAccounts = async (deadLetters: Accounting['deadLetters']) =>
    storm === undefined ? [] : accountForStorm(pipeline, uploadTo.bucket, storm, deadLetters);
  const uploadMs = Date.now() - started;
  await options.afterUploads?.();
  await waitUntilSettled(pipeline, incrementalAccounting(pipeline, uploads), stormAccounts, {
    deadline: Date.now() + (options.settleTimeoutMs ?? 600_000),
    onProgress: (accounting) => options.onProgress?.(accounting, Date.now() - started),
  });
  const accounting = await accountFor(pipeline, uploads);
  return {
    accounting: closedAccounting(accounting),
    storm: await stormAccounts(accounting.deadLetters),
    uploads,
    uploadMs,
    durationMs: Date.now() - started,
  };
};
