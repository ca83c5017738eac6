import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tableSchema } from '../shared/store';
import { type IndexedImage, ownerTerm, phashTerm, tokenTerm } from './entries';
import { hammingDistance, phashBandsOf } from './phash-bands';
import { normalizeToken } from './terms';

/** What every search entry carries of the image it finds (the owner entry carries more). */
export type SearchHit = Pick<
  IndexedImage,
  'imageId' | 'bucket' | 'key' | 'owner' | 'uploadedAt' | 'contentType' | 'phash'
>;

/** One page of a listing, and where the next starts (DynamoDB's LastEvaluatedKey), if there is one. */
export interface SearchPage {
  readonly hits: readonly SearchHit[];
  readonly next?: Record<string, unknown>;
}

export interface SimilarHit extends SearchHit {
  readonly distance: number;
}

const { name: indexName, partitionKey, sortKey } = tableSchema.termIndex;

const toHit = (item: Record<string, unknown>): SearchHit => ({
  imageId: String(item.imageId),
  bucket: String(item.bucket),
  key: String(item.key),
  owner: String(item.owner),
  uploadedAt: String(item.uploadedAt),
  contentType: String(item.contentType),
  phash: String(item.phash),
});

/** Queries over the search index: what a gallery or a search box would ask. */
export class ImageSearch {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async term(
    term: string,
    {
      from,
      to,
      limit,
      newestFirst = true,
    }: { from?: string; to?: string; limit?: number; newestFirst?: boolean },
  ): Promise<SearchHit[]> {
    const hits: SearchHit[] = [];
    let startKey: Record<string, unknown> | undefined;
    const range = from !== undefined || to !== undefined;
    do {
      const response = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: range ? '#pk = :term AND #sk BETWEEN :from AND :to' : '#pk = :term',
          ExpressionAttributeNames: { '#pk': partitionKey, ...(range ? { '#sk': sortKey } : {}) },
          ExpressionAttributeValues: {
            ':term': term,
            ...(range ? { ':from': from ?? '', ':to': `${to ?? '\uffff'}\uffff` } : {}),
          },
          ScanIndexForward: !newestFirst,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      hits.push(...(response.Items ?? []).map(toHit));
      startKey = limit !== undefined && hits.length >= limit ? undefined : response.LastEvaluatedKey;
    } while (startKey !== undefined);
    return limit === undefined ? hits : hits.slice(0, limit);
  }

  /** An owner's images, newest first, optionally between two ISO times. */
  byOwner(owner: string, options: { from?: string; to?: string; limit?: number } = {}) {
    return this.term(ownerTerm(owner), options);
  }

  /** One page of an owner's images, newest first; `after` is the `next` of the previous page. */
  async ownerPage(owner: string, { limit, after }: { limit: number; after?: Record<string, unknown> }) {
    const response = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: '#pk = :term',
        ExpressionAttributeNames: { '#pk': partitionKey },
        ExpressionAttributeValues: { ':term': ownerTerm(owner) },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: after,
      }),
    );
    const next = response.LastEvaluatedKey;
    return { hits: (response.Items ?? []).map(toHit), ...(next ? { next } : {}) } satisfies SearchPage;
  }

  /** Images whose key or user metadata carries the word, newest first. */
  byToken(token: string, options: { limit?: number } = {}) {
    return this.term(tokenTerm(normalizeToken(token)), options);
  }

  /**
   * Near-duplicates of a perceptual hash, closest first. Every image within distance 3 shares a
   * band and is found; farther ones are found when a band happens to match.
   */
  async similarTo(phash: string, maxDistance = 3): Promise<SimilarHit[]> {
    const candidates = await Promise.all(
      phashBandsOf(phash).map((value, band) => this.term(phashTerm(band, value), { newestFirst: false })),
    );
    const unique = new Map(candidates.flat().map((hit) => [hit.imageId, hit]));
    return [...unique.values()]
      .map((hit) => ({ ...hit, distance: hammingDistance(phash, hit.phash) }))
      .filter((hit) => hit.distance <= maxDistance)
      .sort((a, b) => a.distance - b.distance || a.key.localeCompare(b.key));
  }
}
