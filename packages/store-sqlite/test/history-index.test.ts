/**
 * The ledger's queries walk its indexes, never the runs table: "the last 20 runs of a job"
 * among a million stored runs is one range of `<table>_runs_job`, read in the index's order.
 */
import { endedRow } from '@kairos/core';
import { runRow } from '@kairos/testkit';
import { describe, expect, it } from 'vitest';
import { endedRun, openingOf, T0 } from './ledger-fixtures.js';
import { sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();

/** What EXPLAIN QUERY PLAN says of a statement, one step per `; `. */
function planOf(path: string, sql: string): string {
  const plan = fixtures.connect(path).prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as {
    detail: string;
  }[];
  return plan.map((step) => step.detail).join('; ');
}

describe('SQLiteRunLedger query plans', () => {
  it('answers every ledger query through an index of the runs table', async () => {
    const path = fixtures.file();
    const statements: string[] = [];
    const database = fixtures.connect(path, { verbose: (sql) => statements.push(String(sql)) });
    const { store, context } = await fixtures.start({ database });
    const { ledger } = store;
    const rows = Array.from({ length: 50 }, (_, index) =>
      endedRun({ id: `r${index}`, jobId: `j${index % 5}`, scheduledRunTime: T0 + index }),
    );
    await ledger.open({ rows, refused: [], maxInstances: 99 }, T0);
    statements.length = 0;
    await store.addJob(context.job({ id: 'j1', nextRunTime: T0 }));
    const runs = { open: (job: { id: string; maxInstances: number }) => openingOf(job, 'x1') };
    await store.claimDueJobs({ now: T0, limit: 5, advance: () => null, runs });
    await ledger.open(openingOf({ id: 'j2', maxInstances: 1 }, 'x2'), T0);
    const ended = endedRow(runRow({ id: 'x2', jobId: 'j2' }), {
      outcome: 'executed',
      finishedAt: T0,
    });
    await ledger.finish(ended, { keep: 3, maxAge: 100 });
    await ledger.open(openingOf({ id: 'j3', maxInstances: 1 }, 'x3'), T0);
    const dropped = endedRow(runRow({ id: 'x3', jobId: 'j3' }), {
      outcome: 'executed',
      finishedAt: T0,
    });
    await ledger.finishMany([dropped], { keep: 0, maxAge: 0 });
    await ledger.abandonLapsed({
      now: T0 + 1e9,
      limit: 5,
      abandoned: (row) => endedRow(row, { outcome: 'abandoned', finishedAt: T0 + 1e9 }),
      retry: () => null,
    });
    await ledger.getRuns({ jobId: 'j1', limit: 20 });
    await ledger.getRuns({
      jobId: 'j1',
      limit: 20,
      after: { scheduledRunTime: T0 + 30, id: 'r30' },
    });
    await ledger.getRuns({ limit: 20, after: { scheduledRunTime: T0 + 30, id: 'r30' } });
    await ledger.getRuns({ limit: 20, since: T0, until: T0 + 20, outcomes: ['executed', null] });
    await ledger.lastRuns(['j1', 'j2']);
    const expected: [RegExp, string][] = [
      [/^SELECT count\(DISTINCT slot\)/, 'kairos_jobs_runs_in_flight'],
      [/^SELECT EXISTS \(SELECT 1 FROM "kairos_jobs_runs" WHERE job_id/, 'kairos_jobs_runs_job'],
      [/^DELETE FROM "kairos_jobs_runs" WHERE job_id/, 'kairos_jobs_runs_job'],
      [/^DELETE FROM "kairos_jobs_runs" WHERE id/, 'sqlite_autoindex_kairos_jobs_runs_1'],
      [
        /^SELECT row FROM "kairos_jobs_runs" WHERE outcome IS NULL AND lease_until/,
        'kairos_jobs_runs_lease',
      ],
      [/^UPDATE "kairos_jobs_runs"/, 'sqlite_autoindex_kairos_jobs_runs_1'],
      [/^SELECT row FROM "kairos_jobs_runs" WHERE job_id/, 'kairos_jobs_runs_job'],
      [
        /^SELECT row FROM "kairos_jobs_runs" WHERE \(scheduled_run_time, id\)/,
        'kairos_jobs_runs_time',
      ],
      [/^SELECT row FROM "kairos_jobs_runs" WHERE \(outcome IS NULL/, 'kairos_jobs_runs_time'],
    ];
    const checked = new Set<RegExp>();
    for (const sql of statements.filter((text) => text.includes('"kairos_jobs_runs"'))) {
      if (sql.startsWith('INSERT')) continue;
      const [pattern, index] = expected.find(([candidate]) => candidate.test(sql)) ?? [];
      expect(pattern, `a statement the test does not expect: ${sql}`).toBeDefined();
      if (pattern === undefined) continue;
      checked.add(pattern);
      const plan = planOf(path, sql);
      expect(plan, sql).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}\\b`));
      expect(plan, sql).not.toMatch(/SCAN kairos_jobs_runs|TEMP B-TREE FOR ORDER BY/);
    }
    expect(checked.size).toBe(expected.length);
  });

  it('reads the last 20 runs of a job among a million in well under 5 ms', async () => {
    const path = fixtures.file();
    const { store } = await fixtures.start({ path });
    // A million finished runs of 1,000 jobs, one a second, written by SQL to keep the test short.
    fixtures.connect(path).exec(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
       INSERT INTO kairos_jobs_runs
       SELECT printf('run-%07d', i), printf('job-%03d', i % 1000), ${T0} + i * 1000, 'executed',
              'scheduler-a', NULL, printf('run-%07d', i),
              json_object('id', printf('run-%07d', i), 'jobId', printf('job-%03d', i % 1000),
                          'scheduledRunTime', ${T0} + i * 1000, 'outcome', 'executed')
       FROM n`,
    );
    const timings: number[] = [];
    for (let job = 0; job < 50; job += 1) {
      const jobId = `job-${String(job * 7).padStart(3, '0')}`;
      const started = performance.now();
      const runs = await store.ledger.getRuns({ jobId, limit: 20 });
      timings.push(performance.now() - started);
      expect(runs.map((row) => row.id)[0]).toBe(
        `run-${String(999_000 + job * 7).padStart(7, '0')}`,
      );
      expect(runs).toHaveLength(20);
    }
    timings.sort((a, b) => a - b);
    const median = timings[25] ?? Number.POSITIVE_INFINITY;
    // The bound for every store; here it is a few hundredths of a millisecond.
    expect(median).toBeLessThan(5);
    const plan = planOf(
      path,
      `SELECT row FROM kairos_jobs_runs WHERE job_id = 'job-007' ` +
        `ORDER BY scheduled_run_time DESC, id DESC LIMIT 20`,
    );
    expect(plan).toBe('SEARCH kairos_jobs_runs USING INDEX kairos_jobs_runs_job (job_id=?)');
  }, 60_000);
});
