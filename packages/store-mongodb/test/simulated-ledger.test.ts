/**
 * MongoJobStore's run ledger on the simulated server (a standalone server: no transactions, so
 * every decision rests on one conditional single-document write): the stored layout, the
 * cluster-wide slot count under concurrent openings and claims, keyset paging under writes,
 * the slots document kept in step by finishes, abandonments and heartbeats, the server clock,
 * and the migration of a version-1 store. The conformance suite's ledger tests run beside these
 * in simulated-store.test.ts.
 */
import { compareRuns, type Job, type RunLedger, type RunRow } from '@kairos/core';
import {
  finishedRow,
  lapsedScan,
  runClaim,
  runRow,
  RUN_TIME,
  TestStoreContext,
} from '@kairos/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { MongoJobStore } from '../src/index.js';
import { STALE_SLOT_MS } from '../src/ledger-queries.js';
import { SimulatedServer } from './simulated-server.js';

const HOUR = 3_600_000;

describe('MongoJobStore run ledger on the simulated server', () => {
  let stores: MongoJobStore[] = [];

  afterEach(async () => {
    for (const store of stores) await store.shutdown();
    stores = [];
  });

  async function started(server: SimulatedServer, context = new TestStoreContext()) {
    const store = new MongoJobStore({ client: server.client(), pollInterval: 0.05 });
    await store.start(context, context.alias);
    stores.push(store);
    return { store, context, ledger: ledgerOf(store) };
  }

  function ledgerOf(store: MongoJobStore): RunLedger {
    return store.ledger;
  }

  /** An opening of one run of job `a`, its slot its own id. */
  function opening(id: string, maxInstances: number, leaseUntil = RUN_TIME + HOUR) {
    const row = runRow({ id, jobId: 'a', leaseUntil });
    return { rows: [row], refused: [finishedRow(row, 'skipped', RUN_TIME)], maxInstances };
  }

  /** A successor a minute later, built from a stored form (not from the job's fields). */
  const laterBy = (context: TestStoreContext, ms: number) => (job: Job) =>
    context.job({ id: job.id, nextRunTime: (job.nextRunTimeMs ?? 0) + ms });

  it('stores runs, slots and nodes as the README describes', async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const { ledger } = await started(server);
    const row = runRow({ id: 'r1', jobId: 'a', leaseUntil: RUN_TIME + 5 });
    expect(await ledger.open({ rows: [row], refused: [], maxInstances: 1 }, RUN_TIME)).toBe(true);
    await ledger.beat({
      id: 'scheduler-a',
      host: 'h',
      pid: 7,
      startedAt: 1,
      now: RUN_TIME + 1,
      leaseUntil: RUN_TIME + 60,
      runIds: ['r1'],
      pruneBefore: 0,
    });
    expect(server.collection('kairos.jobs_runs').documents.get('r1')).toEqual({
      _id: 'r1',
      jobId: 'a',
      scheduledRunTime: RUN_TIME,
      outcome: null,
      schedulerId: 'scheduler-a',
      leaseUntil: RUN_TIME + 60,
      slot: 'r1',
      row: JSON.stringify(row),
    });
    expect(server.collection('kairos.jobs_slots').documents.get('a')).toEqual({
      _id: 'a',
      opened: true,
      runs: [{ id: 'r1', slot: 'r1', leaseUntil: RUN_TIME + 60, owner: 'scheduler-a' }],
    });
    expect(server.collection('kairos.jobs_nodes').documents.get('scheduler-a')).toEqual({
      _id: 'scheduler-a',
      host: 'h',
      pid: 7,
      startedAt: 1,
      lastSeen: RUN_TIME + 1,
    });
    expect((await ledger.getRuns({ limit: 1 }))[0]?.leaseUntil).toBe(RUN_TIME + 60);
    expect(await ledger.finish(finishedRow(row, 'executed', RUN_TIME + 2), null)).toBe(true);
    expect(server.collection('kairos.jobs_slots').documents.get('a')?.['runs']).toEqual([]);
  });

  it('lets exactly maxInstances of many concurrent openings from two stores take a slot', async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const one = await started(server);
    const two = await started(server);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? one : two).ledger.open(opening(`r${index}`, 3), RUN_TIME),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(3);
    const inFlight = await one.ledger.getRuns({ outcomes: [null], limit: 100 });
    const skipped = await one.ledger.getRuns({ outcomes: ['skipped'], limit: 100 });
    expect(inFlight).toHaveLength(3);
    expect(skipped).toHaveLength(9);
  });

  it("counts a claim's runs and another scheduler's runJob against one limit", async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const { store, context } = await started(server);
    const other = await started(server);
    await store.addJob(context.job({ id: 'a', nextRunTime: RUN_TIME, maxInstances: 1 }));
    const runs = runClaim(context, { leaseUntil: RUN_TIME + HOUR, now: RUN_TIME });
    const [claimed, opened] = await Promise.all([
      store.claimDueJobs({ now: RUN_TIME, limit: 5, advance: laterBy(context, 60_000), runs }),
      other.ledger.open(opening('manual', 1), RUN_TIME),
    ]);
    // Whichever came second was refused; the job was advanced either way.
    expect(claimed).toHaveLength(1);
    expect([claimed[0]?.refused === false, opened].filter(Boolean)).toHaveLength(1);
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(RUN_TIME + 60_000);
    expect(await store.ledger.getRuns({ outcomes: [null], limit: 10 })).toHaveLength(1);
    expect(await store.ledger.getRuns({ outcomes: ['skipped'], limit: 10 })).toHaveLength(1);
  });

  it("reads an opening's refused rows only when it writes them", async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const { ledger } = await started(server);
    const reads: string[] = [];
    const lazy = (id: string) => {
      const { rows, refused, maxInstances } = opening(id, 1);
      return {
        rows,
        maxInstances,
        get refused() {
          reads.push(id);
          return refused;
        },
      };
    };
    expect(await ledger.open(lazy('r1'), RUN_TIME)).toBe(true);
    expect(await ledger.open(lazy('r2'), RUN_TIME)).toBe(false);
    expect(reads).toEqual(['r2']);
  });

  it('writes no runs for a claim it loses to another store', async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const { store, context } = await started(server);
    const other = await started(server);
    await store.addJob(context.job({ id: 'a', nextRunTime: RUN_TIME, maxInstances: 5 }));
    const claim = (target: MongoJobStore, schedulerId: string) =>
      target.claimDueJobs({
        now: RUN_TIME,
        limit: 5,
        advance: laterBy(context, 60_000),
        runs: runClaim(context, { schedulerId, leaseUntil: RUN_TIME + HOUR, now: RUN_TIME }),
      });
    const won = await Promise.all([claim(store, 'node-1'), claim(other.store, 'node-2')]);
    expect(won.flat()).toHaveLength(1);
    const rows = await store.ledger.getRuns({ limit: 10 });
    expect(rows.map((row) => row.schedulerId)).toEqual([
      won[0]?.length === 1 ? 'node-1' : 'node-2',
    ]);
  });

  it('pages the history with a keyset that does not shift when runs are written meanwhile', async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const { ledger } = await started(server);
    const rows: RunRow[] = [];
    for (let index = 0; index < 30; index += 1) {
      const row = runRow({
        id: `r${String(index).padStart(2, '0')}`,
        jobId: 'a',
        scheduledRunTime: RUN_TIME + Math.floor(index / 3) * 1000,
      });
      rows.push(row);
      await ledger.open({ rows: [row], refused: [], maxInstances: 100 }, RUN_TIME);
    }
    const seen: string[] = [];
    let page = await ledger.getRuns({ jobId: 'a', limit: 7 });
    while (page.length > 0) {
      seen.push(...page.map((row) => row.id));
      // Newer runs (and one at a time already paged) arrive between pages.
      const arriving = runRow({
        id: `new${seen.length}`,
        jobId: 'a',
        scheduledRunTime: RUN_TIME + HOUR,
      });
      await ledger.open({ rows: [arriving], refused: [], maxInstances: 100 }, RUN_TIME);
      const last = page.at(-1);
      if (last === undefined) break;
      page = await ledger.getRuns({ jobId: 'a', limit: 7, after: last });
    }
    expect(seen).toEqual([...rows].sort(compareRuns).map((row) => row.id));
  });

  it('keeps the slots document in step with abandonments, retries and heartbeats', async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const { ledger } = await started(server);
    const dying = runRow({
      id: 'dying',
      jobId: 'a',
      leaseUntil: RUN_TIME + 10,
      onAbandoned: 'retry',
      maxRetries: 1,
    });
    await ledger.open({ rows: [dying], refused: [], maxInstances: 1 }, RUN_TIME);
    const scan = lapsedScan({
      now: RUN_TIME + 11,
      schedulerId: 'scheduler-b',
      leaseUntil: RUN_TIME + 20,
    });
    const [ended] = await ledger.abandonLapsed(scan);
    expect(ended?.retry?.id).toBe('dying.retry1');
    // The retry holds the job's one slot until its lease lapses at +20 ...
    expect(await ledger.open(opening('late', 1), RUN_TIME + 15)).toBe(false);
    // ... unless its owner's heartbeat renews it.
    await ledger.beat({
      id: 'scheduler-b',
      host: 'h',
      pid: 1,
      startedAt: 0,
      now: RUN_TIME + 16,
      leaseUntil: RUN_TIME + 40,
      runIds: ['dying.retry1'],
      pruneBefore: 0,
    });
    expect(await ledger.open(opening('later', 1), RUN_TIME + 30)).toBe(false);
    expect(await ledger.open(opening('free', 1), RUN_TIME + 41)).toBe(true);
  });

  it('forgets an entry that outlived its run by a day (a write lost between two documents)', async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const { ledger } = await started(server);
    await ledger.open(opening('r1', 1, RUN_TIME + 10), RUN_TIME);
    // The run's outcome was written but its slot never released (the process died between).
    const runs = server.collection('kairos.jobs_runs');
    runs.documents.set('r1', {
      ...runs.documents.get('r1'),
      outcome: 'executed',
      leaseUntil: null,
    });
    expect(await ledger.open(opening('r2', 1, RUN_TIME + STALE_SLOT_MS * 2), RUN_TIME + 11)).toBe(
      true,
    );
    const slots = server.collection('kairos.jobs_slots').documents.get('a');
    expect((slots?.['runs'] as { id: string }[]).map((entry) => entry.id)).toEqual(['r1', 'r2']);
    await ledger.finish(
      finishedRow(runRow({ id: 'r2', jobId: 'a' }), 'executed', RUN_TIME + 12),
      null,
    );
    await ledger.open(opening('r3', 1), RUN_TIME + 11 + STALE_SLOT_MS);
    const after = server.collection('kairos.jobs_slots').documents.get('a');
    expect((after?.['runs'] as { id: string }[]).map((entry) => entry.id)).toEqual(['r3']);
  });

  it("reads the server's clock from hello's localTime", async () => {
    const server = new SimulatedServer({ changeStreams: false });
    server.clock = () => 1_234_567;
    const { ledger } = await started(server);
    expect(await ledger.serverTime?.()).toBe(1_234_567);
  });

  it('asks isMaster on a server older than hello, and names a reply without localTime', async () => {
    const server = new SimulatedServer({ changeStreams: false });
    server.clock = () => 42;
    server.commands.delete('hello');
    const { ledger } = await started(server);
    expect(await ledger.serverTime?.()).toBe(42);
    server.localTime = false;
    await expect(ledger.serverTime?.()).rejects.toThrow(
      "MongoDB job store 'default': the server's reply to hello has no localTime (got undefined)",
    );
  });

  it('needs the store started, naming it', async () => {
    const store = new MongoJobStore({
      client: new SimulatedServer({ changeStreams: false }).client(),
    });
    await expect(store.ledger.getNodes()).rejects.toThrow(
      /MongoJobStore \(kairos\.jobs\) is not started/,
    );
  });

  it('leaves runs alone in removeAllJobs, and clear() removes runs, slots and nodes', async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const { store, ledger, context } = await started(server);
    await store.addJob(context.job({ id: 'a' }));
    await ledger.open(opening('r1', 1), RUN_TIME);
    await ledger.beat({
      id: 'n',
      host: 'h',
      pid: 1,
      startedAt: 0,
      now: RUN_TIME,
      leaseUntil: RUN_TIME + 1,
      runIds: [],
      pruneBefore: 0,
    });
    await store.removeAllJobs();
    expect(await ledger.getRuns({ limit: 10 })).toHaveLength(1);
    await ledger.clear();
    expect(await ledger.getRuns({ limit: 10 })).toEqual([]);
    expect(await ledger.getNodes()).toEqual([]);
    expect(server.collection('kairos.jobs_slots').documents.size).toBe(0);
  });
});
