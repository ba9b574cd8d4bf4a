/**
 * What the store tests open: database files in a temporary directory (removed after the test
 * file), started stores and raw connections (shut down and closed after each test).
 */
import type { JobStore } from '@kairos/core';
import { TestStoreContext } from '@kairos/testkit';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { SQLiteJobStore, type SQLiteJobStoreOptions } from '../src/index.js';

/** A started store and the context it was started with. */
export interface StartedStore {
  readonly store: SQLiteJobStore;
  readonly context: TestStoreContext;
}

/** The fixtures of one test file; see {@link sqliteFixtures}. */
export interface SQLiteFixtures {
  /** A new database path in the file's temporary directory. */
  file(name?: string): string;
  /** A started store (polling off unless the options say otherwise), shut down after the test. */
  start(options: SQLiteJobStoreOptions, context?: TestStoreContext): Promise<StartedStore>;
  /** A raw connection, to look at or tamper with what a store wrote; closed after the test. */
  connect(file: string, options?: Database.Options): Database.Database;
}

/** Registers the cleanup hooks of a test file and gives its fixtures. */
export function sqliteFixtures(): SQLiteFixtures {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-store-sqlite-'));
  const stores: SQLiteJobStore[] = [];
  const connections: Database.Database[] = [];
  let count = 0;
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.shutdown();
    for (const connection of connections.splice(0)) if (connection.open) connection.close();
  });
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
  return {
    file(name = 'jobs') {
      count += 1;
      return path.join(directory, `${name}-${count}.sqlite`);
    },
    async start(options, context = new TestStoreContext()) {
      const store = new SQLiteJobStore({ pollInterval: 0, ...options });
      await store.start(context, 'default');
      stores.push(store);
      return { store, context };
    },
    connect(file, options) {
      const connection = new Database(file, options);
      connections.push(connection);
      return connection;
    },
  };
}

/** The ids of the jobs due at `now` (next run time ≤ now), earliest first. */
export async function dueIds(store: JobStore, now: number): Promise<string[]> {
  const jobs = await store.getAllJobs();
  return jobs
    .filter((job) => job.nextRunTimeMs !== null && job.nextRunTimeMs <= now)
    .map((job) => job.id);
}
