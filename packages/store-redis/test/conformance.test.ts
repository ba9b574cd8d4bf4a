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
    async writeRawJob(id, document, nextRunTime) {
      const client = inspector();
      try {
        const write = client.multi().hset(`${keyPrefix}jobs`, id, document);
        if (nextRunTime !== null) write.zadd(`${keyPrefix}run_times`, nextRunTime, id);
        await write.exec();
      } finally {
        await client.quit();
      }
    },
  });
});
