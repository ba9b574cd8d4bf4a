import { compareRuns, NO_HISTORY, type RunLedger, type RunRow } from '@kairos/core';
import {
  finishedRow,
  lapsedScan,
  oneMinuteLater,
  RUN_TIME,
  runRow,
  TestStoreContext,
} from '@kairos/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { dropSchema, POSTGRES_URL, postgresAvailable, uniqueSchema } from './postgres-server.js';
import { LEASE_UNTIL, opening } from './run-rows.js';

const available = await postgresAvailable();
const schema = uniqueSchema('ledger');

function newStore(connectionString = POSTGRES_URL): PostgresJobStore {
  return new PostgresJobStore({ connectionString, schema, poolSize: 4 });
}

/** A server whose transactions default to REPEATABLE READ (the store's must not). */
const REPEATABLE_READ_URL = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c default_transaction_isolation=repeatable\\ read')}`;

/** Opens rows in flight with slots to spare, as the suite's setup. */
async function openAll(ledger: RunLedger, rows: readonly RunRow[]): Promise<void> {
  expect(await ledger.open(opening(rows, 1000), RUN_TIME)).toBe(true);
}

/** Writes finished rows: each opened in flight, then finished without retention. */
async function writeFinished(ledger: RunLedger, rows: readonly RunRow[]): Promise<void> {
  for (const row of rows) {
    await openAll(ledger, [{ ...row, outcome: null, finishedAt: null, leaseUntil: LEASE_UNTIL }]);
    expect(await ledger.finish(row, null)).toBe(true);
  }
}

async function allRuns(ledger: RunLedger): Promise<RunRow[]> {
  return ledger.getRuns({ limit: 10_000 });
}

function ids(rows: Iterable<RunRow>): string[] {
  return [...rows].map((row) => row.id);
}

