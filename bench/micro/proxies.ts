/**
 * What the local backend lacks that AWS has, put in front of it: a network's round trip (a relay
 * that holds each chunk) and TLS (a terminator with a certificate like AWS endpoints present).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { promisify } from 'node:util';

/** Listens on a free loopback port and returns it. */
const listenOnLoopback = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
};

export interface LatencyProxy {
  /** http://127.0.0.1:<port>, in front of the backend. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * A TCP relay that holds every chunk for `oneWayMs` in each direction: the round trip a request
 * pays to a service in the same region, which a backend on loopback does not. Timers of one
 * duration fire in the order they were set, so the bytes keep their order.
 */
export const startLatencyProxy = async (backendPort: number, oneWayMs: number): Promise<LatencyProxy> => {
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => setTimeout(() => to.write(chunk), oneWayMs));
    from.on('end', () => setTimeout(() => to.end(), oneWayMs));
    from.on('error', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(backendPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  const port = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export interface TlsProxy {
  /** https://127.0.0.1:<port>, in front of the backend. */
  readonly endpoint: string;
  /** The self-signed certificate, for NODE_EXTRA_CA_CERTS in the job's process. */
  readonly certificateFile: string;
  /** Connections accepted so far, and how many of them resumed an earlier TLS session (no RSA signature). */
  handshakes(): { readonly connections: number; readonly resumed: number };
  close(): Promise<void>;
}

/**
 * TLS in front of the plain-HTTP backend, so that a handshake costs what it costs against AWS
 * (RSA 2048, as AWS endpoints present). The certificate is made at run time with the openssl CLI:
 * node:crypto can make keys but not certificates.
 */
export const startTlsProxy = async (backendPort: number): Promise<TlsProxy> => {
  const directory = await mkdtemp(join(tmpdir(), 'bench-compare-tls-'));
  const keyFile = join(directory, 'key.pem');
  const certificateFile = join(directory, 'cert.pem');
  const request =
    'req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1';
  await promisify(execFile)('openssl', [...request.split(' '), '-keyout', keyFile, '-out', certificateFile]);
  let connections = 0;
  let resumed = 0;
  const server = createTlsServer(
    { key: await readFile(keyFile), cert: await readFile(certificateFile) },
    (socket) => {
      connections++;
      if (socket.isSessionReused()) resumed++;
      const upstream = connect(backendPort, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    },
  );
  const port = await listenOnLoopback(server);
  return {
    endpoint: `https://127.0.0.1:${port}`,
    certificateFile,
    handshakes: () => ({ connections, resumed }),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
    },
  };
};
