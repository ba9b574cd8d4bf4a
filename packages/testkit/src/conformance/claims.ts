/** The atomic fire step: claimDueJobs, alone and under concurrent claimers. */
import type { Job, JobStore } from '@kairos/core';
import { describe, expect, it } from 'vitest';
import { claimUntilEmpty, oneMinuteLater } from '../claims.js';
import { dueJobs, ids } from './expect-job.js';
import type { Harness } from './index.js';

const MINUTE = 60_000;

export function defineClaimTests(h: Harness): void {
  describe('claimDueJobs, the fire step', () => {
    it('claims due jobs earliest first, stores their successors and leaves the rest', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'later', nextRunTime: now - 10 }));
      await h.store.addJob(h.context.job({ id: 'first', nextRunTime: now - 500 }));
      await h.store.addJob(h.context.job({ id: 'future', nextRunTime: now + 1 }));
      await h.store.addJob(h.context.job({ id: 'paused', nextRunTime: null }));
      const asked: string[] = [];
      const advance = oneMinuteLater(h.context);
      const claimed = await h.store.claimDueJobs({
        now,
        limit: 100,
        advance: (job) => {
          asked.push(job.id);
          return advance(job);
        },
      });
      expect(asked).toEqual(['first', 'later']);
      expect(ids(claimed.map((run) => run.job))).toEqual(['first', 'later']);
      expect(claimed.map((run) => run.next?.nextRunTimeMs)).toEqual([
        now - 500 + MINUTE,
        now - 10 + MINUTE,
      ]);
      expect((await h.store.lookupJob('first'))?.nextRunTimeMs).toBe(now - 500 + MINUTE);
      expect((await h.store.lookupJob('future'))?.nextRunTimeMs).toBe(now + 1);
      expect((await h.store.lookupJob('paused'))?.nextRunTimeMs).toBeNull();
      expect(await dueJobs(h.store, now)).toEqual([]);
      expect(await h.store.getNextRunTime()).toBe(now + 1);
    });

    it('hands back the very job object it gave to advance', async () => {
      await h.store.addJob(h.context.job({ id: 'a' }));
      const given: Job[] = [];
      const claimed = await h.store.claimDueJobs({
        now: h.context.clock.now(),
        limit: 10,
        advance: (job) => {
          given.push(job);
          return null;
        },
      });
      expect(claimed).toHaveLength(1);
      expect(claimed[0]?.job).toBe(given[0]);
    });

    it('deletes a job whose successor is null', async () => {
      await h.store.addJob(h.context.job({ id: 'once' }));
      const claimed = await h.store.claimDueJobs({
        now: h.context.clock.now(),
        limit: 10,
        advance: () => null,
      });
      expect(claimed.map((run) => [run.job.id, run.next])).toEqual([['once', null]]);
      expect(await h.store.lookupJob('once')).toBeNull();
      expect(await h.store.getAllJobs()).toEqual([]);
    });

    it('leaves a job untouched and unclaimed when advance gives undefined', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'stuck', nextRunTime: now - 5 }));
      await h.store.addJob(h.context.job({ id: 'fine', nextRunTime: now }));
      const advance = oneMinuteLater(h.context);
      const claimed = await h.store.claimDueJobs({
        now,
        limit: 10,
        advance: (job) => (job.id === 'stuck' ? undefined : advance(job)),
      });
      expect(ids(claimed.map((run) => run.job))).toEqual(['fine']);
      expect((await h.store.lookupJob('stuck'))?.nextRunTimeMs).toBe(now - 5);
      expect(ids(await dueJobs(h.store, now))).toEqual(['stuck']);
    });

    it('claims at most limit jobs per call, the earliest ones', async () => {
      const now = h.context.clock.now();
      for (let index = 0; index < 7; index += 1) {
        await h.store.addJob(h.context.job({ id: `j${index}`, nextRunTime: now - 1000 + index }));
      }
      const advance = oneMinuteLater(h.context);
      const first = await h.store.claimDueJobs({ now, limit: 3, advance });
      expect(ids(first.map((run) => run.job))).toEqual(['j0', 'j1', 'j2']);
      const second = await h.store.claimDueJobs({ now, limit: 3, advance });
      expect(ids(second.map((run) => run.job))).toEqual(['j3', 'j4', 'j5']);
      const third = await h.store.claimDueJobs({ now, limit: 3, advance });
      expect(ids(third.map((run) => run.job))).toEqual(['j6']);
      expect(await h.store.claimDueJobs({ now, limit: 3, advance })).toEqual([]);
    });

    it('gives each due job to exactly one of many concurrent claimers', async () => {
      const now = h.context.clock.now();
      const count = 120;
      for (let index = 0; index < count; index += 1) {
        await h.store.addJob(h.context.job({ id: `job-${index}`, nextRunTime: now - (index % 7) }));
      }
      // Separate instances (separate connections) when the store can share, else one instance.
      const claimers: JobStore[] = [h.store];
      for (let index = 1; index < 6; index += 1) {
        claimers.push(h.options.shared ? (await h.another()).store : h.store);
      }
      const results = await Promise.all(
        claimers.map((store) =>
          claimUntilEmpty(store, { now, limit: 7, advance: oneMinuteLater(h.context) }),
        ),
      );
      const won = results.flat().map((run) => run.job.id);
      expect(won).toHaveLength(count);
      expect(new Set(won).size).toBe(count);
      for (const job of await h.store.getAllJobs()) {
        const index = Number(job.id.slice('job-'.length));
        expect(job.nextRunTimeMs, job.id).toBe(now - (index % 7) + MINUTE);
      }
    });

    it('lets a job claimed elsewhere go: a second claim at the same time finds nothing', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a' }));
      const other = h.options.shared ? (await h.another()).store : h.store;
      const first = await h.store.claimDueJobs({
        now,
        limit: 10,
        advance: oneMinuteLater(h.context),
      });
      const second = await other.claimDueJobs({
        now,
        limit: 10,
        advance: oneMinuteLater(h.context),
      });
      expect(first).toHaveLength(1);
      expect(second).toEqual([]);
    });
  });
}
