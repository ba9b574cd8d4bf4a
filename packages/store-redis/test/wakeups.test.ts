import { RecordingLogger, TestStoreContext, waitFor } from '@kairos/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

describe.skipIf(!redisAvailable)('RedisJobStore wake-ups', () => {
  const keyPrefix = uniquePrefix('wakeups');
  const channel = `${keyPrefix}wakeup`;
  let redis: Redis;
  let listener: Redis;
  const messages: string[] = [];
  const started: RedisJobStore[] = [];

  async function startStore(context = new TestStoreContext()): Promise<RedisJobStore> {
    const store = new RedisJobStore({ url: REDIS_URL, keyPrefix });
    await store.start(context, 'default');
    started.push(store);
    return store;
  }

  /** The ids of the store connections named for this prefix and role. */
  async function connectionIds(role: 'jobs' | 'wakeups'): Promise<string[]> {
    const list = (await redis.call(
      'CLIENT',
      'LIST',
      'TYPE',
      role === 'jobs' ? 'normal' : 'pubsub',
    )) as string;
    return list
      .split('\n')
      .filter((line) => line.includes(` name=kairos:${role}:${keyPrefix} `))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1] ?? '');
  }

  beforeAll(async () => {
    redis = inspector();
    listener = inspector();
    listener.on('message', (_channel: string, message: string) => messages.push(message));
    await listener.subscribe(channel);
  });
  afterEach(async () => {
    for (const store of started.splice(0)) await store.shutdown();
    await deleteKeys(redis, keyPrefix);
    messages.length = 0;
  });
  afterAll(async () => {
    await listener.quit();
    await redis.quit();
  });

  it('wakes other instances with the run time, and not itself', async () => {
    const ownContext = new TestStoreContext();
    const otherContext = new TestStoreContext();
    const own = await startStore(ownContext);
    await startStore(otherContext);
    const now = ownContext.clock.now();
    await own.addJob(ownContext.job({ id: 'a', nextRunTime: now + 500 }));
    await own.updateJob(ownContext.job({ id: 'a', nextRunTime: now + 200 }));
    expect(await waitFor(() => otherContext.wakeups.length === 2, 1500)).toBe(true);
    expect(otherContext.wakeups).toEqual([now + 500, now + 200]);
    expect(await waitFor(() => messages.length === 2, 1500)).toBe(true);
    expect(ownContext.wakeups).toEqual([]);
  });

  it('publishes {from, nextRunTime} on <prefix>wakeup, only for jobs with a run time', async () => {
    const context = new TestStoreContext();
    const store = await startStore(context);
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'paused', nextRunTime: null }));
    await store.updateJob(context.job({ id: 'paused', nextRunTime: null }));
    await store.addJob(context.job({ id: 'a', nextRunTime: now }));
    // A failed add publishes nothing.
    await expect(store.addJob(context.job({ id: 'a', nextRunTime: now }))).rejects.toThrow();
    await store.claimDueJobs({ now, limit: 10, advance: () => null });
    await store.removeJob('paused');
    expect(await waitFor(() => messages.length >= 1, 1500)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(messages).toHaveLength(1);
    const message = JSON.parse(messages[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(message).sort()).toEqual(['from', 'nextRunTime']);
    expect(message['nextRunTime']).toBe(now);
    expect(typeof message['from']).toBe('string');
  });

  it('ignores malformed messages (a warning); wakes without a time if none is given', async () => {
    const logger = new RecordingLogger();
    const context = new TestStoreContext({ logger });
    await startStore(context);
    await redis.publish(channel, 'not json');
    await redis.publish(channel, '42');
    await redis.publish(channel, JSON.stringify({ from: 'someone-else' }));
    expect(await waitFor(() => context.wakeups.length === 1, 1500)).toBe(true);
    expect(context.wakeups).toEqual([undefined]);
    expect(logger.messages('warn')).toEqual([
      expect.stringContaining('not a JSON object: not json'),
      expect.stringContaining('not a JSON object: 42'),
    ]);
  });

  it('logs an error thrown by the scheduler wakeup instead of throwing it', async () => {
    const logger = new RecordingLogger();
    const context = new TestStoreContext({ logger });
    context.wakeup = () => {
      throw new Error('loop is gone');
    };
    await startStore(context);
    await redis.publish(channel, JSON.stringify({ from: 'someone-else', nextRunTime: 1 }));
    expect(await waitFor(() => logger.entries.length > 0, 1500)).toBe(true);
    expect(logger.entries.map((entry) => `${entry.level}: ${entry.message}`)).toEqual([
      'warn: Redis job store: waking the scheduler failed (loop is gone)',
    ]);
  });

  it('names its connections after the key prefix', async () => {
    await startStore();
    expect(await connectionIds('jobs')).toHaveLength(1);
    expect(await connectionIds('wakeups')).toHaveLength(1);
    await started[0]?.shutdown();
    // The server drops a closed connection from its list a moment later.
    let remaining = -1;
    for (let attempt = 0; attempt < 100 && remaining !== 0; attempt += 1) {
      remaining = (await connectionIds('jobs')).length + (await connectionIds('wakeups')).length;
      if (remaining !== 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(remaining).toBe(0);
  });

  it('subscribes again after its connection is killed, and wakes once to catch up', async () => {
    const logger = new RecordingLogger();
    const context = new TestStoreContext({ logger });
    await startStore(context);
    const [id] = await connectionIds('wakeups');
    expect(id).toBeDefined();
    await redis.call('CLIENT', 'KILL', 'ID', id ?? '');
    expect(await waitFor(() => context.wakeups.length === 1, 5000)).toBe(true);
    expect(context.wakeups).toEqual([undefined]);
    // Messages arrive again.
    await redis.publish(channel, JSON.stringify({ from: 'elsewhere', nextRunTime: 7 }));
    expect(await waitFor(() => context.wakeups.length === 2, 1500)).toBe(true);
    expect(context.wakeups[1]).toBe(7);
    expect(logger.entries.map((entry) => `${entry.level}: ${entry.message}`)).toEqual([
      expect.stringMatching(/^warn: .*wake-up subscription .*reconnecting/),
      expect.stringMatching(/^info: .*wake-up subscription is back/),
    ]);
  });
});
