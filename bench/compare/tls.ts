import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { promisify } from 'node:util';
import { listenOnLoopback } from './latency';

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
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certificateFile,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  let connections = 0;
  let resumed = 0;
  const server = createServer(
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
