import type { DynaliteClient, Item } from './dynalite-client';
import { restoringWrites, writeItems } from './dynamo-batch-writes';
import { DynamoErrorType, DynamoServiceError, TransactionCanceledError } from './dynamo-errors';
import { type ItemRef, type KeySchemas, readItems } from './dynamo-items';
import {
  type GetAction,
  parseGetActions,
  parseWriteActions,
  type WriteAction,
} from './dynamo-transact-requests';
import {
  type ActionRoute,
  judgedOutcome,
  type Outcome,
  perform,
  routeAction,
  viaDynalite,
} from './dynamo-transaction-actions';
import type { ReadWriteLock } from './read-write-lock';

export interface TransactionContext {
  readonly dynalite: DynaliteClient;
  readonly keySchemas: KeySchemas;
  /** Shared by every other DynamoDB request the backend forwards; a transaction holds it exclusively. */
  readonly lock: ReadWriteLock;
  readonly tokens: ClientRequestTokens;
}

/** The refs of the actions that wrote something, which a failed transaction must put back. */
const appliedRefs = (actions: readonly WriteAction[], outcomes: readonly Outcome[]): ItemRef[] =>
  actions.filter((_, index) => outcomes[index]?.applied).map((action) => action.ref);

/** Puts back what the applied actions changed, from the images read before the transaction. */
const rollBack = async (context: TransactionContext, refs: readonly ItemRef[], before: Map<string, Item>) => {
  const writes = restoringWrites(refs, before);
  try {
    await writeItems(context.dynalite, writes);
  } catch {
    // BatchWriteItem refuses two keys it holds equal ({"N":"1"} and {"N":"1.0"}); one call each does not.
    try {
      await Promise.all(writes.map((write) => writeItems(context.dynalite, [write])));
    } catch (error) {
      throw new DynamoServiceError(
        DynamoErrorType.internal,
        `A transaction could not be rolled back: ${(error as Error).message}`,
        500,
      );
    }
  }
};

interface Attempt {
  readonly outcomes: readonly Outcome[];
  /** A BatchWriteItem call failed: some batched writes may have landed, none is known to be right. */
  readonly batchFailed: boolean;
}

/** Every action at once, as routed: the batched writes and the actions' own calls side by side. */
const attempt = async (
  context: TransactionContext,
  actions: readonly WriteAction[],
  routes: readonly ActionRoute[],
  before: Map<string, Item>,
): Promise<Attempt> => {
  const batched = routes.flatMap((route) => (route.via === 'batch' ? [route.write] : []));
  // Actions touch different items, so applying one never changes what another's condition sees.
  const [outcomes, batchFailed] = await Promise.all([
    Promise.all(
      actions.map((action, index) => {
        const route = routes[index] ?? viaDynalite;
        const image = before.get(action.ref.id);
        return route.via === 'dynalite'
          ? perform(context.dynalite, action, image)
          : judgedOutcome(action, route, image);
      }),
    ),
    writeItems(context.dynalite, batched).then(
      () => false,
      () => true,
    ),
  ]);
  return { outcomes, batchFailed };
};

/** Ends a transaction from its outcomes: done, or rolled back and answered with its error. */
const conclude = async (
  context: TransactionContext,
  actions: readonly WriteAction[],
  outcomes: readonly Outcome[],
  before: Map<string, Item>,
) => {
  const fatal = outcomes.find((outcome) => 'fatal' in outcome);
  const reasons = outcomes.flatMap((outcome) => ('reason' in outcome ? [outcome.reason] : []));
  if (fatal === undefined && reasons.every((reason) => reason.Code === 'None')) return;
  await rollBack(context, appliedRefs(actions, outcomes), before);
  if (fatal !== undefined && 'fatal' in fatal) throw fatal.fatal;
  throw new TransactionCanceledError(reasons);
};

/**
 * Reads the before-images (one BatchGetItem per 100 items), judges the conditions it can, writes the
 * Puts and Deletes with BatchWriteItem and sends every other action to dynalite as its own call.
 */
const applyAll = async (context: TransactionContext, actions: readonly WriteAction[]) => {
  const before = await readItems(
    context.dynalite,
    actions.map((action) => action.ref),
    context.keySchemas,
  );
  const routes = actions.map((action) => routeAction(action, before.get(action.ref.id)));
  const first = await attempt(context, actions, routes, before);
  if (!first.batchFailed) return conclude(context, actions, first.outcomes, before);
  // BatchWriteItem refused a write (an item over 400 KB, a key of the wrong type): undone, every action
  // then goes as its own call, so the answer is the one each PutItem or DeleteItem gives.
  await rollBack(context, appliedRefs(actions, first.outcomes), before);
  const exact = await attempt(
    context,
    actions,
    actions.map(() => viaDynalite),
    before,
  );
  return conclude(context, actions, exact.outcomes, before);
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
