/**
 * The storage layout the README describes: tables, columns, index, schema version, WAL, and
 * that every run time query walks the index.
 */
import { TestStoreContext } from '@kairos/testkit';
import { describe, expect, it } from 'vitest';
import { SQLiteJobStore } from '../src/index.js';
import { dueIds, sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();

describe('SQLiteJobStore storage layout', () => {
  it('creates the jobs table, its run time index, the ledger tables and the meta table with schema_version 2', async () => {
    const path = fixtures.file();
    await fixtures.start({ path });
    const db = fixtures.connect(path);
    const objects = db
      .prepare(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all();
    expect(objects).toEqual([
      { type: 'table', name: 'kairos_jobs', tbl_name: 'kairos_jobs' },
      { type: 'table', name: 'kairos_jobs_meta', tbl_name: 'kairos_jobs_meta' },
      { type: 'index', name: 'kairos_jobs_next_run_time', tbl_name: 'kairos_jobs' },
      { type: 'table', name: 'kairos_jobs_nodes', tbl_name: 'kairos_jobs_nodes' },
      { type: 'table', name: 'kairos_jobs_runs', tbl_name: 'kairos_jobs_runs' },
      { type: 'index', name: 'kairos_jobs_runs_in_flight', tbl_name: 'kairos_jobs_runs' },
      { type: 'index', name: 'kairos_jobs_runs_job', tbl_name: 'kairos_jobs_runs' },
      { type: 'index', name: 'kairos_jobs_runs_lease', tbl_name: 'kairos_jobs_runs' },
      { type: 'index', name: 'kairos_jobs_runs_time', tbl_name: 'kairos_jobs_runs' },
    ]);
    const columns = db
      .prepare('SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid')
      .all('kairos_jobs');
    expect(columns).toEqual([
      { name: 'id', type: 'TEXT', pk: 1 },
      { name: 'next_run_time', type: 'INTEGER', pk: 0 },
      { name: 'state', type: 'TEXT', pk: 0 },
    ]);
    expect(
      db.prepare('SELECT name FROM pragma_index_info(?)').pluck().all('kairos_jobs_next_run_time'),
    ).toEqual(['next_run_time']);
    expect(
      db
        .prepare('SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid')
        .all('kairos_jobs_runs'),
    ).toEqual([
      { name: 'id', type: 'TEXT', notnull: 1, pk: 1 },
      { name: 'job_id', type: 'TEXT', notnull: 1, pk: 0 },
      { name: 'scheduled_run_time', type: 'INTEGER', notnull: 1, pk: 0 },
      { name: 'outcome', type: 'TEXT', notnull: 0, pk: 0 },
      { name: 'scheduler_id', type: 'TEXT', notnull: 1, pk: 0 },
      { name: 'lease_until', type: 'INTEGER', notnull: 0, pk: 0 },
      { name: 'slot', type: 'TEXT', notnull: 1, pk: 0 },
      { name: 'row', type: 'TEXT', notnull: 1, pk: 0 },
    ]);
    const indexColumns = (name: string): unknown[] =>
      db.prepare('SELECT name, "desc" FROM pragma_index_xinfo(?) WHERE key = 1').all(name);
    expect(indexColumns('kairos_jobs_runs_job')).toEqual([
      { name: 'job_id', desc: 0 },
      { name: 'scheduled_run_time', desc: 1 },
      { name: 'id', desc: 1 },
    ]);
    expect(indexColumns('kairos_jobs_runs_time')).toEqual([
      { name: 'scheduled_run_time', desc: 1 },
      { name: 'id', desc: 1 },
    ]);
    expect(
      db
        .prepare('SELECT sql FROM sqlite_master WHERE name = ?')
        .pluck()
        .get('kairos_jobs_runs_lease'),
    ).toMatch(/\(lease_until, id\) WHERE outcome IS NULL$/);
    expect(
      db
        .prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid')
        .pluck()
        .all('kairos_jobs_nodes'),
    ).toEqual(['id', 'host', 'pid', 'started_at', 'last_seen']);
    expect(db.prepare('SELECT key, value FROM kairos_jobs_meta').all()).toEqual([
      { key: 'schema_version', value: '2' },
    ]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('uses the table name it is given for every table and the index', async () => {
    const path = fixtures.file();
    await fixtures.start({ path, tableName: 'Other_Jobs' });
    const names = fixtures
      .connect(path)
      .prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all();
    expect(names).toEqual([
      'Other_Jobs',
      'Other_Jobs_meta',
      'Other_Jobs_next_run_time',
      'Other_Jobs_nodes',
      'Other_Jobs_runs',
      'Other_Jobs_runs_in_flight',
      'Other_Jobs_runs_job',
      'Other_Jobs_runs_lease',
      'Other_Jobs_runs_time',
    ]);
  });

  it('starts again on an existing database without changing it', async () => {
    const path = fixtures.file();
    const first = await fixtures.start({ path });
    await first.store.addJob(first.context.job({ id: 'kept' }));
    await first.store.shutdown();
    const second = await fixtures.start({ path });
    expect((await second.store.getAllJobs()).map((job) => job.id)).toEqual(['kept']);
    expect(
      fixtures.connect(path).prepare('SELECT count(*) FROM kairos_jobs_meta').pluck().get(),
    ).toBe(1);
  });

  it('stores the id, the next run time in its own column and the job as JSON', async () => {
    const path = fixtures.file();
    const { store, context } = await fixtures.start({ path });
    const now = context.clock.now();
    const job = context.job({ id: 'a', args: [1, 'two'], nextRunTime: now + 1234 });
    await store.addJob(job);
    await store.addJob(context.job({ id: 'p', nextRunTime: null }));
    const rows = fixtures
      .connect(path)
      .prepare<[], { id: string; next_run_time: number | null; state: string }>(
        'SELECT id, next_run_time, state FROM kairos_jobs ORDER BY id',
      )
      .all();
    expect(rows.map((row) => [row.id, row.next_run_time])).toEqual([
      ['a', now + 1234],
      ['p', null],
    ]);
    expect(JSON.parse(rows[0]?.state ?? '')).toEqual(context.serializeJob(job));
  });

  it('takes the next run time from its column, not from the JSON document', async () => {
    const path = fixtures.file();
    const { store, context } = await fixtures.start({ path });
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'a', nextRunTime: now + 60_000 }));
    fixtures
      .connect(path)
      .prepare('UPDATE kairos_jobs SET next_run_time = ? WHERE id = ?')
      .run(now - 5, 'a');
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(now - 5);
    expect(await store.getNextRunTime()).toBe(now - 5);
    expect(await dueIds(store, now)).toEqual(['a']);
    const claimed = await store.claimDueJobs({ now, limit: 10, advance: () => null });
    expect(claimed.map((run) => run.job.nextRunTimeMs)).toEqual([now - 5]);
  });

  it('refuses to start on a schema version newer than it knows, leaving the jobs alone', async () => {
    const path = fixtures.file();
    const { store, context } = await fixtures.start({ path });
    await store.addJob(context.job({ id: 'a' }));
    await store.shutdown();
    fixtures
      .connect(path)
      .prepare("UPDATE kairos_jobs_meta SET value = '3' WHERE key = 'schema_version'")
      .run();
    const newer = new SQLiteJobStore({ path, pollInterval: 0 });
    await expect(newer.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /SQLiteJobStore 'default' \(.*\): table "kairos_jobs_meta" records schema version 3, newer than version 2 that this @kairos\/store-sqlite knows; upgrade @kairos\/store-sqlite/,
    );
    await expect(newer.getAllJobs()).rejects.toThrow(/is not started/);
    const db = fixtures.connect(path);
    expect(db.prepare('SELECT id FROM kairos_jobs').pluck().all()).toEqual(['a']);
    expect(db.prepare('SELECT value FROM kairos_jobs_meta').pluck().get()).toBe('3');
  });

  it('refuses a schema version it never writes', async () => {
    const path = fixtures.file();
    const db = fixtures.connect(path);
    db.exec(
      "CREATE TABLE kairos_jobs_meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO kairos_jobs_meta VALUES ('schema_version', 'one')",
    );
    const store = new SQLiteJobStore({ path, pollInterval: 0 });
    await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /records schema version 'one', which @kairos\/store-sqlite never writes/,
    );
  });

  it('refuses a table of that name that is not a job table', async () => {
    const path = fixtures.file();
    fixtures.connect(path).exec('CREATE TABLE jobs (name TEXT, cron TEXT)');
    const store = new SQLiteJobStore({ path, tableName: 'jobs', pollInterval: 0 });
    await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /table "jobs" exists with the columns \(name, cron\), not \(id, next_run_time, state\); it is not a Kairos job table: choose another tableName/,
    );
    expect(
      fixtures
        .connect(path)
        .prepare("SELECT name FROM sqlite_master WHERE name LIKE 'jobs_%'")
        .all(),
    ).toEqual([]);
  });

  it('answers every run time query through the index, never by scanning the table', async () => {
    const path = fixtures.file();
    const statements: string[] = [];
    const database = fixtures.connect(path, { verbose: (sql) => statements.push(String(sql)) });
    database.pragma('journal_mode = WAL');
    const { store, context } = await fixtures.start({ database });
    const now = context.clock.now();
    for (let index = 0; index < 50; index += 1) {
      await store.addJob(context.job({ id: `j${index}`, nextRunTime: now - index }));
    }
    await store.addJob(context.job({ id: 'paused', nextRunTime: null }));
    statements.length = 0;
    await store.getNextRunTime();
    await store.getAllJobs();
    await store.claimDueJobs({
      now,
      limit: 3,
      advance: (job) => (job.id === 'j49' ? undefined : null),
    });
    const selects = statements.filter((sql) => sql.startsWith('SELECT'));
    // The claim read a second page, as its first held a job that advance left alone.
    expect(selects.some((sql) => sql.includes('(next_run_time, rowid) >'))).toBe(true);
    expect(selects.length).toBeGreaterThanOrEqual(5);
    const check = fixtures.connect(path);
    for (const sql of selects) {
      const plan = check.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[];
      const details = plan.map((step) => step.detail).join('; ');
      expect(details, sql).toMatch(/USING INDEX kairos_jobs_next_run_time/);
      expect(details, sql).not.toMatch(/SCAN|TEMP B-TREE/);
    }
  });
});
