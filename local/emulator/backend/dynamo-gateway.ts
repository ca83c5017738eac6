import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { createDynaliteClient } from './dynalite-client';
import { DynamoErrorType, DynamoServiceError } from './dynamo-errors';
import { KeySchemas } from './dynamo-items';
import {
  ClientRequestTokens,
  type TransactionContext,
  transactGetItems,
  transactWriteItems,
} from './dynamo-transactions';
import { ReadWriteLock } from './read-write-lock';

/** DynamoDB behind the backend's port: dynalite, with transactions added in front of it. */
export interface DynamoGateway {
  /** Answers one DynamoDB request (already known by its X-Amz-Target) on the raw HTTP objects. */
  handle(operation: string, request: IncomingMessage, response: ServerResponse): Promise<void>;
  stop(): Promise<void>;
}

const transactionOperations: Record<string, typeof transactWriteItems> = {
  TransactWriteItems: transactWriteItems,
  TransactGetItems: transactGetItems,
};

/** Operations after which a table's key schema may differ. */
const tableLifecycleOperations = new Set(['CreateTable', 'DeleteTable']);

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const send = (response: ServerResponse, statusCode: number, body: object) => {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
};

const answerTransaction = async (
  context: TransactionContext,
  run: typeof transactWriteItems,
  request: IncomingMessage,
  response: ServerResponse,
) => {
  try {
    let input: unknown;
    try {
      input = JSON.parse(await readBody(request));
    } catch {
      throw new DynamoServiceError(DynamoErrorType.serialization, 'The request body is not valid JSON');
    }
    send(response, 200, await run(context, (input ?? {}) as Record<string, unknown>));
  } catch (error) {
    const failure =
      error instanceof DynamoServiceError
        ? error
        : new DynamoServiceError(DynamoErrorType.internal, String(error), 500);
    send(response, failure.statusCode, failure.toBody());
  }
};

export interface DynamoGatewayOptions {
  /** LevelDB directory that keeps the data across restarts; in memory when left out. */
  readonly path?: string;
  /** The lock transactions take alone and other requests share; a new one when left out. */
  readonly lock?: ReadWriteLock;
}

export const startDynamoGateway = async (options: DynamoGatewayOptions): Promise<DynamoGateway> => {
  const server: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    path: options.path,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const client = createDynaliteClient((server.address() as AddressInfo).port);
  const context: TransactionContext = {
    dynalite: client,
    keySchemas: new KeySchemas(client),
    lock: options.lock ?? new ReadWriteLock(),
    tokens: new ClientRequestTokens(),
  };

  const forward = async (operation: string, request: IncomingMessage, response: ServerResponse) => {
    const release = await context.lock.acquireShared();
    // A client gone while this waited: its 'close' has fired, and a listener added now never would.
    if (response.closed) return release();
    response.once('close', release);
    if (tableLifecycleOperations.has(operation)) {
      context.keySchemas.forgetAll();
      response.once('close', () => context.keySchemas.forgetAll());
    }
    server.emit('request', request, response);
  };

  return {
    handle(operation, request, response) {
      const transaction = transactionOperations[operation];
      return transaction === undefined
        ? forward(operation, request, response)
        : answerTransaction(context, transaction, request, response);
    },
    async stop() {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
