/**
 * The connection of {@link SQLiteJobStore}: opening the database file with the settings a shared
 * job store needs, and explaining, as a JobStoreError naming the store, the file and the option,
 * why SQLite cannot use a file. SQLite opens files lazily, so a file that is not a database
 * fails in the first statements (the pragmas, the schema), not when it is opened: each of these
 * steps runs through {@link opening}.
 */
import { statSync } from 'node:fs';
import { JobStoreError } from '@kairos/core';
import Database, { type Database as Connection } from 'better-sqlite3';
import type { DatabaseSource } from './options.js';
import { quote } from './quote.js';

/** Why SQLite cannot use a file and what to do about it, as a message says them. */
interface Diagnosis {
  readonly cause: string;
  readonly advice: string;
}

/**
 * SQLite's errors that are about the lock of a file another connection holds, not about the file:
 * they stay as they are (SQLITE_BUSY after `busyTimeout`, as for every other call).
 */
const LOCK_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/** A connection as error messages name it: its file, or that it is in memory. */
export function describe(database: Connection): string {
  return database.memory ? 'in memory' : quote(database.name);
}

/**
 * Opens the database a store uses, with the settings a shared job store needs: WAL, and the
 * `synchronous` of the options. A connection it was given is used as it is.
 * @param where names the store, e.g. `SQLiteJobStore 'default'`
 * @throws JobStoreError when the file cannot be opened or is not a SQLite database, or when the
 *   given connection is closed
 */
