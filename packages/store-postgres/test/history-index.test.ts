/**
 * The run history's queries on a large table: each is served by an index, in the history's
 * order, without a sort, and "the last 20 runs of a job" takes a few milliseconds.
 * `KAIROS_TEST_LEDGER_RUNS` sets the number of runs (default 100,000 over 1,000 jobs; the
 * README's figure is from 1,000,000).
 */
import { RUN_TIME, TestStoreContext } from '@kairos/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { ledgerStatements, runsQuery } from '../src/ledger-statements.js';
import { storeNames } from '../src/names.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresAvailable,
  uniqueSchema,
  withAdmin,
} from './postgres-server.js';

const available = await postgresAvailable();
const schema = uniqueSchema('history');
const RUNS = Number(process.env['KAIROS_TEST_LEDGER_RUNS'] ?? 100_000);
const JOBS = 1000;

/** Fills the runs table in SQL: run n of job n % JOBS, a second apart, 1% still in flight. */
const FILL = `
  INSERT INTO "${schema}".kairos_jobs_runs
    (id, job_id, scheduled_run_time, outcome, scheduler_id, lease_until, slot, document)
  SELECT id, job_id, time, outcome, 'scheduler-a', lease, id,
         json_build_object('id', id, 'jobId', job_id, 'jobName', job_id, 'jobstore', 'default',
           'executor', 'default', 'schedulerId', 'scheduler-a', 'scheduledRunTime', time,
           'coalescedRunTimes', '[]'::json, 'submittedAt', time, 'startedAt', time,
           'finishedAt', time + 5, 'outcome', outcome, 'error', null, 'result', null,
           'slot', id, 'leaseUntil', lease, 'attempt', 0, 'onAbandoned', 'fail',
           'maxRetries', 0, 'job', null)::text
  FROM (
    SELECT 'run-' || n AS id, 'job-' || (n % ${JOBS}) AS job_id,
           ${RUN_TIME}::float8 + n * 1000 AS time,
           CASE WHEN n % 100 = 0 THEN NULL ELSE 'executed' END AS outcome,
           CASE WHEN n % 100 = 0 THEN ${RUN_TIME}::float8 + n * 1000 + 30000 END AS lease
    FROM generate_series(1, ${RUNS}) AS n
  ) AS runs`;

describe.skipIf(!available)('PostgresJobStore run history on a large table', () => {
  const store = new PostgresJobStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 });
  const names = storeNames(schema, 'kairos_jobs');
  const sql = ledgerStatements(names);

  beforeAll(async () => {
    await store.start(new TestStoreContext(), 'default');
    await withAdmin(async (admin) => {
      await admin.query(FILL);
      await admin.query(`ANALYZE "${schema}".kairos_jobs_runs`);
    });
  }, 600_000);
  afterAll(async () => {
    await store.shutdown();
    await dropSchema(schema);
  });

  /** The plan PostgreSQL chooses for a statement (the table's statistics, no planner switches). */
  async function plan(text: string, values: unknown[]): Promise<string> {
    return withAdmin(async (admin) => {
      const result = await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
      return result.rows.map((row) => row['QUERY PLAN']).join('\n');
    });
  }

  async function historyPlan(query: Parameters<typeof runsQuery>[1]): Promise<string> {
    const bound = runsQuery(names, query);
    if (bound === null) throw new TypeError('the query matches nothing');
    return plan(bound.text, bound.values);
  }

  it("reads a job's last runs, and the pages after them, from the job's index in order", async () => {
    const lastTwenty = await historyPlan({ jobId: 'job-7', limit: 20 });
    const nextPage = await historyPlan({
      jobId: 'job-7',
      limit: 20,
      after: { scheduledRunTime: RUN_TIME + 50_007_000, id: 'run-50007' },
    });
    for (const chosen of [lastTwenty, nextPage]) {
      expect(chosen).toMatch(/Index Scan using kairos_jobs_runs_job_idx/);
      expect(chosen).not.toMatch(/Sort|Seq Scan/);
    }
    // The keyset position is where the scan starts, not a filter over the job's earlier runs.
    expect(nextPage).toMatch(/Index Cond: .*ROW\(scheduled_run_time, id\) < ROW\(/);
  });

  it('reads the whole history and the runs of an outcome from the time index in order', async () => {
    for (const query of [{ limit: 20 }, { limit: 20, outcomes: ['executed' as const] }]) {
      const chosen = await historyPlan(query);
      expect(chosen).toMatch(/Index Scan using kairos_jobs_runs_time_idx/);
      expect(chosen).not.toMatch(/Sort|Seq Scan/);
    }
  });

  it('finds lapsed runs by the partial lease index and last runs by the job index', async () => {
    const lapsed = await plan(sql.lapsed, [RUN_TIME + 1000 * RUNS, 100]);
    expect(lapsed).toMatch(/Index Scan using kairos_jobs_runs_lease_idx/);
    expect(lapsed).not.toMatch(/Sort|Seq Scan/);
    const last = await plan(sql.lastRuns, [['job-1', 'job-2']]);
    expect(last).toMatch(/Index Scan using kairos_jobs_runs_job_idx/);
    expect(last).not.toMatch(/Seq Scan/);
    const slots = await plan(sql.slotsInFlight, [['job-1'], RUN_TIME]);
    expect(slots).not.toMatch(/Seq Scan/);
  });

  it("trims a job's history from the index of finished runs, not from every run of the job", async () => {
    const trim = await plan(sql.trim, [['job-1', 'job-2'], [RUN_TIME, RUN_TIME], 100]);
    // An index-only scan once autovacuum has marked the pages all-visible; a bitmap scan before.
    expect(trim).toMatch(/Scan (using|on) kairos_jobs_runs_finished_idx/);
    expect(trim).not.toMatch(/Seq Scan|kairos_jobs_runs_job_idx/);
  });

  it('answers "the last 20 runs of a job" in a few milliseconds', async () => {
    const ledger = store.ledger;
    const times: number[] = [];
    for (let round = 0; round < 40; round += 1) {
      const started = performance.now();
      const runs = await ledger.getRuns({ jobId: `job-${(round * 37) % JOBS}`, limit: 20 });
      times.push(performance.now() - started);
      expect(runs).toHaveLength(Math.min(20, Math.floor(RUNS / JOBS)));
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
    const bound = runsQuery(names, { jobId: 'job-500', limit: 20 });
    const executionMs = await withAdmin(async (admin) => {
      const result = await admin.query<{ 'QUERY PLAN': [{ 'Execution Time': number }] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${bound?.text ?? ''}`,
        bound?.values,
      );
      return result.rows[0]?.['QUERY PLAN'][0]['Execution Time'] ?? Number.NaN;
    });
    console.log(
      `getRuns({ jobId, limit: 20 }) among ${RUNS} runs: median ${median.toFixed(2)} ms, ` +
        `max ${(times.at(-1) ?? Number.NaN).toFixed(2)} ms over ${times.length} calls; ` +
        `${executionMs.toFixed(3)} ms of it in the server (EXPLAIN ANALYZE)`,
    );
    expect(median).toBeLessThan(20);
  });
});
