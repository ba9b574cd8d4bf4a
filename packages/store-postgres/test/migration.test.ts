import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { RUN_TIME, runRow, TestStoreContext } from '@kairos/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresJobStore, SCHEMA_VERSION } from '../src/index.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresAvailable,
  uniqueSchema,
  withAdmin,
} from './postgres-server.js';
import { opening } from './run-rows.js';

const available = await postgresAvailable();
const schemas: string[] = [];

/** What the version-1 code wrote: a pg_dump of schema `kairos_v1_fixture` (see its README). */
const FIXTURE = new URL(
  '../../../integration/fixtures/schema-v1/store-postgres.sql',
  import.meta.url,
);

/** The fixture restored into a fresh schema (its name rewritten), with psql as pg_dump meant. */
function restoreFixture(): string {
  const schema = uniqueSchema('v1');
  schemas.push(schema);
  const dump = readFileSync(FIXTURE, 'utf8').replaceAll('kairos_v1_fixture', schema);
  const psql = spawnSync('psql', [POSTGRES_URL, '--quiet', '--set', 'ON_ERROR_STOP=1'], {
    input: dump,
    encoding: 'utf8',
  });
  if (psql.error !== undefined || psql.status !== 0) {
    throw new TypeError(
      `psql could not restore ${FIXTURE.pathname} into ${schema}: ` +
        `${psql.error?.message ?? psql.stderr}`,
    );
  }
  return schema;
}

async function tablesOf(schema: string): Promise<string[]> {
  return withAdmin(async (admin) => {
    const tables = await admin.query<{ tablename: string }>(
      'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
      [schema],
    );
    return tables.rows.map((row) => row.tablename);
  });
}

async function versionOf(schema: string): Promise<string | undefined> {
  return withAdmin(async (admin) => {
    const meta = await admin.query<{ value: string }>(
      `SELECT value FROM "${schema}".kairos_jobs_meta WHERE key = 'schema_version'`,
    );
    return meta.rows[0]?.value;
  });
}

function store(schema: string): PostgresJobStore {
  return new PostgresJobStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 });
}

describe.skipIf(!available)('PostgresJobStore on a store the version-1 code wrote', () => {
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('migrates it to version 2 at start, keeping every job', async () => {
    const schema = restoreFixture();
    expect(await tablesOf(schema)).toEqual(['kairos_jobs', 'kairos_jobs_meta']);
    expect(await versionOf(schema)).toBe('1');
    const context = new TestStoreContext();
    const jobs = store(schema);
    await jobs.start(context, 'default');
    try {
      expect(SCHEMA_VERSION).toBe(2);
      expect(await versionOf(schema)).toBe('2');
      expect(await tablesOf(schema)).toEqual([
        'kairos_jobs',
        'kairos_jobs_meta',
        'kairos_jobs_nodes',
        'kairos_jobs_runs',
      ]);
      const all = await jobs.getAllJobs();
      expect(all.map((job) => [job.id, job.name, job.nextRunTimeMs, job.args])).toEqual([
        ['every-five', 'Every five', 1796598600000, []],
        ['new-year', 'tick', 1924992000000, [2031]],
        ['hourly', 'tick', null, []],
      ]);
      expect(context.reported).toEqual([]);
      // The ledger works on the migrated tables.
      expect(
        await jobs.ledger.open(opening([runRow({ id: 'r', jobId: 'hourly' })], 1), RUN_TIME),
      ).toBe(true);
      expect((await jobs.ledger.lastRuns(['hourly'])).get('hourly')?.id).toBe('r');
    } finally {
      await jobs.shutdown();
    }
    // Starting again finds version 2 and changes nothing.
    const again = store(schema);
    await again.start(new TestStoreContext(), 'default');
    expect((await again.getAllJobs()).map((job) => job.id)).toEqual([
      'every-five',
      'new-year',
      'hourly',
    ]);
    expect((await again.ledger.getRuns({ limit: 10 })).map((row) => row.id)).toEqual(['r']);
    await again.shutdown();
    expect(await versionOf(schema)).toBe('2');
  });

  it('migrates in one transaction: a failure leaves the version-1 store as it was', async () => {
    const schema = restoreFixture();
    // The last step of the migration, recording version 2, fails.
    await withAdmin(async (admin) => {
      await admin.query(
        `CREATE FUNCTION "${schema}".refuse() RETURNS trigger LANGUAGE plpgsql AS ` +
          `$$ BEGIN RAISE EXCEPTION 'meta is read-only'; END $$`,
      );
      await admin.query(
        `CREATE TRIGGER refuse BEFORE UPDATE ON "${schema}".kairos_jobs_meta ` +
          `FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse()`,
      );
    });
    const jobs = store(schema);
    await expect(jobs.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /meta is read-only/,
    );
    expect(await tablesOf(schema)).toEqual(['kairos_jobs', 'kairos_jobs_meta']);
    expect(await versionOf(schema)).toBe('1');
    await withAdmin((admin) => admin.query(`DROP TRIGGER refuse ON "${schema}".kairos_jobs_meta`));
    await jobs.start(new TestStoreContext(), 'default');
    expect(await jobs.getAllJobs()).toHaveLength(3);
    await jobs.shutdown();
    expect(await versionOf(schema)).toBe('2');
  });
});
