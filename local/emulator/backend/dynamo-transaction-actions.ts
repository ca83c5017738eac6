import type { DynaliteClient, Item } from './dynalite-client';
import type { ItemWrite } from './dynamo-batch-writes';
import { evaluateCondition } from './dynamo-condition-eval';
import { parseCondition } from './dynamo-condition-parser';
import type { Verdict } from './dynamo-condition-values';
import { type CancellationReason, DynamoErrorType, DynamoServiceError } from './dynamo-errors';
import type { WriteAction } from './dynamo-transact-requests';

/**
 * One action of a transaction: how it is carried out, and what came of it. An action whose condition
 * is judged here (or that has none) is a request in a BatchWriteItem; any other goes to dynalite as
 * its own single-item call, which judges its condition.
 */

/** How an action is carried out, decided from the item as it was before the transaction. */
export type ActionRoute =
  /** A Put or Delete, written with BatchWriteItem; `holds` is its condition's verdict (true if none). */
  | { readonly via: 'batch'; readonly holds: boolean; readonly write: ItemWrite }
  /** A ConditionCheck judged here: nothing to write. */
  | { readonly via: 'none'; readonly holds: boolean }
  /** An Update, or a condition only dynalite can judge: its own PutItem, UpdateItem or DeleteItem. */
  | { readonly via: 'dynalite' };

export const viaDynalite: ActionRoute = { via: 'dynalite' };

export type Outcome =
  | { readonly applied: boolean; readonly reason: CancellationReason }
  | { readonly applied: false; readonly fatal: DynamoServiceError };

/**
 * Validation errors that depend on the stored item, which DynamoDB reports as a ValidationError
 * cancellation reason rather than rejecting the request (API reference "TransactWriteItems").
 */
const itemDependentValidations = [
  'Item size to update has exceeded the maximum allowed size',
  'An operand in the update expression has an incorrect data type',
  'Type mismatch for attribute to update',
  'The document path provided in the update expression is invalid for update',
  'The provided expression refers to an attribute that does not exist in the item',
  'The update expression attempted to update the secondary index key',
  'Number overflow',
  'Nesting Levels have exceeded supported limits',
];

const passed: CancellationReason = { Code: 'None' };
const conditionFailedReason = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };

const failedCondition = (action: WriteAction, before: Item | undefined): CancellationReason =>
  action.params.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && before !== undefined
    ? { ...conditionFailedReason, Item: before }
    : conditionFailedReason;

const conditionVerdict = (params: WriteAction['params'], before: Item | undefined): Verdict => {
  const expressionMembers = [
    params.ConditionExpression,
    params.ExpressionAttributeNames,
    params.ExpressionAttributeValues,
  ];
  if (expressionMembers.every((member) => member === undefined || member === null)) return true;
  const condition = parseCondition(params);
  return condition === undefined ? undefined : evaluateCondition(condition, before ?? {});
};

export const routeAction = (action: WriteAction, before: Item | undefined): ActionRoute => {
  if (action.kind === 'Update') return viaDynalite;
  const holds = conditionVerdict(action.params, before);
  if (holds === undefined) return viaDynalite;
  if (action.kind === 'ConditionCheck') return { via: 'none', holds };
  const { table } = action.ref;
  const write: ItemWrite =
    action.kind === 'Put'
      ? { table, put: action.params.Item as Item }
      : { table, delete: action.params.Key as Item };
  return { via: 'batch', holds, write };
};

/** The outcome of an action judged here; a batched one counts as applied, written or not. */
export const judgedOutcome = (
  action: WriteAction,
  route: Exclude<ActionRoute, { via: 'dynalite' }>,
  before: Item | undefined,
): Outcome => ({
  applied: route.via === 'batch',
  reason: route.holds ? passed : failedCondition(action, before),
});

const expressionParams = (params: Readonly<Record<string, unknown>>) => ({
  ConditionExpression: params.ConditionExpression,
  ExpressionAttributeNames: params.ExpressionAttributeNames,
  ExpressionAttributeValues: params.ExpressionAttributeValues,
});

/** The single-item request that performs an action; a ConditionCheck writes back what is there. */
const writeRequest = (action: WriteAction, before: Item | undefined): [string, object] => {
  const { params, ref } = action;
  const common = { TableName: ref.table, ...expressionParams(params) };
  switch (action.kind) {
    case 'Put':
      return ['PutItem', { ...common, Item: params.Item }];
    case 'Update':
      return ['UpdateItem', { ...common, Key: params.Key, UpdateExpression: params.UpdateExpression }];
    case 'Delete':
      return ['DeleteItem', { ...common, Key: params.Key }];
    case 'ConditionCheck':
      // Under the exclusive lock, rewriting the same item (or deleting an absent one) changes nothing.
      return before === undefined
        ? ['DeleteItem', { ...common, Key: ref.key }]
        : ['PutItem', { ...common, Item: before }];
  }
};

/** Performs an action as its own call to dynalite, which judges its condition. */
export const perform = async (
  dynalite: DynaliteClient,
  action: WriteAction,
  before: Item | undefined,
): Promise<Outcome> => {
  try {
    const [operation, request] = writeRequest(action, before);
    await dynalite.call(operation, request);
    return { applied: action.kind !== 'ConditionCheck', reason: passed };
  } catch (error) {
    if (!(error instanceof DynamoServiceError))
      return { applied: false, fatal: new DynamoServiceError(DynamoErrorType.internal, String(error), 500) };
    if (error.type === DynamoErrorType.conditionalCheckFailed)
      return { applied: false, reason: failedCondition(action, before) };
    if (itemDependentValidations.some((message) => error.message.startsWith(message)))
      return { applied: false, reason: { Code: 'ValidationError', Message: error.message } };
    return { applied: false, fatal: error };
  }
};
