/**
 * The load generator. A fixed rate is an open model, like k6's constant-arrival-rate executor:
 * upload i starts at i/rate seconds whatever became of the earlier ones, so a slow system sees its
 * backlog grow instead of the load slowing down to suit it. `max` keeps a bounded number of uploads
 * in flight, each starting as soon as a slot frees (k6's "as fast as possible" with N users).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type SendUpload, UploadRefused } from './api-load';
import type { BenchImage } from './images';
import type { UploadRecord } from './types';

export type Rate = number | 'max';

export interface LoadOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Keys are `<prefix><index>-<image name>`, e.g. `uploads/bench-<run>/`. */
  readonly prefix: string;
  readonly images: readonly BenchImage[];
  /** Uploads per second, or `max`. */
  readonly rate: Rate;
  /** Stop after this many uploads... */
  readonly count?: number;
  /** ...or after this long, whichever comes first (at least one of the two). */
  readonly durationSeconds?: number;
  /** With `max`: uploads in flight. With a fixed rate: a safety cap; later starts count as late. */
  readonly maxInFlight?: number;
  /** Which image upload i sends; default the set in order, round and round. */
  readonly imageOf?: (index: number) => BenchImage;
  readonly signal?: AbortSignal;
  readonly onUpload?: (upload: UploadRecord) => void;
  /** How an upload is sent; default a PutObject to `bucket` (`--via api`: through the API). */
  readonly send?: SendUpload;
}

/** An upload that starts this much after its scheduled time is late: the generator could not keep up. */
const lateAfterMs = 100;
const defaultMaxInFlight = { max: 8, fixed: 64 } as const;

export const keyFor = (prefix: string, index: number, image: BenchImage) =>
  `${prefix}${String(index).padStart(6, '0')}-${image.name}`;

/** Runs the load; resolves with one record per upload started, once every one has finished. */
export const runLoad = async (options: LoadOptions): Promise<UploadRecord[]> => {
  const { rate, count, durationSeconds } = options;
  if (count === undefined && durationSeconds === undefined) {
    throw new Error('The load needs a --count or a --duration');
  }
  if (rate !== 'max' && !(rate > 0))
    throw new Error(`The rate must be a positive number or max, not ${rate}`);
  const imageOf =
    options.imageOf ?? ((index: number) => options.images[index % options.images.length] as BenchImage);
  const maxInFlight = options.maxInFlight ?? defaultMaxInFlight[rate === 'max' ? 'max' : 'fixed'];
  const started = Date.now();
  const endAt = durationSeconds === undefined ? Number.POSITIVE_INFINITY : started + durationSeconds * 1000;
  const limit = count ?? Number.POSITIVE_INFINITY;

  const records: UploadRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const upload = (index: number, scheduledAt: number) => {
    const image = imageOf(index);
    const key = keyFor(options.prefix, index, image);
    const startedAt = Date.now();
    const put: SendUpload = async () => {
      await options.s3.send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: key,
          Body: image.body,
          ContentType: image.contentType,
        }),
      );
      return { key };
    };
    const done = (options.send ?? put)(index, image, key)
      .then(
        (sent) => ({ endedAt: Date.now(), key: sent.key }),
        (error: unknown) => ({
          endedAt: Date.now(),
          key,
          error: error instanceof Error ? error.message : String(error),
          ...(error instanceof UploadRefused ? { refused: true } : {}),
        }),
      )
      .then((outcome) => {
        const record: UploadRecord = {
          index,
          image: image.name,
          bytes: image.bytes,
          scheduledAt,
          startedAt,
          ...outcome,
          late: startedAt - scheduledAt > lateAfterMs,
        };
        records.push(record);
        options.onUpload?.(record);
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  for (let index = 0; index < limit; index++) {
    if (options.signal?.aborted) break;
    const scheduledAt = rate === 'max' ? Date.now() : started + (index * 1000) / rate;
    if (scheduledAt >= endAt) break;
    const wait = scheduledAt - Date.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    if (Date.now() >= endAt) break;
    upload(index, rate === 'max' ? Date.now() : scheduledAt);
  }
  await Promise.all(inFlight);
  return records.sort((a, b) => a.index - b.index);
};
