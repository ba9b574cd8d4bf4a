import { TestStoreContext } from '@kairos/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { storeNames } from '../src/names.js';
import { statements } from '../src/statements.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresAvailable,
  uniqueSchema,
  withAdmin,
} from './postgres-server.js';

const available = await postgresAvailable();
const schema = uniqueSchema('layout');
const table = `"${schema}".kairos_jobs`;

interface StoredRow {
  id: string;
  next_run_time: number | null;
  state: string;
}

async function storedRows(): Promise<StoredRow[]> {
  return withAdmin(async (admin) => {
    const result = await admin.query<StoredRow>(
      `SELECT id, next_run_time, state FROM ${table} ORDER BY id`,
    );
    return result.rows;
  });
}

describe.skipIf(!available)('PostgresJobStore storage layout', () => {
  const context = new TestStoreContext();
  const store = new PostgresJobStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 });

  beforeAll(() => store.start(context, 'default'));
  beforeEach(() => store.removeAllJobs());
  afterAll(async () => {
    await store.shutdown();
    await dropSchema(schema);
  });

  it('keeps one row per job: the id, the next run time in epoch ms, the JSON document', async () => {
    const now = context.clock.now();
    const job = context.job({ id: 'a', args: [1, 'two'], nextRunTime: now + 250 });
    await store.addJob(job);
    await store.addJob(context.job({ id: 'paused', nextRunTime: null }));
    const rows = await storedRows();
    expect(rows.map((row) => [row.id, row.next_run_time])).toEqual([
      ['a', now + 250],
      ['paused', null],
    ]);
    expect(JSON.parse(rows[0]?.state ?? '')).toEqual(context.serializeJob(job));
  });

  it('takes the next run time from its column, not from the document', async () => {
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'a', nextRunTime: now }));
    await withAdmin((admin) =>
      admin.query(`UPDATE ${table} SET next_run_time = $1 WHERE id = 'a'`, [now + 777]),
    );
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(now + 777);
    expect(await store.getNextRunTime()).toBe(now + 777);
    expect(await store.claimDueJobs({ now, limit: 10, advance: () => null })).toEqual([]);
    await withAdmin((admin) =>
      admin.query(`UPDATE ${table} SET next_run_time = NULL WHERE id = 'a'`),
    );
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBeNull();
    expect(await store.getNextRunTime()).toBeNull();
  });

  it('keeps sub-millisecond run times exactly (interval triggers compute in microseconds)', async () => {
    const time = context.clock.now() + 1500.125;
    await store.addJob(context.job({ id: 'fine', nextRunTime: time }));
    expect((await store.lookupJob('fine'))?.nextRunTimeMs).toBe(time);
    expect((await storedRows())[0]?.next_run_time).toBe(time);
  });

  it('writes the successor of a claimed job into both the column and the document', async () => {
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'a', nextRunTime: now }));
    await store.claimDueJobs({
      now,
      limit: 10,
      advance: (job) => context.withFields(job, { nextRunTimeMs: now + 60_000 }),
    });
    const [row] = await storedRows();
    expect(row?.next_run_time).toBe(now + 60_000);
    expect((JSON.parse(row?.state ?? '{}') as { nextRunTime: unknown }).nextRunTime).toBe(
      now + 60_000,
    );
  });

  it('finds the next run time and the due jobs through the index, without sorting', async () => {
    const sql = statements(storeNames(schema, 'kairos_jobs'));
    const plans = await withAdmin(async (admin) => {
      // On a small table the planner would rightly prefer a scan; this asks whether the index
      // can serve the order and the limit at all.
      await admin.query('SET enable_seqscan = off');
      await admin.query('SET enable_bitmapscan = off');
      const explain = async (text: string, values: unknown[]): Promise<string> => {
        const result = await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
        return result.rows.map((row) => row['QUERY PLAN']).join('\n');
      };
      return {
        earliest: await explain(sql.earliest, [1]),
        claim: await explain(sql.claimDue, [0, 1000]),
      };
    });
    for (const plan of [plans.earliest, plans.claim]) {
      expect(plan).toMatch(/Index (Only )?Scan using kairos_jobs_next_run_time_idx/);
      expect(plan).not.toMatch(/Sort/);
    }
  });
});
