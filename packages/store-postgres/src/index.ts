/**
 * @kairos/store-postgres: a Kairos job store on PostgreSQL that several schedulers, in several
 * processes, can share. Each due run fires once (`FOR UPDATE SKIP LOCKED`), and adding a job
 * through one scheduler wakes the others (LISTEN/NOTIFY). The `kairos` package loads it for the
 * job store alias `postgres`.
 */
import type { ComponentPlugin, JobStore } from '@kairos/core';
import { postgresJobStoreOptions } from './options.js';
import { PostgresJobStore } from './store.js';

export { PostgresJobStore } from './store.js';
export {
  DEFAULT_POOL_SIZE,
  DEFAULT_SCHEMA,
  DEFAULT_TABLE_NAME,
  postgresJobStoreOptions,
  type PostgresJobStoreOptions,
} from './options.js';
export { SCHEMA_VERSION } from './schema.js';

/**
 * What `kairos` reads to build this package's components: the job store alias `postgres`,
 * e.g. `{ jobstores: { default: { type: 'postgres', connectionString: '…' } } }`.
 */
export const kairosPlugin: {
  readonly jobstores: { readonly postgres: ComponentPlugin<JobStore> };
} = {
  jobstores: {
    postgres: {
      options: postgresJobStoreOptions,
      create: (options) => new PostgresJobStore(options),
    },
  },
};
