/**
 * The PostgreSQL server the tests run against (`KAIROS_TEST_POSTGRES_URL`), and a schema of
 * their own per test file so files can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import { serverAvailable } from '@kairos/testkit';
import { Client } from 'pg';

/** Where the tests look for PostgreSQL. */
export const POSTGRES_URL =
  process.env['KAIROS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether the server answers (one loud line and false when not; a failure under CI=true). */
export function postgresAvailable(): Promise<boolean> {
  return serverAvailable('PostgreSQL', POSTGRES_URL, async () => {
    await withAdmin((admin) => admin.query('SELECT 1'));
  });
}

/** A schema name no other test file (or run) uses, e.g. `kairos_test_claims_3f9a1c`. */
export function uniqueSchema(purpose: string): string {
  return `kairos_test_${purpose}_${randomBytes(4).toString('hex')}`;
}

/** Runs `work` on a connection of its own (not the store's), then closes it. */
export async function withAdmin<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  // A connection terminated while idle emits 'error'; the query that needs it rejects anyway.
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await withAdmin((admin) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
