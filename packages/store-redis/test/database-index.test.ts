import { randomBytes } from 'node:crypto';
import { JobStoreError } from '@kairos/core';
import { RecordingLogger, TestStoreContext, waitFor } from '@kairos/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { connectionName } from '../src/connection.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';
import { untilItWorks } from './until-it-works.js';

/** `REDIS_URL` with another database part and, optionally, credentials. */
function urlWith(database: number, credentials?: { user: string; password: string }): string {
  const url = new URL(REDIS_URL);
  url.pathname = `/${database}`;
  if (credentials !== undefined) {
    url.username = credentials.user;
    url.password = credentials.password;
  }
  return url.toString();
}

describe.skipIf(!redisAvailable)('RedisJobStore on a database the server refuses', () => {
  let redis: Redis;
  let databases: number;
  const prefixes: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  /** Keys under `prefix` in every database of the server. */
  async function keysEverywhere(prefix: string): Promise<string[]> {
    const found: string[] = [];
    for (let database = 0; database < databases; database += 1) {
      const client = redis.duplicate({ db: database });
      try {
        const keys = await client.keys(`${prefix}*`);
        found.push(...keys.map((key) => `${database}:${key}`));
      } finally {
        await client.quit();
      }
    }
    return found;
  }

  /** The names of the server's connections that start with `name`. */
  async function connectionsNamed(name: string): Promise<string[]> {
    const list = (await redis.client('LIST')) as string;
    return list
      .split('\n')
      .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '')
      .filter((found) => found.startsWith(name));
  }

  beforeAll(async () => {
    redis = inspector();
    const [, count] = (await redis.config('GET', 'databases')) as [string, string];
    databases = Number(count);
  });
  afterAll(async () => {
    for (let database = 0; database < databases; database += 1) {
      const client = redis.duplicate({ db: database });
      for (const prefix of prefixes) await deleteKeys(client, prefix);
      await client.quit();
    }
    await redis.quit();
  });
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('fails start() naming the store, the URL without its password and the databases', async () => {
    const keyPrefix = uniquePrefix('database-index');
    prefixes.push(keyPrefix);
    const database = Math.max(99, databases);
    const store = new RedisJobStore({
      url: urlWith(database, { user: 'default', password: 's3cret' }),
      keyPrefix,
    });
    const error: unknown = await store.start(new TestStoreContext(), 'default').then(
      () => null,
      (failure: unknown) => failure,
    );
    try {
      expect(error).toBeInstanceOf(JobStoreError);
      const message = (error as Error).message;
      expect(message).toMatch(
        new RegExp(
          `^Redis job store 'default': cannot use redis://default:\\*\\*\\*@[^ ]+/${database}: ` +
            `the server refused database ${database} \\(ERR DB index is out of range\\); ` +
            `it has databases 0 to ${databases - 1}`,
        ),
      );
      expect(message).not.toContain('s3cret');
      // Nothing was written in any database, and a call says the store is not started.
      expect(await keysEverywhere(keyPrefix)).toEqual([]);
      await expect(store.getNextRunTime()).rejects.toThrow(/not started/);
      // Its connections (and the one that read the number of databases) are closed.
      expect(
        await waitFor(
          async () => (await connectionsNamed(connectionName('jobs', keyPrefix))).length === 0,
        ),
      ).toBe(true);
      expect(await connectionsNamed(connectionName('wakeups', keyPrefix))).toEqual([]);
      // Late errors of the failed connections would surface as unhandled rejections.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(unhandled).toEqual([]);
    } finally {
      await store.shutdown();
    }
  });

  it('never runs a call on database 0 when SELECT is refused after a reconnection', async (context) => {
    // A user of our own whose right to SELECT is taken away while the store runs: on the next
    // connection ioredis sends SELECT again, and the server refuses it.
    const user = `kairos-test-${randomBytes(6).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    try {
      await redis.acl('SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all');
    } catch {
      context.skip('the server does not allow ACL SETUSER');
    }
    const keyPrefix = uniquePrefix('database-reconnect');
    prefixes.push(keyPrefix);
    const store = new RedisJobStore({ url: urlWith(1, { user, password }), keyPrefix });
    const logger = new RecordingLogger();
    const storeContext = new TestStoreContext({ logger });
    try {
      await store.start(storeContext, 'default');
      await store.addJob(storeContext.job({ id: 'before' }));

      await redis.acl('SETUSER', user, '-select');
      await redis.client('KILL', 'USER', user);
      // While SELECT is refused, every call fails instead of running on database 0.
      const deadline = Date.now() + 1500;
      let attempt = 0;
      while (Date.now() < deadline) {
        attempt += 1;
        await expect(store.addJob(storeContext.job({ id: `during-${attempt}` }))).rejects.toThrow(
          JobStoreError,
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const during = await keysEverywhere(keyPrefix);
      expect(during.length).toBeGreaterThan(0);
      expect(during.filter((key) => !key.startsWith('1:'))).toEqual([]);

      // The log says why, since reconnecting alone does not help.
      expect(logger.messages('warn')).toContainEqual(
        expect.stringMatching(/the connection: the server refused database 1 \(NOPERM /),
      );

      // Once SELECT is allowed again the store works again, on database 1.
      await redis.acl('SETUSER', user, '+select');
      await untilItWorks(() => store.addJob(storeContext.job({ id: 'after' })), 10_000);
      expect((await store.getAllJobs()).map((job) => job.id).sort()).toEqual(['after', 'before']);
      expect((await keysEverywhere(keyPrefix)).every((key) => key.startsWith('1:'))).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      await store.shutdown();
      await redis.acl('DELUSER', user);
    }
  });
});
