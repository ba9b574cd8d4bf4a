/** A shared store: jobs outlive the instance that stored them and are seen by every instance. */
import { describe, expect, it } from 'vitest';
import { TestStoreContext } from '../context.js';
import { expectSameJob, ids } from './expect-job.js';
import type { Harness } from './index.js';

export function definePersistenceTests(h: Harness): void {
  describe('persistence and sharing', () => {
    it('shows a job stored by one instance to another', async () => {
      const job = h.context.job({ id: 'shared', args: [1, 'two'] });
      await h.store.addJob(job);
      const other = await h.another();
      expectSameJob(other.context, await other.store.lookupJob('shared'), job);
    });

    it('keeps jobs and run times across a shutdown and start', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now + 5 }));
      await h.store.addJob(h.context.job({ id: 'b', nextRunTime: null }));
      await h.restart(h.store, new TestStoreContext());
      expect(ids(await h.store.getAllJobs())).toEqual(['a', 'b']);
      expect(await h.store.getNextRunTime()).toBe(now + 5);
    });

    it('sees the changes another instance makes', async () => {
      const now = h.context.clock.now();
      await h.store.addJob(h.context.job({ id: 'a', nextRunTime: now }));
      const other = await h.another();
      await other.store.updateJob(other.context.job({ id: 'a', nextRunTime: now + 99 }));
      expect((await h.store.lookupJob('a'))?.nextRunTimeMs).toBe(now + 99);
      await other.store.removeJob('a');
      expect(await h.store.lookupJob('a')).toBeNull();
      await expect(h.store.removeJob('a')).rejects.toThrow();
    });
  });
}
