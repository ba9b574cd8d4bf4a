/**
 * `finishMany` in Redis: a batch of outcomes is one script call, each run a compare-and-set in
 * order, and each job of the batch trimmed once, its retention's "now" the newest finish time
 * of its runs in the batch.
 */
import { NO_HISTORY, type RunRow } from '@kairos/core';
import { finishedRow, runRow, TestStoreContext } from '@kairos/testkit';
import { Redis, type Command } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const BASE = Date.UTC(2030, 0, 1);

/** A connection that counts the scripts it sends (EVALSHA, and EVAL after a cache miss). */
function countingClient(): { client: Redis; scripts: () => number } {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let scripts = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command, ...rest) => {
    if (command.name === 'evalsha' || command.name === 'eval') scripts += 1;
    return send(command, ...rest);
  };
  return { client, scripts: () => scripts };
}

/** A run of `jobId` in flight, scheduled `minutes` after BASE. */
function flying(jobId: string, minutes: number): RunRow {
  return runRow({
    id: `${jobId}/${minutes}`,
    jobId,
    scheduledRunTime: BASE + minutes * MINUTE,
    leaseUntil: BASE + HOUR,
  });
}

describe.skipIf(!redisAvailable)('RedisJobStore finishMany', () => {
  let keyPrefix: string;
  let redis: Redis;
  const closing: (() => Promise<unknown>)[] = [];

  /** A started store on this test's prefix, on a connection that counts its scripts. */
  async function startStore(): Promise<{ store: RedisJobStore; scripts: () => number }> {
    const { client, scripts } = countingClient();
    const store = new RedisJobStore({ client, keyPrefix });
    await store.start(new TestStoreContext(), 'default');
    closing.push(
      () => store.shutdown(),
      () => client.quit(),
    );
    return { store, scripts };
  }

  /** Opens rows in flight (each its own slot). */
  async function open(store: RedisJobStore, rows: readonly RunRow[]): Promise<void> {
    for (const row of rows) {
      expect(await store.ledger.open({ rows: [row], refused: [], maxInstances: 1e6 }, BASE)).toBe(
        true,
      );
    }
  }

  /** The ids of a job's runs, newest first. */
  async function runIdsOf(store: RedisJobStore, jobId: string): Promise<string[]> {
    return (await store.ledger.getRuns({ jobId, limit: 1000 })).map((row) => row.id);
  }

  beforeAll(() => {
    redis = inspector();
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
    await deleteKeys(redis, keyPrefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('records 500 outcomes of several jobs in one script, trimming each job to keep', async () => {
    keyPrefix = uniquePrefix('finish-many-batch');
    const { store, scripts } = await startStore();
    const jobs = ['a', 'b', 'c', 'd', 'e'];
    const rows = jobs.flatMap((jobId) => Array.from({ length: 100 }, (_, i) => flying(jobId, i)));
    await open(store, rows);
    // One run of `a`, older than all, stays in flight: trimming never touches it.
    const stays = flying('a', -10);
    await open(store, [stays]);
    const ended = rows.map((row) => finishedRow(row, 'executed', row.scheduledRunTime + 1));
    const before = scripts();
    const recorded = await store.ledger.finishMany?.(ended, { keep: 3, maxAge: 86_400 });
    expect(scripts() - before).toBe(1);
    expect(recorded).toEqual(ended.map(() => true));
    expect(await runIdsOf(store, 'a')).toEqual(['a/99', 'a/98', 'a/97', 'a/-10']);
    for (const jobId of jobs.slice(1)) {
      expect(await runIdsOf(store, jobId)).toEqual([`${jobId}/99`, `${jobId}/98`, `${jobId}/97`]);
    }
    expect(await redis.hlen(`${keyPrefix}runs`)).toBe(jobs.length * 3 + 1);
    expect(await redis.zcard(`${keyPrefix}runs:all`)).toBe(jobs.length * 3 + 1);
    expect(await redis.zrange(`${keyPrefix}runs:leases`, 0, -1)).toEqual([stays.id]);
    expect((await store.ledger.getRuns({ jobId: 'b', limit: 1 }))[0]).toEqual(ended[199]);
  });

  it('records a run given twice once, and nothing of a run another scheduler ended', async () => {
    keyPrefix = uniquePrefix('finish-many-cas');
    const { store } = await startStore();
    const first = flying('a', 1);
    const second = flying('a', 2);
    await open(store, [first, second]);
    expect(await store.ledger.finish(finishedRow(second, 'error', BASE + 3 * MINUTE), null)).toBe(
      true,
    );
    const once = finishedRow(first, 'executed', BASE + 2 * MINUTE);
    const batch = [
      once,
      finishedRow(first, 'error', BASE + 4 * MINUTE),
      finishedRow(second, 'executed', BASE + 5 * MINUTE),
    ];
    expect(await store.ledger.finishMany?.(batch, null)).toEqual([true, false, false]);
    const stored = await store.ledger.getRuns({ jobId: 'a', limit: 10 });
    expect(stored.map((row) => [row.id, row.outcome])).toEqual([
      ['a/2', 'error'],
      ['a/1', 'executed'],
    ]);
    expect(stored[1]).toEqual(once);
  });

  it('trims a job by the newest finish time of its runs in the batch, wherever it is', async () => {
    keyPrefix = uniquePrefix('finish-many-age');
    const { store } = await startStore();
    const early = flying('a', 0);
    const middle = flying('a', 30);
    const late = flying('a', 60);
    await open(store, [early, middle, late]);
    // maxAge one hour: runs scheduled before (newest finish - 1 h) go. The newest finish comes
    // first in the batch; the last row's own finish would keep every run.
    const batch = [
      finishedRow(late, 'executed', BASE + 100 * MINUTE),
      finishedRow(middle, 'executed', BASE + 31 * MINUTE),
      finishedRow(early, 'executed', BASE + MINUTE),
    ];
    expect(await store.ledger.finishMany?.(batch, { keep: 10, maxAge: 3600 })).toEqual([
      true,
      true,
      true,
    ]);
    expect(await runIdsOf(store, 'a')).toEqual(['a/60']);
  });

  it('without history deletes what it records and the older finished runs of those jobs only', async () => {
    keyPrefix = uniquePrefix('finish-many-no-history');
    const { store } = await startStore();
    const kept = flying('a', 0);
    const older = flying('b', 0);
    const done = flying('b', 1);
    const next = flying('b', 2);
    await open(store, [kept, older, done, next]);
    // Recorded while history was on: `a`'s and `b`'s older runs.
    for (const row of [kept, older]) {
      expect(await store.ledger.finish(finishedRow(row, 'executed', BASE + 1), null)).toBe(true);
    }
    // `a`'s run is recorded already (false): `a` is not trimmed, despite keep 0.
    const batch = [finishedRow(kept, 'error', BASE + 2), finishedRow(done, 'executed', BASE + 2)];
    expect(await store.ledger.finishMany?.(batch, { keep: 0, maxAge: 0 })).toEqual([false, true]);
    expect(await runIdsOf(store, 'a')).toEqual(['a/0']);
    // `b` keeps only its run in flight.
    expect(await runIdsOf(store, 'b')).toEqual(['b/2']);
    expect((await redis.hkeys(`${keyPrefix}runs`)).sort()).toEqual(['a/0', 'b/2']);
    expect(await redis.zcard(`${keyPrefix}runs:all`)).toBe(2);
    expect(
      await store.ledger.finishMany?.([finishedRow(next, 'executed', BASE + 3)], NO_HISTORY),
    ).toEqual([true]);
    expect(await redis.exists(`${keyPrefix}runs:job:b`, `${keyPrefix}runs:inflight:b`)).toBe(0);
    expect(await redis.smembers(`${keyPrefix}runs:jobs`)).toEqual(['a']);
    expect(await redis.hkeys(`${keyPrefix}runs`)).toEqual(['a/0']);
  });
});
