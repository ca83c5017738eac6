/**
 * The requests a transaction costs the embedded backend: the transaction layer runs against a real
 * dynalite through a client that records each operation it sends. A transaction whose conditions are
 * all in the native subset costs one BatchGetItem and one BatchWriteItem per 25 Puts and Deletes
 * (API reference "BatchWriteItem"); only Updates and conditions outside the subset cost a call each.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createDynaliteClient,
  type DynaliteClient,
  type Item,
} from '../../local/emulator/backend/dynalite-client';
import { KeySchemas } from '../../local/emulator/backend/dynamo-items';
import {
  ClientRequestTokens,
  type TransactionContext,
  transactWriteItems,
} from '../../local/emulator/backend/dynamo-transactions';
import { ReadWriteLock } from '../../local/emulator/backend/read-write-lock';

const table = 'plans';
let server: Server;
let client: DynaliteClient;
let context: TransactionContext;
let sent: string[] = [];

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = createDynaliteClient((server.address() as AddressInfo).port);
  const recording: DynaliteClient = {
    call: (operation, input) => {
      sent.push(operation);
      return client.call(operation, input);
    },
    close: () => client.close(),
  };
  context = {
    dynalite: recording,
    keySchemas: new KeySchemas(recording),
    lock: new ReadWriteLock(),
    tokens: new ClientRequestTokens(),
  };
  await client.call('CreateTable', {
    TableName: table,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await context.keySchemas.of(table);
});

beforeEach(() => {
  sent = [];
});

afterAll(async () => {
  client?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

const key = (pk: string, sk: string): Item => ({ pk: { S: pk }, sk: { S: sk } });
const put = (item: Item, condition: Record<string, unknown> = {}) => ({
  Put: { TableName: table, Item: item, ...condition },
});
const remove = (pk: string, sk: string) => ({ Delete: { TableName: table, Key: key(pk, sk) } });
const transact = (items: readonly object[]) => transactWriteItems(context, { TransactItems: items });
const stored = async (pk: string, sk: string) =>
  (
    await client.call<{ Item?: Item }>('GetItem', {
      TableName: table,
      Key: key(pk, sk),
      ConsistentRead: true,
    })
  ).Item;

/** The indexing consumer's commit: the record conditional on its commitId, entries put, old ones deleted. */
const commit = (image: string, commitId: string, expected: string | undefined, words: readonly string[]) => [
  put(
    { ...key(image, 'STAGE#indexing'), commitId: { S: commitId } },
    expected === undefined
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: 'commitId = :c', ExpressionAttributeValues: { ':c': { S: expected } } },
  ),
  ...words.map((word) => put({ ...key(image, `INDEX#${word}`), word: { S: word } })),
];

describe('what a transaction costs', () => {
  it('a commit of 100 actions in the subset: one BatchGetItem and four BatchWriteItem calls', async () => {
    const words = Array.from({ length: 60 }, (_, index) => `w${index}`);
    await transact(commit('img-1', 'c1', undefined, words));
    const next = [
      ...commit('img-1', 'c2', 'c1', words.slice(0, 39)),
      ...words.slice(39).map((word) => remove('img-1', `INDEX#${word}`)),
    ];
    sent = [];
    await transact(next);
    expect(next).toHaveLength(61);
    expect(sent).toEqual(['BatchGetItem', 'BatchWriteItem', 'BatchWriteItem', 'BatchWriteItem']);
    expect((await stored('img-1', 'STAGE#indexing'))?.commitId).toEqual({ S: 'c2' });
    expect(await stored('img-1', 'INDEX#w38')).toBeDefined();
    expect(await stored('img-1', 'INDEX#w39')).toBeUndefined();
    const hundred = Array.from({ length: 100 }, (_, index) =>
      put(key('img-2', `e${index}`), { ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    sent = [];
    await transact(hundred);
    expect(sent).toEqual(['BatchGetItem', ...Array(4).fill('BatchWriteItem')]);
  });

  it('an Update and a condition outside the subset cost a call each; the rest is still batched', async () => {
    await client.call('PutItem', { TableName: table, Item: { ...key('mix', 'counter'), n: { N: '1' } } });
    await transact([
      put(key('mix', 'a')),
      {
        Update: {
          TableName: table,
          Key: key('mix', 'counter'),
          UpdateExpression: 'SET n = n + :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        },
      },
      put(key('mix', 'b'), {
        ConditionExpression: 'NOT contains(tags, :t)',
        ExpressionAttributeValues: { ':t': { S: 'x' } },
      }),
      remove('mix', 'absent'),
    ]);
    expect(sent.toSorted()).toEqual(['BatchGetItem', 'BatchWriteItem', 'PutItem', 'UpdateItem']);
    expect((await stored('mix', 'counter'))?.n).toEqual({ N: '2' });
    expect(await stored('mix', 'b')).toEqual(key('mix', 'b'));
  });

  it('a condition judged false: the batched writes are undone with one more BatchWriteItem', async () => {
    await client.call('PutItem', {
      TableName: table,
      Item: { ...key('fail', 'record'), commitId: { S: 'c9' } },
    });
    const attempt = transact([
      put(key('fail', 'entry')),
      put(key('fail', 'record'), {
        ConditionExpression: 'commitId = :c',
        ExpressionAttributeValues: { ':c': { S: 'c1' } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    ]);
    await expect(attempt).rejects.toMatchObject({
      name: 'TransactionCanceledError',
      reasons: [
        { Code: 'None' },
        {
          Code: 'ConditionalCheckFailed',
          Message: 'The conditional request failed',
          Item: { ...key('fail', 'record'), commitId: { S: 'c9' } },
        },
      ],
    });
    expect(sent).toEqual(['BatchGetItem', 'BatchWriteItem', 'BatchWriteItem']);
    expect(await stored('fail', 'entry')).toBeUndefined();
    expect((await stored('fail', 'record'))?.commitId).toEqual({ S: 'c9' });
  });

  it("a write BatchWriteItem refuses: undone, then every action as its own call gives PutItem's answer", async () => {
    const attempt = transact([
      put(key('big', 'small')),
      put({ ...key('big', 'large'), blob: { S: 'x'.repeat(410 * 1024) } }),
    ]);
    await expect(attempt).rejects.toMatchObject({
      name: 'DynamoServiceError',
      code: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
    });
    // The refused batch, its undoing, one PutItem per action, and the undoing of the one that passed.
    expect(sent).toEqual([
      'BatchGetItem',
      'BatchWriteItem',
      'BatchWriteItem',
      'PutItem',
      'PutItem',
      'BatchWriteItem',
    ]);
    expect(await stored('big', 'small')).toBeUndefined();
    expect(await stored('big', 'large')).toBeUndefined();
  });
});
