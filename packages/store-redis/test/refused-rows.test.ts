/**
 * Refused rows are made only for the jobs that need them: claims and `open` send the openings
 * without them, and a job found without a free slot is written by a second script that sends
 * them (its compare-and-set checked again), so a claim that refuses nothing never reads
 * `RunOpening.refused` (which the scheduler builds when read).
 */
import type { RunClaim, RunOpening, RunRow } from '@kairos/core';
import { oneMinuteLater, runClaim, runRow, TestStoreContext } from '@kairos/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

const HOUR = 3_600_000;

/** An opening whose refused rows are read through a getter that counts the reads. */
function counted(opening: RunOpening, reads: { count: number }): RunOpening {
  return {
    rows: opening.rows,
    maxInstances: opening.maxInstances,
    get refused(): readonly RunRow[] {
      reads.count += 1;
      return opening.refused;
    },
  };
}

/** A claim whose openings count the reads of their refused rows into `reads`. */
function countingClaim(claim: RunClaim, reads: { count: number }): RunClaim {
  return { open: (job) => counted(claim.open(job), reads) };
}

describe.skipIf(!redisAvailable)('RedisJobStore refused rows', () => {
  let keyPrefix: string;
  let redis: Redis;
  const started: RedisJobStore[] = [];

  async function startStore(context: TestStoreContext): Promise<RedisJobStore> {
    const store = new RedisJobStore({ url: REDIS_URL, keyPrefix });
    await store.start(context, 'default');
    started.push(store);
    return store;
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

  it('claims jobs with free slots without reading their refused rows, and refuses the others', async () => {
    keyPrefix = uniquePrefix('refused-claims');
    const context = new TestStoreContext();
    const now = context.clock.now();
    const store = await startStore(context);
    await store.addJobs(
      ['free-1', 'busy', 'free-2'].map((id) => context.job({ id, nextRunTime: now - 1 })),
    );
    // Another scheduler's run of `busy` holds its only slot.
    const holder = runRow({
      id: 'other/busy',
      jobId: 'busy',
      scheduledRunTime: now - HOUR,
      leaseUntil: now + HOUR,
    });
    expect(await store.ledger.open({ rows: [holder], refused: [], maxInstances: 1 }, now)).toBe(
      true,
    );
    const reads = { count: 0 };
    const claim = runClaim(context, { leaseUntil: now + HOUR });
    const claimed = await store.claimDueJobs({
      now,
      limit: 10,
      advance: oneMinuteLater(context),
      runs: countingClaim(claim, reads),
    });
    // Due at the same time: in the order of their ids.
    expect(claimed.map(({ job, refused }) => [job.id, refused])).toEqual([
      ['busy', true],
      ['free-1', false],
      ['free-2', false],
    ]);
    // Read once, for the one script that wrote them.
    expect(reads.count).toBe(1);
    const busy = await store.ledger.getRuns({ jobId: 'busy', limit: 10 });
    expect(busy.map((row) => [row.id, row.outcome])).toEqual([
      [`scheduler-a/busy/${now - 1}`, 'skipped'],
      ['other/busy', null],
    ]);
    for (const id of ['free-1', 'free-2']) {
      const [row] = await store.ledger.getRuns({ jobId: id, limit: 10 });
      expect([row?.id, row?.outcome]).toEqual([`scheduler-a/${id}/${now - 1}`, null]);
    }
    // Each job was advanced once: its successor is a minute later.
    for (const id of ['free-1', 'busy', 'free-2']) {
      expect(await redis.zscore(`${keyPrefix}run_times`, id)).toBe(String(now - 1 + 60_000));
    }
  });

  it('claims a refused job again with its compare-and-set: one moved meanwhile is lost', async () => {
    keyPrefix = uniquePrefix('refused-race');
    const context = new TestStoreContext();
    const now = context.clock.now();
    // The store's own connection: a command sent on it runs before the store's next script.
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const store = new RedisJobStore({ client, keyPrefix });
      await store.start(context, 'default');
      started.push(store);
      await store.addJob(context.job({ id: 'busy', nextRunTime: now - 1 }));
      const holder = runRow({
        id: 'other/busy',
        jobId: 'busy',
        scheduledRunTime: now - HOUR,
        leaseUntil: now + HOUR,
      });
      await store.ledger.open({ rows: [holder], refused: [], maxInstances: 1 }, now);
      const claim = runClaim(context, { leaseUntil: now + HOUR });
      // Between the two scripts (when the refused rows are read) someone moves the job.
      const moved = { count: 0 };
      const racing: RunClaim = {
        open: (job) => {
          const opening = claim.open(job);
          return {
            rows: opening.rows,
            maxInstances: opening.maxInstances,
            get refused(): readonly RunRow[] {
              moved.count += 1;
              void client.zadd(`${keyPrefix}run_times`, now + HOUR, 'busy');
              return opening.refused;
            },
          };
        },
      };
      const claimed = await store.claimDueJobs({
        now,
        limit: 10,
        advance: oneMinuteLater(context),
        runs: racing,
      });
      expect(moved.count).toBe(1);
      expect(claimed).toEqual([]);
      expect(await redis.zscore(`${keyPrefix}run_times`, 'busy')).toBe(String(now + HOUR));
      const rows = await store.ledger.getRuns({ jobId: 'busy', limit: 10 });
      expect(rows.map((row) => row.id)).toEqual(['other/busy']);
    } finally {
      for (const store of started.splice(0)) await store.shutdown();
      await client.quit();
    }
  });

  it('opens runJob runs without reading the refused rows while a slot is free', async () => {
    keyPrefix = uniquePrefix('refused-open');
    const context = new TestStoreContext();
    const now = context.clock.now();
    const store = await startStore(context);
    const reads = { count: 0 };
    const first = runRow({ id: 'r1', jobId: 'a', leaseUntil: now + HOUR });
    const second = runRow({ id: 'r2', jobId: 'a', leaseUntil: now + HOUR });
    const refusal = (row: RunRow): RunRow => ({ ...row, outcome: 'skipped', leaseUntil: null });
    const opening = (row: RunRow): RunOpening =>
      counted({ rows: [row], refused: [refusal(row)], maxInstances: 1 }, reads);
    expect(await store.ledger.open(opening(first), now)).toBe(true);
    expect(reads.count).toBe(0);
    expect(await store.ledger.open(opening(second), now)).toBe(false);
    expect(reads.count).toBe(1);
    const rows = await store.ledger.getRuns({ jobId: 'a', limit: 10 });
    expect(rows.map((row) => [row.id, row.outcome])).toEqual([
      ['r2', 'skipped'],
      ['r1', null],
    ]);
  });
});
