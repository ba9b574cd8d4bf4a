// The reference store passes the suite: the memory store, one instance, nothing serialised.
import { MemoryJobStore } from '@kairos/core';
import { runJobStoreConformance } from '../src/index.js';

runJobStoreConformance({
  name: 'MemoryJobStore',
  createStore: () => new MemoryJobStore(),
  shared: false,
  persistent: false,
  wakeups: false,
});

// With a run history (`maxRuns`): the ledger tests run too.
runJobStoreConformance({
  name: 'MemoryJobStore with maxRuns',
  createStore: () => new MemoryJobStore({ maxRuns: 1_000_000 }),
  shared: false,
  persistent: false,
  wakeups: false,
});
