import type { Item } from './dynalite-client';
import { validationError } from './dynamo-errors';
import { type ItemRef, itemRef, type KeySchemas } from './dynamo-items';

/** The actions a TransactWriteItems member may hold, exactly one each. */
export const WriteActionKind = {
  put: 'Put',
  update: 'Update',
  delete: 'Delete',
  conditionCheck: 'ConditionCheck',
} as const;
export type WriteActionKind = (typeof WriteActionKind)[keyof typeof WriteActionKind];

/** AWS API reference "TransactWriteItems": up to 100 actions ("TransactGetItems" likewise). */
export const transactionActionLimit = 100;

export interface WriteAction {
  readonly kind: WriteActionKind;
  readonly ref: ItemRef;
  /** The action's own parameters (TableName, Item or Key, expressions). */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface GetAction {
  readonly ref: ItemRef;
  readonly params: Readonly<Record<string, unknown>>;
}

type Member = Record<string, unknown>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** DynamoDB's constraint messages name the list as the Java SDK prints it. */
const constraintError = (members: readonly unknown[], memberType: string, constraint: string) =>
  validationError(
    `1 validation error detected: Value '[${members
      .map(
        (_, index) => `com.amazonaws.dynamodb.v20120810.${memberType}@${(0x1000_0000 + index).toString(16)}`,
      )
      .join(', ')}]' at 'transactItems' failed to satisfy constraint: Member must have length ${constraint}`,
  );

const transactItems = (input: Member, memberType: string): Member[] => {
  const members = input.TransactItems;
  if (!Array.isArray(members))
    throw validationError(
      "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
    );
  if (members.length === 0) throw constraintError(members, memberType, 'greater than or equal to 1');
  if (members.length > transactionActionLimit)
    throw constraintError(members, memberType, `less than or equal to ${transactionActionLimit}`);
  return members.map((member) => (isRecord(member) ? member : {}));
};

const requireMember = (params: Member, index: number, action: string, member: string) => {
  if (params[member] === undefined) {
    const path = `transactItems.${index + 1}.member.${action[0]?.toLowerCase()}${action.slice(1)}`;
    const field = `${member[0]?.toLowerCase()}${member.slice(1)}`;
    throw validationError(
      `1 validation error detected: Value null at '${path}.${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
};

const requiredMembers: Record<WriteActionKind, readonly string[]> = {
  Put: ['TableName', 'Item'],
  Update: ['TableName', 'Key', 'UpdateExpression'],
  Delete: ['TableName', 'Key'],
  ConditionCheck: ['TableName', 'Key', 'ConditionExpression'],
};

const writeKinds: readonly string[] = Object.values(WriteActionKind);

const invalidAction = () =>
  validationError('The action or operation requested is invalid. Verify that the action is typed correctly.');

/** "Transaction request cannot include multiple operations on one item" (TransactWriteItems). */
const rejectRepeatedItems = (refs: readonly ItemRef[]) => {
  const seen = new Set<string>();
  for (const ref of refs) {
    if (seen.has(ref.id))
      throw validationError('Transaction request cannot include multiple operations on one item');
    seen.add(ref.id);
  }
};

/** Validates a TransactWriteItems request as DynamoDB does: shape, then tables, then repeated items. */
export const parseWriteActions = async (input: Member, keySchemas: KeySchemas): Promise<WriteAction[]> => {
  const members = transactItems(input, 'TransactWriteItem');
  const shaped = members.map((member, index) => {
    const kinds = Object.keys(member).filter((name) => member[name] !== undefined && member[name] !== null);
    const kind = kinds[0];
    if (kinds.length !== 1 || kind === undefined || !writeKinds.includes(kind)) throw invalidAction();
    const params = member[kind];
    if (!isRecord(params)) throw invalidAction();
    for (const name of requiredMembers[kind as WriteActionKind]) requireMember(params, index, kind, name);
    return { kind: kind as WriteActionKind, params };
  });
  const actions: WriteAction[] = [];
  for (const { kind, params } of shaped) {
    const table = String(params.TableName);
    const keySource = (kind === WriteActionKind.put ? params.Item : params.Key) as Item;
    actions.push({ kind, params, ref: itemRef(table, await keySchemas.of(table), keySource) });
  }
  rejectRepeatedItems(actions.map((action) => action.ref));
  return actions;
};

export const parseGetActions = async (input: Member, keySchemas: KeySchemas): Promise<GetAction[]> => {
  const members = transactItems(input, 'TransactGetItem');
  const actions: GetAction[] = [];
  for (const [index, member] of members.entries()) {
    const params = member.Get;
    if (!isRecord(params) || Object.keys(member).length !== 1) throw invalidAction();
    for (const name of ['TableName', 'Key']) requireMember(params, index, 'Get', name);
    const table = String(params.TableName);
    actions.push({ params, ref: itemRef(table, await keySchemas.of(table), params.Key as Item) });
  }
  rejectRepeatedItems(actions.map((action) => action.ref));
  return actions;
};
