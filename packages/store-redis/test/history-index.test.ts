/**
 * "The last 20 runs of a job" reads one sorted set by index: the commands Redis runs for it
 * (watched with MONITOR) are one ZREVRANGEBYLEX with LIMIT 20 on `<prefix>runs:job:<jobId>`
 * and one HGET and ZSCORE per run returned, however many runs the store holds. With
 * KAIROS_BENCH_HISTORY=1 it also times the query among a million runs (the README's figure).
 */
import { performance } from 'node:perf_hooks';
import { runRow, TestStoreContext, waitFor } from '@kairos/testkit';
import type { RunRow } from '@kairos/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

const BASE = Date.UTC(2030, 0, 1);

/** `count` finished runs of each of `jobs` jobs, written a job's runs per script call. */
async function fill(store: RedisJobStore, jobs: number, count: number): Promise<void> {
  const writes: Promise<boolean>[] = [];
  for (let job = 0; job < jobs; job += 1) {
    const rows: RunRow[] = Array.from({ length: count }, (_, index) =>
      runRow({
        id: `node/${job}/${index}`,
        jobId: `job-${job}`,
        scheduledRunTime: BASE + index * 1000 + (job % 1000),
        outcome: 'executed',
      }),
    );
    // Rows with an outcome are written as they are (finished): a shortcut of this test.
    writes.push(store.ledger.open({ rows, refused: [], maxInstances: 1 }, BASE));
    if (writes.length >= 50) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}

describe.skipIf(!redisAvailable)('the history index of RedisJobStore', () => {
  const keyPrefix = uniquePrefix('history-index');
  let redis: Redis;
  let store: RedisJobStore;

  beforeAll(async () => {
    redis = inspector();
    store = new RedisJobStore({ url: REDIS_URL, keyPrefix });
    await store.start(new TestStoreContext(), 'default');
  });
  afterAll(async () => {
    await store.shutdown();
    await deleteKeys(redis, keyPrefix);
    await redis.quit();
  });

  it('answers the last 20 runs of a job with one range read of its sorted set', async () => {
    await fill(store, 40, 500);
    const watcher = inspector();
    const monitor = await watcher.monitor();
    const commands: string[][] = [];
    const marker = `${keyPrefix}end-of-query`;
    let ended = false;
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes(marker)) ended = true;
      else if (args.some((arg) => arg.startsWith(keyPrefix))) commands.push(args);
    });
    const runs = await store.ledger.getRuns({ jobId: 'job-7', limit: 20 });
    await redis.exists(marker);
    expect(await waitFor(() => ended, 5000), 'MONITOR did not show the marker').toBe(true);
    monitor.disconnect();
    await watcher.quit();

    expect(runs.map((run) => run.id)).toEqual(
      Array.from({ length: 20 }, (_, index) => `node/7/${499 - index}`),
    );
    const inScript = commands.filter(([name]) => !/^evalsha$|^eval$/i.test(name ?? ''));
    expect(inScript[0]).toEqual([
      'ZREVRANGEBYLEX',
      `${keyPrefix}runs:job:job-7`,
      '+',
      '-',
      'LIMIT',
      '0',
      '20',
    ]);
    const rest = inScript.slice(1).map(([name, key]) => `${name?.toUpperCase()} ${key}`);
    expect(rest.filter((line) => line === `HGET ${keyPrefix}runs`)).toHaveLength(20);
    expect(rest.filter((line) => line === `ZSCORE ${keyPrefix}runs:leases`)).toHaveLength(20);
    expect(rest).toHaveLength(40);
  });

  it.runIf(process.env['KAIROS_BENCH_HISTORY'] === '1')(
    'times the last 20 runs of a job among a million (KAIROS_BENCH_HISTORY=1)',
    async () => {
      await store.ledger.clear();
      const filled = performance.now();
      await fill(store, 1000, 1000);
      const fillSeconds = (performance.now() - filled) / 1000;
      expect(await redis.zcard(`${keyPrefix}runs:all`)).toBe(1_000_000);
      const times: number[] = [];
      for (let round = 0; round < 200; round += 1) {
        const start = performance.now();
        const runs = await store.ledger.getRuns({ jobId: `job-${round % 1000}`, limit: 20 });
        times.push(performance.now() - start);
        expect(runs).toHaveLength(20);
      }
      times.sort((a, b) => a - b);
      const at = (q: number) => (times[Math.floor(q * (times.length - 1))] ?? 0).toFixed(2);
      console.log(
        `last 20 runs of a job among 1,000,000 (1,000 jobs): median ${at(0.5)} ms, ` +
          `p99 ${at(0.99)} ms over 200 calls; filled in ${fillSeconds.toFixed(1)} s; ` +
          `${new Date().toISOString().slice(0, 10)}, ${(await redis.info('server')).match(/redis_version:(\S+)/)?.[1] ?? '?'}`,
      );
      await store.ledger.clear();
    },
    600_000,
  );
});
