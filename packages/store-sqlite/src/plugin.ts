/**
 * The `sqlite` job store alias, as the `kairos` package loads it from this package's
 * `kairosPlugin` export when a configuration names `{type: 'sqlite'}`.
 */
import type { ComponentPlugin, JobStore } from '@kairos/core';
import { sqliteJobStoreOptions } from './options.js';
import { SQLiteJobStore } from './sqlite-job-store.js';

/** This package's plugins: the job store alias `sqlite`. */
export const kairosPlugin: {
  readonly jobstores: { readonly sqlite: ComponentPlugin<JobStore> };
} = {
  jobstores: {
    sqlite: {
      options: sqliteJobStoreOptions,
      // The constructor parses the options again: the plugin may be called with unparsed ones.
      create: (options) => new SQLiteJobStore(options),
    },
  },
};
