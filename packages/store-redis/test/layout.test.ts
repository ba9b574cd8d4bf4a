import { SerializationError } from '@kairos/core';
import { TestStoreContext } from '@kairos/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

const MINUTE = 60_000;

describe.skipIf(!redisAvailable)('RedisJobStore key layout', () => {
  const keyPrefix = uniquePrefix('layout');
  const jobsKey = `${keyPrefix}jobs`;
  const runTimesKey = `${keyPrefix}run_times`;
  let redis: Redis;
  let store: RedisJobStore;
  let context: TestStoreContext;

  beforeAll(async () => {
    redis = inspector();
    store = new RedisJobStore({ url: REDIS_URL, keyPrefix });
    context = new TestStoreContext();
    await store.start(context, 'default');
  });
  beforeEach(async () => {
    await store.removeAllJobs();
    context.reported.length = 0;
  });
  afterAll(async () => {
    await store.shutdown();
    await deleteKeys(redis, keyPrefix);
    await redis.quit();
  });

  it('keeps the document in <prefix>jobs and the run time as its run_times score', async () => {
    const now = context.clock.now();
    const job = context.job({ id: 'a', args: [1, 'x'], nextRunTime: now + 5 });
    await store.addJob(job);
    expect(await redis.hget(jobsKey, 'a')).toBe(JSON.stringify(context.serializeJob(job)));
    expect(await redis.zscore(runTimesKey, 'a')).toBe(String(now + 5));
  });

  it('keeps a paused job in the hash only', async () => {
    await store.addJob(context.job({ id: 'p', nextRunTime: null }));
    expect(await redis.hexists(jobsKey, 'p')).toBe(1);
    expect(await redis.zscore(runTimesKey, 'p')).toBeNull();
    await store.updateJob(context.job({ id: 'p', nextRunTime: 1234 }));
    expect(await redis.zscore(runTimesKey, 'p')).toBe('1234');
    await store.updateJob(context.job({ id: 'p', nextRunTime: null }));
    expect(await redis.zscore(runTimesKey, 'p')).toBeNull();
    expect(JSON.parse((await redis.hget(jobsKey, 'p')) ?? '')).toMatchObject({ nextRunTime: null });
  });

  it('takes the sorted-set score over the document copy of the run time', async () => {
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'a', nextRunTime: now + MINUTE }));
    await redis.zadd(runTimesKey, now - 7, 'a');
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(now - 7);
    expect(await store.getNextRunTime()).toBe(now - 7);
    expect((await store.getAllJobs()).map((job) => job.nextRunTimeMs)).toEqual([now - 7]);
    // Removed from the sorted set: paused, whatever the document says.
    await redis.zrem(runTimesKey, 'a');
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBeNull();
    expect((await store.getAllJobs()).map((job) => job.nextRunTimeMs)).toEqual([null]);
  });

  it('writes successors to both keys when claiming, and deletes finished jobs', async () => {
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'again', nextRunTime: now - 2 }));
    await store.addJob(context.job({ id: 'done', nextRunTime: now - 1 }));
    const claimed = await store.claimDueJobs({
      now,
      limit: 10,
      advance: (job) =>
        job.id === 'done' ? null : context.withFields(job, { nextRunTimeMs: now + MINUTE }),
    });
    expect(claimed.map((run) => run.job.id)).toEqual(['again', 'done']);
    expect(await redis.zrange(runTimesKey, 0, -1, 'WITHSCORES')).toEqual([
      'again',
      String(now + MINUTE),
    ]);
    expect(await redis.hkeys(jobsKey)).toEqual(['again']);
    expect(JSON.parse((await redis.hget(jobsKey, 'again')) ?? '')).toMatchObject({
      nextRunTime: now + MINUTE,
    });
  });

  it('pauses a job whose successor has no run time', async () => {
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'a', nextRunTime: now }));
    const claimed = await store.claimDueJobs({
      now,
      limit: 10,
      advance: (job) => context.withFields(job, { nextRunTimeMs: null }),
    });
    expect(claimed).toHaveLength(1);
    expect(await redis.zcard(runTimesKey)).toBe(0);
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBeNull();
  });

  it('removes a job from both keys, and removeAllJobs keeps <prefix>meta', async () => {
    await store.addJob(context.job({ id: 'a' }));
    await store.addJob(context.job({ id: 'b' }));
    await store.removeJob('a');
    expect(await redis.hkeys(jobsKey)).toEqual(['b']);
    expect(await redis.zrange(runTimesKey, 0, -1)).toEqual(['b']);
    await store.removeAllJobs();
    expect(await redis.exists(jobsKey, runTimesKey)).toBe(0);
    expect(await redis.hget(`${keyPrefix}meta`, 'schema_version')).toBe('2');
  });

  it('writes nothing when a job cannot be serialised', async () => {
    const job = context.withFields(context.job({ id: 'fn' }), { task: () => 'not storable' });
    await expect(store.addJob(job)).rejects.toBeInstanceOf(SerializationError);
    await store.addJob(context.job({ id: 'fn' }));
    await expect(store.updateJob(job)).rejects.toBeInstanceOf(SerializationError);
    expect(JSON.parse((await redis.hget(jobsKey, 'fn')) ?? '')).toMatchObject({ task: 'tick' });
  });

  it('lists paused jobs after scheduled ones, by id', async () => {
    const now = context.clock.now();
    for (const id of ['p-c', 'p-a', 'p-b']) {
      await store.addJob(context.job({ id, nextRunTime: null }));
    }
    await store.addJob(context.job({ id: 's-2', nextRunTime: now + 2 }));
    await store.addJob(context.job({ id: 's-1', nextRunTime: now + 1 }));
    expect((await store.getAllJobs()).map((job) => job.id)).toEqual([
      's-1',
      's-2',
      'p-a',
      'p-b',
      'p-c',
    ]);
  });

  it('lists jobs whose ids are Object.prototype names', async () => {
    for (const id of ['__proto__', 'constructor', 'toString']) {
      await store.addJob(context.job({ id, nextRunTime: null }));
    }
    expect((await store.getAllJobs()).map((job) => job.id)).toEqual([
      '__proto__',
      'constructor',
      'toString',
    ]);
  });

  it('claims thousands of due jobs at once (documents fetched in chunks)', async () => {
    const now = context.clock.now();
    const count = 2500;
    await store.addJobs(
      Array.from({ length: count }, (_, index) =>
        context.job({ id: `j${index}`, nextRunTime: now - index }),
      ),
    );
    expect(await redis.zcard(runTimesKey)).toBe(count);
    const due = await store.claimDueJobs({ now, limit: count, advance: () => null });
    expect(due).toHaveLength(count);
    expect(due[0]?.job.id).toBe(`j${count - 1}`);
    expect(due[count - 1]?.job.id).toBe('j0');
    expect(await store.getAllJobs()).toEqual([]);
  });

  it('reports a run time without a document as unrestorable and keeps it', async () => {
    const now = context.clock.now();
    await redis.zadd(runTimesKey, now - 1, 'orphan');
    await store.addJob(context.job({ id: 'fine', nextRunTime: now }));
    expect((await store.getAllJobs()).map((job) => job.id)).toEqual(['fine']);
    expect(await store.getNextRunTime()).toBe(now);
    expect(context.reported.map((report) => report.id)).toEqual(['orphan']);
    expect(await redis.zscore(runTimesKey, 'orphan')).toBe(String(now - 1));
  });
});
