/**
 * The two ways to make an indexing result visible all at once, measured on the same backend:
 * - transaction: the record, its entries and the deletion of the replaced entries in one
 *   TransactWriteItems conditional on the record (what lambdas/shared/store/commit.ts does);
 * - versioned: the new entries under keys carrying the sequencer (BatchWriteItem), then the record
 *   conditionally (PutItem), then the old entries deleted (BatchWriteItem); readers filter by the
 *   committed sequencer.
 * Each image is committed `--rounds` times (an upload, then overwrites with other words), `--entries`
 * entries a commit, `--concurrency` images at once. Run: npx tsx bench/commit-designs.ts [--endpoint
 * <url>] (default: the embedded backend). Prints images committed per second and requests per commit.
 */
import { parseArgs } from 'node:util';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
const { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } = await import('@aws-sdk/lib-dynamodb');
const { default: pLimit } = await import('p-limit');
const { commitPlan } = await import('../lambdas/shared/store/commit');
const { startEmbeddedBackend } = await import('../local/emulator');
const { createLocalClients } = await import('../local/emulator');

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '300' },
    entries: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    endpoint: { type: 'string' },
  },
});
const [images, entries, rounds, concurrency] = [
  values.images,
  values.entries,
  values.rounds,
  values.concurrency,
].map(Number) as [number, number, number, number];

const backend = values.endpoint === undefined ? await startEmbeddedBackend({ port: 0 }) : undefined;
const clients = createLocalClients(values.endpoint ?? (backend?.endpoint as string), 'us-east-1');
const doc = DynamoDBDocumentClient.from(clients.dynamo);
const table = `commit-designs-${Date.now()}`;
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

let requests = 0;
clients.dynamo.middlewareStack.add(
  (next) => (args) => {
    requests++;
    return next(args);
  },
  { step: 'finalizeRequest' },
);

const seq = (round: number) => String(round + 1).padStart(32, '0');
const entry = (pk: string, sk: string) => ({
  pk,
  sk,
  gsi1pk: `TOKEN#${sk}`,
  gsi1sk: pk,
  summary: 'x'.repeat(150),
});
const words = (round: number) =>
  Array.from({ length: entries }, (_, i) => `INDEX#TOKEN#w${i + (round % 2) * Math.ceil(entries / 3)}`);
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

const batchWrite = async (requestsOf: object[]) => {
  for (let i = 0; i < requestsOf.length; i += 25) {
    await doc.send(
      new BatchWriteCommand({ RequestItems: { [table]: requestsOf.slice(i, i + 25) as never } }),
    );
  }
};

const designs = {
  transaction: async (imageId: string, round: number) => {
    const pk = `IMAGE#${imageId}`;
    const keys = words(round);
    const previous = round === 0 ? [] : words(round - 1);
    const expected = round === 0 ? undefined : record(imageId, round - 1, previous);
    const plan = {
      record: record(imageId, round, keys),
      items: keys.map((sk) => entry(pk, sk)),
      deletes: previous.filter((sk) => !keys.includes(sk)),
      expected,
    };
    if ((await commitPlan(doc, table, plan)) !== 'committed') throw new Error('conflict');
  },
  versioned: async (imageId: string, round: number) => {
    const pk = `IMAGE#${imageId}`;
    const keys = words(round).map((sk) => `${sk}#${seq(round)}`);
    await batchWrite(keys.map((sk) => ({ PutRequest: { Item: entry(pk, sk) } })));
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: record(imageId, round, keys),
        ...(round === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'commitId = :c',
              ExpressionAttributeValues: { ':c': `${imageId}-${round - 1}` },
            }),
      }),
    );
    if (round > 0)
      await batchWrite(
        words(round - 1).map((sk) => ({ DeleteRequest: { Key: { pk, sk: `${sk}#${seq(round - 1)}` } } })),
      );
  },
};

for (const [name, commit] of Object.entries(designs)) {
  const limit = pLimit(concurrency);
  const before = requests;
  const started = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    await Promise.all(Array.from({ length: images }, (_, i) => limit(() => commit(`${name}-${i}`, round))));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const commits = images * rounds;
  console.log(
    `${name.padEnd(12)} ${(commits / seconds).toFixed(0).padStart(6)} commits/s  ${((requests - before) / commits).toFixed(2)} requests a commit  (${commits} commits of ${entries} entries, ${seconds.toFixed(1)} s)`,
  );
}
clients.destroy();
await backend?.stop();
