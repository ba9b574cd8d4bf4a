/**
 * A server that stops answering without closing its connections (frozen, or a network that
 * drops packets): calls fail after `commandTimeout` in the store's words, and the store shuts
 * down, instead of waiting for ever.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { JobStoreError } from '@kairos/core';
import { TestStoreContext } from '@kairos/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

/** Relays to the server until `freeze()`: then it keeps the connections and passes nothing on. */
class FreezingRelay {
  readonly #sockets = new Set<Socket>();
  #frozen = false;
  #server: Server | null = null;

  async listen(target: URL): Promise<number> {
    const server = createServer((client) => {
      const upstream = createConnection(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('error', () => undefined);
      }
      client.on('data', (chunk) => {
        if (!this.#frozen) upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (!this.#frozen) client.write(chunk);
      });
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  freeze(): void {
    this.#frozen = true;
  }

  close(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#server?.close();
  }
}

describe.skipIf(!redisAvailable)('RedisJobStore when the server stops answering', () => {
  const keyPrefix = uniquePrefix('stalled');
  const relay = new FreezingRelay();
  let url = '';

  beforeAll(async () => {
    const target = new URL(REDIS_URL);
    const port = await relay.listen(target);
    const relayed = new URL(REDIS_URL);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(port);
    url = relayed.toString();
  });
  afterAll(async () => {
    relay.close();
    const redis = inspector();
    await deleteKeys(redis, keyPrefix);
    await redis.quit();
  });

  it('fails a call after commandTimeout, saying so, and still shuts down', async () => {
    const context = new TestStoreContext();
    const store = new RedisJobStore({ url, keyPrefix, commandTimeout: 0.3 });
    await store.start(context, 'default');
    await store.addJob(context.job({ id: 'a' }));
    relay.freeze();
    const started = Date.now();
    const error = await store.lookupJob('a').then(
      () => null,
      (failed: unknown) => failed,
    );
    expect(error).toBeInstanceOf(JobStoreError);
    expect((error as Error).message).toMatch(
      /^Redis job store 'default': redis:\/\/127\.0\.0\.1:\d+\/\d+ did not answer within 0\.3 s \(commandTimeout\); the server may be stalled or unreachable: retry later$/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    await store.shutdown();
  });
});
