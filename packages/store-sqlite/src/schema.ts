/**
 * The tables of a SQLite job store: the jobs table, its index on the next run time, and the meta
 * table holding the schema version. Created idempotently, checked at every start.
 */
import { checkSchemaVersion, JobStoreError } from '@kairos/core';
import type { Database } from 'better-sqlite3';

/** The layout version this code writes and reads; recorded as `schema_version`. */
export const SCHEMA_VERSION = 1;

/** The quoted SQL names of one store's tables and index. */
export interface TableNames {
  /** The jobs table, e.g. `"kairos_jobs"`. */
  readonly jobs: string;
  /** The meta table, `"<table>_meta"`. */
  readonly meta: string;
  /** The index on the jobs' next run time, `"<table>_next_run_time"`. */
  readonly nextRunTimeIndex: string;
}

/** The SQL names for a validated table name (a plain identifier, so quoting cannot break). */
export function tableNames(tableName: string): TableNames {
  return {
    jobs: `"${tableName}"`,
    meta: `"${tableName}_meta"`,
    nextRunTimeIndex: `"${tableName}_next_run_time"`,
  };
}

const JOB_COLUMNS = ['id', 'next_run_time', 'state'];
const META_COLUMNS = ['key', 'value'];

/**
 * Creates the tables and the index when missing and records the schema version, in one
 * `BEGIN IMMEDIATE` transaction so that processes starting together do not race.
 * @param where names the store and its file in error messages
 * @throws JobStoreError when a table of that name holds something else; SchemaVersionError
 *   when the recorded schema version is newer than {@link SCHEMA_VERSION} or unknown
 */
export function prepareSchema(database: Database, tableName: string, where: string): void {
  const names = tableNames(tableName);
  database
    .transaction(() => {
      database.exec(
        `CREATE TABLE IF NOT EXISTS ${names.jobs} (` +
          `id TEXT PRIMARY KEY NOT NULL, next_run_time INTEGER, state TEXT NOT NULL)`,
      );
      database.exec(
        `CREATE TABLE IF NOT EXISTS ${names.meta} (` +
          `key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`,
      );
      checkColumns(database, tableName, JOB_COLUMNS, where);
      checkColumns(database, `${tableName}_meta`, META_COLUMNS, where);
      database
        .prepare(
          `INSERT INTO ${names.meta} (key, value) VALUES ('schema_version', ?) ` +
            `ON CONFLICT (key) DO NOTHING`,
        )
        .run(String(SCHEMA_VERSION));
      checkVersion(database, tableName, where);
      database.exec(
        `CREATE INDEX IF NOT EXISTS ${names.nextRunTimeIndex} ON ${names.jobs} (next_run_time)`,
      );
    })
    .immediate();
}

/** The schema version recorded in a store's meta table, or null when there is none. */
export function recordedVersion(database: Database, tableName: string): string | null {
  const value = database
    .prepare<[], string>(
      `SELECT value FROM ${tableNames(tableName).meta} WHERE key = 'schema_version'`,
    )
    .pluck()
    .get();
  return value ?? null;
}

function checkVersion(database: Database, tableName: string, where: string): void {
  checkSchemaVersion({
    found: recordedVersion(database, tableName),
    expected: SCHEMA_VERSION,
    where: `${where}: table "${tableName}_meta"`,
    packageName: '@kairos/store-sqlite',
    otherwise: 'use another tableName',
  });
}

function checkColumns(
  database: Database,
  table: string,
  expected: readonly string[],
  where: string,
): void {
  const columns = database
    .prepare<[string], string>(`SELECT name FROM pragma_table_info(?)`)
    .pluck()
    .all(table);
  if (expected.every((column) => columns.includes(column))) return;
  throw new JobStoreError(
    `${where}: table "${table}" exists with the columns (${columns.join(', ')}), not ` +
      `(${expected.join(', ')}); it is not a Kairos job table: choose another tableName`,
  );
}
