/**
 * The options of {@link SQLiteJobStore}: their schema (as configuration dictionaries deliver
 * them, strings included), their defaults, and their resolution into the settings a store runs
 * with.
 */
import { ConfigurationError, MAX_TIMER_MS, parseOptions, seconds } from '@kairos/core';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { quote } from './quote.js';

/** The database file used when neither `path` nor `database` is given. */
export const DEFAULT_PATH = 'kairos.sqlite';
/** The jobs table used when `tableName` is not given. */
export const DEFAULT_TABLE_NAME = 'kairos_jobs';
/** Seconds a write waits for another connection's lock before failing with SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT = 5;
/** How hard a commit is pushed to disk when the store opens the file. */
export const DEFAULT_SYNCHRONOUS = 'normal';
/** Seconds between two checks for commits made by other connections. */
export const DEFAULT_POLL_INTERVAL = 1;

/** Options of {@link SQLiteJobStore}. */
// A type alias, not an interface, so that it is a Record<string, unknown> for the plugin schema.
export type SQLiteJobStoreOptions = {
  /**
   * The database file, relative to the working directory; created when missing (its directory
   * must exist). `':memory:'` keeps jobs in a database private to this store instance, lost at
   * `shutdown()`. Default `'kairos.sqlite'`. Not allowed together with `database`.
   */
  path?: string;
  /**
   * An open better-sqlite3 connection to use instead of opening `path`. The store leaves its
   * settings (journal mode, synchronous, busy timeout) as they are and does not close it.
   */
  database?: Database;
  /**
   * The jobs table; the schema version lives in `<tableName>_meta`. A plain SQL identifier
   * (letters, digits, `_`, not starting with a digit or `sqlite_`). Default `'kairos_jobs'`.
   */
  tableName?: string;
  /**
   * Seconds a write waits for another connection's lock before the call rejects with a
   * JobStoreError saying the file is locked (the scheduler retries after
   * `jobstoreRetryInterval`), and how long `start()`
   * waits to switch a new file to WAL while another process does. The wait blocks this
   * process, as better-sqlite3 is synchronous. Default 5. Not allowed together with `database`.
   */
  busyTimeout?: number;
  /**
   * SQLite's `synchronous` setting on a file the store opens (always in WAL mode). `'normal'`
   * (the default) syncs the WAL to disk at checkpoints, not at each commit: a commit survives
   * the process crashing, and the file stays consistent, but a power loss or OS crash may
   * undo the last commits. `'full'` syncs at every commit, which survives those too at several
   * times the cost per write (about 5k instead of 35k `addJob` per second on an SSD). Not
   * allowed together with `database`.
   */
  synchronous?: 'normal' | 'full';
  /**
   * Seconds between two checks of `PRAGMA data_version`, which tell the scheduler that another
   * connection (another process) changed the jobs; 0 turns the checks off. Default 1.
   */
  pollInterval?: number;
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a value looks like an open better-sqlite3 connection. */
function isDatabase(value: unknown): value is Database {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'prepare' | 'pragma' | 'transaction', unknown>>;
  return (
    typeof candidate.prepare === 'function' &&
    typeof candidate.pragma === 'function' &&
    typeof candidate.transaction === 'function'
  );
}

/** The schema of {@link SQLiteJobStoreOptions}, as configuration dictionaries give them. */
export const sqliteJobStoreOptions: z.ZodType<SQLiteJobStoreOptions> = z.strictObject({
  path: z
    .string({ error: (issue) => `${quote(issue.input)} is not a file path` })
    .min(1, {
      error: "an empty path is not a database file; give a file name, or ':memory:'",
    })
    .optional(),
  database: z
    .custom<Database>(isDatabase, {
      error: 'expected an open better-sqlite3 Database (new Database(file))',
    })
    .optional(),
  tableName: z
    .string({ error: (issue) => `${quote(issue.input)} is not a table name` })
    .regex(IDENTIFIER, {
      error: (issue) =>
        `${quote(issue.input)} is not a plain SQL identifier; use letters, digits ` +
        `and '_', not starting with a digit (e.g. 'kairos_jobs')`,
    })
    .refine((name) => !name.toLowerCase().startsWith('sqlite_'), {
      error: (issue) =>
        `${quote(issue.input)} starts with 'sqlite_', which SQLite reserves for ` +
        `its own tables; choose another name`,
    })
    .optional(),
  busyTimeout: seconds.optional(),
  synchronous: z
    .preprocess(
      (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
      z.enum(['normal', 'full'], {
        error: (issue) => `${quote(issue.input)} is not 'normal' or 'full'`,
      }),
    )
    .optional(),
  pollInterval: seconds.optional(),
});

/** Where a store's connection comes from: a file it opens, or a connection it was given. */
export type DatabaseSource =
  | {
      readonly kind: 'path';
      readonly path: string;
      readonly busyTimeoutMs: number;
      readonly synchronous: 'normal' | 'full';
    }
  | { readonly kind: 'given'; readonly database: Database };

/** The options of a store with their defaults applied. */
export interface ResolvedOptions {
  readonly source: DatabaseSource;
  readonly tableName: string;
  /** Milliseconds between two `PRAGMA data_version` checks; 0 = none. */
  readonly pollIntervalMs: number;
}

/** Seconds as whole milliseconds, bounded by the longest timer Node can arm. */
function milliseconds(secondsValue: number): number {
  return Math.min(Math.round(secondsValue * 1000), MAX_TIMER_MS);
}

/**
 * Validates options and applies their defaults.
 * @param where names the options in error messages (`SQLiteJobStore`, or the alias)
 * @throws ConfigurationError naming the option and the value
 */
export function resolveOptions(options: unknown, where: string): ResolvedOptions {
  const parsed = parseOptions(sqliteJobStoreOptions, options, where);
  if (parsed.database !== undefined) {
    for (const key of ['path', 'busyTimeout', 'synchronous'] as const) {
      if (parsed[key] !== undefined) {
        throw new ConfigurationError(
          `${where}.${key}`,
          `cannot be combined with 'database': the store uses the connection it is given ` +
            `as it is; set it on that connection instead, or pass '${key}' without 'database'`,
        );
      }
    }
  }
  return {
    source:
      parsed.database === undefined
        ? {
            kind: 'path',
            path: parsed.path ?? DEFAULT_PATH,
            busyTimeoutMs: milliseconds(parsed.busyTimeout ?? DEFAULT_BUSY_TIMEOUT),
            synchronous: parsed.synchronous ?? DEFAULT_SYNCHRONOUS,
          }
        : { kind: 'given', database: parsed.database },
    tableName: parsed.tableName ?? DEFAULT_TABLE_NAME,
    pollIntervalMs: milliseconds(parsed.pollInterval ?? DEFAULT_POLL_INTERVAL),
  };
}
