/**
 * DynamoDB writes on the embedded backend, each comparison on a fresh table of the stack's schema:
 * items a second by write API, and the two ways to commit an indexing result atomically.
 */
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { commitPlan } from '../../lambdas/shared/store';
import { createLocalClients } from '../../local/emulator/clients';
import { createImagesTable } from '../../samples/tables';
import { side, sig } from '../stats';
import type { Comparison } from '../types';
import type { Micro } from './environment';

/** A fresh table and a DynamoDB client that counts its requests, for one comparison. */
const freshTable = async (context: Micro, name: string) => {
  const { dynamo, destroy } = createLocalClients(context.endpoint, context.target.region);
  const counter = { requests: 0 };
  dynamo.middlewareStack.add(
    (next) => (args) => {
      counter.requests++;
      return next(args);
    },
    { step: 'finalizeRequest' },
  );
  await createImagesTable(dynamo, name);
  return { dynamo, doc: DynamoDBDocumentClient.from(dynamo), table: name, counter, destroy };
};

/** Runs `calls` calls `concurrency` at a time; seconds taken. */
const timed = async (calls: number, concurrency: number, call: (index: number) => Promise<unknown>) => {
  const limit = pLimit(concurrency);
  const started = performance.now();
  await Promise.all(Array.from({ length: calls }, (_, index) => limit(() => call(index))));
  return (performance.now() - started) / 1000;
};

/** An item of about 300 bytes, the size of an image's stage record. */
const item = (run: string, index: number) => ({
  pk: { S: `${run}#${Math.floor(index / 40)}` },
  sk: { S: `item#${index}` },
  status: { S: 'processed' },
  sequencer: { S: '0000018F3A2B4C5D' },
  detail: { S: 'x'.repeat(200) },
});
type Item = ReturnType<typeof item>;

const writeApis = (dynamo: DynamoDBClient, TableName: string) => {
  const transact = (size: number) => ({
    name: `TransactWriteItems (${size}, conditional)`,
    perCall: size,
    write: (items: Item[]) => {
      const TransactItems = items.map((Item) => ({
        Put: { TableName, Item, ConditionExpression: 'attribute_not_exists(pk)' },
      }));
      return dynamo.send(new TransactWriteItemsCommand({ TransactItems }));
    },
  });
  return [
    {
      name: 'PutItem',
      perCall: 1,
      write: ([Item]: Item[]) => dynamo.send(new PutItemCommand({ TableName, Item })),
    },
    {
      name: 'BatchWriteItem (25)',
      perCall: 25,
      write: (items: Item[]) =>
        dynamo.send(
          new BatchWriteItemCommand({
            RequestItems: { [TableName]: items.map((Item) => ({ PutRequest: { Item } })) },
          }),
        ),
    },
    transact(1),
    transact(40),
  ];
};

export const compareWriteApis = async (context: Micro): Promise<Comparison[]> => {
  const { items, concurrency } = context.plan.writes;
  const target = await freshTable(context, 'bench-writes');
  try {
    const rates: { name: string; items: number; calls: number }[] = [];
    for (const api of writeApis(target.dynamo, target.table)) {
      context.log(`writes: ${api.name}, ${items} items`);
      const run = api.name.replace(/\W+/g, '-');
      const calls = Math.ceil(items / api.perCall);
      const seconds = await timed(calls, concurrency, (call) =>
        api.write(Array.from({ length: api.perCall }, (_, offset) => item(run, call * api.perCall + offset))),
      );
      rates.push({ name: api.name, items: (calls * api.perCall) / seconds, calls: calls / seconds });
    }
    const [put, ...others] = rates;
    if (put === undefined) return [];
    const shape = `${items} items of about 300 bytes per API, ${concurrency} calls in flight; calls/s: ${rates.map((r) => `${r.name} ${sig(r.calls)}`).join(', ')}`;
    return others.map((other, index) => ({
      name: `writes: ${other.name} vs PutItem`,
      baseline: side(put.name, put.items, 'items/s'),
      candidate: side(other.name, other.items, 'items/s'),
      ratio: sig(other.items / put.items),
      ...(index === 0 ? { notes: [shape] } : {}),
    }));
  } finally {
    target.destroy();
  }
};

