/**
 * The tables of a store, created idempotently at `start()` under an advisory lock so that
 * several processes starting at once do not race, and the schema version they record.
 */
import { checkSchemaVersion } from '@kairos/core';
import type { PoolClient } from 'pg';
import type { StoreNames } from './names.js';

/** The layout version this code writes and reads. */
export const SCHEMA_VERSION = 1;

/** The key of the schema version in the meta table. */
const VERSION_KEY = 'schema_version';

/**
 * Creates the schema, the jobs table, its index and the meta table when missing, and records
 * {@link SCHEMA_VERSION}. Runs inside the caller's transaction; the advisory lock it takes is
 * released at its end.
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
  if (version !== undefined) {
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
  if (version === undefined) {
    await client.query(
      `INSERT INTO ${names.metaTable} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
      [VERSION_KEY, String(SCHEMA_VERSION)],
    );
  }
}
