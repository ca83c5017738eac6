/**
 * The load generator. A fixed rate is an open model, like k6's constant-arrival-rate executor:
 * upload i starts at i/rate seconds whatever became of the earlier ones, so a slow system sees its
 * backlog grow instead of the load slowing down to suit it. `max` keeps a bounded number of uploads
 * in flight, each starting as soon as a slot frees (k6's "as fast as possible" with N users).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Rate, UploadRecord } from '../types';
import { type SendUpload, UploadRefused } from './api';
import type { BenchImage } from './images';

export interface LoadOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Keys are `<prefix><index>-<image name>`, e.g. `uploads/bench-<run>/`. */
  readonly prefix: string;
  readonly images: readonly BenchImage[];
  readonly rate: Rate;
  /** Stop after this many uploads, or after `durationSeconds`, whichever comes first. */
  readonly count?: number;
  readonly durationSeconds?: number;
  /** With `max`: uploads in flight. With a fixed rate: a safety cap; later starts count as late. */
  readonly maxInFlight?: number;
  readonly onUpload?: (upload: UploadRecord) => void;
  /** How an upload is sent; default a PutObject to `bucket` (`--via api`: through the API). */
  readonly send?: SendUpload;
}

/** An upload that starts this much after its scheduled time is late: the generator could not keep up. */
const lateAfterMs = 100;
const defaultMaxInFlight = { max: 8, fixed: 64 } as const;

const putObject =
  (options: LoadOptions): SendUpload =>
  async (_index, image, key) => {
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

/** Sends upload `index` and records how it went; a refusal or an error is recorded, never thrown. */
const uploadOne = async (options: LoadOptions, index: number, scheduledAt: number): Promise<UploadRecord> => {
  const image = options.images[index % options.images.length] as BenchImage;
  const key = `${options.prefix}${String(index).padStart(6, '0')}-${image.name}`;
  const startedAt = Date.now();
  const outcome = await (options.send ?? putObject(options))(index, image, key).then(
    (sent) => ({ key: sent.key }),
    (error: unknown) => ({
      key,
      error: error instanceof Error ? error.message : String(error),
      ...(error instanceof UploadRefused ? { refused: true } : {}),
    }),
  );
  return {
    index,
    image: image.name,
    bytes: image.bytes,
    scheduledAt,
    startedAt,
    endedAt: Date.now(),
    late: startedAt - scheduledAt > lateAfterMs,
    ...outcome,
  };
};

/** Runs the load; resolves with one record per upload started, once every one has finished. */
export const runLoad = async (options: LoadOptions): Promise<UploadRecord[]> => {
  const { rate, count, durationSeconds } = options;
  if (count === undefined && durationSeconds === undefined)
    throw new Error('The load needs a count or a duration');
  if (rate !== 'max' && !(rate > 0))
    throw new Error(`The rate must be a positive number or max, not ${rate}`);
  const maxInFlight = options.maxInFlight ?? defaultMaxInFlight[rate === 'max' ? 'max' : 'fixed'];
  const started = Date.now();
  const endAt = durationSeconds === undefined ? Number.POSITIVE_INFINITY : started + durationSeconds * 1000;
  const records: UploadRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  for (let index = 0; index < (count ?? Number.POSITIVE_INFINITY); index++) {
    const scheduledAt = rate === 'max' ? Date.now() : started + (index * 1000) / rate;
    if (scheduledAt >= endAt) break;
    const wait = scheduledAt - Date.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    if (Date.now() >= endAt) break;
    const done: Promise<void> = uploadOne(options, index, rate === 'max' ? Date.now() : scheduledAt)
      .then((record) => {
        records.push(record);
        options.onUpload?.(record);
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  }
  await Promise.all(inFlight);
  return records.sort((a, b) => a.index - b.index);
};
