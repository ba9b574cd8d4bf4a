/**
 * The tables of a store, created idempotently at `start()` under an advisory lock so that
 * several processes starting at once do not race, the schema version they record, and the
 * migration of a version-1 store (jobs only) to version 2 (jobs, runs and nodes).
 */
import { checkSchemaVersion } from '@kairos/core';
import type { PoolClient } from 'pg';
import type { StoreNames } from './names.js';

/** The layout version this code writes and reads. */
export const SCHEMA_VERSION = 2;

/** The layout before the run ledger (jobs only), which `start()` migrates. */
const JOBS_ONLY_VERSION = '1';

/** The key of the schema version in the meta table. */
const VERSION_KEY = 'schema_version';

/**
 * Creates the schema, the jobs table, the run ledger's tables, their indexes and the meta
 * table when missing, and records {@link SCHEMA_VERSION}; a store that records version 1 gets
 * the ledger's tables and version 2, its jobs untouched. Runs inside the caller's transaction
 * (so a migration is all or nothing); the advisory lock it takes is released at its end.
 * @throws SchemaVersionError when the meta table records a version this code does not know
 */
export async function createSchema(client: PoolClient, names: StoreNames): Promise<void> {
  // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalogs; the lock orders them.
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [names.lockKey]);
  const schemaFound = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
    names.schemaName,
  ]);
  // Only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even then.
  if (schemaFound.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${names.schema}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${names.metaTable} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  );
  const stored = await client.query<{ value: string }>(
    `SELECT value FROM ${names.metaTable} WHERE key = $1`,
    [VERSION_KEY],
  );
  const version = stored.rows[0]?.value;
  if (version !== undefined && version !== JOBS_ONLY_VERSION) {
    checkSchemaVersion({
      found: version,
      expected: SCHEMA_VERSION,
      where: `The table ${names.metaTable}`,
      packageName: '@kairos/store-postgres',
      otherwise: 'point the store at another table',
    });
  }
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${names.table} (
       id TEXT PRIMARY KEY,
       next_run_time DOUBLE PRECISION,
       state TEXT NOT NULL
     )`,
  );
  await client.query(
    `CREATE INDEX IF NOT EXISTS ${names.nextRunTimeIndex} ON ${names.table} (next_run_time)`,
  );
  await createLedgerTables(client, names);
  if (version === String(SCHEMA_VERSION)) return;
  await client.query(
    `INSERT INTO ${names.metaTable} (key, value) VALUES ($1, $2) ` +
      `ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [VERSION_KEY, String(SCHEMA_VERSION)],
  );
}

/**
 * The run ledger's tables (new in version 2): one row per run, with the columns the ledger
 * filters and orders on copied out of the row's JSON, and one row per scheduler. Ids compare
 * bytewise (`COLLATE "C"`), as JavaScript compares them, so the history's order is the same in
 * SQL and in `compareRuns`.
 */
async function createLedgerTables(client: PoolClient, names: StoreNames): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${names.runsTable} (
       id TEXT COLLATE "C" PRIMARY KEY,
       job_id TEXT COLLATE "C" NOT NULL,
       scheduled_run_time DOUBLE PRECISION NOT NULL,
       outcome TEXT,
       scheduler_id TEXT NOT NULL,
       lease_until DOUBLE PRECISION,
       slot TEXT COLLATE "C" NOT NULL,
       document TEXT NOT NULL
     )`,
  );
  await client.query(
    `CREATE INDEX IF NOT EXISTS ${names.runsJobIndex} ` +
      `ON ${names.runsTable} (job_id, scheduled_run_time DESC, id DESC)`,
  );
  await client.query(
    `CREATE INDEX IF NOT EXISTS ${names.runsTimeIndex} ` +
      `ON ${names.runsTable} (scheduled_run_time DESC, id DESC)`,
  );
  await client.query(
    `CREATE INDEX IF NOT EXISTS ${names.runsLeaseIndex} ` +
      `ON ${names.runsTable} (lease_until) WHERE outcome IS NULL`,
  );
  // The trim reads a job's finished runs past `keep` from this index alone (an index-only scan
  // where the pages are all-visible), not every run of the job from the table.
  await client.query(
    `CREATE INDEX IF NOT EXISTS ${names.runsFinishedIndex} ON ${names.runsTable} ` +
      `(job_id, scheduled_run_time DESC, id DESC) WHERE outcome IS NOT NULL`,
  );
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${names.nodesTable} (
       id TEXT COLLATE "C" PRIMARY KEY,
       host TEXT NOT NULL,
       pid INTEGER NOT NULL,
       started_at DOUBLE PRECISION NOT NULL,
       last_seen DOUBLE PRECISION NOT NULL
     )`,
  );
}
