/**
 * Transactions under contention, through the real SDK: many transfers between a few accounts at
 * once, with readers running beside them. The total of the balances is conserved by every transfer,
 * so a reader that saw part of one, or a transaction interleaved with another (a rollback writing
 * back an image another transaction had changed meanwhile), shows up as a wrong total.
 */
import {
  BatchGetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoTarget, type Item, n, s, startDynamoTarget } from '../helpers/dynamo-target';

const accounts = Array.from({ length: 8 }, (_, index) => `acct-${index}`);
const openingBalance = 100;
const total = accounts.length * openingBalance;

let target: DynamoTarget;
let table: string;

beforeAll(async () => {
  target = await startDynamoTarget();
  table = await target.createTable('bank');
  for (const account of accounts)
    await target.put(table, { pk: s('bank'), sk: s(account), balance: n(openingBalance) });
});

afterAll(async () => {
  await target?.stop();
});

const accountKey = (account: string) => ({ pk: s('bank'), sk: s(account) });
const sumOf = (items: readonly Item[]) => items.reduce((sum, item) => sum + Number(item.balance?.N ?? 0), 0);

/** A transfer that moves `amount` if `from` has it, and records itself in the ledger; false if refused. */
const transfer = async (id: number, from: string, to: string, amount: number) => {
  try {
    await target.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: s('ledger'), sk: s(`t-${id}`), amount: n(amount) } } },
          {
            Update: {
              TableName: table,
              Key: accountKey(to),
              UpdateExpression: 'SET balance = balance + :amount',
              ExpressionAttributeValues: { ':amount': n(amount) },
            },
          },
          {
            Update: {
              TableName: table,
              Key: accountKey(from),
              UpdateExpression: 'SET balance = balance - :amount',
              ConditionExpression: 'balance >= :amount',
              ExpressionAttributeValues: { ':amount': n(amount) },
            },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'TransactionCanceledException') return false;
    throw error;
  }
};

/** Each reader returns the account items as one read saw them. */
const transactionalReader = async () => {
  const { Responses = [] } = await target.client.send(
    new TransactGetItemsCommand({
      TransactItems: accounts.map((account) => ({ Get: { TableName: table, Key: accountKey(account) } })),
    }),
  );
  return Responses.map((response) => response.Item ?? {});
};

// AWS gives these only read-committed isolation ("Isolation levels for DynamoDB transactions"); the
// embedded backend promises more (no reader sees part of a transaction), so only it is held to it.
const plainReaders = {
  BatchGetItem: async () => {
    const { Responses = {} } = await target.client.send(
      new BatchGetItemCommand({ RequestItems: { [table]: { Keys: accounts.map(accountKey) } } }),
    );
    return Responses[table] ?? [];
  },
  Query: async () =>
    (
      await target.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :bank',
          ExpressionAttributeValues: { ':bank': s('bank') },
        }),
      )
    ).Items ?? [],
  Scan: async () =>
    (
      await target.client.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: 'pk = :bank',
          ExpressionAttributeValues: { ':bank': s('bank') },
        }),
      )
    ).Items ?? [],
};

describe('transactions under contention', () => {
  it('conserves the total across hundreds of overlapping transfers, as every concurrent reader sees it', async () => {
    const readers = {
      TransactGetItems: transactionalReader,
      ...(target.backend === undefined ? {} : plainReaders),
    };
    const seenTotals = new Map<string, number[]>(Object.keys(readers).map((name) => [name, []]));
    let writing = true;
    const reading = Object.entries(readers).map(async ([name, read]) => {
      while (writing) {
        const items = await read();
        expect(items).toHaveLength(accounts.length);
        seenTotals.get(name)?.push(sumOf(items));
      }
    });

    const limit = pLimit(24);
    // A fixed, varied plan: every pair of accounts, amounts some balances cannot cover.
    const plan = Array.from({ length: 400 }, (_, id) => {
      const from = accounts[id % accounts.length] ?? '';
      const to = accounts[(id * 5 + 3) % accounts.length] ?? '';
      return {
        id,
        from,
        to: to === from ? (accounts[(id + 1) % accounts.length] ?? '') : to,
        amount: 10 + ((id * 37) % 90),
      };
    });
    const outcomes = await Promise.all(
      plan.map((step) => limit(() => transfer(step.id, step.from, step.to, step.amount))),
    );
    writing = false;
    await Promise.all(reading);

    const succeeded = plan.filter((_, index) => outcomes[index]);
    expect(succeeded.length).toBeGreaterThan(50);
    expect(succeeded.length).toBeLessThan(plan.length);
    for (const [name, totals] of seenTotals) {
      expect(totals.length, `${name} reads`).toBeGreaterThan(0);
      expect(
        totals.filter((seen) => seen !== total),
        `${name} totals other than ${total}`,
      ).toEqual([]);
    }
    const final = await transactionalReader();
    expect(sumOf(final)).toBe(total);
    expect(final.filter((item) => Number(item.balance?.N) < 0)).toEqual([]);
    // The ledger holds exactly the transfers that were answered as done.
    const { Items: ledger = [] } = await target.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :ledger',
        ExpressionAttributeValues: { ':ledger': s('ledger') },
      }),
    );
    expect(ledger.map((entry) => entry.sk?.S).sort()).toEqual(succeeded.map((step) => `t-${step.id}`).sort());
  });
});
