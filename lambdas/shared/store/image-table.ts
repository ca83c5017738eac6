import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { ConsumerName } from '../constants';
import { backoff } from './backoff';
import { type CommitPlan, type CommitResult, commitPlan } from './commit';
import { commitGroup, type GroupResult } from './commit-group';
import { type ItemKey, imagePartition, type StageRecord, stageKey, type TableItem } from './schema';

/** BatchWriteItem takes at most 25 requests, BatchGetItem 100 keys: service limits. */
export const batchWriteLimit = 25;
export const batchGetLimit = 100;

export interface ImageTableOptions {
  /** BatchWriteItem calls per chunk before its leftovers count as unwritten (UnprocessedItems). */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** BatchGetItem or BatchWriteItem calls in flight at once. */
  readonly parallelCalls?: number;
}

export const keyString = ({ pk, sk }: ItemKey) => `${pk}\u0000${sk}`;

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

  /** The consumer's stage record for one image, read consistently (after a commit conflict, say). */
  async getStage(consumer: ConsumerName, imageId: string, abortSignal?: AbortSignal) {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: stageKey(imageId, consumer), ConsistentRead: true }),
      { abortSignal },
    );
    return Item as StageRecord | undefined;
  }

  /** One consumer's result for one image, atomically and only over the record it was planned against. */
  commit(plan: CommitPlan, abortSignal?: AbortSignal): Promise<CommitResult> {
    return commitPlan(this.doc, this.tableName, plan, abortSignal);
  }

  /** The results of several images in one request, each conditional on its own record (commit-group.ts). */
  commitGroup(plans: readonly CommitPlan[], abortSignal?: AbortSignal): Promise<GroupResult[]> {
    return commitGroup(this.doc, this.tableName, plans, abortSignal);
  }

  /**
   * Puts items whose order does not matter (failure notes, unreadable messages) with BatchWriteItem,
   * retrying UnprocessedItems with backoff until the attempts or the signal run out. Answers the
   * keys of the items that were not written.
   */
  async putUnordered(items: readonly TableItem[], abortSignal?: AbortSignal): Promise<Set<string>> {
    const unique = [...new Map(items.map((item) => [keyString(item), item])).values()];
    const chunks: TableItem[][] = [];
    for (let i = 0; i < unique.length; i += batchWriteLimit)
      chunks.push(unique.slice(i, i + batchWriteLimit));
    const limit = pLimit(this.parallelCalls);
    const left = await Promise.all(chunks.map((chunk) => limit(() => this.putChunk(chunk, abortSignal))));
    return new Set(left.flat().map(keyString));
  }

  private async putChunk(chunk: readonly TableItem[], abortSignal?: AbortSignal): Promise<TableItem[]> {
    let pending = [...chunk];
    for (let attempt = 0; attempt < this.maxAttempts && pending.length > 0; attempt++) {
      if (abortSignal?.aborted) break;
      if (attempt > 0) await backoff(attempt, this.baseDelayMs, this.maxDelayMs);
      try {
        const response = await this.doc.send(
          new BatchWriteCommand({
            RequestItems: { [this.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) },
          }),
          { abortSignal },
        );
        const unprocessed = new Set(
          (response.UnprocessedItems?.[this.tableName] ?? []).map((request) =>
            keyString(request.PutRequest?.Item as ItemKey),
          ),
        );
        pending = pending.filter((item) => unprocessed.has(keyString(item)));
      } catch {
        // Throttled, aborted or refused: the attempts left decide.
      }
    }
    return pending;
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
