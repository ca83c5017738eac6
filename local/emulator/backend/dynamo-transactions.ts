import type { DynaliteClient, Item } from './dynalite-client';
import {
  type CancellationReason,
  DynamoErrorType,
  DynamoServiceError,
  TransactionCanceledError,
} from './dynamo-errors';
import { type ItemRef, type KeySchemas, readItems } from './dynamo-items';
import {
  type GetAction,
  parseGetActions,
  parseWriteActions,
  type WriteAction,
} from './dynamo-transact-requests';
import type { ReadWriteLock } from './read-write-lock';

export interface TransactionContext {
  readonly dynalite: DynaliteClient;
  readonly keySchemas: KeySchemas;
  /** Shared by every other DynamoDB request the backend forwards; a transaction holds it exclusively. */
  readonly lock: ReadWriteLock;
  readonly tokens: ClientRequestTokens;
}

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

const conditionFailedReason = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };

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

type Outcome =
  | { readonly applied: boolean; readonly reason: CancellationReason }
  | { readonly applied: false; readonly fatal: DynamoServiceError };

const perform = async (
  context: TransactionContext,
  action: WriteAction,
  before: Item | undefined,
): Promise<Outcome> => {
  try {
    const [operation, request] = writeRequest(action, before);
    await context.dynalite.call(operation, request);
    return { applied: action.kind !== 'ConditionCheck', reason: { Code: 'None' } };
  } catch (error) {
    if (!(error instanceof DynamoServiceError))
      return { applied: false, fatal: new DynamoServiceError(DynamoErrorType.internal, String(error), 500) };
    if (error.type === DynamoErrorType.conditionalCheckFailed) {
      const returnOld =
        action.params.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && before !== undefined;
      return {
        applied: false,
        reason: returnOld ? { ...conditionFailedReason, Item: before } : conditionFailedReason,
      };
    }
    if (itemDependentValidations.some((message) => error.message.startsWith(message)))
      return { applied: false, reason: { Code: 'ValidationError', Message: error.message } };
    return { applied: false, fatal: error };
  }
};

/** Puts back what the applied actions changed, from the images read before the transaction. */
const rollBack = async (context: TransactionContext, refs: readonly ItemRef[], before: Map<string, Item>) => {
  try {
    await Promise.all(
      refs.map((ref) => {
        const image = before.get(ref.id);
        return image === undefined
          ? context.dynalite.call('DeleteItem', { TableName: ref.table, Key: ref.key })
          : context.dynalite.call('PutItem', { TableName: ref.table, Item: image });
      }),
    );
  } catch (error) {
    throw new DynamoServiceError(
      DynamoErrorType.internal,
      `A transaction could not be rolled back: ${(error as Error).message}`,
      500,
    );
  }
};

const applyAll = async (context: TransactionContext, actions: readonly WriteAction[]) => {
  const before = await readItems(
    context.dynalite,
    actions.map((action) => action.ref),
    context.keySchemas,
  );
  // Actions touch different items, so applying one never changes what another's condition sees.
  const outcomes = await Promise.all(
    actions.map((action) => perform(context, action, before.get(action.ref.id))),
  );
  const fatal = outcomes.find((outcome) => 'fatal' in outcome);
  const reasons = outcomes.flatMap((outcome) => ('reason' in outcome ? [outcome.reason] : []));
  const failed = fatal !== undefined || reasons.some((reason) => reason.Code !== 'None');
  if (failed) {
    const applied = actions.filter((_, index) => outcomes[index]?.applied);
    await rollBack(
      context,
      applied.map((action) => action.ref),
      before,
    );
  }
  if (fatal !== undefined && 'fatal' in fatal) throw fatal.fatal;
  if (failed) throw new TransactionCanceledError(reasons);
};

/** TransactWriteItems with DynamoDB's semantics, in front of dynalite (which has none). */
export const transactWriteItems = async (context: TransactionContext, input: Record<string, unknown>) => {
  const actions = await parseWriteActions(input, context.keySchemas);
  const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
  return context.lock.exclusive(async () => {
    if (token !== undefined && context.tokens.alreadyDone(token, input.TransactItems)) return {};
    await applyAll(context, actions);
    if (token !== undefined) context.tokens.remember(token, input.TransactItems);
    return {};
  });
};

const getItem = async (context: TransactionContext, action: GetAction) => {
  const { Item } = await context.dynalite.call<{ Item?: Item }>('GetItem', {
    TableName: action.ref.table,
    Key: action.params.Key,
    ProjectionExpression: action.params.ProjectionExpression,
    ExpressionAttributeNames: action.params.ExpressionAttributeNames,
    ConsistentRead: true,
  });
  return Item === undefined ? {} : { Item };
};

/** TransactGetItems: every item as of one moment, between transactions. */
export const transactGetItems = async (context: TransactionContext, input: Record<string, unknown>) => {
  const actions = await parseGetActions(input, context.keySchemas);
  return context.lock.exclusive(async () => ({
    Responses: await Promise.all(actions.map((action) => getItem(context, action))),
  }));
};

/** AWS: a client token is valid for 10 minutes after the request that used it completes. */
const tokenLifetimeMs = 10 * 60 * 1000;

/** ClientRequestToken idempotency: a successful transaction repeated with its token is not applied again. */
export class ClientRequestTokens {
  readonly #done = new Map<string, { readonly request: string; readonly expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  alreadyDone(token: string, transactItems: unknown): boolean {
    const done = this.#done.get(token);
    if (done === undefined || done.expiresAt <= this.now()) return false;
    if (done.request !== JSON.stringify(transactItems))
      throw new DynamoServiceError(
        DynamoErrorType.idempotentParameterMismatch,
        'The request uses the same client token as a previous, but non-identical request.',
      );
    return true;
  }

  remember(token: string, transactItems: unknown): void {
    const now = this.now();
    // Entries stay in the order they expire in, so the sweep stops at the first live one.
    for (const [known, { expiresAt }] of this.#done) {
      if (expiresAt > now) break;
      this.#done.delete(known);
    }
    this.#done.delete(token);
    this.#done.set(token, { request: JSON.stringify(transactItems), expiresAt: now + tokenLifetimeMs });
  }
}
