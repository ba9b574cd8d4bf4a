/** The shared job store conformance suite, on one database file shared by every instance. */
import { runJobStoreConformance } from '@kairos/testkit';
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
});
