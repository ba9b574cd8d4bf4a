/**
 * Opening the database at `start()`: a file SQLite cannot use (not a database, corrupt, not a
 * regular file) fails with a JobStoreError naming the store, the file and the option, the cause
 * in words and what to do, keeping SQLite's error as its `cause`, whether the failure comes
 * when opening the file, from its first pragmas or from the schema. A file another connection
 * holds the write lock of is waited for, up to `busyTimeout`, also while switching it to WAL.
 */
import { JobStoreError } from '@kairos/core';
import { TestStoreContext } from '@kairos/testkit';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SQLiteJobStore, type SQLiteJobStoreOptions } from '../src/index.js';
import { sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();

/** What `start()` rejects with, which must be a JobStoreError; the store is left stopped. */
async function startFailure(options: SQLiteJobStoreOptions): Promise<JobStoreError> {
  const store = new SQLiteJobStore({ pollInterval: 0, ...options });
  try {
    await store.start(new TestStoreContext(), 'default');
  } catch (error) {
    await expect(store.getAllJobs()).rejects.toThrow(/is not started/);
    if (error instanceof JobStoreError) return error;
    throw error;
  }
  await store.shutdown();
  throw new Error('start() succeeded');
}

/** SQLite's error code kept as the cause. */
function causeCode(error: JobStoreError): unknown {
  return (error.cause as { code?: unknown } | undefined)?.code;
}

/** A file with a valid SQLite header whose pages are overwritten with garbage. */
function corruptFile(): string {
  const file = fixtures.file('corrupt');
  const database = fixtures.connect(file);
  database.exec('CREATE TABLE filler (text TEXT)');
  const insert = database.prepare('INSERT INTO filler VALUES (?)');
  for (let i = 0; i < 100; i += 1) insert.run('x'.repeat(500));
  database.close();
  const bytes = fs.readFileSync(file);
  bytes.fill(0x41, 100, Math.min(bytes.length, 3 * 4096));
  fs.writeFileSync(file, bytes);
  return file;
}

describe('SQLiteJobStore start() on a file SQLite cannot use', () => {
  it('says a file is not a database, and leaves it as it was', async () => {
    const file = fixtures.file('text');
    fs.writeFileSync(file, 'x'.repeat(200));
    const error = await startFailure({ path: file });
    expect(error.message).toBe(
      `SQLiteJobStore 'default': cannot open the database file '${file}' (option 'path'): ` +
        `it is not a SQLite database (file is not a database); give the path of a SQLite ` +
        `database, or of a file that does not exist yet (the store creates it)`,
    );
    expect(causeCode(error)).toBe('SQLITE_NOTADB');
    expect(fs.readFileSync(file, 'utf8')).toBe('x'.repeat(200));
  });

  it('says a database file is corrupt', async () => {
    const file = corruptFile();
    const error = await startFailure({ path: file });
    expect(error.message).toMatch(
      /^SQLiteJobStore 'default': cannot open the database file '.*' \(option 'path'\): the file is corrupt \(database disk image is malformed\); restore it from a backup/,
    );
    expect(causeCode(error)).toBe('SQLITE_CORRUPT');
  });

  it.skipIf(!fs.existsSync('/proc/version'))(
    'says SQLite cannot open a file that is not a regular one',
    async () => {
      const error = await startFailure({ path: '/proc/version' });
      expect(error.message).toMatch(
        /^SQLiteJobStore 'default': cannot open the database file '\/proc\/version' \(option 'path'\): SQLite cannot open or create it, or its -wal and -shm files next to it \(unable to open database file\); check that the path names a regular file in a directory this process can write/,
      );
      expect(causeCode(error)).toBe('SQLITE_CANTOPEN');
    },
  );

  it('says the same of a directory, which SQLite refuses at once', async () => {
    const directory = fixtures.file('directory');
    fs.mkdirSync(directory);
    const error = await startFailure({ path: directory });
    expect(error.message).toMatch(/SQLite cannot open or create it/);
    expect(causeCode(error)).toBe('SQLITE_CANTOPEN');
  });

  it('names the option of a given connection on a file that is not a database', async () => {
    const file = fixtures.file('text');
    fs.writeFileSync(file, 'x'.repeat(200));
    const error = await startFailure({ database: fixtures.connect(file) });
    expect(error.message).toBe(
      `SQLiteJobStore 'default': the database given in option 'database' ('${file}') cannot ` +
        `be used: it is not a SQLite database (file is not a database); give the path of a ` +
        `SQLite database, or of a file that does not exist yet (the store creates it)`,
    );
    expect(causeCode(error)).toBe('SQLITE_NOTADB');
  });
});

/**
 * A worker thread holding the write lock of a new file in rollback-journal mode, as a process
 * switching it to WAL does, for `holdMs` milliseconds of its own clock (the store's start()
 * blocks the test's thread while it waits); then it commits and ends.
 */
const LOCK_HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const database = new Database(workerData.path);
database.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS filler (x)');
parentPort.postMessage('locked');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
database.exec('COMMIT');
database.close();
`;

/** Starts a {@link LOCK_HOLDER} on `path`; resolves once it holds the lock, with its end. */
async function holdLock(path: string, holdMs: number): Promise<{ ended: Promise<void> }> {
  const worker = new Worker(LOCK_HOLDER, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, holdMs },
  });
  const ended = new Promise<void>((resolve, reject) => {
    worker.once('exit', () => resolve());
    worker.once('error', reject);
  });
  await new Promise((resolve) => worker.once('message', resolve));
  return { ended };
}

describe('SQLiteJobStore start() while another connection holds the write lock', () => {
  // SQLite fails the switch to WAL at once in this case, without calling its busy handler.
  it('waits for it while switching the file to WAL, as when two processes start together', async () => {
    const file = fixtures.file();
    const holder = await holdLock(file, 150);
    const { store } = await fixtures.start({ path: file });
    await holder.ended;
    await store.addJob(new TestStoreContext().job({ id: 'a' }));
    expect(fixtures.connect(file).pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('says so, naming the file and busyTimeout, when it holds the lock for longer', async () => {
    const file = fixtures.file();
    const holder = await holdLock(file, 1_000);
    const started = Date.now();
    const error = await startFailure({ path: file, busyTimeout: 0.2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(error.message).toBe(
      `SQLiteJobStore 'default': cannot switch the database file '${file}' (option 'path') ` +
        `to WAL mode: another connection held its lock for longer than option 'busyTimeout' ` +
        `(0.2 s) (database is locked); close the program that holds it, or give a longer ` +
        `busyTimeout`,
    );
    expect(causeCode(error)).toBe('SQLITE_BUSY');
    await holder.ended;
  });
});