describe.skipIf(!available)('PostgresJobStore run ledger', () => {
  const context = new TestStoreContext();
  const store = newStore();
  const ledger = store.ledger;
  /** Other processes on the same tables (each its own pool; one defaults to REPEATABLE READ). */
  const others = [newStore(), newStore(), newStore(REPEATABLE_READ_URL)];

  beforeAll(async () => {
    await store.start(context, 'default');
    for (const other of others) await other.start(new TestStoreContext(), 'default');
  });
  beforeEach(async () => {
    await ledger.clear();
    await store.removeAllJobs();
  });
  afterAll(async () => {
    for (const other of others) await other.shutdown();
    await store.shutdown();
    await dropSchema(schema);
  });

  it('counts distinct slots of unfinished runs whose lease has not lapsed', async () => {
    // One submission of two runs: one slot.
    const pair = [runRow({ id: 'a1', slot: 'a1' }), runRow({ id: 'a2', slot: 'a1' })];
    expect(await ledger.open(opening(pair, 2), RUN_TIME)).toBe(true);
    expect(await ledger.open(opening([runRow({ id: 'b' })], 2), RUN_TIME)).toBe(true);
    expect(await ledger.open(opening([runRow({ id: 'c' })], 2), RUN_TIME)).toBe(false);
    // Another job's runs take none of this job's slots.
    expect(await ledger.open(opening([runRow({ id: 'x', jobId: 'other' })], 1), RUN_TIME)).toBe(
      true,
    );
    const stored = new Map((await allRuns(ledger)).map((row) => [row.id, row]));
    expect(stored.get('c')?.outcome).toBe('skipped');
    expect(stored.get('c')?.leaseUntil).toBeNull();
    expect(stored.get('b')?.outcome).toBeNull();

    // A lease that ends exactly now still holds its slot; one that ended before does not.
    expect(await ledger.open(opening([runRow({ id: 'd' })], 2), LEASE_UNTIL)).toBe(false);
    expect(await ledger.open(opening([runRow({ id: 'e' })], 2), LEASE_UNTIL + 1)).toBe(true);
    // A finished run holds no slot.
    expect(await ledger.finish(finishedRow(runRow({ id: 'e' }), 'executed', RUN_TIME), null)).toBe(
      true,
    );
    expect(await ledger.open(opening([runRow({ id: 'f' })], 1), LEASE_UNTIL + 1)).toBe(true);
  });

  it('opens at most maxInstances runs of a job when several processes open them at once', async () => {
    const ledgers = [ledger, ...others.map((other) => other.ledger)];
    const attempts = Array.from({ length: 24 }, (_, index) =>
      (ledgers[index % ledgers.length] ?? ledger).open(
        opening([runRow({ id: `r${index}` })], 3),
        RUN_TIME,
      ),
    );
    const opened = await Promise.all(attempts);
    expect(opened.filter((each) => each === true)).toHaveLength(3);
    const runs = await allRuns(ledger);
    expect(runs.filter((row) => row.outcome === null)).toHaveLength(3);
    expect(runs.filter((row) => row.outcome === 'skipped')).toHaveLength(21);
  });

  it('writes the runs of the jobs it claims, refusing a job whose slots are taken', async () => {
    const now = RUN_TIME;
    await store.addJob(context.job({ id: 'busy', nextRunTime: now - 10 }));
    await store.addJob(context.job({ id: 'free', nextRunTime: now - 5 }));
    await openAll(ledger, [runRow({ id: 'running', jobId: 'busy' })]);
    const claimed = await store.claimDueJobs({
      now,
      limit: 10,
      advance: oneMinuteLater(context),
      runs: { open: (job) => opening([runRow({ id: `run-${job.id}`, jobId: job.id })], 1) },
    });
    expect(claimed.map((run) => [run.job.id, run.refused, run.next?.nextRunTimeMs])).toEqual([
      ['busy', true, now - 10 + 60_000],
      ['free', false, now - 5 + 60_000],
    ]);
    const runs = new Map((await allRuns(ledger)).map((row) => [row.id, row]));
    expect(runs.get('run-busy')?.outcome).toBe('skipped');
    expect(runs.get('run-free')?.outcome).toBeNull();
    expect(runs.get('run-free')?.leaseUntil).toBe(LEASE_UNTIL);
    // Without `runs`, a claim writes no run.
    await store.claimDueJobs({ now: now + 60_000, limit: 10, advance: oneMinuteLater(context) });
    expect(await allRuns(ledger)).toHaveLength(3);
  });

  it('writes neither the claim nor its runs when writing the runs fails', async () => {
    await store.addJob(context.job({ id: 'a', nextRunTime: RUN_TIME - 2 }));
    await store.addJob(context.job({ id: 'b', nextRunTime: RUN_TIME - 1 }));
    await openAll(ledger, [runRow({ id: 'taken', jobId: 'elsewhere' })]);
    const claim = store.claimDueJobs({
      now: RUN_TIME,
      limit: 10,
      advance: oneMinuteLater(context),
      // b's run reuses an id that is stored: the INSERT fails after both jobs were advanced.
      runs: {
        open: (job) =>
          opening([runRow({ id: job.id === 'b' ? 'taken' : `run-${job.id}`, jobId: job.id })], 5),
      },
    });
    await expect(claim).rejects.toThrow(/duplicate key/);
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(RUN_TIME - 2);
    expect((await store.lookupJob('b'))?.nextRunTimeMs).toBe(RUN_TIME - 1);
    expect(ids(await allRuns(ledger))).toEqual(['taken']);
  });

  it('counts a claim and an open of the same job racing in two processes as one', async () => {
    const other = others[0];
    if (other === undefined) throw new TypeError('no second process');
    for (let round = 0; round < 12; round += 1) {
      await ledger.clear();
      await store.removeAllJobs();
      await store.addJob(context.job({ id: 'job', nextRunTime: RUN_TIME }));
      const [claimed, opened] = await Promise.all([
        store.claimDueJobs({
          now: RUN_TIME,
          limit: 1,
          advance: oneMinuteLater(context),
          runs: { open: () => opening([runRow({ id: `claimed-${round}` })], 1) },
        }),
        other.ledger.open(opening([runRow({ id: `opened-${round}` })], 1), RUN_TIME),
      ]);
      expect(claimed).toHaveLength(1);
      expect([claimed[0]?.refused === false, opened].filter(Boolean)).toHaveLength(1);
      expect((await allRuns(ledger)).filter((row) => row.outcome === null)).toHaveLength(1);
    }
  });

  it('records an outcome once, and only for a run it has', async () => {
    const row = runRow({ id: 'a' });
    await openAll(ledger, [row]);
    const done = finishedRow(row, 'executed', RUN_TIME + 5);
    expect(await ledger.finish(done, null)).toBe(true);
    expect(await ledger.finish(finishedRow(row, 'error', RUN_TIME + 6), null)).toBe(false);
    expect(await ledger.finish(finishedRow(runRow({ id: 'gone' }), 'error', RUN_TIME), null)).toBe(
      false,
    );
    expect(await allRuns(ledger)).toEqual([done]);
  });

  it('trims the finished runs of the job beyond keep and maxAge, never runs in flight', async () => {
    const old = runRow({ id: 'in-flight', scheduledRunTime: RUN_TIME - 3_600_000 });
    const otherJob = finishedRow(runRow({ id: 'other', jobId: 'other' }), 'executed', RUN_TIME);
    await openAll(ledger, [old]);
    await writeFinished(ledger, [otherJob]);
    const history = Array.from({ length: 8 }, (_, index) =>
      finishedRow(
        runRow({ id: `h${index}`, scheduledRunTime: RUN_TIME + index * 1000 }),
        'executed',
        RUN_TIME + index * 1000 + 10,
      ),
    );
    await writeFinished(ledger, history.slice(0, 7));
    const last = runRow({ id: 'h7', scheduledRunTime: RUN_TIME + 7000 });
    await openAll(ledger, [last]);
    expect(await ledger.finish(history[7] ?? last, { keep: 3, maxAge: 3600 })).toBe(true);
    expect(ids(await ledger.getRuns({ jobId: 'job', limit: 100 }))).toEqual([
      'h7',
      'h6',
      'h5',
      'in-flight',
    ]);
    // maxAge counts from the finishing run's finishedAt: h5 (scheduled 5 s in) is 2.5 s too old.
    const late = finishedRow(runRow({ id: 'late', scheduledRunTime: RUN_TIME + 8000 }), 'error', 0);
    await openAll(ledger, [{ ...late, outcome: null, leaseUntil: LEASE_UNTIL, finishedAt: null }]);
    const lateDone = { ...late, finishedAt: RUN_TIME + 7500 };
    expect(await ledger.finish(lateDone, { keep: 100, maxAge: 2 })).toBe(true);
    expect(ids(await ledger.getRuns({ jobId: 'job', limit: 100 }))).toEqual([
      'late',
      'h7',
      'h6',
      'in-flight',
    ]);
    expect(ids(await ledger.getRuns({ jobId: 'other', limit: 100 }))).toEqual(['other']);
  });

  it('finishMany writes a run given twice once, and trims each job once, as of its newest finish', async () => {
    const day = 86_400_000;
    const old = finishedRow(
      runRow({ id: 'old', scheduledRunTime: RUN_TIME - 1.5 * day }),
      'executed',
      RUN_TIME - 1.5 * day,
    );
    const otherOld = finishedRow(
      runRow({ id: 'other-old', jobId: 'other', scheduledRunTime: RUN_TIME - 1.5 * day }),
      'executed',
      RUN_TIME - 1.5 * day,
    );
    await writeFinished(ledger, [old, otherOld]);
    const late = runRow({ id: 'late', scheduledRunTime: RUN_TIME });
    const early = runRow({ id: 'early', scheduledRunTime: RUN_TIME - day });
    const other = runRow({ id: 'other-1', jobId: 'other', scheduledRunTime: RUN_TIME - day });
    await openAll(ledger, [late, early]);
    await openAll(ledger, [other]);
    const lateDone = finishedRow(late, 'executed', RUN_TIME + 10);
    const batch = [
      lateDone,
      // Finished last but earliest: the job's trim still counts from lateDone's finish.
      finishedRow(early, 'executed', RUN_TIME - day + 10),
      finishedRow(other, 'executed', RUN_TIME - day + 5),
      finishedRow(late, 'error', RUN_TIME + 20),
      finishedRow(old, 'error', RUN_TIME + 30),
    ];
    expect(await ledger.finishMany?.(batch, { keep: 100, maxAge: 86_400 })).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    // Job `job` as of RUN_TIME + 10: `old` and `early` are more than a day older.
    expect(await ledger.getRuns({ jobId: 'job', limit: 100 })).toEqual([lateDone]);
    // Job `other` as of its own newest finish, RUN_TIME - day + 5: `other-old` is kept.
    expect(ids(await ledger.getRuns({ jobId: 'other', limit: 100 }))).toEqual([
      'other-1',
      'other-old',
    ]);
  });

  it("finishMany with history off deletes the runs it ends and the jobs' other finished runs, never runs in flight", async () => {
    const refused = finishedRow(runRow({ id: 'refused' }), 'skipped', RUN_TIME);
    const untouched = finishedRow(
      runRow({ id: 'untouched', jobId: 'other' }),
      'executed',
      RUN_TIME,
    );
    await writeFinished(ledger, [refused, untouched]);
    const [a, b, running] = ['a', 'b', 'running'].map((id) => runRow({ id }));
    await openAll(
      ledger,
      [a, b, running].filter((row) => row !== undefined),
    );
    const batch = [a, b, a].flatMap((row, index) =>
      row === undefined ? [] : [finishedRow(row, 'executed', RUN_TIME + index)],
    );
    expect(await ledger.finishMany?.(batch, NO_HISTORY)).toEqual([true, true, false]);
    expect(ids(await allRuns(ledger)).sort()).toEqual(['running', 'untouched']);
    expect(await ledger.finishMany?.([], NO_HISTORY)).toEqual([]);
  });

  it('ends each lapsed run exactly once when several schedulers scan at once', async () => {
    const rows = Array.from({ length: 40 }, (_, index) =>
      runRow({
        id: `r${String(index).padStart(2, '0')}`,
        jobId: `job${index % 4}`,
        leaseUntil: LEASE_UNTIL + index,
        onAbandoned: index % 2 === 0 ? 'retry' : 'fail',
        maxRetries: 1,
      }),
    );
    await openAll(ledger, rows);
    await openAll(ledger, [runRow({ id: 'alive', leaseUntil: LEASE_UNTIL + 10_000 })]);
    const now = LEASE_UNTIL + 1000;
    const scanners = [ledger, ...others.map((other) => other.ledger)].map(async (each, index) => {
      const ended = [];
      for (;;) {
        const batch = await each.abandonLapsed(
          lapsedScan({ now, limit: 3, schedulerId: `scanner-${index}` }),
        );
        if (batch.length === 0) return ended;
        ended.push(...batch);
      }
    });
    const ended = (await Promise.all(scanners)).flat();
    expect(ids(ended.map(({ row }) => row)).sort()).toEqual(ids(rows));
    for (const { row, retry } of ended) {
      expect(row.outcome).toBe('abandoned');
      expect(row.schedulerId).toBe('scheduler-a');
      expect(retry?.id ?? null).toBe(row.onAbandoned === 'retry' ? `${row.id}.retry1` : null);
    }
    const stored = await allRuns(ledger);
    const inFlight = stored.filter((row) => row.outcome === null);
    expect(ids(inFlight).sort()).toEqual(
      [
        'alive',
        ...rows.filter((_, index) => index % 2 === 0).map((row) => `${row.id}.retry1`),
      ].sort(),
    );
    expect(stored.filter((row) => row.outcome === 'abandoned')).toHaveLength(40);
  });

  it('ends the oldest leases first, and leaves a run whose lease was renewed', async () => {
    await openAll(ledger, [
      runRow({ id: 'newer', leaseUntil: LEASE_UNTIL + 2 }),
      runRow({ id: 'older', leaseUntil: LEASE_UNTIL + 1 }),
      runRow({ id: 'renewed', leaseUntil: LEASE_UNTIL }),
    ]);
    await ledger.beat({
      id: 'scheduler-a',
      host: 'h',
      pid: 1,
      startedAt: RUN_TIME,
      now: LEASE_UNTIL,
      leaseUntil: LEASE_UNTIL + 60_000,
      runIds: ['renewed'],
      pruneBefore: 0,
    });
    const scan = lapsedScan({ now: LEASE_UNTIL + 100, limit: 1 });
    expect(ids((await ledger.abandonLapsed(scan)).map(({ row }) => row))).toEqual(['older']);
    expect(ids((await ledger.abandonLapsed(scan)).map(({ row }) => row))).toEqual(['newer']);
    expect(await ledger.abandonLapsed(scan)).toEqual([]);
  });

  it('renews the leases of its own unfinished runs only, and keeps the nodes', async () => {
    await openAll(ledger, [
      runRow({ id: 'mine' }),
      runRow({ id: 'theirs', schedulerId: 'scheduler-b' }),
      runRow({ id: 'unlisted' }),
    ]);
    await writeFinished(ledger, [finishedRow(runRow({ id: 'done' }), 'executed', RUN_TIME)]);
    const beat = {
      id: 'scheduler-a',
      host: 'host-a',
      pid: 11,
      startedAt: RUN_TIME - 5000,
      now: RUN_TIME,
      leaseUntil: RUN_TIME + 90_000,
      runIds: ['mine', 'theirs', 'done'],
      pruneBefore: RUN_TIME - 60_000,
    };
    await ledger.beat(beat);
    const leases = new Map((await allRuns(ledger)).map((row) => [row.id, row.leaseUntil]));
    expect(Object.fromEntries(leases)).toEqual({
      mine: RUN_TIME + 90_000,
      theirs: LEASE_UNTIL,
      unlisted: LEASE_UNTIL,
      done: null,
    });
    const quiet = { pruneBefore: 0 };
    await ledger.beat({ ...beat, ...quiet, id: 'scheduler-0', pid: 12, now: RUN_TIME - 61_000 });
    await ledger.beat({ ...beat, ...quiet, id: 'scheduler-b', host: 'host-b', runIds: [] });
    expect(await ledger.getNodes()).toEqual([
      {
        id: 'scheduler-0',
        host: 'host-a',
        pid: 12,
        startedAt: RUN_TIME - 5000,
        lastSeen: RUN_TIME - 61_000,
      },
      {
        id: 'scheduler-a',
        host: 'host-a',
        pid: 11,
        startedAt: RUN_TIME - 5000,
        lastSeen: RUN_TIME,
      },
      {
        id: 'scheduler-b',
        host: 'host-b',
        pid: 11,
        startedAt: RUN_TIME - 5000,
        lastSeen: RUN_TIME,
      },
    ]);
    // The next beat prunes the node not seen for a minute; leave() removes its own.
    await ledger.beat({ ...beat, now: RUN_TIME + 1000 });
    await ledger.leave('scheduler-b');
    expect((await ledger.getNodes()).map((node) => [node.id, node.lastSeen])).toEqual([
      ['scheduler-a', RUN_TIME + 1000],
    ]);
  });

  it('pages through the history by position, newest first, with every filter', async () => {
    const outcomes = ['executed', 'error', null] as const;
    const rows = Array.from({ length: 30 }, (_, index) => {
      // Three runs share each scheduled time, so pages must break ties by id.
      const row = runRow({
        id: `run-${String.fromCharCode(97 + ((index * 7) % 26))}${index}`,
        jobId: index % 3 === 0 ? 'other' : 'job',
        scheduledRunTime: RUN_TIME + Math.floor(index / 3) * 1000,
      });
      const outcome = outcomes[index % 3] ?? null;
      return outcome === null ? row : finishedRow(row, outcome, row.scheduledRunTime + 1);
    });
    await openAll(
      ledger,
      rows.filter((row) => row.outcome === null),
    );
    await writeFinished(
      ledger,
      rows.filter((row) => row.outcome !== null),
    );
    const newestFirst = [...rows].sort(compareRuns);
    const paged: RunRow[] = [];
    for (;;) {
      const last = paged.at(-1);
      const page = await ledger.getRuns({ limit: 7, after: last });
      if (page.length === 0) break;
      paged.push(...page);
    }
    expect(ids(paged)).toEqual(ids(newestFirst));
    expect(paged).toEqual(newestFirst);

    const matching = (keep: (row: RunRow) => boolean): string[] => ids(newestFirst.filter(keep));
    expect(ids(await ledger.getRuns({ jobId: 'job', limit: 100 }))).toEqual(
      matching((row) => row.jobId === 'job'),
    );
    expect(ids(await ledger.getRuns({ outcomes: [null], limit: 100 }))).toEqual(
      matching((row) => row.outcome === null),
    );
    expect(ids(await ledger.getRuns({ outcomes: ['error', null], limit: 100 }))).toEqual(
      matching((row) => row.outcome !== 'executed'),
    );
    expect(ids(await ledger.getRuns({ outcomes: ['executed'], jobId: 'job', limit: 100 }))).toEqual(
      matching((row) => row.outcome === 'executed' && row.jobId === 'job'),
    );
    expect(await ledger.getRuns({ outcomes: [], limit: 100 })).toEqual([]);
    const since = RUN_TIME + 2000;
    const until = RUN_TIME + 5000;
    expect(ids(await ledger.getRuns({ since, until, limit: 100 }))).toEqual(
      matching((row) => row.scheduledRunTime >= since && row.scheduledRunTime <= until),
    );
    const middle = newestFirst[10];
    if (middle === undefined) throw new TypeError('no middle row');
    expect(ids(await ledger.getRuns({ jobId: 'job', after: middle, limit: 3 }))).toEqual(
      matching((row) => row.jobId === 'job' && compareRuns(row, middle) > 0).slice(0, 3),
    );

    const last = await ledger.lastRuns(['job', 'other', 'none', 'job']);
    expect([...last.keys()].sort()).toEqual(['job', 'other']);
    expect(last.get('job')?.id).toBe(matching((row) => row.jobId === 'job')[0]);
    expect(last.get('other')?.id).toBe(matching((row) => row.jobId === 'other')[0]);
    expect((await ledger.lastRuns([])).size).toBe(0);
  });

  it('clears runs and nodes without touching jobs, and removeAllJobs keeps the runs', async () => {
    await store.addJob(context.job({ id: 'kept' }));
    await openAll(ledger, [runRow({ id: 'a' })]);
    await store.removeAllJobs();
    expect(ids(await allRuns(ledger))).toEqual(['a']);
    await store.addJob(context.job({ id: 'kept' }));
    await ledger.beat({
      id: 's',
      host: 'h',
      pid: 1,
      startedAt: 0,
      now: RUN_TIME,
      leaseUntil: LEASE_UNTIL,
      runIds: [],
      pruneBefore: 0,
    });
    await ledger.clear();
    expect(await allRuns(ledger)).toEqual([]);
    expect(await ledger.getNodes()).toEqual([]);
    expect((await store.lookupJob('kept'))?.id).toBe('kept');
  });

  it("reads the server's clock", async () => {
    const before = Date.now();
    const serverTime = await ledger.serverTime?.();
    const after = Date.now();
    // Same machine: the server's clock is this process's.
    expect(serverTime).toBeGreaterThanOrEqual(before - 50);
    expect(serverTime).toBeLessThanOrEqual(after + 50);
  });
});

describe('PostgresJobStore run ledger before start()', () => {
  it('rejects with StoreNotStartedError', async () => {
    const ledger = newStore().ledger;
    await expect(ledger.getRuns({ limit: 1 })).rejects.toThrow(/not started; call start\(\)/);
    await expect(ledger.open(opening([runRow({ id: 'a' })], 1), RUN_TIME)).rejects.toThrow(
      /not started/,
    );
  });
});
