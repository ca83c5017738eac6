import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { ConsumerName } from '../constants';
import { backoff } from './backoff';
import {
  type ItemKey,
  imagePartition,
  requestKey,
  type StageRecord,
  stageKey,
  type TableItem,
  type WriteRequest,
} from './schema';

/** BatchWriteItem takes at most 25 requests, BatchGetItem 100 keys: service limits. */
export const batchWriteLimit = 25;
export const batchGetLimit = 100;

export interface ImageTableOptions {
  /** Calls per chunk before its leftovers count as failed (UnprocessedItems, throttling). */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** BatchWriteItem calls in flight at once for one flush. */
  readonly parallelCalls?: number;
}

/** A write and the SQS messages whose work it records: a failed write fails exactly these. */
export interface OwnedWrite {
  readonly request: WriteRequest;
  readonly owners: readonly string[];
}

export interface FlushResult {
  readonly failedOwners: ReadonlySet<string>;
  readonly calls: number;
  readonly written: number;
}

const keyString = ({ pk, sk }: ItemKey) => `${pk}\u0000${sk}`;

const isValidationError = (error: unknown) =>
  error instanceof Error &&
  (error.name === 'ValidationException' || error.name === 'ItemCollectionSizeLimitExceededException');

const toBatchRequest = (request: WriteRequest) =>
  request.type === 'put' ? { PutRequest: { Item: request.item } } : { DeleteRequest: { Key: request.key } };

export class ImageTable {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly parallelCalls: number;

  constructor(doc: DynamoDBDocumentClient, tableName: string, options: ImageTableOptions = {}) {
    this.doc = doc;
    this.tableName = tableName;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 2_000;
    this.parallelCalls = options.parallelCalls ?? 4;
  }

  /**
   * The consumer's stage records for these images, in as few BatchGetItem calls as possible.
   * Images whose keys stayed unprocessed after every retry are returned in `unresolved`.
   */
  async getStages(
    consumer: ConsumerName,
    imageIds: Iterable<string>,
  ): Promise<{ stages: Map<string, StageRecord>; unresolved: Set<string> }> {
    const stages = new Map<string, StageRecord>();
    const unresolved = new Set<string>();
    const keys = [...new Set(imageIds)].map((imageId) => stageKey(imageId, consumer));
    const chunks: ItemKey[][] = [];
    for (let i = 0; i < keys.length; i += batchGetLimit) chunks.push(keys.slice(i, i + batchGetLimit));

    const limit = pLimit(this.parallelCalls);
    await Promise.all(
      chunks.map((chunk) =>
        limit(async () => {
          let pending: ItemKey[] = chunk;
          for (let attempt = 0; attempt < this.maxAttempts && pending.length > 0; attempt++) {
            if (attempt > 0) await backoff(attempt, this.baseDelayMs, this.maxDelayMs);
            try {
              const response = await this.doc.send(
                new BatchGetCommand({
                  RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
                }),
              );
              for (const item of response.Responses?.[this.tableName] ?? []) {
                const record = item as StageRecord;
                stages.set(record.imageId, record);
              }
              pending = (response.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as ItemKey[];
            } catch (error) {
              if (attempt === this.maxAttempts - 1) throw error;
            }
          }
          for (const key of pending) unresolved.add(key.pk.slice(imagePartition('').length));
        }),
      ),
    );
    return { stages, unresolved };
  }

  /**
   * Writes everything a batch produced with BatchWriteItem, retrying UnprocessedItems with backoff.
   * A write that still fails marks only its owners as failed; the rest of the batch is unaffected.
   */
  async flush(writes: readonly OwnedWrite[]): Promise<FlushResult> {
    // Two requests for one key in a BatchWriteItem call are a ValidationException: last one wins.
    const byKey = new Map<string, { request: WriteRequest; owners: Set<string> }>();
    for (const { request, owners } of writes) {
      const id = keyString(requestKey(request));
      const existing = byKey.get(id);
      byKey.set(id, { request, owners: new Set([...(existing?.owners ?? []), ...owners]) });
    }
    const entries = [...byKey.values()];
    const failedOwners = new Set<string>();
    let calls = 0;
    let written = 0;

    const chunks: (typeof entries)[] = [];
    for (let i = 0; i < entries.length; i += batchWriteLimit)
      chunks.push(entries.slice(i, i + batchWriteLimit));

    const limit = pLimit(this.parallelCalls);
    await Promise.all(
      chunks.map((chunk) =>
        limit(async () => {
          let pending = chunk;
          for (let attempt = 0; attempt < this.maxAttempts && pending.length > 0; attempt++) {
            if (attempt > 0) await backoff(attempt, this.baseDelayMs, this.maxDelayMs);
            calls++;
            try {
              const response = await this.doc.send(
                new BatchWriteCommand({
                  RequestItems: { [this.tableName]: pending.map(({ request }) => toBatchRequest(request)) },
                }),
              );
              const unprocessed = new Set(
                (response.UnprocessedItems?.[this.tableName] ?? []).map((request) =>
                  keyString((request.PutRequest?.Item ?? request.DeleteRequest?.Key) as ItemKey),
                ),
              );
              written += pending.length - unprocessed.size;
              pending = pending.filter(({ request }) => unprocessed.has(keyString(requestKey(request))));
            } catch (error) {
              if (!isValidationError(error)) continue;
              // One bad item (too large, say) rejects the whole call: write one by one to isolate it.
              const { failed, ok } = await this.writeEachAlone(pending);
              written += ok;
              pending = failed;
              break;
            }
          }
          for (const { owners } of pending) for (const owner of owners) failedOwners.add(owner);
        }),
      ),
    );
    return { failedOwners, calls, written };
  }

  private async writeEachAlone<T extends { request: WriteRequest }>(entries: readonly T[]) {
    const failed: T[] = [];
    let ok = 0;
    for (const entry of entries) {
      const { request } = entry;
      try {
        if (request.type === 'put') {
          await this.doc.send(new PutCommand({ TableName: this.tableName, Item: request.item }));
        } else {
          await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: request.key }));
        }
        ok++;
      } catch {
        failed.push(entry);
      }
    }
    return { failed, ok };
  }

  /** Every item of one image: its stage records and everything derived into the table. */
  async itemsOfImage(imageId: string, sortKeyPrefix?: string): Promise<TableItem[]> {
    const items: TableItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression:
            sortKeyPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': imagePartition(imageId),
            ...(sortKeyPrefix === undefined ? {} : { ':prefix': sortKeyPrefix }),
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((response.Items ?? []) as TableItem[]));
      startKey = response.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }
}
