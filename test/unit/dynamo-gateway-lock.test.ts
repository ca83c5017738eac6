/**
 * The embedded DynamoDB's lock around transactions, through real HTTP: every forwarded request holds
 * it shared while its response is open, a transaction holds it alone. A client that gives up while
 * its request waits behind a transaction (a Lambda worker ended at its timeout, say) must not leave
 * the lock held: every later transaction, and every request queued behind one, would wait forever.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, expect, it } from 'vitest';
import { type DynamoGateway, startDynamoGateway } from '../../local/emulator/backend/dynamo-gateway';
import { ReadWriteLock } from '../../local/emulator/backend/read-write-lock';
import { emulatorCredentials } from '../../local/emulator/clients';
import { waitFor } from '../helpers/wait';

let gateway: DynamoGateway | undefined;
let server: Server | undefined;

afterEach(async () => {
  server?.close();
  await gateway?.stop();
});

/** The gateway behind a port of its own, counting the responses that closed. */
const serve = async (lock: ReadWriteLock) => {
  gateway = await startDynamoGateway({ lock });
  const ready = gateway;
  const closed = { count: 0 };
  server = createServer((request, response) => {
    response.once('close', () => closed.count++);
    const operation = String(request.headers['x-amz-target']).split('.')[1] ?? '';
    void ready.handle(operation, request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, closed };
};

const listTablesRequest = [
  'POST / HTTP/1.1',
  'Host: 127.0.0.1',
  'Content-Type: application/x-amz-json-1.0',
  'X-Amz-Target: DynamoDB_20120810.ListTables',
  'Content-Length: 2',
  '',
  '{}',
].join('\r\n');

it('releases the lock of a request whose client left while it waited behind a transaction', async () => {
  const lock = new ReadWriteLock();
  const { port, closed } = await serve(lock);
  const transaction = await lock.acquireExclusive();

  const socket = connect(port, '127.0.0.1');
  socket.write(listTablesRequest);
  await waitFor(() => (lock.waiting === 1 ? true : undefined), {
    what: 'the request to wait behind the transaction',
  });
  socket.destroy();
  await waitFor(() => (closed.count === 1 ? true : undefined), {
    what: 'the server to see the client leave',
  });
  transaction();

  let granted = false;
  void lock.acquireExclusive().then((release) => {
    granted = true;
    release();
  });
  await waitFor(() => (granted ? true : undefined), {
    timeoutMs: 2_000,
    what: 'the next transaction to get the lock',
  });
});

it('answers a request that waited behind a transaction once the transaction is done', async () => {
  const lock = new ReadWriteLock();
  const { port } = await serve(lock);
  const transaction = await lock.acquireExclusive();
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: emulatorCredentials,
  });
  const answer = client.send(new ListTablesCommand({}));
  await waitFor(() => (lock.waiting === 1 ? true : undefined), {
    what: 'the request to wait behind the transaction',
  });
  transaction();
  await expect(answer).resolves.toMatchObject({ TableNames: [] });
  client.destroy();
});
