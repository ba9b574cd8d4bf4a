/**
 * Runs written with the claim, and `maxInstances` across schedulers: a job's slots in flight
 * are the distinct slots of its rows without an outcome whose lease has not lapsed.
 */
import type { JobStore, RunLedger } from '@kairos/core';
import { describe, expect, it } from 'vitest';
import { oneMinuteLater } from '../claims.js';
import { finishedRow, runClaim, runRow, type RunClaimOptions } from '../run-rows.js';
import type { Harness } from './index.js';
import { ledgerOf, runIds } from './ledger.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

export function defineLedgerClaimTests(h: Harness): void {
  /** Claims the store's due jobs at `now`, writing rows with `runs`. */
  const claimAt = (now: number, runs: RunClaimOptions, store: JobStore = h.store) =>
    store.claimDueJobs({
      now,
      limit: 10,
      advance: oneMinuteLater(h.context),
      runs: runClaim(h.context, { now, ...runs }),
    });

  /** The job's rows: those in flight, and those ended `skipped`. */
  const rowsOf = async (ledger: RunLedger, jobId: string) => ({
    inFlight: await ledger.getRuns({ jobId, outcomes: [null], limit: 100 }),
    skipped: await ledger.getRuns({ jobId, outcomes: ['skipped'], limit: 100 }),
  });

  describe('run ledger: rows written with the claim', () => {
    it('writes the runs of each claimed job in flight, visible in getRuns', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now - 10 }));
      await h.store.addJob(h.context.job({ id: 'b', nextRunTime: now }));
      const runs = runClaim(h.context, { schedulerId: 'node-1', leaseUntil: now + MINUTE });
      const claimed = await h.store.claimDueJobs({
        now,
        limit: 10,
        advance: oneMinuteLater(h.context),
        runs,
      });
      expect(claimed.map((run) => [run.job.id, run.refused])).toEqual([
        ['a', false],
        ['b', false],
      ]);
      expect((await h.store.lookupJob('a'))?.nextRunTimeMs).toBe(now - 10 + MINUTE);
      const opened = runs.openings.flatMap((opening) => opening.rows);
      expect(opened.map((row) => [row.jobId, row.schedulerId, row.leaseUntil])).toEqual([
        ['a', 'node-1', now + MINUTE],
        ['b', 'node-1', now + MINUTE],
      ]);
      const inFlight = await ledger.getRuns({ outcomes: [null], limit: 10 });
      expect(inFlight).toEqual([opened[1], opened[0]]);
      expect(await ledger.getRuns({ jobId: 'a', limit: 10 })).toEqual([opened[0]]);
    });

    it('writes no rows for a job it leaves alone, and none without claim.runs', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'stuck', nextRunTime: now - 5 }));
      await h.store.addJob(h.context.job({ id: 'plain', nextRunTime: now }));
      const advance = oneMinuteLater(h.context);
      await h.store.claimDueJobs({
        now,
        limit: 10,
        advance: (job) => (job.id === 'stuck' ? undefined : advance(job)),
        runs: runClaim(h.context, { leaseUntil: now + MINUTE }),
      });
      await h.store.claimDueJobs({ now: now + MINUTE, limit: 10, advance });
      const rows = await ledger.getRuns({ limit: 10 });
      expect(rows.map((row) => [row.jobId, row.scheduledRunTime])).toEqual([['plain', now]]);
    });

    it('refuses a job whose maxInstances slots are in flight, storing the refused rows', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'busy', nextRunTime: now, maxInstances: 2 }));
      const lease = { leaseUntil: now + HOUR };
      expect((await claimAt(now, lease))[0]?.refused).toBe(false);
      expect((await claimAt(now + MINUTE, lease))[0]?.refused).toBe(false);
      const third = runClaim(h.context, { ...lease, schedulerId: 'node-3', now: now + 2 * MINUTE });
      const claimed = await h.store.claimDueJobs({
        now: now + 2 * MINUTE,
        limit: 10,
        advance: oneMinuteLater(h.context),
        runs: third,
      });
      expect(claimed.map((run) => [run.job.id, run.refused])).toEqual([['busy', true]]);
      // Refused or not, the job is advanced: the claim happened.
      expect((await h.store.lookupJob('busy'))?.nextRunTimeMs).toBe(now + 3 * MINUTE);
      const rows = await rowsOf(ledger, 'busy');
      expect(rows.inFlight.map((row) => row.scheduledRunTime)).toEqual([now + MINUTE, now]);
      expect(rows.skipped).toEqual(third.openings[0]?.refused);
      expect(rows.skipped[0]?.leaseUntil).toBeNull();
    });

    it('does not count rows whose lease lapsed, and counts a lease ending at the claim', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now }));
      await claimAt(now, { leaseUntil: now + MINUTE - 1 });
      // The first run's lease lapsed a millisecond before this claim: its slot is free.
      expect((await claimAt(now + MINUTE, { leaseUntil: now + 2 * MINUTE }))[0]?.refused).toBe(
        false,
      );
      // The second run's lease ends exactly at this claim: it still holds its slot.
      expect((await claimAt(now + 2 * MINUTE, { leaseUntil: now + HOUR }))[0]?.refused).toBe(true);
    });

    it('counts the runs of one submission (one slot) once', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now, maxInstances: 2 }));
      const lease = { leaseUntil: now + HOUR };
      expect((await claimAt(now, { ...lease, runsPerJob: 3 }))[0]?.refused).toBe(false);
      expect((await rowsOf(ledger, 'a')).inFlight).toHaveLength(3);
      expect((await claimAt(now + MINUTE, lease))[0]?.refused).toBe(false);
      expect((await claimAt(now + 2 * MINUTE, lease))[0]?.refused).toBe(true);
    });

    it("frees a slot when its run finishes, and never counts other jobs' runs", async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now }));
      await h.store.addJob(h.context.job({ id: 'b', nextRunTime: now + 1 }));
      const lease = { leaseUntil: now + HOUR };
      const claimed = await claimAt(now + 1, lease);
      expect(claimed.map((run) => [run.job.id, run.refused])).toEqual([
        ['a', false],
        ['b', false],
      ]);
      const [running] = (await rowsOf(ledger, 'a')).inFlight;
      expect(running).toBeDefined();
      if (running === undefined) return;
      expect(await ledger.finish(finishedRow(running, 'executed', now + 2), null)).toBe(true);
      const again = await claimAt(now + MINUTE + 1, lease);
      expect(again.map((run) => [run.job.id, run.refused])).toEqual([
        ['a', false],
        ['b', true],
      ]);
    });

    it("refuses a claim when another scheduler's runJob holds the slot", async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now }));
      const other = h.options.shared ? (await h.another()).store : h.store;
      const manual = runClaim(h.context, { schedulerId: 'node-2', leaseUntil: now + HOUR });
      const job = await other.lookupJob('a');
      expect(job).not.toBeNull();
      if (job === null) return;
      expect(await ledgerOf(other).open(manual.open(job), now)).toBe(true);
      expect((await claimAt(now, { leaseUntil: now + HOUR }))[0]?.refused).toBe(true);
    });
  });

  describe('run ledger: open (runJob)', () => {
    /** An opening of `count` runs of one submission of job `jobId`, allowing `maxInstances`. */
    const opening = (id: string, maxInstances: number, leaseUntil: number, count = 1) => {
      const rows = Array.from({ length: count }, (_, index) =>
        runRow({
          id: `${id}.${index}`,
          jobId: 'job',
          slot: `${id}.0`,
          scheduledRunTime: h.context.clock.now() + index,
          leaseUntil,
        }),
      );
      const refused = rows.map((row) =>
        finishedRow(row, 'skipped', h.context.clock.now(), { startedAt: null }),
      );
      return { rows, refused, maxInstances };
    };

    it('opens runs while a slot is free, else writes the refused rows', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const first = opening('r1', 2, now + HOUR, 2);
      expect(await ledger.open(first, now)).toBe(true);
      expect(await ledger.open(opening('r2', 2, now + HOUR), now)).toBe(true);
      const third = opening('r3', 2, now + HOUR);
      expect(await ledger.open(third, now)).toBe(false);
      const rows = await rowsOf(ledger, 'job');
      expect(runIds(rows.inFlight).sort()).toEqual(['r1.0', 'r1.1', 'r2.0']);
      expect(rows.skipped).toEqual(third.refused);
    });

    it('does not count lapsed leases, and counts a lease ending at `now`', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      expect(await ledger.open(opening('old', 1, now - 1), now - MINUTE)).toBe(true);
      expect(await ledger.open(opening('new', 1, now), now)).toBe(true);
      expect(await ledger.open(opening('late', 1, now + HOUR), now)).toBe(false);
      expect(await ledger.open(opening('later', 1, now + HOUR), now + 1)).toBe(true);
    });

    it('lets exactly one of several concurrent openings take the last slot', async () => {
      const now = h.context.clock.now();
      const first = ledgerOf(h.store);
      const ledgers = [first];
      for (let index = 1; index < 5; index += 1) {
        ledgers.push(h.options.shared ? ledgerOf((await h.another()).store) : first);
      }
      const results = await Promise.all(
        ledgers.map((ledger, index) => ledger.open(opening(`n${index}`, 1, now + HOUR), now)),
      );
      expect(results.filter((opened) => opened)).toHaveLength(1);
      const rows = await rowsOf(first, 'job');
      expect(rows.inFlight).toHaveLength(1);
      expect(rows.skipped).toHaveLength(4);
    });
  });
}
