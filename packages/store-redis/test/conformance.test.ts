import { runJobStoreConformance } from '@kairos/testkit';
import { afterAll, describe } from 'vitest';
import { RedisJobStore } from '../src/index.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

const keyPrefix = uniquePrefix('conformance');

describe.skipIf(!redisAvailable)('RedisJobStore on a server', () => {
  afterAll(async () => {
    const client = inspector();
    await deleteKeys(client, keyPrefix);
    await client.quit();
  });

  runJobStoreConformance({
    name: 'RedisJobStore',
    createStore: () => new RedisJobStore({ url: REDIS_URL, keyPrefix }),
    shared: true,
    persistent: true,
    wakeups: { withinMs: 1500 },
  });
});
