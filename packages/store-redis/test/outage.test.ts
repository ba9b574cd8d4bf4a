import { RecordingLogger, TcpProxy, TestStoreContext, waitFor } from '@kairos/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';
import { untilItWorks } from './until-it-works.js';

describe.skipIf(!redisAvailable)('RedisJobStore during a server outage', () => {
  const keyPrefix = uniquePrefix('outage');
  const target = new URL(REDIS_URL);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
  let redis: Redis;

  beforeAll(async () => {
    redis = inspector();
    await proxy.up();
  });
  afterAll(async () => {
    await proxy.down();
    await deleteKeys(redis, keyPrefix);
    await redis.quit();
  });

  it('rejects every call while the server is away and works again once it is back', async () => {
    const logger = new RecordingLogger();
    const context = new TestStoreContext({ logger });
    const store = new RedisJobStore({ url: proxy.url(REDIS_URL), keyPrefix });
    await store.start(context, 'default');
    const direct = new RedisJobStore({ url: REDIS_URL, keyPrefix });
    const directContext = new TestStoreContext();
    await direct.start(directContext, 'default');
    try {
      const now = context.clock.now();
      await store.addJob(context.job({ id: 'before', nextRunTime: now }));

      await proxy.down();
      // Every kind of call fails instead of waiting for the server (vitest's timeout would
      // catch a call that hangs).
      // The first call may already be on its way when the connection drops.
      await expect(store.getNextRunTime()).rejects.toThrow(
        /^Redis job store 'default': (not connected|lost the connection) to redis:\/\/127\.0\.0\.1/,
      );
      await expect(store.addJobs([context.job({ id: 'during-batch' })])).rejects.toThrow(
        /not connected to .*retry later/,
      );
      await expect(store.lookupJob('before')).rejects.toThrow();
      await expect(store.getAllJobs()).rejects.toThrow();
      await expect(store.addJob(context.job({ id: 'during' }))).rejects.toThrow();
      await expect(store.claimDueJobs({ now, limit: 10, advance: () => null })).rejects.toThrow();
      const warnings = (): string[] => logger.messages('warn');
      // One warning per connection for the whole outage, however often ioredis retries.
      expect(await waitFor(() => warnings().length === 2, 1500)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(warnings().sort()).toEqual([
        expect.stringMatching(/the connection .*reconnecting/),
        expect.stringMatching(/the wake-up subscription .*reconnecting/),
      ]);

      await proxy.up();
      expect(await untilItWorks(() => store.getNextRunTime(), 10_000)).toBe(now);
      await store.addJob(context.job({ id: 'after', nextRunTime: now + 1 }));
      expect((await store.getAllJobs()).map((job) => job.id)).toEqual(['before', 'after']);
      expect(await waitFor(() => directContext.wakeups.includes(now + 1), 1500)).toBe(true);

      // The wake-up subscription came back too: a catch-up wakeup, then messages again.
      expect(await waitFor(() => context.wakeups.includes(undefined), 10_000)).toBe(true);
      await direct.addJob(directContext.job({ id: 'elsewhere', nextRunTime: now + 2 }));
      expect(await waitFor(() => context.wakeups.includes(now + 2), 1500)).toBe(true);
      expect(logger.messages('info')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/the connection is back/),
          expect.stringMatching(/the wake-up subscription is back/),
        ]),
      );
    } finally {
      await store.shutdown();
      await direct.shutdown();
    }
  });

  it('says loudly when the server comes back without its keys (restarted without persistence)', async () => {
    const logger = new RecordingLogger();
    const context = new TestStoreContext({ logger });
    const prefix = `${keyPrefix}empty:`;
    const store = new RedisJobStore({ url: proxy.url(REDIS_URL), keyPrefix: prefix });
    await store.start(context, 'default');
    try {
      await store.addJob(context.job({ id: 'lost' }));
      await proxy.down();
      await deleteKeys(redis, prefix);
      await proxy.up();
      expect(await untilItWorks(() => store.getAllJobs(), 10_000)).toEqual([]);
      expect(
        await waitFor(() => logger.messages('error').length > 0, 3000),
        JSON.stringify(logger.entries),
      ).toBe(true);
      expect(logger.messages('error')).toEqual([
        expect.stringMatching(
          /^Redis job store 'default': redis:\/\/127\.0\.0\.1:\d+\/\d+ came back without this store's keys \('.*empty:meta' is gone\): the server restarted without persistence, or the keys were deleted or evicted, and the jobs and runs kept there are lost/,
        ),
      ]);
      // The schema version is recorded again: the store goes on.
      expect(await redis.hget(`${prefix}meta`, 'schema_version')).not.toBeNull();
    } finally {
      await store.shutdown();
      await deleteKeys(redis, prefix);
    }
  });

  it('fails start() while the server is away, and starts once it is back', async () => {
    const store = new RedisJobStore({ url: proxy.url(REDIS_URL), keyPrefix });
    await proxy.down();
    try {
      await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(
        /cannot connect to redis:\/\/127\.0\.0\.1:\d+\/0/,
      );
      await proxy.up();
      await store.start(new TestStoreContext(), 'default');
      expect(await store.getNextRunTime()).not.toBeUndefined();
    } finally {
      await proxy.up();
      await store.shutdown();
    }
  });
});
