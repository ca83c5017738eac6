/**
 * Messages a consumer could not read as an S3 event. The batch runtime records each one (its
 * reason and the first 2 KB of its body, under `MESSAGE#<id>` and the index term UNREADABLE) and
 * acknowledges it: nothing is retried or sent to a DLQ, so this is the only place they show.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type ConsumerName, consumerNames } from '../lambdas/shared/constants';
import { tableSchema, unreadableMessagesTerm } from '../lambdas/shared/store';
import type { Target } from './target';

export interface UnreadableMessage {
  readonly consumer: ConsumerName;
  readonly messageId: string;
  readonly receivedAt: string;
  readonly reasonCode: string;
  readonly reason: string;
  /** The body as recorded: its first 2 KB. */
  readonly body: string;
}

export interface UnreadableListing {
  readonly consumers: readonly ConsumerName[];
  /** Newest first. */
  readonly messages: readonly UnreadableMessage[];
  /** The limit was reached: there are more. */
  readonly more: boolean;
}

const isConsumer = (value: unknown): value is ConsumerName =>
  typeof value === 'string' && (consumerNames as readonly string[]).includes(value);

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const toMessage = (item: Record<string, unknown>): UnreadableMessage | undefined =>
  isConsumer(item.consumer)
    ? {
        consumer: item.consumer,
        messageId: text(item.messageId),
        receivedAt: text(item.receivedAt),
        reasonCode: text(item.reasonCode),
        reason: text(item.reason),
        body: text(item.body),
      }
    : undefined;

/** Every recorded unreadable message, newest first, one page of the index at a time. */
async function* recorded(target: Target, projection?: string): AsyncGenerator<Record<string, unknown>> {
  const { name, partitionKey } = tableSchema.termIndex;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await target.doc.send(
      new QueryCommand({
        TableName: target.tableName,
        IndexName: name,
        KeyConditionExpression: '#term = :term',
        ExpressionAttributeNames: { '#term': partitionKey, ...(projection ? { '#c': projection } : {}) },
        ExpressionAttributeValues: { ':term': unreadableMessagesTerm },
        ScanIndexForward: false,
        ...(projection ? { ProjectionExpression: '#c' } : {}),
        ExclusiveStartKey: startKey,
      }),
    );
    yield* page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/** How many unreadable messages each consumer has recorded (their records expire with the DLQ's). */
export const unreadableCounts = async (target: Target): Promise<Record<ConsumerName, number>> => {
  const counts = Object.fromEntries(consumerNames.map((consumer) => [consumer, 0])) as Record<
    ConsumerName,
    number
  >;
  for await (const item of recorded(target, 'consumer')) {
    if (isConsumer(item.consumer)) counts[item.consumer] += 1;
  }
  return counts;
};

export const listUnreadable = async (
  target: Target,
  consumers: readonly ConsumerName[],
  { limit = 100 }: { readonly limit?: number } = {},
): Promise<UnreadableListing> => {
  const messages: UnreadableMessage[] = [];
  for await (const item of recorded(target)) {
    const message = toMessage(item);
    if (message === undefined || !consumers.includes(message.consumer)) continue;
    if (messages.length === limit) return { consumers, messages, more: true };
    messages.push(message);
  }
  return { consumers, messages, more: false };
};
