/** Which jobs are due, which comes next, and the order jobs are listed in. */
import { describe, expect, it } from 'vitest';
import { dueJobs, ids } from './expect-job.js';
import type { Harness } from './index.js';

export function defineOrderingTests(h: Harness): void {
  describe('ordering and due jobs', () => {
    it('lists scheduled jobs earliest first, then paused ones', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'paused-1', nextRunTime: null }));
      await h.store.addJob(h.context.job({ id: 'late', nextRunTime: now + 3000 }));
      await h.store.addJob(h.context.job({ id: 'early', nextRunTime: now + 1000 }));
      await h.store.addJob(h.context.job({ id: 'paused-2', nextRunTime: null }));
      await h.store.addJob(h.context.job({ id: 'middle', nextRunTime: now + 2000 }));
      const listed = ids(await h.store.getAllJobs());
      expect(listed.slice(0, 3)).toEqual(['early', 'middle', 'late']);
      expect(listed.slice(3).sort()).toEqual(['paused-1', 'paused-2']);
    });

    it('gives the earliest next run time, ignoring paused jobs, or null', async () => {
      const now = h.context.clock.now();
      expect(await h.store.getNextRunTime()).toBeNull();
      await h.store.addJob(h.context.job({ id: 'paused', nextRunTime: null }));
      expect(await h.store.getNextRunTime()).toBeNull();
      await h.store.addJob(h.context.job({ id: 'b', nextRunTime: now + 2000 }));
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now + 1000 }));
      expect(await h.store.getNextRunTime()).toBe(now + 1000);
      await h.store.removeJob('a');
      expect(await h.store.getNextRunTime()).toBe(now + 2000);
    });

    it('counts a job due at exactly now, not one a millisecond later', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'at-now', nextRunTime: now }));
      await h.store.addJob(h.context.job({ id: 'just-after', nextRunTime: now + 1 }));
      await h.store.addJob(h.context.job({ id: 'before', nextRunTime: now - 1 }));
      expect(ids(await dueJobs(h.store, now))).toEqual(['before', 'at-now']);
      expect(ids(await dueJobs(h.store, now - 2))).toEqual([]);
      expect(ids(await dueJobs(h.store, now + 1))).toEqual(['before', 'at-now', 'just-after']);
    });

    it('gives due jobs earliest first whatever order they were added in', async () => {
      const now = h.context.clock.now();
      const offsets = [50, -300, 0, -20, -7000, 10];
      for (const [index, offset] of offsets.entries()) {
        await h.store.addJob(h.context.job({ id: `j${index}`, nextRunTime: now + offset }));
      }
      const due = await dueJobs(h.store, now);
      expect(due.map((job) => job.nextRunTimeMs)).toEqual([now - 7000, now - 300, now - 20, now]);
    });

    it('keeps the fraction of a run time that falls between milliseconds', async () => {
      // Interval triggers work in microseconds: an interval of 0.0005 s lands between two ms.
      const time = h.context.clock.now() + 1000.5;
      await h.store.addJob(h.context.job({ id: 'fraction', nextRunTime: time }));
      expect((await h.store.lookupJob('fraction'))?.nextRunTimeMs).toBe(time);
      expect(await h.store.getNextRunTime()).toBe(time);
      expect(await dueJobs(h.store, time - 0.25)).toEqual([]);
      expect(await dueJobs(h.store, time)).toHaveLength(1);
    });

    it('keeps run times to the millisecond, far in the past and future', async () => {
      const times = [
        Date.UTC(1970, 0, 1, 0, 0, 0, 1),
        Date.UTC(2038, 0, 19, 3, 14, 8, 999),
        Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      ];
      for (const [index, time] of times.entries()) {
        await h.store.addJob(h.context.job({ id: `t${index}`, nextRunTime: time }));
      }
      for (const [index, time] of times.entries()) {
        expect((await h.store.lookupJob(`t${index}`))?.nextRunTimeMs).toBe(time);
      }
      expect(await h.store.getNextRunTime()).toBe(times[0]);
    });
  });
}
