/** The shared job store conformance suite, on one database file shared by every instance. */
import { runJobStoreConformance } from '@kairos/testkit';
import Database from 'better-sqlite3';
import { SQLiteJobStore } from '../src/index.js';
import { sqliteFixtures } from './sqlite-fixtures.js';

const path = sqliteFixtures().file('conformance');

runJobStoreConformance({
  name: 'SQLiteJobStore',
  createStore: () => new SQLiteJobStore({ path }),
  shared: true,
  persistent: true,
  // The default poll interval is 1 s.
  wakeups: { withinMs: 1500 },
  async writeRawJob(id, document, nextRunTime) {
    const database = new Database(path);
    try {
      database
        .prepare('INSERT INTO kairos_jobs (id, next_run_time, state) VALUES (?, ?, ?)')
        .run(id, nextRunTime, document);
    } finally {
      database.close();
    }
    return Promise.resolve();
  },
});
