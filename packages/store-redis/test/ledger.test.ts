import { compareRuns, type ClaimedRun, type RunRow } from '@kairos/core';
import {
  finishedRow,
  lapsedScan,
  oneMinuteLater,
  runClaim,
  runRow,
  TestStoreContext,
} from '@kairos/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

describe.skipIf(!redisAvailable)('RedisJobStore run ledger in Redis', () => {
  let keyPrefix: string;
  let redis: Redis;
  const started: RedisJobStore[] = [];

  /** A started store on this test's prefix. */
  async function startStore(context = new TestStoreContext()): Promise<RedisJobStore> {
    const store = new RedisJobStore({ url: REDIS_URL, keyPrefix });
    await store.start(context, 'default');
    started.push(store);
    return store;
  }

  /** Writes rows in flight, then finishes those given with an outcome (no retention). */
  async function write(store: RedisJobStore, rows: readonly RunRow[]): Promise<void> {
    for (const row of rows) {
      const inFlight = {
        ...row,
        outcome: null,
        finishedAt: null,
        leaseUntil: row.scheduledRunTime,
      };
      expect(await store.ledger.open({ rows: [inFlight], refused: [], maxInstances: 1e6 }, 0)).toBe(
        true,
      );
      if (row.outcome !== null) expect(await store.ledger.finish(row, null)).toBe(true);
    }
  }

  beforeAll(() => {
    redis = inspector();
  });
  afterEach(async () => {
    for (const store of started.splice(0)) await store.shutdown();
    await deleteKeys(redis, keyPrefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('writes the runs of exactly the jobs each of several claiming processes won', async () => {
    keyPrefix = uniquePrefix('ledger-claims');
    const context = new TestStoreContext();
    const now = context.clock.now();
    const first = await startStore(context);
    const count = 600;
    await first.addJobs(
      Array.from({ length: count }, (_, index) =>
        context.job({ id: `job-${index}`, nextRunTime: now - (index % 7) }),
      ),
    );
    const stores = [first, ...(await Promise.all([1, 2, 3].map(() => startStore(context))))];
    const claims = await Promise.all(
      stores.map(async (store, index) => {
        const claimed: ClaimedRun[] = [];
        const runs = runClaim(context, { schedulerId: `node-${index}`, leaseUntil: now + HOUR });
        for (;;) {
          const batch = await store.claimDueJobs({
            now,
            limit: 50,
            advance: oneMinuteLater(context),
            runs,
          });
          if (batch.length === 0) return claimed;
          claimed.push(...batch);
        }
      }),
    );
    const owners = new Map<string, string>();
    claims.forEach((claimed, index) => {
      for (const run of claimed) {
        expect(run.refused).toBe(false);
        expect(owners.has(run.job.id)).toBe(false);
        owners.set(run.job.id, `node-${index}`);
      }
    });
    expect(owners.size).toBe(count);
    // Every job has one row, in flight, owned by the process that won it; lost claims wrote none.
    const rows = await first.ledger.getRuns({ limit: 2 * count });
    expect(rows).toHaveLength(count);
    for (const row of rows) expect(row.schedulerId).toBe(owners.get(row.jobId));
    expect(await redis.hlen(`${keyPrefix}runs`)).toBe(count);
    expect(await redis.zcard(`${keyPrefix}runs:leases`)).toBe(count);
    expect(await redis.scard(`${keyPrefix}runs:jobs`)).toBe(count);
  });

  it('keeps a run in flight in the leases and the job in-flight set, and drops it at its outcome', async () => {
    keyPrefix = uniquePrefix('ledger-flight');
    const store = await startStore();
    const now = Date.UTC(2030, 0, 1);
    const run = runRow({ id: 'r1', jobId: 'a', scheduledRunTime: now, leaseUntil: now + MINUTE });
    expect(await store.ledger.open({ rows: [run], refused: [], maxInstances: 1 }, now)).toBe(true);
    expect(await redis.zscore(`${keyPrefix}runs:leases`, 'r1')).toBe(String(now + MINUTE));
    expect(await redis.zscore(`${keyPrefix}runs:inflight:a`, 'r1')).toBe(String(now + MINUTE));
    expect(await redis.zrange(`${keyPrefix}runs:job:a`, 0, -1)).toEqual(
      await redis.zrange(`${keyPrefix}runs:all`, 0, -1),
    );
    await store.ledger.beat({
      id: 'scheduler-a',
      host: 'h',
      pid: 1,
      startedAt: now,
      now,
      leaseUntil: now + HOUR,
      runIds: ['r1'],
      pruneBefore: now - HOUR,
    });
    // The score is the lease; the row read carries it.
    expect(await redis.zscore(`${keyPrefix}runs:inflight:a`, 'r1')).toBe(String(now + HOUR));
    expect((await store.ledger.getRuns({ limit: 1 }))[0]?.leaseUntil).toBe(now + HOUR);
    expect(await store.ledger.finish(finishedRow(run, 'executed', now + 5), null)).toBe(true);
    expect(await redis.exists(`${keyPrefix}runs:leases`, `${keyPrefix}runs:inflight:a`)).toBe(0);
    expect(await store.ledger.finish(finishedRow(run, 'error', now + 6), null)).toBe(false);
    expect((await store.ledger.getRuns({ limit: 1 }))[0]?.outcome).toBe('executed');
  });

  it('moves an abandoned run out of flight and its retry in, in one step', async () => {
    keyPrefix = uniquePrefix('ledger-abandon');
    const store = await startStore();
    const now = Date.UTC(2030, 0, 1);
    const run = runRow({
      id: 'r1',
      jobId: 'a',
      leaseUntil: now - 1,
      onAbandoned: 'retry',
      maxRetries: 1,
    });
    await store.ledger.open({ rows: [run], refused: [], maxInstances: 1 }, now - MINUTE);
    const [ended] = await store.ledger.abandonLapsed(lapsedScan({ now, leaseUntil: now + MINUTE }));
    expect(ended?.row.outcome).toBe('abandoned');
    expect(ended?.retry?.id).toBe('r1.retry1');
    expect(await redis.zrange(`${keyPrefix}runs:leases`, 0, -1, 'WITHSCORES')).toEqual([
      'r1.retry1',
      String(now + MINUTE),
    ]);
    expect(await redis.zrange(`${keyPrefix}runs:inflight:a`, 0, -1)).toEqual(['r1.retry1']);
    expect(await redis.zcard(`${keyPrefix}runs:job:a`)).toBe(2);
    expect(await store.ledger.abandonLapsed(lapsedScan({ now }))).toEqual([]);
  });

  it('pages through thousands of runs with ties, filters spanning several reads', async () => {
    keyPrefix = uniquePrefix('ledger-paging');
    const store = await startStore();
    const base = Date.UTC(2030, 0, 1);
    const rows: RunRow[] = [];
    for (let index = 0; index < 1500; index += 1) {
      const jobId = `job-${index % 3}`;
      rows.push(
        runRow({
          id: `node-${index % 4}/${index}`,
          jobId,
          // Runs of four at each time: the tie-break on ids decides their order.
          scheduledRunTime: base + Math.floor(index / 4) * 1000,
          outcome: index % 250 === 0 ? 'error' : 'executed',
        }),
      );
    }
    await Promise.all(rows.map((row) => write(store, [row])));
    const newestFirst = [...rows].sort(compareRuns);
    const pages: RunRow[] = [];
    for (let page = await store.ledger.getRuns({ limit: 7 }); page.length > 0;) {
      pages.push(...page);
      const last = page.at(-1);
      if (last === undefined) break;
      // A run written between pages, newer than all, does not shift the next page.
      if (pages.length === 7)
        await write(store, [
          runRow({
            id: 'late',
            jobId: 'job-0',
            scheduledRunTime: base + HOUR,
            outcome: 'executed',
          }),
        ]);
      page = await store.ledger.getRuns({ limit: 7, after: last });
    }
    expect(pages.map((row) => row.id)).toEqual(newestFirst.map((row) => row.id));
    expect(pages).toEqual(newestFirst);
    // Six errors among 1500 runs: the filter reads on past the first pages of the index.
    const errors = await store.ledger.getRuns({ outcomes: ['error'], limit: 100 });
    expect(errors.map((row) => row.id)).toEqual(
      newestFirst.filter((row) => row.outcome === 'error').map((row) => row.id),
    );
    const job1 = await store.ledger.getRuns({
      jobId: 'job-1',
      since: base + 10_000,
      until: base + 20_000,
      limit: 1000,
    });
    expect(job1.map((row) => row.id)).toEqual(
      newestFirst
        .filter(
          (row) =>
            row.jobId === 'job-1' &&
            row.scheduledRunTime >= base + 10_000 &&
            row.scheduledRunTime <= base + 20_000,
        )
        .map((row) => row.id),
    );
    expect(job1.length).toBeGreaterThan(0);
  });

  it('trims finished runs out of every index, and forgets a job whose history is empty', async () => {
    keyPrefix = uniquePrefix('ledger-trim');
    const store = await startStore();
    const base = Date.UTC(2030, 0, 1);
    const old = Array.from({ length: 6 }, (_, index) =>
      runRow({
        id: `old-${index}`,
        jobId: 'a',
        scheduledRunTime: base + index,
        outcome: 'executed',
      }),
    );
    await write(store, old);
    const flying = runRow({
      id: 'flying',
      jobId: 'a',
      scheduledRunTime: base - 1,
      leaseUntil: base + HOUR,
    });
    await store.ledger.open({ rows: [flying], refused: [], maxInstances: 9 }, base);
    const last = runRow({
      id: 'last',
      jobId: 'a',
      scheduledRunTime: base + 10,
      leaseUntil: base + HOUR,
    });
    await store.ledger.open({ rows: [last], refused: [], maxInstances: 9 }, base);
    await store.ledger.finish(finishedRow(last, 'executed', base + 11), { keep: 2, maxAge: 3600 });
    const kept = ['last', 'old-5', 'flying'];
    expect((await store.ledger.getRuns({ jobId: 'a', limit: 10 })).map((row) => row.id)).toEqual(
      kept,
    );
    expect((await store.ledger.getRuns({ limit: 10 })).map((row) => row.id)).toEqual(kept);
    expect((await redis.hkeys(`${keyPrefix}runs`)).sort()).toEqual([...kept].sort());
    // maxAge drops every finished run, the one just recorded too; the job's keys go with them.
    await store.ledger.finish(finishedRow(flying, 'executed', base + 2 * HOUR), {
      keep: 10,
      maxAge: 60,
    });
    expect(await redis.hlen(`${keyPrefix}runs`)).toBe(0);
    expect(await redis.exists(`${keyPrefix}runs:job:a`, `${keyPrefix}runs:all`)).toBe(0);
    expect(await redis.smembers(`${keyPrefix}runs:jobs`)).toEqual([]);
  });

  it('clears every run key and node, and nothing of the jobs', async () => {
    keyPrefix = uniquePrefix('ledger-clear');
    const context = new TestStoreContext();
    const store = await startStore(context);
    await store.addJob(context.job({ id: 'kept' }));
    await write(store, [
      runRow({ id: 'r1', jobId: 'a', outcome: 'executed' }),
      runRow({ id: 'r2', jobId: 'b' }),
    ]);
    await store.ledger.beat({
      id: 'n1',
      host: 'h',
      pid: 1,
      startedAt: 0,
      now: 1,
      leaseUntil: 2,
      runIds: [],
      pruneBefore: 0,
    });
    await store.ledger.clear();
    const left = await redis.keys(`${keyPrefix}*`);
    expect(left.sort()).toEqual([`${keyPrefix}jobs`, `${keyPrefix}meta`, `${keyPrefix}run_times`]);
  });
});
