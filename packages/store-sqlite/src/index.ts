/**
 * @kairos/store-sqlite: the Kairos job store on SQLite (better-sqlite3). Jobs persist in one
 * file; several scheduler processes on one machine may share it, and each due run fires once.
 * The `kairos` package loads it for the job store alias `sqlite`.
 */
import type { ComponentPlugin, JobStore } from '@kairos/core';
import { sqliteJobStoreOptions } from './options.js';
import { SQLiteJobStore } from './store.js';

export { sqliteJobStoreOptions, type SQLiteJobStoreOptions } from './options.js';
export { SQLiteJobStore } from './store.js';
export type { SQLiteRunLedger } from './ledger.js';

/**
 * What `kairos` reads to build this package's components: the job store alias `sqlite`, e.g.
 * `{ jobstores: { default: { type: 'sqlite', path: 'var/jobs.sqlite' } } }`.
 */
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
