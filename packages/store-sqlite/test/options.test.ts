/** Option validation: bad names and values fail at the constructor, naming the option. */
import { ConfigurationError, parseOptions } from '@kairos/core';
import { TestStoreContext } from '@kairos/testkit';
import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { kairosPlugin, SQLiteJobStore, type SQLiteJobStoreOptions } from '../src/index.js';
import { sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();

/** The error the constructor throws for these options. */
function constructorError(options: Record<string, unknown>): ConfigurationError {
  try {
    new SQLiteJobStore(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`new SQLiteJobStore(${JSON.stringify(options)}) did not throw`);
}

describe('SQLiteJobStore options', () => {
  it.each([
    ['1jobs', /not a plain SQL identifier/],
    ['kairos-jobs', /not a plain SQL identifier/],
    ['jobs"; DROP TABLE x; --', /not a plain SQL identifier/],
    ['', /not a plain SQL identifier/],
    ['sqlite_jobs', /SQLite reserves/],
    [42, /42 is not a table name/],
  ])('refuses the table name %j', (tableName, problem) => {
    const error = constructorError({ tableName });
    expect(error.key).toBe('SQLiteJobStore.tableName');
    expect(error.message).toMatch(problem);
    if (typeof tableName === 'string' && tableName !== '') {
      expect(error.message).toContain(`'${tableName}'`);
    }
  });

  it('accepts plain identifiers as table names', () => {
    for (const tableName of ['jobs', '_jobs', 'Jobs_2', 'SQLITEjobs']) {
      expect(new SQLiteJobStore({ tableName, path: ':memory:' }).tableName).toBe(tableName);
    }
  });

  it.each([
    [{ path: '' }, 'SQLiteJobStore.path', /empty path/],
    [{ path: 7 }, 'SQLiteJobStore.path', /7 is not a file path/],
    [{ busyTimeout: -1 }, 'SQLiteJobStore.busyTimeout', /-1 is not a number of seconds ≥ 0/],
    [{ busyTimeout: 'long' }, 'SQLiteJobStore.busyTimeout', /'long' is not a number of seconds/],
    [{ pollInterval: 'soon' }, 'SQLiteJobStore.pollInterval', /'soon' is not a number/],
    [{ synchronous: 'off' }, 'SQLiteJobStore.synchronous', /'off' is not 'normal' or 'full'/],
    [{ database: 'jobs.sqlite' }, 'SQLiteJobStore.database', /open better-sqlite3 Database/],
    [{ file: 'jobs.sqlite' }, 'SQLiteJobStore.file', /unknown key; allowed keys: path, /],
  ])('refuses %j', (options, key, problem) => {
    const error = constructorError(options);
    expect(error.key).toBe(key);
    expect(error.message).toMatch(problem);
  });

  it('sets synchronous on the file it opens: NORMAL by default, FULL when asked', async () => {
    const pragma = vi.spyOn(Database.prototype, 'pragma');
    try {
      for (const [synchronous, expected] of [
        [undefined, 'synchronous = NORMAL'],
        [' FULL ', 'synchronous = FULL'],
      ] as const) {
        pragma.mockClear();
        const store = new SQLiteJobStore({
          path: fixtures.file(),
          ...(synchronous === undefined ? {} : { synchronous }),
        } as SQLiteJobStoreOptions);
        await store.start(new TestStoreContext(), 'default');
        await store.shutdown();
        expect(pragma.mock.calls.map((call) => call[0])).toEqual(['journal_mode = WAL', expected]);
      }
    } finally {
      pragma.mockRestore();
    }
  });

  it('refuses path, busyTimeout or synchronous beside a given database', () => {
    const database = fixtures.connect(':memory:');
    expect(constructorError({ database, path: 'x.sqlite' }).key).toBe('SQLiteJobStore.path');
    const error = constructorError({ database, busyTimeout: 1 });
    expect(error.key).toBe('SQLiteJobStore.busyTimeout');
    expect(error.message).toMatch(/cannot be combined with 'database'/);
    const synchronous = constructorError({ database, synchronous: 'full' });
    expect(synchronous.key).toBe('SQLiteJobStore.synchronous');
  });

  it('takes the strings of flat configurations through the plugin schema', async () => {
    const schema = kairosPlugin.jobstores.sqlite.options;
    if (schema === undefined) throw new Error('the sqlite plugin has no options schema');
    const file = fixtures.file('plugin');
    const options = parseOptions(
      schema,
      { path: file, tableName: 'flat_jobs', busyTimeout: '2.5', pollInterval: '0' },
      'sqlite',
    );
    expect(options).toEqual({
      path: file,
      tableName: 'flat_jobs',
      busyTimeout: 2.5,
      pollInterval: 0,
    });
    const store = await kairosPlugin.jobstores.sqlite.create(options);
    expect(store).toBeInstanceOf(SQLiteJobStore);
    await store.start(new TestStoreContext(), 'default');
    await store.shutdown();
    const tables = fixtures
      .connect(file, { readonly: true })
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(['flat_jobs', 'flat_jobs_meta', 'flat_jobs_nodes', 'flat_jobs_runs']);
  });

  it('names the alias in errors of the plugin schema', () => {
    const schema = kairosPlugin.jobstores.sqlite.options;
    if (schema === undefined) throw new Error('the sqlite plugin has no options schema');
    expect(() => parseOptions(schema, { tableName: 'a b' }, 'sqlite')).toThrow(
      /^sqlite\.tableName: 'a b' is not a plain SQL identifier/,
    );
  });

  it('does not touch the file before start(), and start() names a path it cannot open', async () => {
    const missing = path.join(fixtures.file('dir'), 'no', 'such', 'jobs.sqlite');
    const store = new SQLiteJobStore({ path: missing });
    await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(
      `SQLiteJobStore 'default': cannot open the database file '${missing}' (option 'path')`,
    );
    // A failed start leaves the store stopped, not half started.
    await expect(store.getAllJobs()).rejects.toThrow(/is not started/);
  });
});
