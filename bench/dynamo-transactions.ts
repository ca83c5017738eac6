/**
 * Items written per second into the embedded backend's DynamoDB, by write API: PutItem, BatchWriteItem
 * (25 items a call), and TransactWriteItems of 1 and of 40 items (the backend's transaction layer),
 * each with the same number of calls in flight. Run: npx tsx bench/dynamo-transactions.ts [--items n]
 * [--concurrency n]. Prints one line per API and a JSON summary.
 */
import { parseArgs } from 'node:util';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { BatchWriteItemCommand, CreateTableCommand, PutItemCommand, TransactWriteItemsCommand } = await import(
  '@aws-sdk/client-dynamodb'
);
const { default: pLimit } = await import('p-limit');
const { startEmbeddedBackend } = await import('../local/emulator');
const { createLocalClients } = await import('../local/emulator');

const { values } = parseArgs({
  options: { items: { type: 'string', default: '8000' }, concurrency: { type: 'string', default: '16' } },
});
const itemsPerRun = Number(values.items);
const concurrency = Number(values.concurrency);

const backend = await startEmbeddedBackend({ port: 0 });
const clients = createLocalClients(backend.endpoint, backend.region);
const table = 'bench-writes';
await clients.dynamo.send(
  new CreateTableCommand({
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  }),
);

/** An item of about 300 bytes, the size of an image's stage record. */
const item = (run: string, index: number) => ({
  pk: { S: `${run}#${Math.floor(index / 40)}` },
  sk: { S: `item#${index}` },
  status: { S: 'processed' },
  sequencer: { S: '0000018F3A2B4C5D' },
  detail: { S: 'x'.repeat(200) },
});

interface Method {
  readonly name: string;
  readonly itemsPerCall: number;
  readonly write: (items: ReturnType<typeof item>[]) => Promise<unknown>;
}

const methods: Method[] = [
  {
    name: 'PutItem',
    itemsPerCall: 1,
    write: ([one]) => clients.dynamo.send(new PutItemCommand({ TableName: table, Item: one })),
  },
  {
    name: 'BatchWriteItem (25)',
    itemsPerCall: 25,
    write: (items) =>
      clients.dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) },
        }),
      ),
  },
  ...[1, 40].map((size) => ({
    name: `TransactWriteItems (${size}, conditional)`,
    itemsPerCall: size,
    write: (items: ReturnType<typeof item>[]) =>
      clients.dynamo.send(
        new TransactWriteItemsCommand({
          TransactItems: items.map((Item) => ({
            Put: { TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk)' },
          })),
        }),
      ),
  })),
];

const results: { method: string; itemsPerSecond: number; callsPerSecond: number; seconds: number }[] = [];
for (const method of methods) {
  const run = method.name.replace(/\W+/g, '-');
  const calls = Math.ceil(itemsPerRun / method.itemsPerCall);
  const limit = pLimit(concurrency);
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: calls }, (_, call) =>
      limit(() =>
        method.write(
          Array.from({ length: method.itemsPerCall }, (_, offset) =>
            item(run, call * method.itemsPerCall + offset),
          ),
        ),
      ),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = {
    method: method.name,
    itemsPerSecond: Math.round((calls * method.itemsPerCall) / seconds),
    callsPerSecond: Math.round(calls / seconds),
    seconds: Number(seconds.toFixed(2)),
  };
  results.push(result);
  console.log(
    `${result.method.padEnd(38)} ${String(result.itemsPerSecond).padStart(7)} items/s  ${String(result.callsPerSecond).padStart(6)} calls/s`,
  );
}
console.log(JSON.stringify({ itemsPerRun, concurrency, node: process.version, results }));
clients.destroy();
await backend.stop();
