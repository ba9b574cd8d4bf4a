/**
 * The run ledger beyond claims: recording outcomes (compare-and-set, retention), ending lapsed
 * runs exactly once, heartbeats and nodes, the history's filters and keyset pages, and clearing.
 */
import {
  compareRuns,
  endedRow,
  rowsToTrim,
  runMatches,
  type RunQuery,
  type RunRow,
} from '@kairos/core';
import { LEASE_MS, runRow } from '@kairos/testkit';
import { describe, expect, it } from 'vitest';
import type { SQLiteJobStore } from '../src/index.js';
import { endedRun, T0 } from './ledger-fixtures.js';
import { sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();
const SECOND = 1000;
// Seven, so that every job (index % 3) gets every outcome (index % 7).
const OUTCOMES = ['executed', 'error', 'missed', 'skipped', 'timeout', 'abandoned', null] as const;

/** Writes rows as they are (finished ones included), bypassing the slot count. */
async function seed(store: SQLiteJobStore, rows: readonly RunRow[]): Promise<void> {
  await store.ledger.open({ rows, refused: [], maxInstances: Number.MAX_SAFE_INTEGER }, T0);
}

/** A deterministic mix of rows of three jobs: shared scheduled times, every outcome. */
function mixedRows(count: number): RunRow[] {
  const rows: RunRow[] = [];
  for (let index = 0; index < count; index += 1) {
    const fields = {
      id: `r${String((index * 37) % 101).padStart(3, '0')}-${index}`,
      jobId: `job-${index % 3}`,
      scheduledRunTime: T0 + Math.floor(index / 4) * SECOND,
    };
    const outcome = OUTCOMES[index % OUTCOMES.length] ?? null;
    rows.push(outcome === null ? runRow(fields) : endedRun(fields, outcome));
  }
  return rows;
}

describe('SQLiteRunLedger.finish', () => {
  it('records an outcome once: a run already ended or unknown is left as it is', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    const row = runRow({ id: 'a-1', jobId: 'a' });
    await seed(store, [row]);
    const executed = endedRow(row, { outcome: 'executed', finishedAt: T0 + SECOND, result: 42 });
    expect(await store.ledger.finish(executed, null)).toBe(true);
    expect(await store.ledger.getRuns({ limit: 10 })).toEqual([executed]);
    const late = endedRow(row, { outcome: 'error', finishedAt: T0 + 2 * SECOND });
    expect(await store.ledger.finish(late, null)).toBe(false);
    expect(await store.ledger.getRuns({ limit: 10 })).toEqual([executed]);
    const unknown = endedRow(runRow({ id: 'gone', jobId: 'a' }), { outcome: 'executed' });
    expect(await store.ledger.finish(unknown, null)).toBe(false);
    expect(await store.ledger.getRuns({ limit: 10 })).toEqual([executed]);
  });

  it("trims the job's finished runs as rowsToTrim says, never runs in flight or other jobs'", async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    const rows = mixedRows(90);
    await seed(store, rows);
    const target = rows.find((row) => row.jobId === 'job-1' && row.outcome === null);
    if (target === undefined) throw new Error('the fixture has no run of job-1 in flight');
    const finishedAt = T0 + 15 * SECOND;
    const ended = endedRow(target, { outcome: 'executed', finishedAt });
    const retention = { keep: 6, maxAge: 8 };
    expect(await store.ledger.finish(ended, retention)).toBe(true);
    const after = rows.map((row) => (row.id === ended.id ? ended : row));
    const dropped = new Set(
      rowsToTrim(
        after.filter((row) => row.jobId === 'job-1'),
        retention,
        finishedAt,
      ).map((row) => row.id),
    );
    expect(dropped.size).toBeGreaterThan(6);
    const kept = after.filter((row) => !dropped.has(row.id)).sort(compareRuns);
    expect(await store.ledger.getRuns({ limit: 1000 })).toEqual(kept);
    expect(kept.filter((row) => row.jobId === 'job-1' && row.outcome === null)).not.toEqual([]);
  });

  it('keeps every finished run without retention', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    const rows = [...mixedRows(12), runRow({ id: 'last', jobId: 'job-0', scheduledRunTime: T0 })];
    await seed(store, rows);
    const last = endedRow(rows[12] ?? runRow({ id: 'last', jobId: 'job-0' }), {
      outcome: 'executed',
      finishedAt: T0 + 1_000_000 * SECOND,
    });
    expect(await store.ledger.finish(last, null)).toBe(true);
    expect(await store.ledger.getRuns({ limit: 100 })).toHaveLength(13);
  });
});

