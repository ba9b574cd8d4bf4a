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
    expect(meta.rows).toEqual([{ value: '1' }]);
  });

  it('refuses to start on a table a newer version wrote, touching nothing', async () => {
    const schema = freshSchema();
    const first = store(schema);
    await first.start(new TestStoreContext(), 'default');
    await first.shutdown();
    await withAdmin((admin) =>
      admin.query(
        `UPDATE "${schema}".kairos_jobs_meta SET value = '2' WHERE key = 'schema_version'`,
      ),
    );
    const newer = store(schema);
    const started = newer.start(new TestStoreContext(), 'default');
    await expect(started).rejects.toThrow(
      /records schema version 2, newer than version 1 that this @kairos\/store-postgres knows/,
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
        `UPDATE "${schema}".kairos_jobs_meta SET value = '1' WHERE key = 'schema_version'`,
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
    expect(names).toHaveLength(2);
    expect(names).toContain(tableName);
    const meta = names.find((name) => name !== tableName);
    expect(meta).toMatch(/^Jobs_x+_[0-9a-f]{8}_meta$/);
    expect(meta?.length).toBe(63);
  });
});
