import { TestStoreContext } from '@kairos/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresJobStore, SCHEMA_VERSION } from '../src/index.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresAvailable,
  uniqueSchema,
  withAdmin,
} from './postgres-server.js';

const available = await postgresAvailable();
const schemas: string[] = [];

/** A schema for one test, dropped after the file. */
function freshSchema(): string {
  const schema = uniqueSchema('schema');
  schemas.push(schema);
  return schema;
}

function store(schema: string, tableName?: string): PostgresJobStore {
  return new PostgresJobStore({ connectionString: POSTGRES_URL, schema, tableName, poolSize: 2 });
}

describe.skipIf(!available)('PostgresJobStore schema', () => {
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('creates the schema, the jobs table, its index and the meta table with the version', async () => {
    const schema = freshSchema();
    const jobs = store(schema);
    await jobs.start(new TestStoreContext(), 'default');
    await jobs.shutdown();
    await withAdmin(async (admin) => {
      const columns = await admin.query<{
        column_name: string;
        data_type: string;
        is_nullable: string;
      }>(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'kairos_jobs' ORDER BY ordinal_position`,
        [schema],
      );
      expect(columns.rows).toEqual([
        { column_name: 'id', data_type: 'text', is_nullable: 'NO' },
        { column_name: 'next_run_time', data_type: 'double precision', is_nullable: 'YES' },
        { column_name: 'state', data_type: 'text', is_nullable: 'NO' },
      ]);
      const indexes = await admin.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'kairos_jobs'
         ORDER BY indexname`,
        [schema],
      );
      expect(indexes.rows.map((row) => row.indexname)).toEqual([
        'kairos_jobs_next_run_time_idx',
        'kairos_jobs_pkey',
      ]);
      expect(indexes.rows[0]?.indexdef).toMatch(/btree \(next_run_time\)/);
      const meta = await admin.query(`SELECT key, value FROM "${schema}".kairos_jobs_meta`);
      expect(meta.rows).toEqual([{ key: 'schema_version', value: String(SCHEMA_VERSION) }]);
    });
  });

  it("creates the run ledger's tables and the indexes of its queries", async () => {
    const schema = freshSchema();
    const jobs = store(schema);
    await jobs.start(new TestStoreContext(), 'default');
    await jobs.shutdown();
    await withAdmin(async (admin) => {
      const columns = async (table: string): Promise<string[]> => {
        const result = await admin.query<{ description: string }>(
          `SELECT column_name || ' ' || data_type || ' ' || is_nullable ||
                  coalesce(' ' || collation_name, '') AS description
           FROM information_schema.columns
           WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
          [schema, table],
        );
        return result.rows.map((row) => row.description);
      };
      expect(await columns('kairos_jobs_runs')).toEqual([
        'id text NO C',
        'job_id text NO C',
        'scheduled_run_time double precision NO',
        'outcome text YES',
        'scheduler_id text NO',
        'lease_until double precision YES',
        'slot text NO C',
        'document text NO',
      ]);
      expect(await columns('kairos_jobs_nodes')).toEqual([
        'id text NO C',
        'host text NO',
        'pid integer NO',
        'started_at double precision NO',
        'last_seen double precision NO',
      ]);
      const indexes = await admin.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1
         AND tablename = 'kairos_jobs_runs' ORDER BY indexname`,
        [schema],
      );
      expect(
        indexes.rows.map((row) => [row.indexname, row.indexdef.replace(/^.* USING /, '')]),
      ).toEqual([
        [
          'kairos_jobs_runs_finished_idx',
          'btree (job_id, scheduled_run_time DESC, id DESC) WHERE (outcome IS NOT NULL)',
        ],
        ['kairos_jobs_runs_job_idx', 'btree (job_id, scheduled_run_time DESC, id DESC)'],
        ['kairos_jobs_runs_lease_idx', 'btree (lease_until) WHERE (outcome IS NULL)'],
        ['kairos_jobs_runs_pkey', 'btree (id)'],
        ['kairos_jobs_runs_time_idx', 'btree (scheduled_run_time DESC, id DESC)'],
      ]);
    });
  });

  it('starts again on existing tables, keeping their jobs', async () => {
    const schema = freshSchema();
    const context = new TestStoreContext();
    const first = store(schema);
    await first.start(context, 'default');
    await first.addJob(context.job({ id: 'kept' }));
    await first.shutdown();
    const second = store(schema);
    await second.start(context, 'default');
    expect((await second.lookupJob('kept'))?.id).toBe('kept');
    await second.shutdown();
  });

  it('lets many processes create the same tables at once', async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 6 }, () => store(schema));
    await Promise.all(stores.map((each) => each.start(new TestStoreContext(), 'default')));
    for (const each of stores) await each.shutdown();
    const meta = await withAdmin((admin) =>
      admin.query(`SELECT value FROM "${schema}".kairos_jobs_meta`),
    );
    expect(meta.rows).toEqual([{ value: String(SCHEMA_VERSION) }]);
  });

  it('refuses to start on a table a newer version wrote, touching nothing', async () => {
    const schema = freshSchema();
    const first = store(schema);
    await first.start(new TestStoreContext(), 'default');
    await first.shutdown();
    await withAdmin((admin) =>
      admin.query(
        `UPDATE "${schema}".kairos_jobs_meta SET value = '3' WHERE key = 'schema_version'`,
      ),
    );
    const newer = store(schema);
    const started = newer.start(new TestStoreContext(), 'default');
    await expect(started).rejects.toThrow(
      /records schema version 3, newer than version 2 that this @kairos\/store-postgres knows/,
    );
    await expect(started).rejects.toThrow(/upgrade @kairos\/store-postgres/);
    await expect(newer.lookupJob('a')).rejects.toThrow(/not started/);

    await withAdmin((admin) =>
      admin.query(
        `UPDATE "${schema}".kairos_jobs_meta SET value = 'one' WHERE key = 'schema_version'`,
      ),
    );
    await expect(newer.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /schema version 'one', which @kairos\/store-postgres never writes/,
    );

    await withAdmin((admin) =>
      admin.query(
        `UPDATE "${schema}".kairos_jobs_meta SET value = '2' WHERE key = 'schema_version'`,
      ),
    );
    await newer.start(new TestStoreContext(), 'default');
    expect(await newer.getAllJobs()).toEqual([]);
    await newer.shutdown();
  });

  it('uses mixed-case and 63-character names exactly as written', async () => {
    const schema = freshSchema().replace('kairos_test', 'Kairos_Test');
    schemas.push(schema);
    const tableName = `Jobs_${'x'.repeat(58)}`;
    const context = new TestStoreContext();
    const jobs = store(schema, tableName);
    await jobs.start(context, 'default');
    await jobs.addJob(context.job({ id: 'a' }));
    await jobs.shutdown();
    const tables = await withAdmin((admin) =>
      admin.query<{ tablename: string }>(
        `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`,
        [schema],
      ),
    );
    const names = tables.rows.map((row) => row.tablename);
    expect(names).toHaveLength(4);
    expect(names).toContain(tableName);
    const derived = names.filter((name) => name !== tableName);
    for (const suffix of ['meta', 'nodes', 'runs']) {
      const name = derived.find((each) => each.endsWith(`_${suffix}`));
      expect(name).toMatch(new RegExp(`^Jobs_x+_[0-9a-f]{8}_${suffix}$`));
      expect(name?.length).toBe(63);
    }
  });
});
