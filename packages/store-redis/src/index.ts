/**
 * @kairos/store-redis: a Kairos job store on Redis (ioredis). Jobs live in a hash, their next
 * run times in a sorted set; the fire step is one Lua compare-and-set per batch, so several
 * schedulers can share the store, and pub/sub wakes the other schedulers when a job is added.
 */
import type { ComponentPlugin, JobStore } from '@kairos/core';
import { redisJobStoreOptions } from './options.js';
import { RedisJobStore } from './store.js';

export { DEFAULT_KEY_PREFIX, DEFAULT_URL, redisJobStoreOptions } from './options.js';
export type { RedisJobStoreOptions } from './options.js';
export { SCHEMA_VERSION } from './layout.js';
export { RedisJobStore } from './store.js';

/**
 * What `kairos` loads from this package: the `redis` job store alias, so a configuration can say
 * `jobstores: {default: {type: 'redis', url: 'redis://…', keyPrefix: 'app:'}}`.
 */
export const kairosPlugin: { readonly jobstores: { readonly redis: ComponentPlugin<JobStore> } } = {
  jobstores: {
    redis: {
      options: redisJobStoreOptions,
      create: (options) => new RedisJobStore(options),
    },
  },
};