export function openDatabase(
  source: DatabaseSource,
  where: string,
): { database: Connection; owned: boolean } {
  if (source.kind === 'given') {
    if (!source.database.open) {
      throw new JobStoreError(
        `${where}: the database given in option 'database' (${describe(source.database)}) is ` +
          `closed; pass an open connection`,
      );
    }
    return { database: source.database, owned: false };
  }
  let database: Connection;
  try {
    database = new Database(source.path, { timeout: source.busyTimeoutMs });
  } catch (error) {
    throw unusableFile(source, where, error);
  }
  try {
    opening(source, where, () => {
      // WAL: readers never wait for the writer, and a commit appends to one file. With NORMAL a
      // commit is synced at the next checkpoint rather than at once (see the option).
      switchToWal(database, source, where);
      database.pragma(`synchronous = ${source.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    });
  } catch (error) {
    database.close();
    throw error;
  }
  return { database, owned: true };
}

/**
 * Switches a file to WAL, waiting up to `busyTimeout` for other connections. SQLite does not
 * call its busy handler for this switch when another connection holds the write lock (its
 * own read transaction would deadlock with it), and fails at once with SQLITE_BUSY: two
 * processes opening a new file together would see one of them fail. So the switch is tried
 * again, a few milliseconds apart, until the budget is spent. On a file already in WAL mode it
 * takes no write lock and succeeds at the first try.
 * @throws JobStoreError when the lock is still held after `busyTimeout`
 */
function switchToWal(
  database: Connection,
  source: Extract<DatabaseSource, { kind: 'path' }>,
  where: string,
): void {
  const deadline = Date.now() + source.busyTimeoutMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!(error instanceof Database.SqliteError) || !LOCK_CODES.has(error.code)) throw error;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new JobStoreError(
          `${where}: cannot switch the database file ${quote(source.path)} (option 'path') to ` +
            `WAL mode: another connection held its lock for longer than option 'busyTimeout' ` +
            `(${source.busyTimeoutMs / 1000} s) (${error.message}); close the program that ` +
            `holds it, or give a longer busyTimeout`,
          { cause: error },
        );
      }
      sleepSync(Math.min(pause, left));
    }
  }
}

/** Blocks this thread for `ms` milliseconds, as SQLite's own busy handler does. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs one of the first steps on a database (its pragmas, its schema); an error of SQLite's
 * saying it cannot use the file becomes a JobStoreError naming the store, the file and the
 * option, with the cause in words and what to do, and SQLite's error as `cause`. Errors of the
 * step's own (a JobStoreError, a SchemaVersionError) and lock timeouts pass through.
 * @param where names the store, e.g. `SQLiteJobStore 'default'`
 */
export function opening<T>(source: DatabaseSource, where: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof Database.SqliteError) || LOCK_CODES.has(error.code)) throw error;
    throw unusableFile(source, where, error);
  }
}

/** The store's file is no longer the one it opened (see {@link fileCheck}). */
export class FileGoneError extends JobStoreError {
  constructor(message: string) {
    super(message);
    this.name = 'FileGoneError';
  }
}

/**
 * What the store's poll checks of the file it opened: that it is still there under its path,
 * the same file (not deleted, nor replaced by another). Deleted, it lives on, unlinked, until
 * the store closes it, and every job written meanwhile is lost then.
 * @throws FileGoneError saying what happened and what to do
 */
export function fileCheck(source: DatabaseSource, where: string): () => void {
  if (source.kind !== 'path') return () => undefined;
  const opened = statSync(source.path, { throwIfNoEntry: false });
  if (opened === undefined) return () => undefined;
  return () => {
    const now = statSync(source.path, { throwIfNoEntry: false });
    if (now !== undefined && now.ino === opened.ino && now.dev === opened.dev) return;
    throw new FileGoneError(
      `${where}: the database file ${quote(source.path)} was ${now === undefined ? 'deleted' : 'replaced by another file'} ` +
        `while the store has it open: what it writes goes to a file no other process sees and ` +
        `is lost when the store closes it. Put the file back (or stop the scheduler and ` +
        `start it on the file there is now)`,
    );
  };
}

/**
 * The error of a call on a started store, in Kairos's words when SQLite says the database is
 * locked (for longer than `busyTimeout`) or cannot be used any more (read-only, disk full, I/O
 * error…): a JobStoreError naming the store, the file and what to do, SQLite's error as
 * `cause`. Other errors as they are.
 * @param where names the store, e.g. `SQLiteJobStore 'default'`
 */
export function failedCall(source: DatabaseSource, where: string, error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const file = databaseOf(source);
  if (LOCK_CODES.has(error.code)) {
    const waited =
      source.kind === 'path'
        ? ` for longer than option 'busyTimeout' (${source.busyTimeoutMs / 1000} s)`
        : '';
    return new JobStoreError(
      `${where}: ${file} is locked: another connection held its write lock${waited} ` +
        `(${error.message}); nothing was written: retry later, or find the program that ` +
        `holds the lock (a long transaction, an open sqlite3 shell)`,
      { cause: error },
    );
  }
  if (PRIMARY_DIAGNOSES[primaryCode(error)] === undefined) return error;
  return new JobStoreError(`${where}: ${file} cannot be used: ${explain(error)}`, {
    cause: error,
  });
}

/** The JobStoreError saying why SQLite cannot use the store's file, and what to do. */
function unusableFile(source: DatabaseSource, where: string, error: unknown): JobStoreError {
  const message = error instanceof Error ? error.message : String(error);
  const file =
    source.kind === 'path'
      ? `cannot open ${databaseOf(source)} (option 'path')`
      : `${databaseOf(source)} cannot be used`;
  // better-sqlite3 checks the directory itself, with an error that says so in words.
  const explained =
    error instanceof Database.SqliteError
      ? explain(error)
      : `${message}; check that its directory exists and is writable`;
  return new JobStoreError(`${where}: ${file}: ${explained}`, { cause: error });
}

/** The store's database as messages name it: its file, or the connection it was given. */
function databaseOf(source: DatabaseSource): string {
  return source.kind === 'path'
    ? `the database file ${quote(source.path)}`
    : `the database given in option 'database' (${describe(source.database)})`;
}

/**
 * The primary result code of a SQLite error: extended codes (SQLITE_IOERR_FSYNC,
 * SQLITE_READONLY_DIRECTORY…) share their primary's meaning.
 */
function primaryCode(error: InstanceType<typeof Database.SqliteError>): string {
  return /^SQLITE_[A-Z]+/.exec(error.code)?.[0] ?? error.code;
}

/** A SQLite error about a file, in words: the cause (SQLite's message), then what to do. */
function explain(error: InstanceType<typeof Database.SqliteError>): string {
  const { cause, advice } = PRIMARY_DIAGNOSES[primaryCode(error)] ?? {
    cause: `SQLite failed with ${error.code}`,
    advice: 'check that the path names a SQLite database this process can read and write',
  };
  return `${cause} (${error.message}); ${advice}`;
}

/** What SQLite's primary result codes mean for a file a store opens. */
const PRIMARY_DIAGNOSES: Readonly<Record<string, Diagnosis>> = {
  SQLITE_NOTADB: {
    cause: 'it is not a SQLite database',
    advice:
      'give the path of a SQLite database, or of a file that does not exist yet (the store ' +
      'creates it)',
  },
  SQLITE_CORRUPT: {
    cause: 'the file is corrupt',
    advice:
      "restore it from a backup, or recover what is left with the sqlite3 shell's .recover " +
      'into a new file',
  },
  SQLITE_CANTOPEN: {
    cause: 'SQLite cannot open or create it, or its -wal and -shm files next to it',
    advice: 'check that the path names a regular file in a directory this process can write',
  },
  SQLITE_READONLY: {
    cause: 'the file or its directory is read-only',
    advice:
      'give a path this process can write (in WAL mode SQLite also writes -wal and -shm ' +
      'files next to it)',
  },
  SQLITE_PERM: {
    cause: 'access to the file is denied',
    advice: "check the file's permissions and owner",
  },
  SQLITE_IOERR: {
    cause: 'a disk I/O error',
    advice:
      'check the disk and the file system (WAL mode needs shared memory, which network file ' +
      'systems do not provide), and that the path names a regular file',
  },
  SQLITE_FULL: {
    cause: 'the disk is full',
    advice: 'free some space on it, or give a path on another disk',
  },
};