/** What the two commit designs write for image `imageId` in round `round`. */
const commitShapes = (entries: number) => {
  const seq = (round: number) => String(round + 1).padStart(32, '0');
  const words = (round: number) =>
    Array.from({ length: entries }, (_, i) => `INDEX#TOKEN#w${i + (round % 2) * Math.ceil(entries / 3)}`);
  const entry = (pk: string, sk: string) => ({
    pk,
    sk,
    gsi1pk: `TOKEN#${sk}`,
    gsi1sk: pk,
    summary: 'x'.repeat(150),
  });
  const record = (imageId: string, round: number, derivedKeys: string[]) => ({
    pk: `IMAGE#${imageId}`,
    sk: 'STAGE#indexing',
    imageId,
    consumer: 'indexing' as const,
    bucket: 'b',
    key: `uploads/o/${imageId}.jpg`,
    status: 'processed' as const,
    sequencer: seq(round),
    eventTime: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    commitId: `${imageId}-${round}`,
    derivedKeys,
  });
  return { seq, words, entry, record };
};

type Table = Awaited<ReturnType<typeof freshTable>>;

const commitDesigns = (target: Table, entries: number) => {
  const { seq, words, entry, record } = commitShapes(entries);
  const batchWrite = async (requests: object[]) => {
    for (let i = 0; i < requests.length; i += 25) {
      const RequestItems = { [target.table]: requests.slice(i, i + 25) as never };
      await target.doc.send(new BatchWriteCommand({ RequestItems }));
    }
  };
  return {
    transaction: async (imageId: string, round: number) => {
      const [pk, keys, previous] = [`IMAGE#${imageId}`, words(round), round === 0 ? [] : words(round - 1)];
      const plan = {
        record: record(imageId, round, keys),
        items: keys.map((sk) => entry(pk, sk)),
        deletes: previous.filter((sk) => !keys.includes(sk)),
        expected: round === 0 ? undefined : record(imageId, round - 1, previous),
      };
      if ((await commitPlan(target.doc, target.table, plan)) !== 'committed') throw new Error('conflict');
    },
    versioned: async (imageId: string, round: number) => {
      const pk = `IMAGE#${imageId}`;
      const keys = words(round).map((sk) => `${sk}#${seq(round)}`);
      await batchWrite(keys.map((sk) => ({ PutRequest: { Item: entry(pk, sk) } })));
      const condition =
        round === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'commitId = :c',
              ExpressionAttributeValues: { ':c': `${imageId}-${round - 1}` },
            };
      await target.doc.send(
        new PutCommand({ TableName: target.table, Item: record(imageId, round, keys), ...condition }),
      );
      if (round > 0) {
        await batchWrite(
          words(round - 1).map((sk) => ({ DeleteRequest: { Key: { pk, sk: `${sk}#${seq(round - 1)}` } } })),
        );
      }
    },
  };
};

/**
 * A commit per image and round (an upload, then overwrites with other words): one TransactWriteItems
 * conditional on the record, against the new entries under keys carrying the sequencer
 * (BatchWriteItem), the record conditionally (PutItem), then the old entries deleted; readers of the
 * second design filter by the committed sequencer.
 */
export const compareCommitDesigns = async (context: Micro): Promise<Comparison[]> => {
  const { images, entries, rounds, concurrency } = context.plan.commits;
  const target = await freshTable(context, 'bench-commits');
  try {
    const figures: Record<string, { perSecond: number; requests: number }> = {};
    for (const [name, commit] of Object.entries(commitDesigns(target, entries))) {
      context.log(`commit designs: ${name}, ${images} images x ${rounds} rounds`);
      const before = target.counter.requests;
      let seconds = 0;
      for (let round = 0; round < rounds; round++) {
        seconds += await timed(images, concurrency, (i) => commit(`${name}-${i}`, round));
      }
      figures[name] = {
        perSecond: (images * rounds) / seconds,
        requests: (target.counter.requests - before) / (images * rounds),
      };
    }
    const [transaction, versioned] = [figures.transaction, figures.versioned];
    if (transaction === undefined || versioned === undefined) return [];
    return [
      {
        name: 'commit designs: entries keyed by sequencer vs one transaction',
        baseline: side('TransactWriteItems per image (commitPlan)', transaction.perSecond, 'commits/s'),
        candidate: side(
          'BatchWrite entries, conditional record, BatchWrite deletes',
          versioned.perSecond,
          'commits/s',
        ),
        ratio: sig(versioned.perSecond / transaction.perSecond),
        notes: [
          `requests a commit: transaction ${sig(transaction.requests)}, versioned ${sig(versioned.requests)}`,
          `${images} images x ${rounds} commits of ${entries} index entries, ${concurrency} images at once, on the images table's schema (its term index maintained)`,
        ],
      },
    ];
  } finally {
    target.destroy();
  }
};
