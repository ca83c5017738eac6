import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../errors';
import {
  type CommitPlan,
  type CommitResult,
  commitPlan,
  planActions,
  transactionActionLimit,
} from './commit';
import { itemSizeBytes } from './item-size';

/** TransactWriteItems takes at most 4 MB in all: a service limit (with room for the request's own JSON). */
export const transactionByteLimit = 4 * 1024 * 1024 - 64 * 1024;

/**
 * What became of one plan of a group: committed; a conflict (its record is no longer the one it
 * expected); cancelled because another plan of the group failed (commit it again); or an error of
 * its own (throttled, a concurrent transaction on one of its items, a result too large).
 */
export type GroupResult = CommitResult | 'cancelled' | { readonly error: unknown };

/** Actions and bytes a plan adds to a group, for packing groups under the service limits. */
export const planWeight = (plan: CommitPlan) => ({
  actions: 1 + plan.items.length + plan.deletes.length,
  bytes: [plan.record as object, ...plan.items].reduce(
    (sum: number, item) => sum + itemSizeBytes(item as Record<string, unknown>),
    0,
  ),
});

const reasonsOf = (error: unknown): string[] =>
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
    (r) => r.Code ?? 'None',
  );

/** A cancelled group's verdict for each plan, from the reasons DynamoDB gives, one per action in order. */
const verdicts = (plans: readonly CommitPlan[], error: unknown): GroupResult[] => {
  const reasons = reasonsOf(error);
  let at = 0;
  return plans.map((plan) => {
    const own = reasons.slice(at, at + planWeight(plan).actions);
    at += own.length;
    if (own[0] === 'ConditionalCheckFailed') return 'conflict';
    const failed = own.find((code) => code !== 'None');
    if (failed === undefined) return 'cancelled';
    return {
      error: new TransientError(`Commit cancelled (${failed}); it will be tried again`, { cause: error }),
    };
  });
};

/**
 * Commits the results of several images in one TransactWriteItems: each is conditional on its own
 * record, so each lands only over the record it was planned against; the group is one request
 * instead of one per image. All or nothing, as transactions are: when one plan's condition fails
 * the others are answered `cancelled`, to be committed again. A lone plan goes through commitPlan
 * (a conditional PutItem when it is one item: half the write units of a transaction).
 */
export const commitGroup = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  plans: readonly CommitPlan[],
  abortSignal?: AbortSignal,
): Promise<GroupResult[]> => {
  if (plans.length === 1) {
    try {
      return [await commitPlan(doc, tableName, plans[0] as CommitPlan, abortSignal)];
    } catch (error) {
      return [{ error }];
    }
  }
  const actions = plans.flatMap((plan) => planActions(tableName, plan));
  if (actions.length > transactionActionLimit)
    throw new Error(`A group of ${actions.length} actions is over ${transactionActionLimit}`);
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: actions }), { abortSignal });
    return plans.map(() => 'committed');
  } catch (error) {
    if ((error as Error).name === 'TransactionCanceledException') return verdicts(plans, error);
    return plans.map(() => ({ error }));
  }
};
