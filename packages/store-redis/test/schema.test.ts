import { readFileSync } from 'node:fs';
import { runRow, TestStoreContext } from '@kairos/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore, SCHEMA_VERSION } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

/** What `integration/fixtures/schema-v1/capture.mjs` wrote: each key with its type and value. */
type Fixture = Record<string, { type: string; value: unknown }>;

const FIXTURE_PREFIX = 'kairos-v1-fixture:';
const fixture = JSON.parse(
  readFileSync(
    new URL('../../../integration/fixtures/schema-v1/store-redis.json', import.meta.url),
    'utf8',
  ),
) as Fixture;

describe.skipIf(!redisAvailable)('RedisJobStore schema', () => {
  let redis: Redis;
  let keyPrefix: string;
  const stores: RedisJobStore[] = [];

  /** A store on this test's key prefix, not started. */
  function store(): RedisJobStore {
    const created = new RedisJobStore({ url: REDIS_URL, keyPrefix });
    stores.push(created);
    return created;
  }

  /** Writes the version-1 fixture's keys under this test's prefix, each with its type. */
  async function loadFixture(): Promise<void> {
    for (const [name, { type, value }] of Object.entries(fixture)) {
      const key = keyPrefix + name.slice(FIXTURE_PREFIX.length);
      expect(['hash', 'zset'], `the type of the fixture's key ${name}`).toContain(type);
      if (type === 'hash') await redis.hset(key, value as Record<string, string>);
      const flat = type === 'zset' ? (value as string[]) : [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        await redis.zadd(key, flat[i + 1] ?? '', flat[i] ?? '');
      }
    }
  }

  beforeAll(() => {
    redis = inspector();
  });
  afterEach(async () => {
    for (const created of stores.splice(0)) await created.shutdown();
    await deleteKeys(redis, keyPrefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('records schema version 2 in <prefix>meta at the first start', async () => {
    keyPrefix = uniquePrefix('schema-new');
    expect(SCHEMA_VERSION).toBe(2);
    expect(await redis.exists(`${keyPrefix}meta`)).toBe(0);
    await store().start(new TestStoreContext(), 'default');
    expect(await redis.hgetall(`${keyPrefix}meta`)).toEqual({ schema_version: '2' });
  });

  it('starts again on existing keys and keeps the jobs', async () => {
    keyPrefix = uniquePrefix('schema-again');
    const context = new TestStoreContext();
    const first = store();
    await first.start(context, 'default');
    await first.addJob(context.job({ id: 'kept' }));
    await first.shutdown();
    await first.start(context, 'default');
    const second = store();
    await second.start(new TestStoreContext(), 'default');
    expect((await first.lookupJob('kept'))?.id).toBe('kept');
    expect((await second.lookupJob('kept'))?.id).toBe('kept');
    expect(await redis.hget(`${keyPrefix}meta`, 'schema_version')).toBe('2');
  });

  it('migrates a store the version-1 code wrote, keeping its jobs as they were', async () => {
    keyPrefix = uniquePrefix('schema-v1');
    await loadFixture();
    const jobsBefore = await redis.hgetall(`${keyPrefix}jobs`);
    const timesBefore = await redis.zrange(`${keyPrefix}run_times`, 0, -1, 'WITHSCORES');
    expect(await redis.hget(`${keyPrefix}meta`, 'schema_version')).toBe('1');

    const context = new TestStoreContext();
    const migrated = store();
    await migrated.start(context, 'default');
    expect(await redis.hget(`${keyPrefix}meta`, 'schema_version')).toBe('2');
    expect(await redis.hgetall(`${keyPrefix}jobs`)).toEqual(jobsBefore);
    expect(await redis.zrange(`${keyPrefix}run_times`, 0, -1, 'WITHSCORES')).toEqual(timesBefore);
    const jobs = await migrated.getAllJobs();
    expect(jobs.map((job) => [job.id, job.name, job.nextRunTimeMs])).toEqual([
      ['every-five', 'Every five', 1796598600000],
      ['new-year', 'tick', 1924992000000],
      ['hourly', 'tick', null],
    ]);
    expect(jobs[1]?.args).toEqual([2031]);
    expect(context.reported).toEqual([]);

    // The ledger works on the migrated store, and a second start finds version 2.
    const [job] = jobs;
    if (job === undefined) return;
    const now = context.clock.now();
    const run = runRow({ id: 'node-1/every-five/1', jobId: job.id, leaseUntil: now + 60_000 });
    expect(await migrated.ledger.open({ rows: [run], refused: [], maxInstances: 1 }, now)).toBe(
      true,
    );
    await migrated.shutdown();
    await migrated.start(context, 'default');
    expect((await migrated.ledger.lastRuns([job.id])).get(job.id)).toEqual(run);
  });

  it('migrates once when several processes start on a version-1 store together', async () => {
    keyPrefix = uniquePrefix('schema-v1-race');
    await loadFixture();
    await Promise.all(
      Array.from({ length: 4 }, () => store().start(new TestStoreContext(), 'default')),
    );
    expect(await redis.hget(`${keyPrefix}meta`, 'schema_version')).toBe('2');
    expect(await redis.hlen(`${keyPrefix}jobs`)).toBe(3);
  });

  it('refuses to start on a newer schema version, saying what to do', async () => {
    keyPrefix = uniquePrefix('schema-newer');
    await redis.hset(`${keyPrefix}meta`, 'schema_version', '3');
    const created = store();
    await expect(created.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /records schema version 3, newer than version 2 that this @kairos\/store-redis knows; upgrade/,
    );
    // Nothing was overwritten.
    expect(await redis.hget(`${keyPrefix}meta`, 'schema_version')).toBe('3');
    await expect(created.lookupJob('a')).rejects.toThrow(/not started/);
  });

  it('refuses a schema version that is not a number', async () => {
    keyPrefix = uniquePrefix('schema-garbage');
    await redis.hset(`${keyPrefix}meta`, 'schema_version', 'banana');
    await expect(store().start(new TestStoreContext(), 'default')).rejects.toThrow(
      /field schema_version records schema version 'banana', which @kairos\/store-redis never writes/,
    );
  });

  it('refuses keys of another type, naming the key', async () => {
    keyPrefix = uniquePrefix('schema-type');
    await redis.set(`${keyPrefix}jobs`, 'someone else');
    await expect(store().start(new TestStoreContext(), 'default')).rejects.toThrow(
      new RegExp(`key '${keyPrefix}jobs' holds a string, not a hash; .*keyPrefix`),
    );
  });

  it('refuses a ledger key of another type before migrating a version-1 store', async () => {
    keyPrefix = uniquePrefix('schema-ledger-type');
    await loadFixture();
    await redis.set(`${keyPrefix}runs:all`, 'someone else');
    await expect(store().start(new TestStoreContext(), 'default')).rejects.toThrow(
      new RegExp(`key '${keyPrefix}runs:all' holds a string, not a zset`),
    );
    expect(await redis.hget(`${keyPrefix}meta`, 'schema_version')).toBe('1');
  });
});
