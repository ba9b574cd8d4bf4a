/**
 * A TCP proxy in front of the Redis server, so a test can take the server away from one store
 * (and give it back) without touching the server the other test files use.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Forwards a local port to the Redis server; `stop()` is an outage, `start()` the recovery. */
export class TcpProxy {
  readonly #targetHost: string;
  readonly #targetPort: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;

  constructor(targetUrl: string) {
    const url = new URL(targetUrl);
    this.#targetHost = url.hostname;
    this.#targetPort = Number(url.port || 6379);
  }

  /** The URL to give a store: the proxy's port, with the target's path (database). */
  url(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.#port);
    return url.toString();
  }

  /** Listens (on the same port as before after a `stop()`). */
  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.#targetPort, this.#targetHost);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') this.#port = address.port;
    this.#server = server;
  }

  /** Drops every connection and stops listening: clients see connection refused. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
