/**
 * @kairos/store-sqlite: the Kairos job store on SQLite (better-sqlite3). Jobs persist in one
 * file; several scheduler processes on one machine may share it, and each due run fires once.
 */
export { sqliteJobStoreOptions, type SQLiteJobStoreOptions } from './options.js';
export { kairosPlugin } from './plugin.js';
export { SQLiteJobStore } from './sqlite-job-store.js';
