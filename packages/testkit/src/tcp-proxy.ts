/**
 * A TCP proxy in the test process, for outage tests: a store (or a worker process) reaches its
 * server through the proxy, so a test can take the server away from that client alone and give
 * it back, while every other client of the server (other test files too) never notices.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { TestkitUsageError } from './errors.js';

/**
 * Relays connections from a port of 127.0.0.1 to a server. {@link down} is the outage: it resets
 * every relayed connection and refuses new ones, as a server that went away; {@link up} is the
 * recovery, on the same port, so URLs given out before the outage stay valid.
 *
 * ```ts
 * const target = new URL(REDIS_URL);
 * const proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
 * beforeAll(() => proxy.up());
 * afterAll(() => proxy.down());
 * // ... new MyStore({ url: proxy.url(REDIS_URL) }); await proxy.down(); ...; await proxy.up();
 * ```
 */
export class TcpProxy {
  readonly #targetHost: string;
  readonly #targetPort: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;

  /** A proxy to `targetHost:targetPort`; it listens from the first {@link up}. */
  constructor(targetHost: string, targetPort: number) {
    this.#targetHost = targetHost;
    this.#targetPort = targetPort;
  }

  /**
   * The port it listens on: a free one picked by the first {@link up}, the same after an outage.
   * @throws TestkitUsageError before the first {@link up}
   */
  get port(): number {
    if (this.#port === 0)
      throw new TestkitUsageError('TcpProxy: not listening yet; call up() first');
    return this.#port;
  }

  /**
   * `url` with its host and port replaced by the proxy's, the rest (user, database, query) kept:
   * the URL to give a client that should reach the server through the proxy.
   * @throws TestkitUsageError before the first {@link up}
   */
  url(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Accepts connections (again). Does nothing when it already does. */
  async up(): Promise<void> {
    if (this.#server !== null) return;
    const server = createServer((client) => this.#relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string')
      throw new TestkitUsageError(
        `TcpProxy: its server listens at ${String(address)}, not on a TCP port; report this`,
      );
    this.#port = address.port;
    this.#server = server;
  }

  /**
   * Resets every relayed connection and refuses new ones until {@link up}; nothing is left open,
   * so this is also how a test closes the proxy. Does nothing when it is already down.
   */
  async down(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.resetAndDestroy();
    this.#sockets.clear();
    await closed;
  }

  #relay(client: Socket): void {
    const upstream = connect(this.#targetPort, this.#targetHost);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      // A failed side (the server refusing, a reset) ends both; ends and closes pass through.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}
