import { TestStoreContext } from '@kairos/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore, SCHEMA_VERSION } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

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

  it('records schema version 1 in <prefix>meta at the first start', async () => {
    keyPrefix = uniquePrefix('schema-new');
    expect(SCHEMA_VERSION).toBe(1);
    expect(await redis.exists(`${keyPrefix}meta`)).toBe(0);
    await store().start(new TestStoreContext(), 'default');
    expect(await redis.hgetall(`${keyPrefix}meta`)).toEqual({ schema_version: '1' });
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
    expect(await redis.hget(`${keyPrefix}meta`, 'schema_version')).toBe('1');
  });

  it('refuses to start on a newer schema version, saying what to do', async () => {
    keyPrefix = uniquePrefix('schema-newer');
    await redis.hset(`${keyPrefix}meta`, 'schema_version', '2');
    const created = store();
    await expect(created.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /records schema version 2, newer than version 1 that this @kairos\/store-redis knows; upgrade/,
    );
    // Nothing was overwritten.
    expect(await redis.hget(`${keyPrefix}meta`, 'schema_version')).toBe('2');
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
});
