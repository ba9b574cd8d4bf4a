/**
 * Adding, reading, replacing (also conditionally, `updateJobIf`) and removing jobs; the errors
 * for taken and unknown ids.
 */
import { ConflictingIdError, JobLookupError, type Job } from '@kairos/core';
import { describe, expect, it } from 'vitest';
import { oneMinuteLater } from '../claims.js';
import { dueJobs, expectSameJob, ids } from './expect-job.js';
import type { Harness } from './index.js';

export function defineCrudTests(h: Harness): void {
  describe('adding, reading, replacing and removing', () => {
    it('keeps every field of an added job', async () => {
      const job = h.context.job({
        id: 'report',
        name: 'Nightly report',
        task: 'report',
        args: ['weekly', 3],
        misfireGraceTime: null,
        coalesce: false,
        maxInstances: 4,
        timeout: 30,
        executor: 'workers',
      });
      await h.store.addJob(job);
      expectSameJob(h.context, await h.store.lookupJob('report'), job);
    });

    it('gives null for an id it does not hold', async () => {
      expect(await h.store.lookupJob('nope')).toBeNull();
    });

    it('replaces a job on updateJob, next run time included', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now + 1000 }));
      const changed = h.context.job({
        id: 'a',
        name: 'renamed',
        args: [1],
        nextRunTime: now + 5000,
      });
      await h.store.updateJob(changed);
      expectSameJob(h.context, await h.store.lookupJob('a'), changed);
      expect(await h.store.getNextRunTime()).toBe(now + 5000);
    });

    it('pauses and resumes through updateJob', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now }));
      await h.store.updateJob(h.context.job({ id: 'a', nextRunTime: null }));
      expect(await h.store.getNextRunTime()).toBeNull();
      expect(await dueJobs(h.store, now + 60_000)).toEqual([]);
      expect((await h.store.lookupJob('a'))?.nextRunTimeMs).toBeNull();
      await h.store.updateJob(h.context.job({ id: 'a', nextRunTime: now + 10 }));
      expect(await h.store.getNextRunTime()).toBe(now + 10);
    });

    it('updateJobIf writes only over the next run time it was given', async () => {
      const update = h.store.updateJobIf?.bind(h.store);
      if (update === undefined) return; // optional: modifyJob falls back to updateJob
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', name: 'first', nextRunTime: now }));
      const read = await h.store.lookupJob('a');
      // A claim advances the job after it was read: a change made to what was read is refused.
      await h.store.claimDueJobs({ now, limit: 10, advance: oneMinuteLater(h.context) });
      const renamed = h.context.withFields(read as Job, { name: 'renamed' });
      expect(await update(renamed, now)).toBe(false);
      expect(await h.store.lookupJob('a')).toMatchObject({
        name: 'first',
        nextRunTimeMs: now + 60_000,
      });
      const current = h.context.withFields(renamed, { nextRunTimeMs: now + 60_000 });
      expect(await update(current, now + 60_000)).toBe(true);
      expect(await h.store.lookupJob('a')).toMatchObject({
        name: 'renamed',
        nextRunTimeMs: now + 60_000,
      });
      // Paused: null is the run time to match, and unpausing through it is a write like any.
      await h.store.updateJob(h.context.withFields(current, { nextRunTimeMs: null }));
      expect(await update(h.context.withFields(current, { name: 'still' }), now)).toBe(false);
      expect(
        await update(h.context.withFields(current, { name: 'paused', nextRunTimeMs: null }), null),
      ).toBe(true);
      expect(await h.store.lookupJob('a')).toMatchObject({ name: 'paused', nextRunTimeMs: null });
      await expect(update(h.context.job({ id: 'ghost' }), now)).rejects.toThrow(JobLookupError);
    });

    it('removes one job, or all of them', async () => {
      for (const id of ['a', 'b', 'c']) await h.store.addJob(h.context.job({ id }));
      await h.store.removeJob('b');
      expect(await h.store.lookupJob('b')).toBeNull();
      expect(ids(await h.store.getAllJobs()).sort()).toEqual(['a', 'c']);
      await h.store.removeAllJobs();
      expect(await h.store.getAllJobs()).toEqual([]);
      expect(await h.store.getNextRunTime()).toBeNull();
    });

    it('refuses a taken id with ConflictingIdError and keeps the first job', async () => {
      const first = h.context.job({ id: 'a', name: 'first' });
      await h.store.addJob(first);
      await expect(h.store.addJob(h.context.job({ id: 'a', name: 'second' }))).rejects.toThrow(
        ConflictingIdError,
      );
      expectSameJob(h.context, await h.store.lookupJob('a'), first);
    });

    it('refuses to update or remove an unknown id with JobLookupError', async () => {
      await expect(h.store.updateJob(h.context.job({ id: 'ghost' }))).rejects.toThrow(
        JobLookupError,
      );
      await expect(h.store.removeJob('ghost')).rejects.toThrow(JobLookupError);
      expect(await h.store.lookupJob('ghost')).toBeNull();
    });

    it('takes ids of any characters', async () => {
      const odd = ["it's", 'a b', 'ünï/çødé#1', '{"json": true}', 'x'.repeat(200)];
      for (const id of odd) await h.store.addJob(h.context.job({ id }));
      for (const id of odd) expect((await h.store.lookupJob(id))?.id).toBe(id);
    });
  });
}