describe('SQLiteRunLedger.finishMany', () => {
  /** The rows of `rows` in flight, ended `executed` at the given finish times, in turn. */
  function endInFlight(rows: readonly RunRow[], finishTimes: readonly number[]): RunRow[] {
    const inFlight = rows.filter((row) => row.outcome === null);
    return finishTimes.map((finishedAt, index) => {
      const row = inFlight[index];
      if (row === undefined)
        throw new Error(`the fixture has fewer than ${index + 1} runs in flight`);
      return endedRow(row, { outcome: 'executed', finishedAt });
    });
  }

  it('writes each row as finish would, in one transaction, trimming each job once as of its newest finish', async () => {
    const path = fixtures.file();
    const statements: string[] = [];
    const database = fixtures.connect(path, { verbose: (sql) => statements.push(String(sql)) });
    const { store } = await fixtures.start({ database });
    const rows = mixedRows(90);
    await seed(store, rows);
    const batch = endInFlight(
      rows,
      [12, 15, 9, 14, 13, 11].map((s) => T0 + s * SECOND),
    );
    const [first] = batch;
    if (first === undefined) throw new Error('an empty batch');
    // Already ended (a second time in the batch), and unknown: left as they are.
    const twice = endedRow(first, { outcome: 'error', finishedAt: T0 + 20 * SECOND });
    const ghost = endedRun({ id: 'ghost', jobId: 'job-0', scheduledRunTime: T0 });
    const retention = { keep: 6, maxAge: 8 };
    statements.length = 0;
    expect(await store.ledger.finishMany([...batch, twice, ghost], retention)).toEqual([
      ...batch.map(() => true),
      false,
      false,
    ]);
    expect(statements.filter((sql) => sql.startsWith('BEGIN'))).toEqual(['BEGIN IMMEDIATE']);
    expect(statements.filter((sql) => sql.startsWith('DELETE'))).toHaveLength(3);
    const after = rows.map((row) => batch.find((ended) => ended.id === row.id) ?? row);
    const dropped = new Set<string>();
    for (const jobId of ['job-0', 'job-1', 'job-2']) {
      const finishes = batch.filter((row) => row.jobId === jobId).map((row) => row.finishedAt ?? 0);
      expect(finishes).not.toEqual([]);
      const job = after.filter((row) => row.jobId === jobId);
      const now = Math.max(...finishes);
      for (const row of rowsToTrim(job, retention, now)) dropped.add(row.id);
    }
    expect(dropped.size).toBeGreaterThan(18);
    const kept = after.filter((row) => !dropped.has(row.id)).sort(compareRuns);
    expect(await store.ledger.getRuns({ limit: 1000 })).toEqual(kept);
  });

  it("with history off deletes each row at once, and the job's runs finished before", async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    const rows = mixedRows(30);
    await seed(store, rows);
    const [ended] = endInFlight(rows, [T0 + SECOND]);
    if (ended === undefined) throw new Error('an empty batch');
    expect(await store.ledger.finishMany([ended], { keep: 0, maxAge: 0 })).toEqual([true]);
    const kept = rows
      .filter((row) => row.jobId !== ended.jobId || (row.outcome === null && row.id !== ended.id))
      .sort(compareRuns);
    expect(await store.ledger.getRuns({ limit: 100 })).toEqual(kept);
  });

  it('skips the trim of a job retention cannot shorten, and still drops a run too old', async () => {
    const path = fixtures.file();
    const statements: string[] = [];
    const database = fixtures.connect(path, { verbose: (sql) => statements.push(String(sql)) });
    const { store } = await fixtures.start({ database });
    const old = endedRun({ id: 'old', jobId: 'a', scheduledRunTime: T0 - 60 * SECOND });
    const fresh = runRow({ id: 'fresh', jobId: 'a', scheduledRunTime: T0 });
    const other = runRow({ id: 'other', jobId: 'b', scheduledRunTime: T0 });
    await seed(store, [old, fresh, other]);
    const finishedAt = T0 + SECOND;
    const batch = [fresh, other].map((row) => endedRow(row, { outcome: 'executed', finishedAt }));
    statements.length = 0;
    expect(await store.ledger.finishMany(batch, { keep: 10, maxAge: 30 })).toEqual([true, true]);
    // Job b has one run and none too old: no DELETE. Job a's oldest run is 61 s old.
    const deletes = statements.filter((sql) => sql.startsWith('DELETE'));
    expect(deletes).toHaveLength(1);
    expect(deletes[0]).toContain(`job_id = 'a'`);
    const stored = await store.ledger.getRuns({ limit: 10 });
    expect(stored.map((row) => row.id)).toEqual(['other', 'fresh']);
  });
});

