/**
 * @kairos/store-mongodb: the Kairos job store on MongoDB (the official `mongodb` driver). One
 * document per job; several schedulers, in several processes, may share the collection and each
 * due run fires once (compare-and-set claims); adding a job through one scheduler wakes the
 * others (change streams, or polling on a standalone server). Its run ledger keeps leases, the
 * cluster-wide `maxInstances` count and the run history in collections beside the jobs. The
 * `kairos` package loads it for the job store alias `mongodb`.
 */
import type { ComponentPlugin, JobStore } from '@kairos/core';
import { mongoJobStoreOptions } from './options.js';
import { MongoJobStore } from './store.js';

export { mongoJobStoreOptions, type MongoJobStoreOptions } from './options.js';
export { MongoJobStore } from './store.js';

/**
 * What `kairos` reads to build this package's components: the job store alias `mongodb`, e.g.
 * `{ jobstores: { default: { type: 'mongodb', url: 'mongodb://…', database: 'app' } } }`.
 */
export const kairosPlugin: {
  readonly jobstores: { readonly mongodb: ComponentPlugin<JobStore> };
} = {
  jobstores: {
    mongodb: {
      options: mongoJobStoreOptions,
      // The constructor parses the options again: the plugin may be called with unparsed ones.
      create: (options) => new MongoJobStore(options),
    },
  },
};
