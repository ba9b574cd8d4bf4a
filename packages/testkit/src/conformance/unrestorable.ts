/** A stored job that cannot be restored is kept, skipped and reported once — never deleted. */
import { describe, expect, it } from 'vitest';
import { TestStoreContext } from '../context.js';
import { ids } from './expect-job.js';
import type { Harness } from './index.js';

export function defineUnrestorableTests(h: Harness): void {
  describe('jobs that cannot be restored', () => {
    /** Stores a due job of task 'ghost' and a later good one, then forgets the task. */
    async function storeGhost(): Promise<number> {
      const now = h.context.clock.now();
      h.context.tasks.add('ghost');
      await h.store.addJob(
        h.context.job({ id: 'ghost-job', task: 'ghost', nextRunTime: now - 100 }),
      );
      await h.store.addJob(h.context.job({ id: 'good', nextRunTime: now + 10 }));
      h.context.tasks.delete('ghost');
      return now;
    }

    it('skips it in every query and reports it once, naming the job', async () => {
      const now = await storeGhost();
      expect(await h.store.getDueJobs(now)).toEqual([]);
      expect(await h.store.getDueJobs(now + 10)).toHaveLength(1);
      expect(ids(await h.store.getAllJobs())).toEqual(['good']);
      expect(await h.store.lookupJob('ghost-job')).toBeNull();
      expect(await h.store.getNextRunTime()).toBe(now + 10);
      const claimed = await h.store.claimDueJobs({ now, limit: 10, advance: () => null });
      expect(claimed).toEqual([]);
      expect(h.context.reported.map((report) => report.id)).toEqual(['ghost-job']);
      expect(String(h.context.reported[0]?.error)).toMatch(/ghost/);
    });

    it('does not let it crowd out restorable jobs in limited claims', async () => {
      const now = await storeGhost();
      await h.store.addJob(h.context.job({ id: 'due', nextRunTime: now - 50 }));
      expect(await h.store.getDueJobs(now)).toHaveLength(1);
      const claimed = await h.store.claimDueJobs({ now, limit: 1, advance: () => null });
      expect(claimed.map((run) => run.job.id)).toEqual(['due']);
    });

    it('keeps it stored, whole, for a scheduler that can restore it', async () => {
      const now = await storeGhost();
      await h.store.getDueJobs(now);
      await h.store.claimDueJobs({ now, limit: 10, advance: () => null });
      const context = new TestStoreContext({ tasks: ['tick', 'ghost'] });
      if (h.options.shared) {
        const other = await h.another(context);
        expect((await other.store.lookupJob('ghost-job'))?.nextRunTimeMs).toBe(now - 100);
      } else {
        await h.restart(h.store, context);
        expect((await h.store.lookupJob('ghost-job'))?.nextRunTimeMs).toBe(now - 100);
      }
      expect(context.reported).toEqual([]);
    });

    it('restores it again once it is replaced or removed through the store', async () => {
      const now = await storeGhost();
      await h.store.getDueJobs(now);
      await h.store.updateJob(h.context.job({ id: 'ghost-job', nextRunTime: now - 100 }));
      expect(ids(await h.store.getDueJobs(now))).toEqual(['ghost-job']);
      await h.store.removeJob('ghost-job');
      expect(await h.store.lookupJob('ghost-job')).toBeNull();
    });
  });
}