describe('SQLiteRunLedger.abandonLapsed', () => {
  const abandoned = (now: number) => (row: RunRow) =>
    endedRow(row, { outcome: 'abandoned', finishedAt: now });
  const retryOf = (owner: string) => (row: RunRow) =>
    row.onAbandoned === 'retry'
      ? runRow({
          ...row,
          id: `${row.id}-retry`,
          schedulerId: owner,
          leaseUntil: T0 + LEASE_MS,
          attempt: row.attempt + 1,
        })
      : null;

  it('ends lapsed runs oldest lease first, up to the limit, writing their retries', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    await seed(store, [
      runRow({ id: 'late', jobId: 'a', leaseUntil: T0 - 1 }),
      runRow({ id: 'early', jobId: 'b', leaseUntil: T0 - 3 * SECOND, onAbandoned: 'retry' }),
      runRow({ id: 'middle', jobId: 'a', leaseUntil: T0 - 2 * SECOND }),
      runRow({ id: 'live', jobId: 'a', leaseUntil: T0 }),
      endedRun({ id: 'done', jobId: 'a' }),
    ]);
    const seen: string[] = [];
    const ended = await store.ledger.abandonLapsed({
      now: T0,
      limit: 2,
      abandoned: (row) => {
        seen.push(row.id);
        return abandoned(T0)(row);
      },
      retry: retryOf('node-b'),
    });
    expect(seen).toEqual(['early', 'middle']);
    expect(
      ended.map(({ row, retry }) => [row.id, row.outcome, row.schedulerId, retry?.id]),
    ).toEqual([
      ['early', 'abandoned', 'scheduler-a', 'early-retry'],
      ['middle', 'abandoned', 'scheduler-a', undefined],
    ]);
    const stored = await store.ledger.getRuns({ limit: 10 });
    expect(stored.map((row) => [row.id, row.outcome, row.schedulerId, row.leaseUntil])).toEqual([
      ['middle', 'abandoned', 'scheduler-a', null],
      ['live', null, 'scheduler-a', T0],
      ['late', null, 'scheduler-a', T0 - 1],
      ['early-retry', null, 'node-b', T0 + LEASE_MS],
      ['early', 'abandoned', 'scheduler-a', null],
      ['done', 'executed', 'scheduler-a', null],
    ]);
  });

  it('gives each lapsed run to exactly one of the stores scanning the file in turn', async () => {
    const path = fixtures.file();
    const one = await fixtures.start({ path });
    const two = await fixtures.start({ path });
    await seed(
      one.store,
      Array.from({ length: 7 }, (_, index) =>
        runRow({
          id: `r${index}`,
          jobId: 'a',
          leaseUntil: T0 - SECOND + index,
          onAbandoned: 'retry',
        }),
      ),
    );
    const scans = [one, two, one, two].map(({ store }, index) =>
      store.ledger.abandonLapsed({
        now: T0,
        limit: 2,
        abandoned: abandoned(T0),
        retry: retryOf(`node-${index}`),
      }),
    );
    const results = await Promise.all(scans);
    const ids = results.flatMap((ended) => ended.map(({ row }) => row.id));
    expect(results.map((ended) => ended.length)).toEqual([2, 2, 2, 1]);
    expect([...ids].sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    const left = await two.store.ledger.abandonLapsed({
      now: T0,
      limit: 10,
      abandoned: abandoned(T0),
      retry: retryOf('node-x'),
    });
    expect(left).toEqual([]);
    const retries = await one.store.ledger.getRuns({ outcomes: [null], limit: 100 });
    expect(retries.map((row) => row.id).sort()).toEqual(ids.map((id) => `${id}-retry`).sort());
  });
});

