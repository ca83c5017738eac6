import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { PermanentError, rejectionCodes, TransientError } from '../errors';
import { itemSizeBytes } from './item-size';
import { type ItemKey, imagePartition, maxItemBytes, type StageRecord, type TableItem } from './schema';

/** TransactWriteItems takes at most 100 actions: a service limit. */
export const transactionActionLimit = 100;

/**
 * One consumer's result for one image, made visible all at once or not at all: the stage record,
 * the items it derives into the image's partition, and the deletion of the items the record it
 * replaces had derived and this one has not.
 */
export interface CommitPlan {
  readonly record: StageRecord;
  readonly items: readonly TableItem[];
  /** Sort keys, in the record's partition, of derived items that must go. */
  readonly deletes: readonly string[];
  /** The stored record this plan replaces (undefined: none). The commit holds only if it still is. */
  readonly expected: StageRecord | undefined;
}

export type CommitResult = 'committed' | 'conflict';

/**
 * The condition that makes a commit ordered: the stored record is exactly the one the plan was made
 * against, so an older event can never land over a newer one and two commits never interleave.
 */
const expectation = (expected: StageRecord | undefined) => {
  if (expected === undefined) return { ConditionExpression: 'attribute_not_exists(pk)' };
  if (expected.commitId !== undefined) {
    return {
      ConditionExpression: 'commitId = :expectedCommit',
      ExpressionAttributeValues: { ':expectedCommit': expected.commitId },
    };
  }
  // A record from before commit ids: its sequencer and time stand for it.
  return {
    ConditionExpression: 'attribute_not_exists(commitId) AND #seq = :expectedSeq AND updatedAt = :expectedAt',
    ExpressionAttributeNames: { '#seq': 'sequencer' },
    ExpressionAttributeValues: { ':expectedSeq': expected.sequencer, ':expectedAt': expected.updatedAt },
  };
};

/** A result larger than an item may be is a permanent rejection, found before any write. */
export const checkSizes = (plan: CommitPlan) => {
  for (const item of [plan.record as unknown as TableItem, ...plan.items]) {
    const size = itemSizeBytes(item);
    if (size > maxItemBytes) {
      throw new PermanentError(
        rejectionCodes.recordTooLarge,
        `The result for ${item.sk} would be a ${Math.ceil(size / 1024)} KB item, over DynamoDB's 400 KB limit`,
      );
    }
  }
};

/** A plan's writes as TransactWriteItems actions: its record (conditional) first, then its items and deletions. */
export const planActions = (
  tableName: string,
  plan: CommitPlan,
): NonNullable<TransactWriteCommandInput['TransactItems']> => {
  const pk = imagePartition(plan.record.imageId);
  return [
    { Put: { TableName: tableName, Item: plan.record, ...expectation(plan.expected) } },
    ...plan.items.map((Item) => ({ Put: { TableName: tableName, Item } })),
    ...plan.deletes.map((sk) => ({ Delete: { TableName: tableName, Key: { pk, sk } satisfies ItemKey } })),
  ];
};

const transaction = (tableName: string, plan: CommitPlan): TransactWriteCommandInput => {
  const actions = planActions(tableName, plan);
  if (actions.length > transactionActionLimit) {
    throw new Error(
      `A commit of ${actions.length} writes is over TransactWriteItems' ${transactionActionLimit}: cap what a stage derives`,
    );
  }
  return { TransactItems: actions };
};

const cancellationCodes = (error: unknown): string[] =>
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
    (reason) => reason.Code ?? 'None',
  );

const isTooLarge = (error: unknown) =>
  error instanceof Error && error.name === 'ValidationException' && /size/i.test(error.message);

/**
 * Writes a plan atomically and conditionally: one conditional PutItem when the record is all there
 * is, else one TransactWriteItems (two write units an item, so only where several items must move
 * together). Answers `conflict` when the stored record is no longer the one expected.
 */
export const commitPlan = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  plan: CommitPlan,
  abortSignal?: AbortSignal,
): Promise<CommitResult> => {
  checkSizes(plan);
  try {
    if (plan.items.length === 0 && plan.deletes.length === 0) {
      const put = { TableName: tableName, Item: plan.record, ...expectation(plan.expected) };
      await doc.send(new PutCommand(put), { abortSignal });
    } else {
      await doc.send(new TransactWriteCommand(transaction(tableName, plan)), { abortSignal });
    }
    return 'committed';
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'ConditionalCheckFailedException') return 'conflict';
    if (name === 'TransactionCanceledException') {
      const codes = cancellationCodes(error);
      if (codes[0] === 'ConditionalCheckFailed') return 'conflict';
      throw new TransientError(`Commit cancelled (${codes.join(', ')}); it will be tried again`, {
        cause: error,
      });
    }
    if (isTooLarge(error)) {
      throw new PermanentError(
        rejectionCodes.recordTooLarge,
        `The result cannot be stored: ${(error as Error).message}`,
      );
    }
    throw error;
  }
};
