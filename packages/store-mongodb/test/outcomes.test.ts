/**
 * The outcome writes of MongoJobStore's run ledger (`finish`, `finishMany`) on the simulated
 * server: a batch in a fixed number of operations, its slot releases, a run another scheduler
 * ends between the batch's read and its writes, and the trims of every path (keep 0, the
 * aggregation, a `keep` too large for it) against `rowsToTrim` of `@kairos/core`.
 */
import {
  compareRuns,
  NO_HISTORY,
  rowsToTrim,
  type Retention,
  type RunLedger,
  type RunRow,
} from '@kairos/core';
import { finishedRow, runRow, RUN_TIME, TestStoreContext } from '@kairos/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { MongoJobStore } from '../src/index.js';
import { runDocument, trimFilter } from '../src/ledger-queries.js';
import { SimulatedServer, type SimulatedCollection } from './simulated-server.js';

const DAY = 86_400_000;

describe('MongoJobStore run outcomes on the simulated server', () => {
  let stores: MongoJobStore[] = [];

  afterEach(async () => {
    for (const store of stores) await store.shutdown();
    stores = [];
  });

  /** A started store on a fresh server, counting the operations the server receives. */
  async function started() {
    const server = new SimulatedServer({ changeStreams: false });
    const context = new TestStoreContext();
    const store = new MongoJobStore({ client: server.client(), pollInterval: 60 });
    await store.start(context, context.alias);
    stores.push(store);
    const counted = { operations: 0 };
    const roundTrip = server.roundTrip.bind(server);
    server.roundTrip = () => {
      counted.operations += 1;
      return roundTrip();
    };
    const ledger: RunLedger = store.ledger;
    return { server, ledger, counted, runs: server.collection('kairos.jobs_runs') };
  }

  /** Stores rows as they are, without the ledger (finished ones too). */
  function put(runs: SimulatedCollection, rows: readonly RunRow[]): void {
    for (const row of rows) runs.documents.set(row.id, { ...runDocument(row) });
  }

  it('records a batch of outcomes over many jobs in four operations, and one in three', async () => {
    const { ledger, counted, server } = await started();
    const rows = Array.from({ length: 300 }, (_, index) =>
      runRow({ id: `r${index}`, jobId: `job${index % 150}` }),
    );
    for (const row of rows) {
      expect(await ledger.open({ rows: [row], refused: [], maxInstances: 5 }, RUN_TIME)).toBe(true);
    }
    const [first, ...ended] = rows.map((row) => finishedRow(row, 'executed', RUN_TIME + 5));
    counted.operations = 0;
    const written = await ledger.finishMany?.(ended, { keep: 10, maxAge: 86_400 });
    expect(written).toEqual(ended.map(() => true));
    // The read, the replaces, the slot releases, the trims' aggregation (nothing to delete).
    expect(counted.operations).toBe(4);
    counted.operations = 0;
    expect(first && (await ledger.finish(first, NO_HISTORY))).toBe(true);
    // The replace, the slot release, the trim's delete.
    expect(counted.operations).toBe(3);
    const slots = [...server.collection('kairos.jobs_slots').documents.values()];
    expect(slots.map((document) => document['runs'])).toEqual(slots.map(() => []));
    expect(await ledger.getRuns({ outcomes: [null], limit: 10 })).toEqual([]);
  });

  it('answers false for a run given twice in a batch the second time, and for runs it does not have', async () => {
    const { ledger } = await started();
    const row = runRow({ id: 'r1', jobId: 'a' });
    await ledger.open({ rows: [row], refused: [], maxInstances: 1 }, RUN_TIME);
    const ended = finishedRow(row, 'executed', RUN_TIME + 5);
    const ghost = finishedRow(runRow({ id: 'ghost', jobId: 'a' }), 'error', RUN_TIME + 5);
    expect(await ledger.finishMany?.([ghost, ended, ended], null)).toEqual([false, true, false]);
    expect(await ledger.finishMany?.([ended], null)).toEqual([false]);
    expect(await ledger.finishMany?.([ghost, ghost], null)).toEqual([false, false]);
  });

  it('tells its own outcomes from runs another scheduler abandoned between its read and its writes', async () => {
    const { ledger, runs } = await started();
    const rows = ['r1', 'r2', 'r3'].map((id) => runRow({ id, jobId: 'a' }));
    for (const row of rows) {
      await ledger.open({ rows: [row], refused: [], maxInstances: 5 }, RUN_TIME);
    }
    // No transaction here: r2 is ended as abandoned just before the replaces land.
    const abandoned = finishedRow(runRow({ id: 'r2', jobId: 'a' }), 'abandoned', RUN_TIME + 1);
    const bulkWrite = runs.bulkWrite.bind(runs);
    runs.bulkWrite = (operations) => {
      runs.documents.set('r2', { ...runDocument(abandoned) });
      runs.bulkWrite = bulkWrite;
      return bulkWrite(operations);
    };
    const ended = rows.map((row) => finishedRow(row, 'executed', RUN_TIME + 5));
    expect(await ledger.finishMany?.(ended, null)).toEqual([true, false, true]);
    const stored = await ledger.getRuns({ jobId: 'a', limit: 10 });
    expect(stored.find((row) => row.id === 'r2')).toEqual(abandoned);
    expect(stored.filter((row) => row.outcome === 'executed')).toHaveLength(2);
  });

  describe.each<[string, Retention]>([
    ['keeping none', { keep: 0, maxAge: 30 * 86_400 }],
    ['by count and age, in one aggregation', { keep: 3, maxAge: 10 * 86_400 }],
    ['by a count too large for the aggregation', { keep: 60_000, maxAge: 10 * 86_400 }],
  ])('trims each job once, %s', (_name, retention) => {
    it('drops what rowsToTrim drops at the newest outcome of the job in the batch', async () => {
      const { ledger, runs } = await started();
      // Per job: finished runs over 20 days (some at the same time), runs in flight, and
      // runs finished by the batch at two different times.
      const stored: RunRow[] = [];
      const batch: RunRow[] = [];
      for (const jobId of ['a', 'b', 'c']) {
        for (let index = 0; index < 8; index += 1) {
          const time = RUN_TIME - Math.floor(index / 2) * 3 * DAY;
          stored.push(
            runRow({
              id: `${jobId}-old${index}`,
              jobId,
              outcome: 'executed',
              scheduledRunTime: time,
            }),
          );
        }
        const old = runRow({ id: `${jobId}-flying`, jobId, scheduledRunTime: RUN_TIME - 30 * DAY });
        stored.push(old);
        for (const [index, finishedAt] of [RUN_TIME + 10, RUN_TIME + 20 * DAY].entries()) {
          const row = runRow({
            id: `${jobId}-now${index}`,
            jobId,
            scheduledRunTime: RUN_TIME + index,
          });
          stored.push(row);
          // Job b's newest outcome comes first in the batch.
          const ended = finishedRow(row, 'executed', finishedAt);
          if (jobId === 'a') batch.push(ended);
          if (jobId === 'b') batch.unshift(ended);
        }
      }
      put(runs, stored);
      expect(await ledger.finishMany?.(batch, retention)).toEqual(batch.map(() => true));
      const expected: string[] = [];
      for (const jobId of ['a', 'b', 'c']) {
        const written = batch.filter((row) => row.jobId === jobId);
        const rows = stored
          .filter((row) => row.jobId === jobId)
          .map((row) => written.find((ended) => ended.id === row.id) ?? row);
        const dropped =
          written.length === 0
            ? []
            : rowsToTrim(rows, retention, Math.max(...written.map((row) => row.finishedAt ?? 0)));
        expected.push(...rows.filter((row) => !dropped.includes(row)).map((row) => row.id));
      }
      const kept = await ledger.getRuns({ limit: 1000 });
      expect(kept.map((row) => row.id).sort()).toEqual(expected.sort());
      // Runs in flight stay, however old.
      expect(kept.filter((row) => row.outcome === null)).toHaveLength(3 + 2);
      expect(kept).toEqual([...kept].sort(compareRuns));
    });
  });
});

describe('trimFilter', () => {
  const past = { scheduledRunTime: 1000, id: 'm' };

  it('deletes from the first run past keep when it is not older than the cutoff', () => {
    expect(trimFilter({ _id: 'a', past, oldest: 10 }, 1000)).toEqual({
      jobId: 'a',
      outcome: { $ne: null },
      scheduledRunTime: { $lte: 1000 },
      $or: [{ scheduledRunTime: { $lt: 1000 } }, { _id: { $lte: 'm' } }],
    });
  });

  it('deletes before the cutoff when that range holds the other, or when the age is unknown', () => {
    const expired = { jobId: 'a', outcome: { $ne: null }, scheduledRunTime: { $lt: 1001 } };
    expect(trimFilter({ _id: 'a', past, oldest: 10 }, 1001)).toEqual(expired);
    expect(trimFilter({ _id: 'a', oldest: 1000 }, 1001)).toEqual(expired);
    expect(trimFilter({ _id: 'a' }, 1001)).toEqual(expired);
  });

  it('deletes nothing from a job with at most keep runs, none expired', () => {
    expect(trimFilter({ _id: 'a', oldest: 1001 }, 1001)).toBeNull();
  });
});