describe('SQLiteRunLedger heartbeats and nodes', () => {
  const beat = (id: string, now: number, runIds: string[] = []) => ({
    id,
    host: 'box',
    pid: 100,
    startedAt: T0 - 60 * SECOND,
    now,
    leaseUntil: now + LEASE_MS,
    runIds,
    pruneBefore: now - 86_400 * SECOND,
  });

  it("renews the leases of the beating node's own runs in flight only", async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    await seed(store, [
      runRow({ id: 'mine', jobId: 'a' }),
      runRow({ id: 'unnamed', jobId: 'a' }),
      runRow({ id: 'theirs', jobId: 'a', schedulerId: 'node-b' }),
      endedRun({ id: 'done', jobId: 'a' }),
    ]);
    const now = T0 + 10 * SECOND;
    await store.ledger.beat(beat('scheduler-a', now, ['mine', 'theirs', 'done', 'missing']));
    const leases = await store.ledger.getRuns({ limit: 10 });
    expect(leases.map((row) => [row.id, row.leaseUntil]).sort()).toEqual([
      ['done', null],
      ['mine', now + LEASE_MS],
      ['theirs', T0 + LEASE_MS],
      ['unnamed', T0 + LEASE_MS],
    ]);
    // The renewed lease is what counts and what the lapsed scan sees.
    const ended = await store.ledger.abandonLapsed({
      now: T0 + LEASE_MS + 1,
      limit: 10,
      abandoned: (row) => endedRow(row, { outcome: 'abandoned', finishedAt: T0 + LEASE_MS + 1 }),
      retry: () => null,
    });
    expect(ended.map(({ row }) => row.id).sort()).toEqual(['theirs', 'unnamed']);
  });

  it('upserts nodes, lists them by id, prunes the long-dead ones and removes those that leave', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    await store.ledger.beat(beat('node-b', T0));
    await store.ledger.beat(beat('node-a', T0 + SECOND));
    await store.ledger.beat({ ...beat('node-b', T0 + 2 * SECOND), pid: 200 });
    expect(await store.ledger.getNodes()).toEqual([
      {
        id: 'node-a',
        host: 'box',
        pid: 100,
        startedAt: T0 - 60 * SECOND,
        lastSeen: T0 + SECOND,
      },
      {
        id: 'node-b',
        host: 'box',
        pid: 200,
        startedAt: T0 - 60 * SECOND,
        lastSeen: T0 + 2 * SECOND,
      },
    ]);
    await store.ledger.beat({ ...beat('node-c', T0 + 3 * SECOND), pruneBefore: T0 + 2 * SECOND });
    expect((await store.ledger.getNodes()).map((node) => node.id)).toEqual(['node-b', 'node-c']);
    await store.ledger.leave('node-b');
    await store.ledger.leave('node-unknown');
    expect((await store.ledger.getNodes()).map((node) => node.id)).toEqual(['node-c']);
  });
});

