import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { perceptualHash } from '../../../lambdas/indexing/phash';
import { ImageSearch } from '../../../lambdas/indexing/search';
import { ownerOf, tokensOf } from '../../../lambdas/indexing/terms';
import { extractMetadata } from '../../../lambdas/metadata/extract';
import { createOfflineProvider } from '../../../lambdas/moderation/providers/offline';
import { type ConsumerName, consumerNames } from '../../../lambdas/shared/constants';
import { imageIdOf, normalizeSequencer } from '../../../lambdas/shared/events';
import { defaultImageLimits } from '../../../lambdas/shared/image';
import { ImageTable, type StageRecord } from '../../../lambdas/shared/store';
import { renderThumbnails } from '../../../lambdas/thumbnail/render';
import type { ThumbnailData } from '../../../lambdas/thumbnail/stage';
import type { TestAws } from '../aws';
import type { PlayedSchedule } from './world';

/** What one content alone produces, computed with the consumers' own domain functions. */
export interface ContentExpectation {
  readonly metadata: object;
  readonly moderation: object;
  readonly source: { readonly width: number; readonly height: number };
  readonly phash: string;
}

export const expectationsOf = async (contents: readonly Buffer[]): Promise<ContentExpectation[]> => {
  const provider = createOfflineProvider();
  return Promise.all(
    contents.map(async (body) => {
      const rendered = await renderThumbnails(body, defaultImageLimits);
      return {
        metadata: {
          ...(await extractMetadata(body, 'jpeg', defaultImageLimits)),
          uploadedContentType: 'image/jpeg',
        },
        moderation: await provider.moderate({ body, format: 'jpeg' }),
        source: { width: rendered.sourceWidth, height: rendered.sourceHeight },
        phash: await perceptualHash(body, defaultImageLimits),
      };
    }),
  );
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The live content of a key, as an index into the contents, or undefined when it is gone. */
const liveContent = async (aws: TestAws, key: string, contents: readonly Buffer[]) => {
  try {
    const object = await aws.s3.send(new GetObjectCommand({ Bucket: aws.uploadsBucket, Key: key }));
    const body = Buffer.from(await (object.Body?.transformToByteArray() ?? new Uint8Array()));
    return contents.findIndex((content) => content.equals(body));
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
};

interface KeyFacts {
  readonly key: string;
  readonly imageId: string;
  readonly newest: PlayedSchedule['events'][number];
  readonly live?: ContentExpectation;
  readonly records: Partial<Record<ConsumerName, StageRecord>>;
  readonly derived: readonly string[];
  readonly thumbnails: readonly string[];
}

/** Differences between what a consumer stored and what the key's newest event alone produces. */
const stageProblems = (facts: KeyFacts, consumer: ConsumerName): string[] => {
  const record = facts.records[consumer];
  const where = `${facts.key} ${consumer}`;
  const sequencer = normalizeSequencer(facts.newest.sequencer);
  if (record?.sequencer !== sequencer)
    return [`${where}: sequencer ${record?.sequencer} is not the newest event's ${sequencer}`];
  const expected = facts.live === undefined ? 'deleted' : 'processed';
  if (record.status !== expected)
    return [`${where}: ${record.status} (${record.reason ?? ''}), expected ${expected}`];
  if (facts.live === undefined) return [];
  const data = record.data as Record<string, unknown> | undefined;
  const problems: string[] = [];
  if (consumer === 'metadata' && !same(data, facts.live.metadata))
    problems.push(`${where}: metadata of other content`);
  if (consumer === 'moderation' && !same(data, facts.live.moderation))
    problems.push(`${where}: verdict of other content`);
  if (consumer === 'thumbnail') {
    const thumbnails = data as unknown as ThumbnailData;
    if (
      thumbnails.sourceWidth !== facts.live.source.width ||
      thumbnails.sourceHeight !== facts.live.source.height
    )
      problems.push(`${where}: thumbnails of other content`);
  }
  if (consumer === 'indexing') {
    const want = {
      owner: ownerOf(facts.key),
      uploadedAt: facts.newest.time.toISOString(),
      contentType: 'image/jpeg',
      tokens: tokensOf(facts.key),
      phash: facts.live.phash,
    };
    if (!same(data, want))
      problems.push(`${where}: index data ${JSON.stringify(data)}, expected ${JSON.stringify(want)}`);
  }
  return problems;
};

/** Derived items and objects: exactly what the stored records name, nothing of any other attempt. */
const derivedProblems = (facts: KeyFacts): string[] => {
  const problems: string[] = [];
  const thumbnail = facts.records.thumbnail?.data as ThumbnailData | undefined;
  const named = [...(thumbnail?.thumbnails ?? []).map((t) => t.key)].sort();
  if (!same(named, [...facts.thumbnails].sort()))
    problems.push(`${facts.key}: thumbnails stored ${facts.thumbnails.length}, named ${named.length}`);
  const indexKeys = [...(facts.records.indexing?.derivedKeys ?? [])].sort();
  if (!same(indexKeys, [...facts.derived].sort()))
    problems.push(`${facts.key}: index entries ${facts.derived.join(',')} are not those its record names`);
  return problems;
};

/** What the search queries a user would run say about the key. */
const searchProblems = async (search: ImageSearch, facts: KeyFacts): Promise<string[]> => {
  const live = facts.live !== undefined;
  const byOwner = (await search.byOwner(ownerOf(facts.key))).some((hit) => hit.key === facts.key);
  const token = tokensOf(facts.key).at(-1) ?? '';
  const byToken = (await search.byToken(token)).some((hit) => hit.key === facts.key);
  const similar = live
    ? (await search.similarTo(facts.live?.phash ?? '', 0)).some((hit) => hit.key === facts.key)
    : false;
  const problems: string[] = [];
  if (byOwner !== live) problems.push(`${facts.key}: owner search ${byOwner ? 'finds' : 'misses'} it`);
  if (byToken !== live) problems.push(`${facts.key}: word search ${byToken ? 'finds' : 'misses'} it`);
  if (live && !similar) problems.push(`${facts.key}: similar-image search misses it`);
  return problems;
};

/**
 * For every key of a played schedule and every consumer: the stored state equals what the key's
 * newest event alone produces (status, sequencer, data of the live content), the derived items
 * and thumbnails are exactly those the records name, and search finds the key exactly when it is live.
 */
export const consistencyProblems = async (
  aws: TestAws,
  played: PlayedSchedule,
  contents: readonly Buffer[],
  expectations: readonly ContentExpectation[],
): Promise<string[]> => {
  const table = new ImageTable(aws.dynamo, aws.tableName);
  const search = new ImageSearch(aws.dynamo, aws.tableName);
  const problems: string[] = [];
  for (const key of played.keys) {
    const newest = played.events.filter((event) => event.key === key).at(-1);
    if (newest === undefined) continue;
    const imageId = imageIdOf(aws.uploadsBucket, key);
    const content = await liveContent(aws, key, contents);
    const items = await table.itemsOfImage(imageId);
    const records = Object.fromEntries(
      consumerNames.map((consumer) => [
        consumer,
        items.find((item) => item.sk === `STAGE#${consumer}`) as StageRecord | undefined,
      ]),
    );
    const listed = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: aws.derivedBucket, Prefix: `thumbnails/${imageId}/` }),
    );
    const facts: KeyFacts = {
      key,
      imageId,
      newest,
      live: content === undefined ? undefined : expectations[content],
      records,
      derived: items.filter((item) => item.sk.startsWith('INDEX#')).map((item) => item.sk),
      thumbnails: (listed.Contents ?? []).map((object) => object.Key ?? ''),
    };
    problems.push(
      ...consumerNames.flatMap((consumer) => stageProblems(facts, consumer)),
      ...derivedProblems(facts),
    );
    problems.push(...(await searchProblems(search, facts)));
  }
  return problems;
};
