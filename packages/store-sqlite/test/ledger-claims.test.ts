/**
 * The run rows of a claim and of `runJob` (`ledger.open`): written in the claim's transaction,
 * and counted per job as distinct slots in flight (no outcome, lease not lapsed) across every
 * store sharing the file.
 */
import { encodeRunRow, type Job, type RunOpening } from '@kairos/core';
import { LEASE_MS, runRow, type TestStoreContext } from '@kairos/testkit';
import { describe, expect, it } from 'vitest';
import type { SQLiteJobStore } from '../src/index.js';
import { endedRun, openingOf, T0 } from './ledger-fixtures.js';
import { sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();
const SECOND = 1000;

/** Claims every job due at `now`, moving each a second on, with the openings `open` gives. */
function claimAt(
  store: SQLiteJobStore,
  context: TestStoreContext,
  now: number,
  open: (job: Job) => RunOpening,
) {
  return store.claimDueJobs({
    now,
    limit: 10,
    advance: (job) =>
      context.job({ id: job.id, maxInstances: job.maxInstances, nextRunTime: now + SECOND }),
    runs: { open },
  });
}

/** The job's runs, newest first, as (id, outcome) pairs. */
async function runsOf(store: SQLiteJobStore, jobId: string) {
  const rows = await store.ledger.getRuns({ jobId, limit: 100 });
  return rows.map((row) => [row.id, row.outcome]);
}

describe('SQLiteJobStore claims with run rows', () => {
  it("writes the runs of each job it claims, in flight, as the opening's rows", async () => {
    const path = fixtures.file();
    const { store, context } = await fixtures.start({ path });
    await store.addJob(context.job({ id: 'a', nextRunTime: T0 - 2 * SECOND }));
    await store.addJob(context.job({ id: 'b', nextRunTime: T0 - SECOND }));
    const openings = new Map<string, RunOpening>();
    const claimed = await claimAt(store, context, T0, (job) => {
      const opening = openingOf(job, `${job.id}-1`, job.nextRunTimeMs ?? T0);
      openings.set(job.id, opening);
      return opening;
    });
    expect(claimed.map((run) => [run.job.id, run.refused])).toEqual([
      ['a', false],
      ['b', false],
    ]);
    expect(await store.ledger.getRuns({ limit: 10 })).toEqual([
      ...(openings.get('b')?.rows ?? []),
      ...(openings.get('a')?.rows ?? []),
    ]);
    const stored = fixtures
      .connect(path)
      .prepare(
        'SELECT id, job_id, outcome, scheduler_id, lease_until, slot, row FROM kairos_jobs_runs WHERE id = ?',
      )
      .get('a-1');
    const row = openings.get('a')?.rows[0];
    expect(stored).toEqual({
      id: 'a-1',
      job_id: 'a',
      outcome: null,
      scheduler_id: 'scheduler-a',
      lease_until: T0 - 2 * SECOND + LEASE_MS,
      slot: 'a-1',
      row: row === undefined ? undefined : encodeRunRow(row),
    });
  });

  it('refuses a job whose distinct slots in flight reach maxInstances, and advances it anyway', async () => {
    const { store, context } = await fixtures.start({ path: fixtures.file() });
    await store.addJob(context.job({ id: 'a', maxInstances: 2, nextRunTime: T0 }));
    // Two runs of one submission share a slot; a lapsed lease and a finished run hold none.
    await store.ledger.open(
      {
        rows: [
          runRow({ id: 'x1', jobId: 'a', slot: 'x' }),
          runRow({ id: 'x2', jobId: 'a', slot: 'x' }),
          runRow({ id: 'lapsed', jobId: 'a', leaseUntil: T0 - 1 }),
        ],
        refused: [],
        maxInstances: 10,
      },
      T0,
    );
    await store.ledger.open(
      { rows: [endedRun({ id: 'done', jobId: 'a' })], refused: [], maxInstances: 10 },
      T0,
    );
    const first = await claimAt(store, context, T0, (job) => openingOf(job, 'a-1'));
    expect(first.map((run) => run.refused)).toEqual([false]);
    const second = await claimAt(store, context, T0 + SECOND, (job) =>
      openingOf(job, 'a-2', T0 + SECOND),
    );
    expect(second.map((run) => [run.job.id, run.refused])).toEqual([['a', true]]);
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(T0 + 2 * SECOND);
    expect(await runsOf(store, 'a')).toEqual([
      ['a-2', 'skipped'],
      ['x2', null],
      ['x1', null],
      ['lapsed', null],
      ['done', 'executed'],
      ['a-1', null],
    ]);
  });

  it('rolls the whole claim back when a run row cannot be written', async () => {
    const path = fixtures.file();
    const { store, context } = await fixtures.start({ path });
    await store.addJob(context.job({ id: 'a', nextRunTime: T0 - 2 * SECOND }));
    await store.addJob(context.job({ id: 'b', nextRunTime: T0 - SECOND }));
    await store.ledger.open(openingOf({ id: 'other', maxInstances: 1 }, 'taken'), T0);
    // b's run reuses a taken id: the insert fails after a was advanced and its run written.
    const claim = claimAt(store, context, T0, (job) =>
      openingOf(job, job.id === 'b' ? 'taken' : 'a-1'),
    );
    await expect(claim).rejects.toThrow(/UNIQUE constraint failed: kairos_jobs_runs.id/);
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(T0 - 2 * SECOND);
    expect((await store.lookupJob('b'))?.nextRunTimeMs).toBe(T0 - SECOND);
    expect(await runsOf(store, 'a')).toEqual([]);
    expect(fixtures.connect(path).prepare('SELECT id FROM kairos_jobs_runs').pluck().all()).toEqual(
      ['taken'],
    );
  });

  it('counts the runs in flight of every store sharing the file', async () => {
    const path = fixtures.file();
    const one = await fixtures.start({ path });
    const two = await fixtures.start({ path });
    await one.store.addJob(one.context.job({ id: 'a', nextRunTime: T0 }));
    const opened = await claimAt(one.store, one.context, T0, (job) => openingOf(job, 'one-1'));
    expect(opened.map((run) => run.refused)).toEqual([false]);
    const refused = await claimAt(two.store, two.context, T0 + SECOND, (job) =>
      openingOf(job, 'two-1', T0 + SECOND, 'node-b'),
    );
    expect(refused.map((run) => run.refused)).toEqual([true]);
    const [inFlight] = await one.store.ledger.getRuns({ jobId: 'a', outcomes: [null], limit: 1 });
    if (inFlight === undefined) throw new Error('the run in flight was not written');
    expect(
      await one.store.ledger.finish(
        { ...inFlight, outcome: 'executed', finishedAt: T0 + SECOND, leaseUntil: null, job: null },
        null,
      ),
    ).toBe(true);
    const free = await claimAt(two.store, two.context, T0 + 2 * SECOND, (job) =>
      openingOf(job, 'two-2', T0 + 2 * SECOND, 'node-b'),
    );
    expect(free.map((run) => run.refused)).toEqual([false]);
  });

  it('leaves claimed runs without a refused flag when the claim has no runs', async () => {
    const { store, context } = await fixtures.start({ path: fixtures.file() });
    await store.addJob(context.job({ id: 'a', nextRunTime: T0 }));
    const claimed = await store.claimDueJobs({ now: T0, limit: 10, advance: () => null });
    expect(claimed.map((run) => Object.keys(run).sort())).toEqual([['job', 'next']]);
    expect(await store.ledger.getRuns({ limit: 10 })).toEqual([]);
  });
});

describe('SQLiteRunLedger.open', () => {
  it('opens runs until the slots in flight reach maxInstances, then writes the refused rows', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    const job = { id: 'a', maxInstances: 2 };
    expect(await store.ledger.open(openingOf(job, 'a-1'), T0)).toBe(true);
    expect(await store.ledger.open(openingOf(job, 'a-2', T0 + 1), T0)).toBe(true);
    expect(await store.ledger.open(openingOf(job, 'a-3', T0 + 2), T0)).toBe(false);
    expect(await runsOf(store, 'a')).toEqual([
      ['a-3', 'skipped'],
      ['a-2', null],
      ['a-1', null],
    ]);
    // Another job's slots do not count.
    expect(await store.ledger.open(openingOf({ id: 'b', maxInstances: 1 }, 'b-1'), T0)).toBe(true);
  });

  it('counts a lease that ends at now as in flight, and one that ended before as lapsed', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    const job = { id: 'a', maxInstances: 1 };
    expect(await store.ledger.open(openingOf(job, 'a-1'), T0)).toBe(true);
    const leaseEnd = T0 + LEASE_MS;
    expect(await store.ledger.open(openingOf(job, 'a-2', T0 + 1), leaseEnd)).toBe(false);
    expect(await store.ledger.open(openingOf(job, 'a-3', T0 + 2), leaseEnd + 1)).toBe(true);
  });

  it('writes both rows of a submission that shares one slot', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    const rows = [
      runRow({ id: 'a-1', jobId: 'a', slot: 'a-1' }),
      runRow({ id: 'a-2', jobId: 'a', slot: 'a-1', scheduledRunTime: T0 + 1 }),
    ];
    expect(await store.ledger.open({ rows, refused: [], maxInstances: 1 }, T0)).toBe(true);
    expect(await runsOf(store, 'a')).toEqual([
      ['a-2', null],
      ['a-1', null],
    ]);
  });
});
