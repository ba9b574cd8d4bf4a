import { randomBytes } from 'node:crypto';
import { TestStoreContext } from '@kairos/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

describe.skipIf(!redisAvailable)('RedisJobStore on a client the application owns', () => {
  const keyPrefix = uniquePrefix('client');
  // Connections the application names; the store's duplicate inherits the name.
  const connectionName = `kairos-test-app-${randomBytes(4).toString('hex')}`;
  let redis: Redis;

  /** How many connections carry the application's connection name. */
  async function namedConnections(): Promise<number> {
    const list = (await redis.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes(` name=${connectionName} `)).length;
  }

  /** Polls until `count` connections carry the name (the server drops closed ones shortly). */
  async function expectNamedConnections(count: number): Promise<void> {
    let seen = -1;
    for (let attempt = 0; attempt < 100 && seen !== count; attempt += 1) {
      seen = await namedConnections();
      if (seen !== count) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(seen).toBe(count);
  }

  beforeAll(() => {
    redis = inspector();
  });
  afterAll(async () => {
    await deleteKeys(redis, keyPrefix);
    await redis.quit();
  });

  it('uses the client, listens on a duplicate and leaves the client open', async () => {
    const client = new Redis(REDIS_URL, { connectionName });
    try {
      const context = new TestStoreContext();
      const store = new RedisJobStore({ client, keyPrefix });
      await store.start(context, 'default');
      await expectNamedConnections(2);
      await store.addJob(context.job({ id: 'a' }));
      expect(await client.hexists(`${keyPrefix}jobs`, 'a')).toBe(1);

      await store.shutdown();
      await expectNamedConnections(1);
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');

      // And it starts again on the same client.
      await store.start(context, 'default');
      expect((await store.lookupJob('a'))?.id).toBe('a');
      await store.shutdown();
    } finally {
      await client.quit();
    }
  });

  it('connects a lazy client that has not connected yet', async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      expect(client.status).toBe('wait');
      const store = new RedisJobStore({ client, keyPrefix });
      await store.start(new TestStoreContext(), 'default');
      expect(client.status).toBe('ready');
      await store.addJob(new TestStoreContext().job({ id: 'lazy' }));
      expect((await store.lookupJob('lazy'))?.id).toBe('lazy');
      await store.shutdown();
    } finally {
      await client.quit();
    }
  });

  it('refuses a client that was closed', async () => {
    const client = new Redis(REDIS_URL);
    await client.quit();
    const store = new RedisJobStore({ client, keyPrefix });
    await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /cannot connect to the server of the given client \(.*closed/i,
    );
  });
});
