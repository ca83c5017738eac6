import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { indexEntryPrefix } from '../../lambdas/indexing/entries';
import { consumerNames, stackOutputs, thumbnailPrefix } from '../../lambdas/shared/constants';
import { imageIdOf, normalizeSequencer } from '../../lambdas/shared/events';
import { ImageTable, type StageRecord, stageSortKey } from '../../lambdas/shared/store';
import { sequencerOfKey } from '../../lambdas/thumbnail/stage';
import { photoJpeg } from '../../samples/images';
import type { ObjectEvent } from '../emulator';
import { type Accounting, deadLetterKeys, listKeys } from './accounting';
import type { PipelineView } from './attach';

/** Overwrites (with other content) and deletes, all at once, on a few keys everyone shares. */
export interface StormOptions {
  readonly keys: number;
  readonly operations: number;
  /** Share of operations that delete the key rather than overwrite it. */
  readonly deleteShare?: number;
  /** When the backend runs in this process: its object events, to know each key's newest one. */
  readonly onObjectEvent?: (listener: (event: ObjectEvent) => void) => void;
}

export type StormVerdict = 'newest event' | 'left in a DLQ (listed)' | 'still in progress' | 'wrong state';

export interface StormAccount {
  readonly key: string;
  readonly verdict: StormVerdict;
  readonly detail?: string;
}

/** Three contents of different sizes, so that a record of the wrong one shows in its width. */
const stormContents = [
  { width: 320, height: 240 },
  { width: 240, height: 320 },
  { width: 256, height: 256 },
] as const;

/** xorshift32: a storm is the same for the same run name. */
const dice = (seed: string) => {
  let state =
    [...seed].reduce((hash, c) => Math.imul(hash ^ c.charCodeAt(0), 16_777_619), 2_166_136_261) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
};

/**
 * Plays the storm: `operations` overwrites and deletes spread over `keys` keys, eight at a time, so
 * that writes of one key race each other and their events reach the consumers in any order.
 * Answers the keys and, when events are watched, each key's newest event.
 */
export const runStorm = async (
  pipeline: PipelineView,
  target: { bucket: string; prefix: string; run: string },
  options: StormOptions,
) => {
  const keys = Array.from(
    { length: options.keys },
    (_, k) => `${target.prefix}storm-${target.run}/key ${k}.jpg`,
  );
  const newest = new Map<string, ObjectEvent>();
  options.onObjectEvent?.((event) => {
    if (keys.includes(event.key) && event.sequencer > (newest.get(event.key)?.sequencer ?? ''))
      newest.set(event.key, event);
  });
  const random = dice(target.run);
  const limit = pLimit(8);
  const bodies = await Promise.all(
    stormContents.map((size, seed) => photoJpeg({ ...size, seed: 200 + seed })),
  );
  await Promise.all(
    Array.from({ length: options.operations }, () => {
      const key = keys[Math.floor(random() * keys.length)] as string;
      const remove = random() < (options.deleteShare ?? 0.3);
      const body = bodies[Math.floor(random() * bodies.length)];
      return limit(() =>
        pipeline.clients.s3.send(
          remove
            ? new DeleteObjectCommand({ Bucket: target.bucket, Key: key })
            : new PutObjectCommand({
                Bucket: target.bucket,
                Key: key,
                Body: body,
                ContentType: 'image/jpeg',
              }),
        ),
      );
    }),
  );
  return { keys, newest };
};

/** The live object's pixel size, or undefined when the key is gone. */
const liveSize = async (pipeline: PipelineView, bucket: string, key: string) => {
  try {
    const object = await pipeline.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await (object.Body?.transformToByteArray() ?? new Uint8Array()));
    const { width, height } = await sharp(body).metadata();
    return { width, height };
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
};

export interface KeyState {
  readonly stages: readonly (StageRecord | undefined)[];
  readonly live: { width?: number; height?: number } | undefined;
  readonly newest: ObjectEvent | undefined;
  /** Thumbnail objects in the derived bucket and index entries in the table, as they are. */
  readonly thumbnails: readonly string[];
  readonly entries: readonly string[];
}

interface DerivedProblem {
  readonly detail: string;
  readonly olderLeftovers: boolean;
}

interface Problems {
  readonly verdict: StormVerdict;
  readonly detail?: string;
  /** The only problem is thumbnails of older events: an older event's message may wait in a DLQ. */
  readonly olderLeftovers?: boolean;
}

const sameSet = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();

/**
 * Thumbnails stored beyond those named, all of events older than the committed one: what an attempt
 * of an older event leaves when its message ends in a DLQ before its sweep (the redrive sweeps it).
 */
const onlyOlderLeftovers = (named: readonly string[], stored: readonly string[], sequencer: string) =>
  named.every((key) => stored.includes(key)) &&
  stored.filter((key) => !named.includes(key)).every((key) => (sequencerOfKey(key) ?? sequencer) < sequencer);

