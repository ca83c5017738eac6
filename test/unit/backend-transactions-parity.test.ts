/**
 * The embedded backend judges the conditions of a transaction's actions itself when they are in its
 * subset of the grammar (local/emulator/backend/dynamo-condition-parser.ts). This table holds it to dynalite:
 * every expression is judged natively, by dynalite's own conditional write (a PutItem, or a DeleteItem
 * of an absent item, that changes nothing) and by a TransactWriteItems ConditionCheck, and all three
 * must agree. Expressions outside the subset must be left to dynalite, and invalid ones must keep the
 * ValidationException dynalite gives. Operators and functions: developer guide, "Condition and filter
 * expressions, operators, and functions".
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCondition } from '../../local/emulator/backend/dynamo-condition-eval';
import {
  type Condition,
  type Operand,
  parseCondition,
} from '../../local/emulator/backend/dynamo-condition-parser';
import { type DynamoTarget, type Item, n, s, startDynamoTarget } from '../helpers/dynamo-target';
import { externalEndpoint } from '../helpers/target';
import {
  decidedCases,
  declinedCases,
  invalidCases,
  type ParityCase,
} from './backend-transactions-parity.cases';

let target: DynamoTarget;
let table: string;
/** The stored item in the wire format the backend reads (binary as base64 text). */
let stored: Record<string, WireValue>;

const presentKey = { pk: s('parity'), sk: s('item') };
const absentKey = { pk: s('parity'), sk: s('absent') };

/** Every type DynamoDB has, nested lists and maps, and values dynalite normalizes ("1e20"). */
const fixture: Item = {
  ...presentKey,
  greeting: s('hello'),
  blank: s(''),
  accent: s('héllo'),
  answer: n(42),
  debt: { N: '-7.5' },
  huge: { N: '1e20' },
  payload: { B: Buffer.from('abc') },
  enabled: { BOOL: true },
  disabled: { BOOL: false },
  cleared: { NULL: true },
  tags: { SS: ['a', 'b'] },
  labels: { SS: ['b', 'a'] },
  scores: { NS: ['1', '2.5'] },
  parts: { L: [s('x'), n(1), { M: { deep: s('y') } }, { L: [s('z')] }] },
  twin: { L: [s('x'), n(1), { M: { deep: s('y') } }, { L: [s('z')] }] },
  doc: {
    M: { title: s('report'), size: n(3), inner: { M: { flag: { BOOL: true } } }, entries: { L: [n(5)] } },
  },
};

beforeAll(async () => {
  target = await startDynamoTarget({ maxAttempts: 1 });
  if (target.backend === undefined) return;
  table = await target.createTable('parity');
  await target.put(table, fixture);
  stored = wireItem((await target.get(table, 'parity', 'item')) ?? {});
});

afterAll(async () => {
  await target?.stop();
});

type WireValue = Record<string, unknown>;

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The SDK's shape of a value (binary as bytes) in the JSON the service receives. */
const toWire = (value: AttributeValue): WireValue => {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toWire) };
  if (value.M !== undefined) return { M: wireItem(value.M) };
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined));
};

const wireItem = (item: Record<string, AttributeValue>) =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toWire(value)]));

const params = (testCase: ParityCase) => ({
  ConditionExpression: testCase.expression,
  ...(testCase.names === undefined ? {} : { ExpressionAttributeNames: testCase.names }),
  ...(testCase.values === undefined ? {} : { ExpressionAttributeValues: testCase.values }),
});

/** The condition as the backend receives it: values in the wire format. */
const parsed = (testCase: ParityCase) => {
  const request = params(testCase);
  const values = request.ExpressionAttributeValues;
  return parseCondition({ ...request, ExpressionAttributeValues: values && wireItem(values) });
};

const nativeVerdict = (testCase: ParityCase) => {
  const condition = parsed(testCase);
  if (condition === undefined) return 'outside the subset';
  return evaluateCondition(condition, testCase.absent ? {} : stored) ?? 'left to dynalite';
};

