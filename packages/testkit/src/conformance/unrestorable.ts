/**
 * A stored job that cannot be restored is kept, skipped, reported once per start and listed
 * with its cause — never deleted.
 */
import { JobLookupError, UnrestorableJob, type JobStore } from '@kairos/core';
import { describe, expect, it } from 'vitest';
import { TestStoreContext } from '../context.js';
import { dueJobs, ids } from './expect-job.js';
import type { Harness } from './index.js';

/** The jobs a store lists as unrestorable (failing when it cannot list them). */
async function unrestorableOf(store: JobStore): Promise<UnrestorableJob[]> {
  expect(
    typeof store.getUnrestorableJobs,
    'a persistent store lists its unrestorable jobs (getUnrestorableJobs)',
  ).toBe('function');
  return (await store.getUnrestorableJobs?.()) ?? [];
}

export function defineUnrestorableTests(h: Harness): void {
  describe('jobs that cannot be restored', () => {
    /** Stores a due job of task 'ghost' and a later good one, then forgets the task. */
    async function storeGhost(): Promise<number> {
      const now = h.context.clock.now();
      h.context.tasks.add('ghost');
      await h.store.addJob(
        h.context.job({ id: 'ghost-job', name: 'Ghost', task: 'ghost', nextRunTime: now - 100 }),
      );
      await h.store.addJob(h.context.job({ id: 'good', nextRunTime: now + 10 }));
      h.context.tasks.delete('ghost');
      return now;
    }

    /** Reads every kind of query once, as a scheduler would. */
    async function queryAll(now: number): Promise<void> {
      await h.store.getAllJobs();
      await h.store.lookupJob('ghost-job');
      await h.store.getNextRunTime();
      await h.store.claimDueJobs({ now, limit: 10, advance: () => undefined });
    }

    it('skips it in every query and reports it once, naming the job', async () => {
      const now = await storeGhost();
      expect(await dueJobs(h.store, now)).toEqual([]);
      expect(await dueJobs(h.store, now + 10)).toHaveLength(1);
      expect(ids(await h.store.getAllJobs())).toEqual(['good']);
      expect(await h.store.lookupJob('ghost-job')).toBeNull();
      expect(await h.store.getNextRunTime()).toBe(now + 10);
      const claimed = await h.store.claimDueJobs({ now, limit: 10, advance: () => null });
      expect(claimed).toEqual([]);
      await queryAll(now);
      expect(h.context.reported.map((report) => report.id)).toEqual(['ghost-job']);
      expect(String(h.context.reported[0]?.error)).toMatch(/ghost/);
    });

    it('lists it as unrestorable with its cause, name, store and next run time', async () => {
      const now = await storeGhost();
      expect(await unrestorableOf(h.store)).toEqual([]);
      await h.store.getAllJobs();
      const [listed, ...others] = await unrestorableOf(h.store);
      expect(others).toEqual([]);
      expect(listed).toBeInstanceOf(UnrestorableJob);
      expect(listed).toMatchObject({
        state: 'unrestorable',
        id: 'ghost-job',
        name: 'Ghost',
        jobstore: h.context.alias,
        nextRunTimeMs: now - 100,
      });
      expect(listed?.nextRunTime).toEqual(new Date(now - 100));
      expect(listed?.cause).toBe(h.context.reported[0]?.error);
      expect(String(listed?.cause)).toMatch(/ghost/);
      // The stored form as the store holds it, for inspection.
      const document = listed?.document;
      const state: unknown = typeof document === 'string' ? JSON.parse(document) : document;
      expect(state).toMatchObject({ id: 'ghost-job', task: 'ghost' });
    });

    it('is known after a lookup by id alone', async () => {
      await storeGhost();
      expect(await h.store.lookupJob('ghost-job')).toBeNull();
      expect((await unrestorableOf(h.store)).map((job) => job.id)).toEqual(['ghost-job']);
    });

    it('does not let it crowd out restorable jobs in limited claims', async () => {
      const now = await storeGhost();
      await h.store.addJob(h.context.job({ id: 'due', nextRunTime: now - 50 }));
      expect(await dueJobs(h.store, now)).toHaveLength(1);
      const claimed = await h.store.claimDueJobs({ now, limit: 1, advance: () => null });
      expect(claimed.map((run) => run.job.id)).toEqual(['due']);
    });

    it('keeps it stored, whole, for a scheduler that can restore it', async () => {
      const now = await storeGhost();
      await dueJobs(h.store, now);
      await h.store.claimDueJobs({ now, limit: 10, advance: () => null });
      const context = new TestStoreContext({ tasks: ['tick', 'ghost'] });
      if (h.options.shared) {
        const other = await h.another(context);
        expect((await other.store.lookupJob('ghost-job'))?.nextRunTimeMs).toBe(now - 100);
        expect(await unrestorableOf(other.store)).toEqual([]);
      } else {
        await h.restart(h.store, context);
        expect((await h.store.lookupJob('ghost-job'))?.nextRunTimeMs).toBe(now - 100);
      }
      expect(context.reported).toEqual([]);
    });

    it('reports it again, once, after the store starts again', async () => {
      const now = await storeGhost();
      await queryAll(now);
      const context = await h.restart(h.store, new TestStoreContext());
      expect(await unrestorableOf(h.store)).toEqual([]);
      await queryAll(now);
      await queryAll(now);
      expect(context.reported.map((report) => report.id)).toEqual(['ghost-job']);
      expect((await unrestorableOf(h.store)).map((job) => job.id)).toEqual(['ghost-job']);
    });

    it('restores it again once it is replaced through the store', async () => {
      const now = await storeGhost();
      await dueJobs(h.store, now);
      await h.store.updateJob(h.context.job({ id: 'ghost-job', nextRunTime: now - 100 }));
      expect(await unrestorableOf(h.store)).toEqual([]);
      expect(ids(await dueJobs(h.store, now))).toEqual(['ghost-job']);
    });

    it('is removed by removeJob, for good', async () => {
      const now = await storeGhost();
      await h.store.getAllJobs();
      await h.store.removeJob('ghost-job');
      expect(await unrestorableOf(h.store)).toEqual([]);
      expect(await h.store.lookupJob('ghost-job')).toBeNull();
      await expect(h.store.removeJob('ghost-job')).rejects.toThrow(JobLookupError);
      // A scheduler that could restore it no longer finds it.
      const context = new TestStoreContext({ tasks: ['tick', 'ghost'] });
      const store = h.options.shared ? (await h.another(context)).store : h.store;
      if (!h.options.shared) await h.restart(h.store, context);
      expect(await store.lookupJob('ghost-job')).toBeNull();
      expect(ids(await store.getAllJobs())).toEqual(['good']);
      expect(await dueJobs(store, now)).toEqual([]);
    });

    it('is removed by removeAllJobs', async () => {
      await storeGhost();
      await h.store.getAllJobs();
      await h.store.removeAllJobs();
      expect(await unrestorableOf(h.store)).toEqual([]);
      expect(await h.store.getAllJobs()).toEqual([]);
    });

    it('is no longer listed once another scheduler removed it', async () => {
      if (!h.options.shared) return;
      await storeGhost();
      await h.store.getAllJobs();
      const other = await h.another(new TestStoreContext({ tasks: ['tick', 'ghost'] }));
      await other.store.removeJob('ghost-job');
      await expect(h.store.removeJob('ghost-job')).rejects.toThrow(JobLookupError);
      expect(await unrestorableOf(h.store)).toEqual([]);
    });

    describe.skipIf(h.options.writeRawJob === undefined)('a corrupt stored document', () => {
      async function storeCorrupt(): Promise<number> {
        const now = h.context.clock.now();
        await h.options.writeRawJob?.('corrupt', '{"version": 1, "id": "corr', now - 100);
        await h.store.addJob(h.context.job({ id: 'good', nextRunTime: now - 10 }));
        return now;
      }

      it('is skipped, reported once and listed with its cause, named by its id', async () => {
        const now = await storeCorrupt();
        expect(ids(await h.store.getAllJobs())).toEqual(['good']);
        expect(ids(await dueJobs(h.store, now))).toEqual(['good']);
        expect(await h.store.getNextRunTime()).toBe(now - 10);
        const claimed = await h.store.claimDueJobs({ now, limit: 1, advance: () => null });
        expect(claimed.map((run) => run.job.id)).toEqual(['good']);
        expect(await h.store.lookupJob('corrupt')).toBeNull();
        expect(h.context.reported.map((report) => report.id)).toEqual(['corrupt']);
        expect(String(h.context.reported[0]?.error)).toMatch(/corrupt.*not valid JSON/);
        const listed = await unrestorableOf(h.store);
        expect(listed).toHaveLength(1);
        expect(listed[0]).toMatchObject({
          state: 'unrestorable',
          id: 'corrupt',
          name: 'corrupt',
          nextRunTimeMs: now - 100,
          document: '{"version": 1, "id": "corr',
        });
        expect(listed[0]?.cause).toBe(h.context.reported[0]?.error);
      });

      it('is removed by removeJob', async () => {
        await storeCorrupt();
        expect(await h.store.lookupJob('corrupt')).toBeNull();
        await h.store.removeJob('corrupt');
        expect(await unrestorableOf(h.store)).toEqual([]);
        await expect(h.store.removeJob('corrupt')).rejects.toThrow(JobLookupError);
      });
    });
  });
}