/** Derived objects and items exactly as the committed records name them: nothing of another attempt. */
const derivedProblem = ({ stages, thumbnails, entries }: KeyState): DerivedProblem | undefined => {
  const thumbnail = stages[consumerNames.indexOf('thumbnail')];
  const named = ((thumbnail?.data as { thumbnails?: { key: string }[] } | undefined)?.thumbnails ?? []).map(
    (entry) => entry.key,
  );
  if (!sameSet(named, thumbnails)) {
    return {
      detail: `${thumbnails.length} thumbnails stored, ${named.length} named`,
      olderLeftovers: onlyOlderLeftovers(named, thumbnails, thumbnail?.sequencer ?? ''),
    };
  }
  const indexed = stages[consumerNames.indexOf('indexing')]?.derivedKeys ?? [];
  return sameSet(indexed, entries)
    ? undefined
    : {
        detail: `index entries ${entries.join(',')} differ from ${indexed.join(',')}`,
        olderLeftovers: false,
      };
};

/** What is wrong with a key's records, given the live object (or none) and the newest event. */
const stormProblems = (state: KeyState): Problems => {
  const { stages, live, newest } = state;
  if (stages.some((stage) => stage === undefined)) return { verdict: 'still in progress' };
  const sequencers = new Set(stages.map((stage) => stage?.sequencer));
  const expected = newest === undefined ? undefined : normalizeSequencer(newest.sequencer);
  if (sequencers.size > 1 || (expected !== undefined && !sequencers.has(expected))) {
    return { verdict: 'still in progress', detail: 'consumers are on different events' };
  }
  const status = live === undefined ? 'deleted' : 'processed';
  const wrong = stages.filter((stage) => stage?.status !== status);
  if (wrong.length > 0)
    return {
      verdict: 'wrong state',
      detail: `${wrong.map((s) => `${s?.consumer}=${s?.status}`).join(' ')}, expected ${status}`,
    };
  const metadata = stages[consumerNames.indexOf('metadata')]?.data as
    | { width?: number; height?: number }
    | undefined;
  if (live !== undefined && (metadata?.width !== live.width || metadata?.height !== live.height)) {
    return {
      verdict: 'wrong state',
      detail: `metadata says ${metadata?.width}x${metadata?.height}, the object is ${live.width}x${live.height}`,
    };
  }
  const derived = derivedProblem(state);
  return derived === undefined
    ? { verdict: 'newest event' }
    : { verdict: 'wrong state', detail: derived.detail, olderLeftovers: derived.olderLeftovers };
};

/**
 * A key's verdict. A message that failed maxReceiveCount times waits in a DLQ for the operator, and
 * is listed, as in the soak: its consumer may still be on an older event, or (an older event's
 * message) have left that event's thumbnails unswept until the redrive.
 */
export const stormVerdict = (state: KeyState, waitsInDlq: boolean): Omit<StormAccount, 'key'> => {
  const { verdict, detail, olderLeftovers } = stormProblems(state);
  const waiting = verdict === 'still in progress' || (verdict === 'wrong state' && olderLeftovers === true);
  return {
    verdict: waiting && waitsInDlq ? 'left in a DLQ (listed)' : verdict,
    ...(detail === undefined ? {} : { detail }),
  };
};

/**
 * Each storm key against its newest event: every consumer on that event (all on one, when events
 * are not watched), processed with the live content's size if the key is live, deleted if not.
 * Derived items are checked by the soak's own accounting rules (thumbnails and entries as named).
 */
export const accountForStorm = async (
  pipeline: PipelineView,
  bucket: string,
  storm: Awaited<ReturnType<typeof runStorm>>,
  /** The DLQs' keys when the caller has just listed them (a listing long-polls every DLQ). */
  deadLetters?: Accounting['deadLetters'],
): Promise<StormAccount[]> => {
  const inDlq = new Set(Object.values(deadLetters ?? (await deadLetterKeys(pipeline))).flat());
  const { outputs } = pipeline.topology;
  const table = new ImageTable(
    DynamoDBDocumentClient.from(pipeline.clients.dynamo),
    outputs[stackOutputs.imagesTableName] as string,
  );
  const derived = outputs[stackOutputs.derivedBucketName] as string;
  return Promise.all(
    storm.keys.map(async (key) => {
      const imageId = imageIdOf(bucket, key);
      const items = await table.itemsOfImage(imageId);
      const stages = consumerNames.map(
        (consumer) => items.find((item) => item.sk === stageSortKey(consumer)) as StageRecord | undefined,
      );
      const state: KeyState = {
        stages,
        live: await liveSize(pipeline, bucket, key),
        newest: storm.newest.get(key),
        thumbnails: await listKeys(pipeline.clients.s3, derived, `${thumbnailPrefix}${imageId}/`),
        entries: items.filter((item) => item.sk.startsWith(indexEntryPrefix)).map((item) => item.sk),
      };
      return { key, ...stormVerdict(state, inDlq.has(key)) };
    }),
  );
};

/** The storm's line under the soak's accounting table. */
export const formatStorm = (accounts: readonly StormAccount[]): string => {
  if (accounts.length === 0) return '';
  const wrong = accounts.filter((account) => account.verdict !== 'newest event');
  return [
    `  storm: ${accounts.length} shared keys, ${accounts.length - wrong.length} in the state of their newest event, ${wrong.length} not`,
    ...wrong.map(
      (account) => `    ${account.key}: ${account.verdict}${account.detail ? ` (${account.detail})` : ''}`,
    ),
  ].join('\n');
};
