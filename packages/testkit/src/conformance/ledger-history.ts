/**
 * The run history: rows come back exactly as written; `getRuns` filters, orders (newest
 * scheduled time first, then id descending) and pages by position, stable under new writes;
 * `lastRuns`; `clear`, which `removeAllJobs` is not.
 */
import { describe, expect, it } from 'vitest';
import { finishedRow, lapsedScan, runRow } from '../run-rows.js';
import type { Harness } from './index.js';
import { ledgerOf, openRows, runIds, writeFinished } from './ledger.js';

const MINUTE = 60_000;

export function defineLedgerHistoryTests(h: Harness): void {
  describe('run ledger: history', () => {
    it('keeps every field of a row exactly, in flight and finished', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      const row = runRow({
        id: 'scheduler-ü:42',
        jobId: 'job with spaces/ünïcode',
        jobName: 'Nightly "report" — 日本',
        jobstore: 'archive',
        executor: 'threads',
        schedulerId: 'host-1:1234:abcd',
        scheduledRunTime: now - 1,
        coalescedRunTimes: [now - 3 * MINUTE, now - 2 * MINUTE, now - MINUTE],
        submittedAt: now + 3,
        startedAt: now + 7,
        slot: 'scheduler-ü:40',
        leaseUntil: now + MINUTE,
        attempt: 2,
        onAbandoned: 'retry',
        maxRetries: 5,
        job: JSON.stringify({ id: 'x', args: [1, 'two', { three: [3] }], note: 'ü\n"q"' }),
      });
      await openRows(ledger, [row], now);
      expect(await ledger.getRuns({ limit: 10 })).toEqual([row]);
      expect(await ledger.lastRuns([row.jobId])).toEqual(new Map([[row.jobId, row]]));
      const failed = finishedRow(row, 'error', now + 9, {
        error: { name: 'TypeError', message: 'bad "input": ü', stack: 'TypeError: bad\n    at x' },
        result: { nested: { list: [1, null, 'ü', true], empty: {} }, count: 0.5 },
      });
      expect(await ledger.finish(failed, null)).toBe(true);
      const [stored] = await ledger.getRuns({ jobId: row.jobId, limit: 10 });
      expect(stored).toEqual(failed);
      expect(stored?.leaseUntil).toBeNull();
      expect(stored?.job).toBeNull();
    });

    it('filters by job, outcomes (null for in flight) and scheduled time, both ends inclusive', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await writeFinished(ledger, [
        runRow({ id: 'a1', jobId: 'a', scheduledRunTime: now + 1, outcome: 'executed' }),
        runRow({ id: 'a2', jobId: 'a', scheduledRunTime: now + 2, outcome: 'error' }),
        runRow({ id: 'b3', jobId: 'b', scheduledRunTime: now + 3, outcome: 'executed' }),
        runRow({ id: 'a4', jobId: 'a', scheduledRunTime: now + 4, outcome: 'missed' }),
      ]);
      await openRows(
        ledger,
        [
          runRow({ id: 'a5', jobId: 'a', scheduledRunTime: now + 5 }),
          runRow({ id: 'b6', jobId: 'b', scheduledRunTime: now + 6 }),
        ],
        now,
      );
      const ids = async (query: Parameters<typeof ledger.getRuns>[0]) =>
        runIds(await ledger.getRuns(query));
      expect(await ids({ limit: 10 })).toEqual(['b6', 'a5', 'a4', 'b3', 'a2', 'a1']);
      expect(await ids({ jobId: 'a', limit: 10 })).toEqual(['a5', 'a4', 'a2', 'a1']);
      expect(await ids({ jobId: 'nobody', limit: 10 })).toEqual([]);
      expect(await ids({ outcomes: [null], limit: 10 })).toEqual(['b6', 'a5']);
      expect(await ids({ outcomes: ['executed', null], limit: 10 })).toEqual([
        'b6',
        'a5',
        'b3',
        'a1',
      ]);
      expect(await ids({ jobId: 'a', outcomes: ['error', 'missed'], limit: 10 })).toEqual([
        'a4',
        'a2',
      ]);
      expect(await ids({ since: now + 2, until: now + 4, limit: 10 })).toEqual(['a4', 'b3', 'a2']);
      expect(await ids({ jobId: 'b', since: now + 3, until: now + 3, limit: 10 })).toEqual(['b3']);
      expect(await ids({ limit: 2 })).toEqual(['b6', 'a5']);
      expect(await ids({ jobId: 'a', outcomes: [null, 'executed'], limit: 1 })).toEqual(['a5']);
    });

    it('orders runs scheduled at the same time by id, descending', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await openRows(
        ledger,
        ['m', 'z', 'a', 'b'].map((id) => runRow({ id, jobId: 'j', scheduledRunTime: now })),
        now,
      );
      await openRows(ledger, [runRow({ id: 'y', jobId: 'j', scheduledRunTime: now - 1 })], now);
      await openRows(ledger, [runRow({ id: 'c', jobId: 'j', scheduledRunTime: now + 1 })], now);
      expect(runIds(await ledger.getRuns({ jobId: 'j', limit: 10 }))).toEqual([
        'c',
        'z',
        'm',
        'b',
        'a',
        'y',
      ]);
      expect(runIds(await ledger.getRuns({ limit: 10 }))).toEqual(['c', 'z', 'm', 'b', 'a', 'y']);
    });

    it('pages after a position, unshaken by runs written between pages', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      // r0 … r9, two at each scheduled time, so pages also split ties; two jobs.
      const rows = Array.from({ length: 10 }, (_, index) =>
        runRow({
          id: `r${index}`,
          jobId: index % 3 === 0 ? 'other' : 'main',
          scheduledRunTime: now + Math.floor(index / 2) * MINUTE,
          outcome: 'executed',
        }),
      );
      await writeFinished(ledger, rows);
      const page1 = await ledger.getRuns({ limit: 3 });
      expect(runIds(page1)).toEqual(['r9', 'r8', 'r7']);
      // Written between pages: a newer run, one tied with r7 that sorts before it (a greater id),
      // one tied with it that sorts after it, and an older one.
      const tied = now + 3 * MINUTE;
      await writeFinished(
        ledger,
        [
          { id: 'newer', at: now + 60 * MINUTE },
          { id: 'r7b', at: tied },
          { id: 'r6b', at: tied },
          { id: 'older', at: now - MINUTE },
        ].map(({ id, at }) =>
          runRow({ id, jobId: 'main', scheduledRunTime: at, outcome: 'error' }),
        ),
      );
      const seen = [...page1];
      for (;;) {
        const end = seen[seen.length - 1];
        if (end === undefined) break;
        const after = { scheduledRunTime: end.scheduledRunTime, id: end.id };
        const page = await ledger.getRuns({ limit: 3, after });
        if (page.length === 0) break;
        seen.push(...page);
      }
      expect(runIds(seen)).toEqual([
        'r9',
        'r8',
        'r7',
        'r6b',
        'r6',
        'r5',
        'r4',
        'r3',
        'r2',
        'r1',
        'r0',
        'older',
      ]);
      const mainPage = await ledger.getRuns({
        jobId: 'main',
        limit: 3,
        after: { scheduledRunTime: tied, id: 'r7' },
      });
      expect(runIds(mainPage)).toEqual(['r6b', 'r5', 'r4']);
    });

    it('gives the newest run of each job asked for that has any', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await writeFinished(ledger, [
        runRow({ id: 'a1', jobId: 'a', scheduledRunTime: now - 2, outcome: 'executed' }),
        runRow({ id: 'a2', jobId: 'a', scheduledRunTime: now - 1, outcome: 'error' }),
        runRow({ id: 'b1', jobId: 'b', scheduledRunTime: now - 5, outcome: 'executed' }),
        runRow({ id: 'c1', jobId: 'c', scheduledRunTime: now, outcome: 'executed' }),
      ]);
      const running = runRow({ id: 'b2', jobId: 'b', scheduledRunTime: now });
      await openRows(ledger, [running], now);
      const last = await ledger.lastRuns(['a', 'b', 'none']);
      expect([...last.keys()].sort()).toEqual(['a', 'b']);
      expect(last.get('a')?.id).toBe('a2');
      expect(last.get('b')).toEqual(running);
      expect(await ledger.lastRuns([])).toEqual(new Map());
    });

    it('keeps runs through removeAllJobs; clear deletes every run and node', async () => {
      const ledger = ledgerOf(h.store);
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a' }));
      await openRows(ledger, [runRow({ id: 'r1', jobId: 'a', scheduledRunTime: now })], now);
      await writeFinished(ledger, [runRow({ id: 'r0', jobId: 'a', outcome: 'executed' })]);
      await ledger.beat({
        id: 'node-1',
        host: 'h',
        pid: 1,
        startedAt: now,
        now,
        leaseUntil: now + MINUTE,
        runIds: [],
        pruneBefore: now - MINUTE,
      });
      await h.store.removeAllJobs();
      expect(await h.store.getAllJobs()).toEqual([]);
      expect(runIds(await ledger.getRuns({ limit: 10 }))).toEqual(['r1', 'r0']);
      expect(await ledger.getNodes()).toHaveLength(1);
      await ledger.clear();
      expect(await ledger.getRuns({ limit: 10 })).toEqual([]);
      expect(await ledger.getRuns({ outcomes: [null], limit: 10 })).toEqual([]);
      expect(await ledger.lastRuns(['a'])).toEqual(new Map());
      expect(await ledger.getNodes()).toEqual([]);
      expect(await ledger.abandonLapsed(lapsedScan({ now: now + 60 * MINUTE }))).toEqual([]);
    });

    it('shows the runs one instance writes to another', async (context) => {
      if (!h.options.shared) context.skip();
      const now = h.context.clock.now();
      const other = ledgerOf((await h.another()).store);
      const row = runRow({ id: 'r1', scheduledRunTime: now });
      await openRows(ledgerOf(h.store), [row], now);
      expect(await other.getRuns({ limit: 10 })).toEqual([row]);
      const done = finishedRow(row, 'executed', now + 1);
      expect(await other.finish(done, null)).toBe(true);
      expect(await ledgerOf(h.store).getRuns({ limit: 10 })).toEqual([done]);
    });
  });
}
