import { waitFor } from '@kairos/testkit';
import { BackgroundScheduler } from '@kairos/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

/** Two schedulers in one process stand for two processes: each has its own store, connections. */
describe.skipIf(!redisAvailable)('schedulers sharing a RedisJobStore', () => {
  const keyPrefix = uniquePrefix('schedulers');
  const runs: { scheduler: string; job: string }[] = [];
  let redis: Redis;
  let adding: BackgroundScheduler;
  let running: BackgroundScheduler;

  function scheduler(name: string): BackgroundScheduler {
    const created = new BackgroundScheduler({
      timezone: 'UTC',
      jobstores: { default: new RedisJobStore({ url: REDIS_URL, keyPrefix }) },
    });
    created.registerTask('record', (job: string) => {
      runs.push({ scheduler: name, job });
    });
    return created;
  }

  /** How often each job ran. */
  function runCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const run of runs) counts.set(run.job, (counts.get(run.job) ?? 0) + 1);
    return counts;
  }

  beforeAll(async () => {
    redis = inspector();
    adding = scheduler('adding');
    running = scheduler('running');
    await adding.start({ paused: true });
    await running.start();
  });
  afterAll(async () => {
    await adding.shutdown();
    await running.shutdown();
    await deleteKeys(redis, keyPrefix);
    await redis.quit();
  });

  it('runs jobs added by a paused scheduler in the other one, woken over pub/sub', async () => {
    // Let the running scheduler find no jobs and go to sleep: without the wake-up it would
    // sleep maxSleepTime (60 s).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const runDate = new Date(Date.now() + 300);
    for (let index = 0; index < 20; index += 1) {
      const id = `woken-${index}`;
      await adding.addJob('record', { type: 'date', runDate }, { id, args: [id] });
    }
    expect(await waitFor(() => runs.length >= 20, 3000)).toBe(true);
    expect(runs.every((run) => run.scheduler === 'running')).toBe(true);
    expect([...runCounts().values()]).toEqual(Array<number>(20).fill(1));
    expect(await redis.hlen(`${keyPrefix}jobs`)).toBe(0);
  });

  it('runs each job once when both schedulers are running', async () => {
    runs.length = 0;
    adding.resume();
    const runDate = new Date(Date.now() + 300);
    for (let index = 0; index < 200; index += 1) {
      const id = `shared-${index}`;
      await adding.addJob('record', { type: 'date', runDate }, { id, args: [id] });
    }
    expect(await waitFor(() => runs.length >= 200, 5000)).toBe(true);
    // Give a duplicate run the chance to show up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs).toHaveLength(200);
    expect(runCounts().size).toBe(200);
  });
});