/** true, false, or the message of the ValidationException the request was refused with. */
const answer = async (request: Promise<unknown>): Promise<boolean | string> => {
  try {
    await request;
    return true;
  } catch (error) {
    const { name, message } = error as Error;
    if (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException') return false;
    if (name === 'ValidationException') return `ValidationException: ${message}`;
    throw error;
  }
};

const dynaliteVerdict = (testCase: ParityCase) =>
  answer(
    testCase.absent
      ? target.client.send(new DeleteItemCommand({ TableName: table, Key: absentKey, ...params(testCase) }))
      : target.client.send(new PutItemCommand({ TableName: table, Item: fixture, ...params(testCase) })),
  );

const transactionVerdict = (testCase: ParityCase) =>
  answer(
    target.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: table,
              Key: testCase.absent ? absentKey : presentKey,
              ...params(testCase),
            },
          },
        ],
      }),
    ),
  );

const pathFeatures = (path: readonly (string | number)[]) => path.map((piece) => `piece:${typeof piece}`);
const operandFeatures = (operand: Operand) =>
  operand.kind === 'value' ? [operand.kind] : [operand.kind, ...pathFeatures(operand.path)];

/** What a parsed condition is made of: its operators, functions, operands and kinds of path piece. */
const features = (condition: Condition): string[] => {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return [condition.kind, ...features(condition.left), ...features(condition.right)];
    case 'not':
    case 'group':
      return [condition.kind, ...features(condition.condition)];
    case 'compare':
      return [condition.comparator, ...operandFeatures(condition.left), ...operandFeatures(condition.right)];
    case 'between':
    case 'in':
      return [condition.kind, ...operandFeatures(condition.subject)];
    default:
      return [condition.kind, ...pathFeatures(condition.path)];
  }
};

describe.skipIf(externalEndpoint !== undefined)('conditions judged natively, against dynalite', () => {
  it.each(decidedCases)('%s', async (_, testCase) => {
    const native = nativeVerdict(testCase);
    expect(native).toBeTypeOf('boolean');
    expect(await dynaliteVerdict(testCase)).toBe(native);
    expect(await transactionVerdict(testCase)).toBe(native);
  });

  it.each(declinedCases)('leaves to dynalite: %s', async (_, testCase) => {
    expect(['outside the subset', 'left to dynalite']).toContain(nativeVerdict(testCase));
    const byDynalite = await dynaliteVerdict(testCase);
    expect(byDynalite).toBeTypeOf('boolean');
    expect(await transactionVerdict(testCase)).toBe(byDynalite);
  });

  it.each(invalidCases)('keeps the ValidationException: %s', async (_, testCase) => {
    expect(nativeVerdict(testCase)).toBe('outside the subset');
    const byDynalite = await dynaliteVerdict(testCase);
    expect(byDynalite).toMatch(/^ValidationException: /);
    expect(await transactionVerdict(testCase)).toBe(byDynalite);
  });

  it('the decided cases use every operator, function and kind of path in the subset, both ways', () => {
    const seen = new Set<string>();
    const outcomes = new Set<string>();
    for (const [label, testCase] of decidedCases) {
      const condition = parsed(testCase);
      if (condition === undefined) throw new Error(`${label} is outside the subset`);
      for (const feature of features(condition)) seen.add(feature);
      outcomes.add(`${condition.kind}:${String(nativeVerdict(testCase))}`);
      if (testCase.names !== undefined) seen.add('#name');
    }
    const subset = ['=', '<>', '<', '<=', '>', '>=', 'between', 'in', 'exists', 'notExists', 'beginsWith'];
    const structure = ['and', 'or', 'not', 'group', 'path', 'value', 'size', 'piece:string', 'piece:number'];
    expect([...subset, ...structure, '#name'].filter((kind) => !seen.has(kind))).toEqual([]);
    const bothWays = ['compare', 'between', 'in', 'exists', 'notExists', 'beginsWith', 'and', 'or', 'not'];
    const oneWay = bothWays.flatMap((kind) =>
      [true, false]
        .filter((verdict) => !outcomes.has(`${kind}:${verdict}`))
        .map((verdict) => `${kind}:${verdict}`),
    );
    expect(oneWay).toEqual([]);
  });
});
