/**
 * How runs end: `finish` records an outcome once (a compare-and-set) and trims the job's
 * history; `abandonLapsed` ends the runs of dead owners, each exactly once, with its retry.
 */
import { NO_HISTORY, type RunLedger, type RunRow } from '@kairos/core';
import { describe, expect, it } from 'vitest';
import { finishedRow, lapsedScan, runRow } from '../run-rows.js';
import type { Harness } from './index.js';
import { ledgerOf, openRows, runIds, writeFinished } from './ledger.js';

const SECOND = 1000;
const DAY = 86_400_000;

export function defineLedgerOutcomeTests(h: Harness): void {
  /** The rows of a job (or all), newest first. */
  const history = (ledger: RunLedger, jobId?: string): Promise<RunRow[]> =>
    ledger.getRuns({ ...(jobId === undefined ? {} : { jobId }), limit: 1000 });

  describe('run ledger: finish', () => {
    it('records an outcome once: true, then false and nothing written', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const row = runRow({ id: 'r1', scheduledRunTime: now });
      await openRows(ledger, [row], now);
      const done = finishedRow(row, 'executed', now + SECOND, { result: { rows: 3 } });
      expect(await ledger.finish(done, null)).toBe(true);
      expect(await history(ledger)).toEqual([done]);
      const again = finishedRow(row, 'error', now + 2 * SECOND);
      expect(await ledger.finish(again, null)).toBe(false);
      expect(await history(ledger)).toEqual([done]);
    });

    it('writes nothing for a run it does not hold (a local ledger inserts it)', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const ghost = finishedRow(runRow({ id: 'ghost', scheduledRunTime: now }), 'executed', now);
      const local = ledger.local === true;
      expect(await ledger.finish(ghost, null)).toBe(local);
      expect(await history(ledger)).toEqual(local ? [ghost] : []);
      expect(await ledger.finish(finishedRow(ghost, 'error', now + 1), null)).toBe(false);
    });

    it('finishMany records several outcomes in one call, as finish would one by one', async (context) => {
      const ledger = ledgerOf(h.store);
      if (ledger.finishMany === undefined) {
        context.skip();
        return;
      }
      const now = h.context.clock.now();
      const rows = [1, 2, 3, 4].map((index) =>
        runRow({ id: `a${index}`, jobId: 'a', scheduledRunTime: now + index * SECOND }),
      );
      const other = runRow({ id: 'b1', jobId: 'b', scheduledRunTime: now });
      await openRows(ledger, [...rows, other], now);
      const [a1, a2, a3, a4] = rows.map((row) =>
        finishedRow(row, 'executed', row.scheduledRunTime + 1),
      );
      // a2 already has its outcome: finishMany leaves it, and says so.
      expect(await ledger.finish(finishedRow(rows[1] ?? other, 'error', now), null)).toBe(true);
      const ghost = finishedRow(
        runRow({ id: 'ghost', jobId: 'a', scheduledRunTime: now }),
        'executed',
        now,
      );
      const local = ledger.local === true;
      const batch = [a1, a2, a3, a4, ghost].filter((row) => row !== undefined);
      expect(await ledger.finishMany(batch, { keep: 2, maxAge: 7 * 86_400 })).toEqual([
        true,
        false,
        true,
        true,
        local,
      ]);
      // Trimmed once the batch is in: the two newest finished runs of job a.
      expect(runIds(await history(ledger, 'a'))).toEqual(['a4', 'a3']);
      expect(runIds(await history(ledger, 'b'))).toEqual(['b1']);
      expect((await history(ledger, 'a'))[0]).toEqual(a4);
      expect(await ledger.finishMany([], null)).toEqual([]);
    });

    it('refuses to finish a run another scheduler ended as abandoned', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const row = runRow({ id: 'r1', scheduledRunTime: now, leaseUntil: now + SECOND });
      await openRows(ledger, [row], now);
      const [ended] = await ledger.abandonLapsed(lapsedScan({ now: now + 2 * SECOND }));
      expect(ended?.row.outcome).toBe('abandoned');
      expect(await ledger.finish(finishedRow(row, 'executed', now + 3 * SECOND), null)).toBe(false);
      expect(await history(ledger)).toEqual([ended?.row]);
    });

    it("keeps the newest `keep` finished runs of the job, never one in flight, nor another job's", async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      // Scheduled first, still running: older than every finished run, and kept.
      const running = runRow({ id: 'a-running', jobId: 'a', scheduledRunTime: now - DAY });
      const others = [1, 2, 3, 4, 5].map((index) =>
        runRow({ id: `b${index}`, jobId: 'b', scheduledRunTime: now + index, outcome: 'executed' }),
      );
      await writeFinished(ledger, others);
      const rows = [1, 2, 3, 4, 5].map((index) =>
        runRow({ id: `a${index}`, jobId: 'a', scheduledRunTime: now + index * SECOND }),
      );
      await openRows(ledger, [running, ...rows], now);
      for (const row of rows) {
        const done = finishedRow(row, 'executed', row.scheduledRunTime + 1);
        expect(await ledger.finish(done, { keep: 3, maxAge: 7 * 86_400 })).toBe(true);
      }
      expect(runIds(await history(ledger, 'a'))).toEqual(['a5', 'a4', 'a3', 'a-running']);
      expect(await history(ledger, 'b')).toEqual([...others].reverse());
    });

    it('drops finished runs scheduled more than maxAge before the finish time', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const oldest = now - 3 * DAY;
      await writeFinished(ledger, [
        runRow({ id: 'too-old', scheduledRunTime: oldest - 1, outcome: 'error' }),
        runRow({ id: 'just-kept', scheduledRunTime: oldest, outcome: 'executed' }),
        runRow({ id: 'recent', scheduledRunTime: now - DAY, outcome: 'missed' }),
      ]);
      const stuck = runRow({ id: 'stuck', scheduledRunTime: oldest - DAY, leaseUntil: now + DAY });
      const row = runRow({ id: 'now', scheduledRunTime: now - SECOND });
      await openRows(ledger, [stuck, row], now);
      // The retention's "now" is the finish time, not the store's clock.
      expect(
        await ledger.finish(finishedRow(row, 'executed', now), { keep: 100, maxAge: 3 * 86_400 }),
      ).toBe(true);
      expect(runIds(await history(ledger))).toEqual(['now', 'recent', 'just-kept', 'stuck']);
    });

    it('keeps nothing finished with history off ({keep: 0, maxAge: 0}), runs in flight still', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const first = runRow({ id: 'off1', jobId: 'off', scheduledRunTime: now + 1 });
      const second = runRow({ id: 'off2', jobId: 'off', scheduledRunTime: now + 2 });
      await openRows(ledger, [first, second], now);
      expect(await ledger.finish(finishedRow(first, 'executed', now + SECOND), NO_HISTORY)).toBe(
        true,
      );
      expect(runIds(await history(ledger, 'off'))).toEqual(['off2']);
    });

    it('trims nothing without retention', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const old = [1, 2, 3].map((index) =>
        runRow({
          id: `old${index}`,
          scheduledRunTime: now - 400 * DAY + index,
          outcome: 'executed',
        }),
      );
      await writeFinished(ledger, old);
      const row = runRow({ id: 'new', scheduledRunTime: now });
      await openRows(ledger, [row], now);
      expect(await ledger.finish(finishedRow(row, 'executed', now + SECOND), null)).toBe(true);
      expect(runIds(await history(ledger))).toEqual(['new', 'old3', 'old2', 'old1']);
    });
  });

  describe('run ledger: start', () => {
    it("writes a started run's row, keeping its stored lease; ended, foreign and unknown runs stay as they are", async (context) => {
      const ledger = ledgerOf(h.store);
      if (ledger.start === undefined || ledger.local === true) {
        context.skip();
        return;
      }
      const now = h.context.clock.now();
      const running = runRow({ id: 'running', scheduledRunTime: now });
      const ended = runRow({ id: 'ended', scheduledRunTime: now });
      const foreign = runRow({ id: 'foreign', scheduledRunTime: now, schedulerId: 'scheduler-b' });
      const retried = runRow({
        id: 'retried',
        scheduledRunTime: now,
        onAbandoned: 'retry',
        maxRetries: 2,
        job: JSON.stringify({ id: 'job', args: ['kept'] }),
      });
      await openRows(ledger, [running, ended, foreign, retried], now);
      // The stored lease moves on; the rows a start sends carry none.
      const renewed = now + 5 * 60 * SECOND;
      await ledger.beat({
        id: 'scheduler-a',
        host: 'host-a',
        pid: 1,
        startedAt: now,
        now,
        leaseUntil: renewed,
        runIds: ['running', 'ended', 'retried'],
        pruneBefore: now - DAY,
      });
      const done = finishedRow(ended, 'executed', now + SECOND);
      expect(await ledger.finish(done, null)).toBe(true);
      const startedAt = now + 250;
      const started = (row: RunRow, changes: Partial<RunRow> = {}): RunRow => ({
        ...row,
        startedAt,
        leaseUntil: null,
        ...changes,
      });
      await ledger.start([
        started(running),
        started(ended),
        started(foreign, { schedulerId: 'scheduler-a' }),
        started(retried),
        started(runRow({ id: 'ghost', scheduledRunTime: now })),
      ]);
      await ledger.start([]);
      const rows = new Map((await history(ledger)).map((row) => [row.id, row]));
      expect([...rows.keys()].sort()).toEqual(['ended', 'foreign', 'retried', 'running']);
      expect(rows.get('running')).toEqual({ ...running, startedAt, leaseUntil: renewed });
      expect(rows.get('retried')).toEqual({ ...retried, startedAt, leaseUntil: renewed });
      expect(rows.get('ended')).toEqual(done);
      expect(rows.get('foreign')).toEqual(foreign);
      // A started run is still in flight: found with the runs without an outcome.
      expect(runIds(await ledger.getRuns({ outcomes: [null], limit: 10 })).sort()).toEqual([
        'foreign',
        'retried',
        'running',
      ]);
    });
  });

  describe('run ledger: abandonLapsed', () => {
    it('ends lapsed runs as abandoned, leaving live leases and finished runs alone', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const lapsed = runRow({ id: 'lapsed', scheduledRunTime: now - 5, leaseUntil: now - 1 });
      const edge = runRow({ id: 'edge', scheduledRunTime: now - 4, leaseUntil: now });
      const live = runRow({ id: 'live', scheduledRunTime: now - 3, leaseUntil: now + SECOND });
      await openRows(ledger, [lapsed, edge, live], now - 10);
      const finished = runRow({ id: 'done', scheduledRunTime: now - 6, outcome: 'executed' });
      await writeFinished(ledger, [finished]);
      const scan = lapsedScan({ now });
      const ended = await ledger.abandonLapsed(scan);
      expect(ended).toEqual([{ row: scan.abandoned(lapsed), retry: null }]);
      expect(ended[0]?.row.schedulerId).toBe('scheduler-a');
      expect(await history(ledger)).toEqual([live, edge, scan.abandoned(lapsed), finished]);
      expect(await ledger.abandonLapsed(scan)).toEqual([]);
    });

    it('ends the oldest leases first, at most `limit` per call', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const leases = [7, 3, 9, 1, 5];
      await openRows(
        ledger,
        leases.map((lease) =>
          runRow({
            id: `lease${lease}`,
            jobId: `job${lease}`,
            scheduledRunTime: now - 100 + lease,
            leaseUntil: now - 50 + lease,
          }),
        ),
        now - 100,
      );
      const scan = lapsedScan({ now, limit: 2 });
      const ids = async () => (await ledger.abandonLapsed(scan)).map((ended) => ended.row.id);
      expect(await ids()).toEqual(['lease1', 'lease3']);
      expect(await ids()).toEqual(['lease5', 'lease7']);
      expect(await ids()).toEqual(['lease9']);
      expect(await ids()).toEqual([]);
    });

    it('inserts the retry with the abandoned run, in flight for the scanner', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const row = runRow({
        id: 'r1',
        scheduledRunTime: now - 10,
        leaseUntil: now - 1,
        onAbandoned: 'retry',
        maxRetries: 2,
        coalescedRunTimes: [now - 70, now - 40],
      });
      const failing = runRow({
        id: 'r2',
        jobId: 'other',
        scheduledRunTime: now - 9,
        leaseUntil: now - 1,
      });
      await openRows(ledger, [row, failing], now - 10);
      const scan = lapsedScan({ now, schedulerId: 'rescuer' });
      const ended = await ledger.abandonLapsed(scan);
      const retry = scan.retry(row);
      expect(retry).not.toBeNull();
      expect(ended).toEqual([
        { row: scan.abandoned(row), retry },
        { row: scan.abandoned(failing), retry: null },
      ]);
      expect(await ledger.getRuns({ outcomes: [null], limit: 10 })).toEqual([retry]);
      expect(retry?.schedulerId).toBe('rescuer');
      expect(await ledger.abandonLapsed(scan)).toEqual([]);
    });

    it('does not end a run whose lease a heartbeat renewed', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const row = runRow({ id: 'r1', scheduledRunTime: now - 10, leaseUntil: now - 1 });
      await openRows(ledger, [row], now - 10);
      await ledger.beat({
        id: 'scheduler-a',
        host: 'host-a',
        pid: 1,
        startedAt: now - DAY,
        now,
        leaseUntil: now + SECOND,
        runIds: ['r1'],
        pruneBefore: now - DAY,
      });
      expect(await ledger.abandonLapsed(lapsedScan({ now }))).toEqual([]);
      expect(await ledger.abandonLapsed(lapsedScan({ now: now + SECOND + 1 }))).toHaveLength(1);
    });

    it('hands each lapsed run to exactly one of several schedulers scanning at once', async () => {
      const now = h.context.clock.now();
      const first = ledgerOf(h.store);
      const count = 40;
      await openRows(
        first,
        Array.from({ length: count }, (_, index) =>
          runRow({
            id: `run-${index}`,
            jobId: `job-${index % 6}`,
            scheduledRunTime: now - 1000 + index,
            leaseUntil: now - 500 + (index % 9),
            onAbandoned: index % 2 === 0 ? 'retry' : 'fail',
            maxRetries: 1,
          }),
        ),
        now - 1000,
      );
      const scanners = [first];
      for (let index = 1; index < 4; index += 1) {
        scanners.push(h.options.shared ? ledgerOf((await h.another()).store) : first);
      }
      const results = await Promise.all(
        scanners.map(async (ledger, index) => {
          const scan = lapsedScan({ now, limit: 3, schedulerId: `scanner-${index}` });
          const won: string[] = [];
          for (;;) {
            const ended = await ledger.abandonLapsed(scan);
            if (ended.length === 0) return won;
            won.push(...ended.map((run) => run.row.id));
          }
        }),
      );
      const won = results.flat();
      expect(won).toHaveLength(count);
      expect(new Set(won).size).toBe(count);
      expect(await first.getRuns({ outcomes: ['abandoned'], limit: 100 })).toHaveLength(count);
      expect(await first.getRuns({ outcomes: [null], limit: 100 })).toHaveLength(count / 2);
      expect(await first.abandonLapsed(lapsedScan({ now }))).toEqual([]);
    });
  });
}
