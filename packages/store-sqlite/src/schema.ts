/**
 * The tables of a SQLite job store: the jobs table and its index on the next run time, the run
 * ledger's runs and nodes tables with their indexes, and the meta table holding the schema
 * version. Created idempotently, checked at every start; a version-1 store is migrated.
 */
import { checkSchemaVersion, JobStoreError } from '@kairos/core';
import type { Database } from 'better-sqlite3';

/** The layout version this code writes and reads; recorded as `schema_version`. */
export const SCHEMA_VERSION = 2;

/** The quoted SQL names of one store's tables and indexes. */
export interface TableNames {
  /** The jobs table, e.g. `"kairos_jobs"`. */
  readonly jobs: string;
  /** The meta table, `"<table>_meta"`. */
  readonly meta: string;
  /** The index on the jobs' next run time, `"<table>_next_run_time"`. */
  readonly nextRunTimeIndex: string;
  /** The run ledger's runs, `"<table>_runs"` (schema version 2). */
  readonly runs: string;
  /** A job's history, newest first: `"<table>_runs_job"` on (job_id, scheduled_run_time, id). */
  readonly runsJobIndex: string;
  /** Every job's history, newest first: `"<table>_runs_time"` on (scheduled_run_time, id). */
  readonly runsTimeIndex: string;
  /** Runs in flight by lease, for the lapsed scan: `"<table>_runs_lease"` (partial). */
  readonly runsLeaseIndex: string;
  /** A job's runs in flight, for its slot count: `"<table>_runs_in_flight"` (partial). */
  readonly runsInFlightIndex: string;
  /** The schedulers seen by their heartbeats, `"<table>_nodes"` (schema version 2). */
  readonly nodes: string;
}

/** The SQL names for a validated table name (a plain identifier, so quoting cannot break). */
export function tableNames(tableName: string): TableNames {
  return {
    jobs: `"${tableName}"`,
    meta: `"${tableName}_meta"`,
    nextRunTimeIndex: `"${tableName}_next_run_time"`,
    runs: `"${tableName}_runs"`,
    runsJobIndex: `"${tableName}_runs_job"`,
    runsTimeIndex: `"${tableName}_runs_time"`,
    runsLeaseIndex: `"${tableName}_runs_lease"`,
    runsInFlightIndex: `"${tableName}_runs_in_flight"`,
    nodes: `"${tableName}_nodes"`,
  };
}

const JOB_COLUMNS = ['id', 'next_run_time', 'state'];
const META_COLUMNS = ['key', 'value'];
const RUN_COLUMNS = [
  'id',
  'job_id',
  'scheduled_run_time',
  'outcome',
  'scheduler_id',
  'lease_until',
  'slot',
  'row',
];
const NODE_COLUMNS = ['id', 'host', 'pid', 'started_at', 'last_seen'];

/**
 * Creates the tables and indexes when missing and records the schema version, in one
 * `BEGIN IMMEDIATE` transaction so that processes starting together do not race. A store of
 * schema version 1 (jobs and meta only) gets the ledger's tables and version 2 in that same
 * transaction, its jobs untouched; a failure rolls the whole migration back.
 * @param where names the store and its file in error messages
 * @throws JobStoreError when a table of one of its names holds something else;
 *   SchemaVersionError when the recorded schema version is newer than {@link SCHEMA_VERSION}
 *   or unknown
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
      if (recordedVersion(database, tableName) === '1') {
        // Version 1 had the jobs and meta tables only; the ledger's are created below.
        database
          .prepare(`UPDATE ${names.meta} SET value = ? WHERE key = 'schema_version'`)
          .run(String(SCHEMA_VERSION));
      }
      checkVersion(database, tableName, where);
      database.exec(
        `CREATE INDEX IF NOT EXISTS ${names.nextRunTimeIndex} ON ${names.jobs} (next_run_time)`,
      );
      createLedgerTables(database, names);
      checkColumns(database, `${tableName}_runs`, RUN_COLUMNS, where);
      checkColumns(database, `${tableName}_nodes`, NODE_COLUMNS, where);
    })
    .immediate();
}

/**
 * The run ledger's tables (new in schema version 2). `row` holds the whole run as
 * `encodeRunRow` text; the other columns are the copies the queries filter and order by.
 */
function createLedgerTables(database: Database, names: TableNames): void {
  database.exec(
    `CREATE TABLE IF NOT EXISTS ${names.runs} (` +
      `id TEXT PRIMARY KEY NOT NULL, job_id TEXT NOT NULL, ` +
      `scheduled_run_time INTEGER NOT NULL, outcome TEXT, scheduler_id TEXT NOT NULL, ` +
      `lease_until INTEGER, slot TEXT NOT NULL, row TEXT NOT NULL)`,
  );
  database.exec(
    `CREATE INDEX IF NOT EXISTS ${names.runsJobIndex} ON ${names.runs} ` +
      `(job_id, scheduled_run_time DESC, id DESC)`,
  );
  database.exec(
    `CREATE INDEX IF NOT EXISTS ${names.runsTimeIndex} ON ${names.runs} ` +
      `(scheduled_run_time DESC, id DESC)`,
  );
  database.exec(
    `CREATE INDEX IF NOT EXISTS ${names.runsLeaseIndex} ON ${names.runs} ` +
      `(lease_until, id) WHERE outcome IS NULL`,
  );
  database.exec(
    `CREATE INDEX IF NOT EXISTS ${names.runsInFlightIndex} ON ${names.runs} ` +
      `(job_id, lease_until, slot) WHERE outcome IS NULL`,
  );
  database.exec(
    `CREATE TABLE IF NOT EXISTS ${names.nodes} (` +
      `id TEXT PRIMARY KEY NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, ` +
      `started_at INTEGER NOT NULL, last_seen INTEGER NOT NULL)`,
  );
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
