import { connect, createServer, type Server, type Socket } from 'node:net';

/** Listens on a free loopback port and returns it. */
export const listenOnLoopback = async (server: Server): Promise<number> => {
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
