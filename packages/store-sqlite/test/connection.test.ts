/**
 * Opening the database at `start()`: a file SQLite cannot use (not a database, corrupt, not a
 * regular file) fails with a JobStoreError naming the store, the file and the option, the cause
 * in words and what to do, keeping SQLite's error as its `cause`, whether the failure comes
 * when opening the file, from its first pragmas or from the schema.
 */
import { JobStoreError } from '@kairos/core';
import { TestStoreContext } from '@kairos/testkit';
import fs from 'node:fs';
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
