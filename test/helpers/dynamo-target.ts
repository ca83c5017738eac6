import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type EmbeddedBackend, emulatorCredentials, startEmbeddedBackend } from '../../local/emulator';
import { externalEndpoint } from './target';

export type Item = Record<string, AttributeValue>;

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });

/**
 * DynamoDB for the semantic tests: the embedded backend on a free port, or the endpoint
 * IMAGE_FANOUT_TEST_ENDPOINT names (moto_server, LocalStack), so both can be held to the same rules.
 */
export interface DynamoTarget {
  readonly client: DynamoDBClient;
  /** Only when the tests run against the embedded backend. */
  readonly backend?: EmbeddedBackend;
  /** A fresh table with a hash key `pk` and a range key `sk`, both strings. */
  createTable(prefix: string): Promise<string>;
  put(table: string, item: Item): Promise<void>;
  get(table: string, pk: string, sk: string): Promise<Item | undefined>;
  stop(): Promise<void>;
}

export const startDynamoTarget = async (
  clientOptions: { maxAttempts?: number } = {},
): Promise<DynamoTarget> => {
  const backend = externalEndpoint === undefined ? await startEmbeddedBackend({ port: 0 }) : undefined;
  const client = new DynamoDBClient({
    endpoint: backend?.endpoint ?? externalEndpoint,
    region: backend?.region ?? 'us-east-1',
    credentials: emulatorCredentials,
    ...clientOptions,
  });
  return {
    client,
    backend,
    async createTable(prefix) {
      const name = `${prefix}-${randomUUID().slice(0, 8)}`;
      await client.send(
        new CreateTableCommand({
          TableName: name,
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
      return name;
    },
    async put(table, item) {
      await client.send(new PutItemCommand({ TableName: table, Item: item }));
    },
    async get(table, pk, sk) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: s(pk), sk: s(sk) }, ConsistentRead: true }),
      );
      return Item;
    },
    async stop() {
      client.destroy();
      await backend?.stop();
    },
  };
};
