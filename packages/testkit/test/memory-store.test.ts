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
