/**
 * The `mongodb` job store alias, as the `kairos` package loads it from this package's
 * `kairosPlugin` export when a configuration names `{type: 'mongodb'}`.
 */
import type { ComponentPlugin, JobStore } from '@kairos/core';
import { MongoJobStore } from './mongodb-job-store.js';
import { mongoJobStoreOptions } from './options.js';

/** This package's plugins: the job store alias `mongodb`. */
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
