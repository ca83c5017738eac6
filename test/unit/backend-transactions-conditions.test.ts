/**
 * Transactions whose actions' conditions are judged in different ways by the embedded backend (in
 * its native subset, by dynalite, or none), through the real SDK. The answers are DynamoDB's (API
 * reference "TransactWriteItems"): all or nothing, one cancellation reason per action in order, and
 * an invalid request refused whole. Like backend-transactions.test.ts, IMAGE_FANOUT_TEST_ENDPOINT
 * points them at another implementation (moto_server).
 */
import { type TransactWriteItem, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoTarget, type Item, n, s, startDynamoTarget } from '../helpers/dynamo-target';

let target: DynamoTarget;
let table: string;

beforeAll(async () => {
  target = await startDynamoTarget({ maxAttempts: 1 });
  table = await target.createTable('conditions');
});

afterAll(async () => {
  await target?.stop();
});

const key = (pk: string, sk = 'item') => ({ pk: s(pk), sk: s(sk) });
const transact = (items: TransactWriteItem[]) =>
  target.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
const stored = (pk: string, sk = 'item') => target.get(table, pk, sk);

/** Three kinds of action: a condition in the native subset, one only dynalite judges, and an Update. */
const mixed = (prefix: string, expected: { commit: string; tag: string }): TransactWriteItem[] => [
  {
    Put: {
      TableName: table,
      Item: { ...key(`${prefix}-record`), commitId: s('c2') },
      ConditionExpression: 'commitId = :c',
      ExpressionAttributeValues: { ':c': s(expected.commit) },
    },
  },
  {
    Delete: {
      TableName: table,
      Key: key(`${prefix}-tagged`),
      ConditionExpression: 'contains(tags, :t)',
      ExpressionAttributeValues: { ':t': s(expected.tag) },
    },
  },
  {
    Update: {
      TableName: table,
      Key: key(`${prefix}-counter`),
      UpdateExpression: 'ADD hits :one',
      ExpressionAttributeValues: { ':one': n(1) },
    },
  },
  { Put: { TableName: table, Item: { ...key(`${prefix}-entry`), word: s('new') } } },
];

const seed = async (prefix: string) => {
  await target.put(table, { ...key(`${prefix}-record`), commitId: s('c1') });
  await target.put(table, { ...key(`${prefix}-tagged`), tags: { SS: ['keep', 'old'] } });
  await target.put(table, { ...key(`${prefix}-counter`), hits: n(5) });
};

describe('TransactWriteItems with conditions judged in different ways', () => {
  it('applies every action when every condition holds, whichever way each is judged', async () => {
    await seed('ok');
    await transact(mixed('ok', { commit: 'c1', tag: 'old' }));
    expect(await stored('ok-record')).toEqual({ ...key('ok-record'), commitId: s('c2') });
    expect(await stored('ok-tagged')).toBeUndefined();
    expect(await stored('ok-counter')).toEqual({ ...key('ok-counter'), hits: n(6) });
    expect(await stored('ok-entry')).toEqual({ ...key('ok-entry'), word: s('new') });
  });

  it('gives each failed condition its reason in action order and writes nothing', async () => {
    await seed('no');
    await expect(transact(mixed('no', { commit: 'c0', tag: 'gone' }))).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [
        { Code: 'ConditionalCheckFailed' },
        { Code: 'ConditionalCheckFailed' },
        { Code: 'None' },
        { Code: 'None' },
      ],
    });
    expect(await stored('no-record')).toEqual({ ...key('no-record'), commitId: s('c1') });
    expect(await stored('no-tagged')).toEqual({ ...key('no-tagged'), tags: { SS: ['keep', 'old'] } });
    expect(await stored('no-counter')).toEqual({ ...key('no-counter'), hits: n(5) });
    expect(await stored('no-entry')).toBeUndefined();
  });

  it('writes none of 100 actions when only the last condition fails', async () => {
    const items: TransactWriteItem[] = Array.from({ length: 99 }, (_, index) => ({
      Put: { TableName: table, Item: { ...key('many', `e${index}`), n: n(index) } },
    }));
    items.push({
      ConditionCheck: {
        TableName: table,
        Key: key('many', 'gate'),
        ConditionExpression: 'attribute_exists(pk)',
      },
    });
    await expect(transact(items)).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [...Array(99).fill({ Code: 'None' }), { Code: 'ConditionalCheckFailed' }],
    });
    expect([await stored('many', 'e0'), await stored('many', 'e50'), await stored('many', 'e98')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('refuses a transaction with an invalid condition expression as a whole (ValidationException)', async () => {
    await expect(
      transact([
        { Put: { TableName: table, Item: key('invalid-other') } },
        {
          Put: {
            TableName: table,
            Item: key('invalid'),
            ConditionExpression: 'attribute_not_exists(pk) AND',
          },
        },
      ]),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    expect([await stored('invalid-other'), await stored('invalid')]).toEqual([undefined, undefined]);
  });

  it('refuses a Put of an item over 400 KB even when another action would be cancelled', async () => {
    await target.put(table, { ...key('size-record'), commitId: s('c1') });
    const attempt = transact([
      {
        Put: {
          TableName: table,
          Item: { ...key('size-record'), commitId: s('c2') },
          ConditionExpression: 'commitId = :c',
          ExpressionAttributeValues: { ':c': s('stale') },
        },
      },
      { Put: { TableName: table, Item: { ...key('size-big'), blob: s('x'.repeat(410 * 1024)) } } },
    ]);
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Item size has exceeded the maximum allowed size'),
    });
    const record: Item | undefined = await stored('size-record');
    expect(record).toEqual({ ...key('size-record'), commitId: s('c1') });
  });
});
