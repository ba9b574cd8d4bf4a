/**
 * The job store conformance suite, in the manner of keyv's test-suite: one call registers the
 * tests every Kairos job store must pass. The built-in stores run it; a third-party store can
 * too:
 *
 * ```ts
 * import { runJobStoreConformance } from '@kairos/testkit';
 * runJobStoreConformance({ name: 'MyStore', createStore: () => new MyStore(url), shared: true, persistent: true });
 * ```
 */
import type { JobStore } from '@kairos/core';
import { afterEach, beforeEach, describe } from 'vitest';
import { TestStoreContext } from '../context.js';
import { TestkitUsageError } from '../errors.js';
import { defineAddJobsTests } from './add-jobs.js';
import { defineClaimTests } from './claims.js';
import { defineCrudTests } from './crud.js';
import { defineLedgerTests } from './ledger.js';
import { defineOrderingTests } from './ordering.js';
import { definePersistenceTests } from './persistence.js';
import { defineRoundTripTests } from './round-trip.js';
import { defineUnrestorableTests } from './unrestorable.js';
import { defineWakeupTests } from './wakeups.js';

/** How to run the conformance suite on a store. */
export interface ConformanceOptions {
  /** Names the suite in the test report. */
  readonly name: string;
  /**
   * A new store instance, not started. With `shared`, every instance works on the same storage
   * (the same file, database or key prefix): the suite empties it with `removeAllJobs()` before
   * each test and shuts every instance down after it.
   */
  createStore(): JobStore | Promise<JobStore>;
  /** Whether instances from `createStore` share their jobs (false for in-memory stores). */
  readonly shared: boolean;
  /**
   * Whether jobs are serialised (persistent stores): function tasks without a registered name
   * and arguments JSON cannot hold must be refused, and jobs whose task cannot be restored kept.
   */
  readonly persistent: boolean;
  /**
   * Whether a job added through one instance wakes another instance's scheduler, and within
   * how long. False for stores that do not notify other processes.
   */
  readonly wakeups: false | { readonly withinMs: number };
  /**
   * Persistent stores: writes one stored job as it is, bypassing the store, in the storage the
   * instances share (`document` is the stored JSON text, `nextRunTime` the indexed copy in epoch
   * ms). The suite uses it to store a corrupt document; those tests are skipped without it.
   */
  writeRawJob?(id: string, document: string, nextRunTime: number | null): Promise<void>;
}

/** A started store with its context, as a test gets it. */
export interface StartedStore {
  readonly store: JobStore;
  readonly context: TestStoreContext;
}

/** What each group of tests works with; valid inside `it` callbacks. */
export interface Harness {
  readonly options: ConformanceOptions;
  /** The store under test, started and empty. */
  readonly store: JobStore;
  /** The context the store was started with. */
  readonly context: TestStoreContext;
  /** Starts another instance (on the same storage when `shared`), shut down after the test. */
  another(context?: TestStoreContext): Promise<StartedStore>;
  /** Shuts a store down and starts it again with a fresh context (like a scheduler restart). */
  restart(store: JobStore, context?: TestStoreContext): Promise<TestStoreContext>;
}

/** Registers the conformance suite of one store with vitest. */
export function runJobStoreConformance(options: ConformanceOptions): void {
  describe(`${options.name} conformance`, () => {
    let started: JobStore[] = [];
    let current: StartedStore | undefined;

    const start = async (context = new TestStoreContext()): Promise<StartedStore> => {
      const store = await options.createStore();
      await store.start(context, context.alias);
      started.push(store);
      return { store, context };
    };

    const harness: Harness = {
      options,
      get store() {
        return started_().store;
      },
      get context() {
        return started_().context;
      },
      another: start,
      async restart(store, context = new TestStoreContext()) {
        await store.shutdown();
        await store.start(context, context.alias);
        return context;
      },
    };
    function started_(): StartedStore {
      if (current === undefined)
        throw new TestkitUsageError('the conformance harness is used outside a test');
      return current;
    }

    beforeEach(async () => {
      current = await start();
      await current.store.removeAllJobs();
      current.context.reported.length = 0;
      current.context.wakeups.length = 0;
    });

    afterEach(async () => {
      const stores = started;
      started = [];
      current = undefined;
      for (const store of stores) await store.shutdown();
    });

    defineCrudTests(harness);
    defineAddJobsTests(harness);
    defineOrderingTests(harness);
    defineRoundTripTests(harness);
    defineClaimTests(harness);
    defineLedgerTests(harness);
    if (options.persistent) defineUnrestorableTests(harness);
    if (options.shared) definePersistenceTests(harness);
    if (options.wakeups !== false) defineWakeupTests(harness, options.wakeups.withinMs);
  });
}
