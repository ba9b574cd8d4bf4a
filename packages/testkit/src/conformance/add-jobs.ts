/**
 * `addJobs`, the bulk add: every job or none, in one transaction (or script, or bulk write). A
 * store that leaves the optional method out has these tests skipped.
 */
import { ConflictingIdError, SerializationError, type Job } from '@kairos/core';
import { describe, expect, it, type TestContext } from 'vitest';
import { oneMinuteLater } from '../claims.js';
import { waitFor } from '../wait-for.js';
import { expectSameJob, ids } from './expect-job.js';
import type { Harness } from './index.js';

/** The store's `addJobs`, bound; skips the test when the store has none. */
function addJobsOf(h: Harness, test: TestContext): (jobs: readonly Job[]) => Promise<void> {
  const store = h.store;
  if (store.addJobs === undefined) test.skip('the store has no addJobs');
  return (jobs) => store.addJobs?.(jobs) ?? Promise.resolve();
}

/** The id a ConflictingIdError names, or what was thrown instead. */
async function conflictOf(added: Promise<void>): Promise<unknown> {
  try {
    await added;
  } catch (error) {
    expect(error).toBeInstanceOf(ConflictingIdError);
    return error instanceof ConflictingIdError ? error.jobId : error;
  }
  return 'nothing was thrown';
}

export function defineAddJobsTests(h: Harness): void {
  describe('addJobs, the bulk add', () => {
    it('adds every job, kept whole and listed by run time whatever the order given', async (test) => {
      const addJobs = addJobsOf(h, test);
      const now = h.context.clock.now();
      const jobs = [
        h.context.job({ id: 'late', nextRunTime: now + 3000, args: ['x', 1] }),
        h.context.job({ id: 'paused', nextRunTime: null }),
        h.context.job({ id: 'early', nextRunTime: now + 1000, name: 'Early' }),
        h.context.job({ id: 'middle', nextRunTime: now + 2000 }),
      ];
      await addJobs(jobs);
      expect(ids(await h.store.getAllJobs())).toEqual(['early', 'middle', 'late', 'paused']);
      for (const job of jobs) expectSameJob(h.context, await h.store.lookupJob(job.id), job);
      expect(await h.store.getNextRunTime()).toBe(now + 1000);
    });

    it('adds none when one id is taken, and names it', async (test) => {
      const addJobs = addJobsOf(h, test);
      const first = h.context.job({ id: 'b', name: 'first' });
      await h.store.addJob(first);
      const batch = ['a', 'b', 'c'].map((id) => h.context.job({ id, name: 'second' }));
      expect(await conflictOf(addJobs(batch))).toBe('b');
      expect(ids(await h.store.getAllJobs())).toEqual(['b']);
      expectSameJob(h.context, await h.store.lookupJob('b'), first);
    });

    it('adds none when an id is given twice, and names it', async (test) => {
      const addJobs = addJobsOf(h, test);
      const batch = ['a', 'b', 'a'].map((id) => h.context.job({ id }));
      expect(await conflictOf(addJobs(batch))).toBe('a');
      expect(await h.store.getAllJobs()).toEqual([]);
      await addJobs(batch.slice(0, 2));
      expect(ids(await h.store.getAllJobs()).sort()).toEqual(['a', 'b']);
    });

    it('adds none of a large batch whose last id is taken', async (test) => {
      const addJobs = addJobsOf(h, test);
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'job-2499' }));
      const batch = Array.from({ length: 2500 }, (_, index) =>
        h.context.job({ id: `job-${index}`, nextRunTime: now + index }),
      );
      expect(await conflictOf(addJobs(batch))).toBe('job-2499');
      expect(ids(await h.store.getAllJobs())).toEqual(['job-2499']);
    });

    it('does nothing with an empty array', async (test) => {
      const addJobs = addJobsOf(h, test);
      await addJobs([]);
      expect(await h.store.getAllJobs()).toEqual([]);
      expect(await h.store.getNextRunTime()).toBeNull();
    });

    it('adds jobs the fire step claims, earliest first', async (test) => {
      const addJobs = addJobsOf(h, test);
      const now = h.context.clock.now();
      const offsets = [-10, -500, 1, -20];
      await addJobs(
        offsets.map((offset, index) =>
          h.context.job({ id: `j${index}`, nextRunTime: now + offset }),
        ),
      );
      const claimed = await h.store.claimDueJobs({
        now,
        limit: 10,
        advance: oneMinuteLater(h.context),
      });
      expect(ids(claimed.map((run) => run.job))).toEqual(['j1', 'j3', 'j0']);
      expect(await h.store.getNextRunTime()).toBe(now + 1);
    });

    if (h.options.persistent) {
      it('adds none when one job cannot be stored', async (test) => {
        const addJobs = addJobsOf(h, test);
        const good = h.context.job({ id: 'good' });
        const bad = h.context.withFields(h.context.job({ id: 'bad' }), { args: [() => 1] });
        await expect(addJobs([good, bad])).rejects.toThrow(SerializationError);
        expect(await h.store.getAllJobs()).toEqual([]);
      });
    }

    if (h.options.shared) {
      it('shows the whole batch to another instance', async (test) => {
        const addJobs = addJobsOf(h, test);
        await addJobs([h.context.job({ id: 'a' }), h.context.job({ id: 'b', nextRunTime: null })]);
        const other = await h.another();
        expect(ids(await other.store.getAllJobs())).toEqual(['a', 'b']);
      });
    }

    if (h.options.wakeups !== false) {
      const withinMs = h.options.wakeups.withinMs;
      it(
        'wakes another instance for the batch, not once per job',
        async (test) => {
          const addJobs = addJobsOf(h, test);
          const other = await h.another();
          other.context.wakeups.length = 0;
          const now = h.context.clock.now();
          const batch = Array.from({ length: 20 }, (_, index) =>
            h.context.job({ id: `w${index}`, nextRunTime: now + 60_000 - index * 1000 }),
          );
          await addJobs(batch);
          const woken = await waitFor(() => other.context.wakeups.length > 0, withinMs);
          expect(woken, `no wakeup within ${withinMs} ms`).toBe(true);
          // Wake-ups for later jobs of the batch would have arrived by now.
          await new Promise((resolve) => setTimeout(resolve, 250));
          expect(other.context.wakeups.length).toBeLessThan(batch.length);
          const given = other.context.wakeups[0];
          if (given !== undefined) expect(given).toBeLessThanOrEqual(now + 60_000 - 19_000);
        },
        withinMs + 5000,
      );
    }
  });
}
