/**
 * TransactWriteItems and TransactGetItems through the real SDK, one test per rule of the AWS API
 * reference ("TransactWriteItems", "TransactGetItems") and the developer guide ("Amazon DynamoDB
 * Transactions"). Against the embedded backend by default; IMAGE_FANOUT_TEST_ENDPOINT points them at
 * another implementation (moto_server) to check that both agree.
 */
import {
  DynamoDBClient,
  TransactGetItemsCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '../../local/emulator';
import { type DynamoTarget, type Item, n, s, startDynamoTarget } from '../helpers/dynamo-target';
import { externalEndpoint } from '../helpers/target';

let target: DynamoTarget;
let table: string;

beforeAll(async () => {
  target = await startDynamoTarget();
  table = await target.createTable('transactions');
});

afterAll(async () => {
  await target?.stop();
});

const key = (pk: string, sk = 'item') => ({ pk: s(pk), sk: s(sk) });
const transact = (items: TransactWriteItem[], token?: string) =>
  target.client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: token }));
const stored = (pk: string) => target.get(table, pk, 'item');

describe('TransactWriteItems', () => {
  it('applies Put, Update, Delete and ConditionCheck together when every condition holds', async () => {
    await target.put(table, { ...key('w-update'), count: n(1), state: s('open') });
    await target.put(table, { ...key('w-delete'), state: s('done') });
    await target.put(table, { ...key('w-check'), state: s('open') });
    await transact([
      {
        Put: {
          TableName: table,
          Item: { ...key('w-put'), a: s('new') },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: table,
          Key: key('w-update'),
          UpdateExpression: 'SET #c = #c + :one',
          ConditionExpression: '#s = :open',
          ExpressionAttributeNames: { '#c': 'count', '#s': 'state' },
          ExpressionAttributeValues: { ':one': n(1), ':open': s('open') },
        },
      },
      { Delete: { TableName: table, Key: key('w-delete'), ConditionExpression: 'attribute_exists(pk)' } },
      {
        ConditionCheck: {
          TableName: table,
          Key: key('w-check'),
          ConditionExpression: '#s = :open',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':open': s('open') },
        },
      },
    ]);
    expect(await stored('w-put')).toEqual({ ...key('w-put'), a: s('new') });
    expect(await stored('w-update')).toEqual({ ...key('w-update'), count: n(2), state: s('open') });
    expect(await stored('w-delete')).toBeUndefined();
    expect(await stored('w-check')).toEqual({ ...key('w-check'), state: s('open') });
  });

  it('writes nothing when one condition fails, and gives one reason per action in action order', async () => {
    await target.put(table, { ...key('a-update'), count: n(5) });
    await target.put(table, { ...key('a-delete'), count: n(1) });
    const attempt = transact([
      { Put: { TableName: table, Item: { ...key('a-put'), a: s('x') } } },
      {
        Update: {
          TableName: table,
          Key: key('a-update'),
          UpdateExpression: 'SET #c = :zero',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':zero': n(0) },
        },
      },
      { Delete: { TableName: table, Key: key('a-delete') } },
      {
        ConditionCheck: {
          TableName: table,
          Key: key('a-missing'),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
    ]);
    await expect(attempt).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      message:
        'Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, None, ConditionalCheckFailed]',
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'None' },
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
      ],
    });
    expect(await stored('a-put')).toBeUndefined();
    expect(await stored('a-update')).toEqual({ ...key('a-update'), count: n(5) });
    expect(await stored('a-delete')).toEqual({ ...key('a-delete'), count: n(1) });
    expect(await stored('a-missing')).toBeUndefined();
  });

  it('reports every failed condition, each judged on the items as they were before the transaction', async () => {
    await target.put(table, { ...key('b-1'), v: n(1) });
    await target.put(table, { ...key('b-2'), v: n(2) });
    const attempt = transact([
      {
        Update: {
          TableName: table,
          Key: key('b-1'),
          UpdateExpression: 'SET v = :ten',
          ConditionExpression: 'v = :two',
          ExpressionAttributeValues: { ':ten': n(10), ':two': n(2) },
        },
      },
      {
        Update: {
          TableName: table,
          Key: key('b-2'),
          UpdateExpression: 'SET v = :ten',
          ConditionExpression: 'v = :two',
          ExpressionAttributeValues: { ':ten': n(10), ':two': n(2) },
        },
      },
      {
        Put: {
          TableName: table,
          Item: { ...key('b-3'), v: n(3) },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
    ]);
    await expect(attempt).rejects.toMatchObject({
      CancellationReasons: [
        { Code: 'ConditionalCheckFailed' },
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed' },
      ],
    });
    expect([await stored('b-1'), await stored('b-2'), await stored('b-3')]).toEqual([
      { ...key('b-1'), v: n(1) },
      { ...key('b-2'), v: n(2) },
      undefined,
    ]);
  });

  it('puts the item as it was into the reason of a failed action that asks ReturnValuesOnConditionCheckFailure ALL_OLD', async () => {
    const old: Item = { ...key('r-old'), state: s('kept'), count: n(3) };
    await target.put(table, old);
    await target.put(table, { ...key('r-quiet'), state: s('kept') });
    const attempt = transact([
      {
        Put: {
          TableName: table,
          Item: { ...key('r-old'), state: s('replaced') },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      { Delete: { TableName: table, Key: key('r-quiet'), ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
    const error = (await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    )) as { CancellationReasons?: unknown[] } | undefined;
    expect(error?.CancellationReasons).toEqual([
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: old },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
  });

  it('rejects two actions on one item with a ValidationException, writing nothing', async () => {
    const attempt = transact([
      { Put: { TableName: table, Item: { ...key('v-other'), a: s('x') } } },
      { Put: { TableName: table, Item: { ...key('v-twice'), a: s('x') } } },
      {
        ConditionCheck: {
          TableName: table,
          Key: key('v-twice'),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Transaction request cannot include multiple operations on one item',
    });
    expect([await stored('v-other'), await stored('v-twice')]).toEqual([undefined, undefined]);
  });

  it('rejects an empty list and more than 100 actions with a ValidationException', async () => {
    await expect(transact([])).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length greater than or equal to 1'),
    });
    const tooMany = Array.from({ length: 101 }, (_, index) => ({
      Put: { TableName: table, Item: { ...key(`limit-${index}`), a: n(index) } },
    }));
    await expect(transact(tooMany)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 100'),
    });
    expect(await stored('limit-0')).toBeUndefined();
    await transact(tooMany.slice(0, 100));
    expect(await stored('limit-99')).toEqual({ ...key('limit-99'), a: n(99) });
  });

  it('rejects a Put of an item over 400 KB, and cancels an Update that would grow one past it (ValidationError)', async () => {
    const big = 'x'.repeat(410 * 1024);
    await expect(
      transact([
        { Put: { TableName: table, Item: { ...key('size-ok'), a: s('fine') } } },
        { Put: { TableName: table, Item: { ...key('size-put'), blob: s(big) } } },
      ]),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Item size has exceeded the maximum allowed size'),
    });
    await target.put(table, { ...key('size-grow'), blob: s('y'.repeat(300 * 1024)) });
    await expect(
      transact([
        { Put: { TableName: table, Item: { ...key('size-ok'), a: s('fine') } } },
        {
          Update: {
            TableName: table,
            Key: key('size-grow'),
            UpdateExpression: 'SET more = :more',
            ExpressionAttributeValues: { ':more': s('z'.repeat(200 * 1024)) },
          },
        },
      ]),
    ).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'ValidationError', Message: 'Item size to update has exceeded the maximum allowed size' },
      ],
    });
    expect(await stored('size-ok')).toBeUndefined();
    expect(Object.keys((await stored('size-grow')) ?? {}).sort()).toEqual(['blob', 'pk', 'sk']);
  });

  it('answers ResourceNotFoundException for a table that does not exist', async () => {
    await expect(
      transact([{ Put: { TableName: `${table}-missing`, Item: key('nowhere') } }]),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('applies a transaction repeated with its ClientRequestToken once, and refuses the token for another request', async () => {
    await target.put(table, { ...key('token'), count: n(0) });
    const increment: TransactWriteItem[] = [
      {
        Update: {
          TableName: table,
          Key: key('token'),
          UpdateExpression: 'ADD #c :one',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':one': n(1) },
        },
      },
    ];
    const token = `token-${table}`;
    await transact(increment, token);
    await transact(increment, token);
    expect(await stored('token')).toEqual({ ...key('token'), count: n(1) });
    await expect(
      transact([{ Put: { TableName: table, Item: { ...key('token'), count: n(100) } } }], token),
    ).rejects.toMatchObject({ name: 'IdempotentParameterMismatchException' });
    expect(await stored('token')).toEqual({ ...key('token'), count: n(1) });
  });
});

describe("the embedded backend's throttle fault", () => {
  it.skipIf(externalEndpoint !== undefined)(
    'answers transactions too, and a throttled one writes nothing',
    async () => {
      const backend = target.backend;
      if (backend === undefined) throw new Error('Runs against the embedded backend only');
      const once = new DynamoDBClient({
        endpoint: backend.endpoint,
        region: backend.region,
        credentials: emulatorCredentials,
        maxAttempts: 1,
      });
      const before = backend.throttled();
      backend.setThrottleRate(1);
      try {
        await expect(
          once.send(
            new TransactWriteItemsCommand({
              TransactItems: [{ Put: { TableName: table, Item: key('throttled') } }],
            }),
          ),
        ).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
      } finally {
        backend.setThrottleRate(0);
        once.destroy();
      }
      expect(backend.throttled()).toBe(before + 1);
      expect(await stored('throttled')).toBeUndefined();
    },
  );
});

describe('TransactGetItems', () => {
  it('returns each item in request order, projected, and an empty response for a missing one', async () => {
    await target.put(table, { ...key('g-1'), a: s('one'), b: s('hidden') });
    await target.put(table, { ...key('g-2'), a: s('two') });
    const { Responses } = await target.client.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: table, Key: key('g-2') } },
          { Get: { TableName: table, Key: key('g-missing') } },
          {
            Get: {
              TableName: table,
              Key: key('g-1'),
              ProjectionExpression: '#a',
              ExpressionAttributeNames: { '#a': 'a' },
            },
          },
        ],
      }),
    );
    expect(Responses).toEqual([{ Item: { ...key('g-2'), a: s('two') } }, {}, { Item: { a: s('one') } }]);
  });
});