describe('SQLiteRunLedger history', () => {
  const queries: Omit<RunQuery, 'limit'>[] = [
    {},
    { jobId: 'job-1' },
    { jobId: 'job-2', outcomes: [null] },
    { outcomes: ['error', 'abandoned'] },
    { jobId: 'job-0', outcomes: [null, 'executed'] },
    { since: T0 + 5 * SECOND, until: T0 + 9 * SECOND },
    {
      jobId: 'job-1',
      since: T0 + 3 * SECOND,
      after: { scheduledRunTime: T0 + 12 * SECOND, id: 'r050' },
    },
    { after: { scheduledRunTime: T0 + 7 * SECOND, id: 'r063-29' } },
    { jobId: 'nobody' },
    { outcomes: [] },
  ];

  it('filters as runMatches says, newest scheduled time first, then id descending', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    const rows = mixedRows(72);
    await seed(store, rows);
    for (const query of queries) {
      for (const limit of [1, 5, 100]) {
        const expected = rows
          .filter((row) => runMatches(row, { ...query, limit }))
          .sort(compareRuns)
          .slice(0, limit);
        expect(await store.ledger.getRuns({ ...query, limit }), JSON.stringify(query)).toEqual(
          expected,
        );
      }
    }
    expect(await store.ledger.getRuns({ limit: 0 })).toEqual([]);
  });

  it('pages by position: runs written between pages neither repeat nor shift the pages', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    const rows = mixedRows(60).filter((row) => row.jobId === 'job-2');
    await seed(store, rows);
    const pages: RunRow[][] = [];
    let after: RunRow | undefined;
    for (let page = 0; page < 10; page += 1) {
      const runs = await store.ledger.getRuns({ jobId: 'job-2', limit: 6, after });
      if (runs.length === 0) break;
      pages.push(runs);
      after = runs[runs.length - 1];
      // Newer runs (and runs of the same time with greater ids) arrive meanwhile.
      await seed(store, [
        runRow({ id: `zz-new-${page}`, jobId: 'job-2', scheduledRunTime: T0 + 60 * SECOND + page }),
        runRow({
          id: `zz-tie-${page}`,
          jobId: 'job-2',
          scheduledRunTime: after?.scheduledRunTime ?? T0,
        }),
      ]);
    }
    expect(pages.flat()).toEqual([...rows].sort(compareRuns));
    expect(pages.map((page) => page.length)).toEqual([6, 6, 6, 2]);
  });

  it("gives each job's newest run, by scheduled time then id", async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    await seed(store, [
      endedRun({ id: 'a-1', jobId: 'a', scheduledRunTime: T0 }),
      runRow({ id: 'a-2', jobId: 'a', scheduledRunTime: T0 + SECOND }),
      endedRun({ id: 'b-1', jobId: 'b', scheduledRunTime: T0 }),
      endedRun({ id: 'b-2', jobId: 'b', scheduledRunTime: T0 }, 'error'),
    ]);
    const last = await store.ledger.lastRuns(['a', 'b', 'c', 'a']);
    expect([...last].map(([jobId, row]) => [jobId, row.id, row.outcome])).toEqual([
      ['a', 'a-2', null],
      ['b', 'b-2', 'error'],
    ]);
    expect(await store.ledger.lastRuns([])).toEqual(new Map());
  });

  it('keeps the runs when the jobs are removed, and clear() deletes every run and node', async () => {
    const { store, context } = await fixtures.start({ path: fixtures.file() });
    await store.addJob(context.job({ id: 'a' }));
    await seed(store, [runRow({ id: 'a-1', jobId: 'a' })]);
    await store.ledger.beat({
      id: 'node-a',
      host: 'box',
      pid: 1,
      startedAt: T0,
      now: T0,
      leaseUntil: T0 + LEASE_MS,
      runIds: [],
      pruneBefore: 0,
    });
    await store.removeAllJobs();
    expect((await store.ledger.getRuns({ limit: 10 })).map((row) => row.id)).toEqual(['a-1']);
    await store.ledger.clear();
    expect(await store.ledger.getRuns({ limit: 10 })).toEqual([]);
    expect(await store.ledger.getNodes()).toEqual([]);
  });

  it('rejects ledger calls while the store is not started', async () => {
    const { store } = await fixtures.start({ path: fixtures.file() });
    await store.shutdown();
    await expect(store.ledger.getRuns({ limit: 1 })).rejects.toThrow(/is not started/);
    await expect(store.ledger.getNodes()).rejects.toThrow(/is not started/);
  });
});
