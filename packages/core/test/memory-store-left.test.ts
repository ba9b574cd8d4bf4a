// A one-off job a claim removes leaves its entry behind until a sweep: none of it shows.
import { DateTrigger, IntervalTrigger } from '@kairos/triggers';
import { describe, expect, it } from 'vitest';
import { ConflictingIdError, JobLookupError } from '../src/errors.js';
import type { JobHost, JobStoreContext } from '../src/interfaces.js';
import { Job } from '../src/job.js';
import { MemoryJobStore } from '../src/jobstores/memory.js';

const host = {} as JobHost;
const T0 = Date.UTC(2030, 0, 1);

function makeJob(id: string, nextRunTimeMs: number | null): Job {
  return new Job(
    {
      id,
      name: `job ${id}`,
      task: 'noop',
      args: [],
      trigger:
        nextRunTimeMs === null
          ? new IntervalTrigger({ seconds: 5 })
          : new DateTrigger({ runDate: nextRunTimeMs }),
      executor: 'default',
      jobstore: 'mem',
      misfireGraceTime: 1,
      coalesce: true,
      maxInstances: 1,
      timeout: null,
      nextRunTimeMs,
    },
    host,
  );
}

async function startedStore(): Promise<MemoryJobStore> {
  const store = new MemoryJobStore();
  await store.start({} as JobStoreContext, 'mem');
  return store;
}

describe('MemoryJobStore: jobs that left through a claim', () => {
  it('are gone for lookups, size, listing and removal, and their ids are free again', async () => {
    const store = await startedStore();
    await store.addJob(makeJob('paused-1', null));
    await store.addJob(makeJob('once', T0));
    await store.addJob(makeJob('later', T0 + 1000));
    await store.addJob(makeJob('paused-2', null));
    const claimed = await store.claimDueJobs({ now: T0, limit: 10, advance: () => null });
    expect(claimed.map((run) => run.job.id)).toEqual(['once']);
    expect(store.size).toBe(3);
    expect(await store.lookupJob('once')).toBeNull();
    await expect(store.removeJob('once')).rejects.toBeInstanceOf(JobLookupError);
    await expect(store.updateJob(makeJob('once', T0))).rejects.toBeInstanceOf(JobLookupError);
    // Added again: listed after the paused jobs added before it, as a new job is.
    await store.addJob(makeJob('once', null));
    expect((await store.getAllJobs()).map((job) => job.id)).toEqual([
      'later',
      'paused-1',
      'paused-2',
      'once',
    ]);
    await expect(store.addJob(makeJob('once', T0))).rejects.toBeInstanceOf(ConflictingIdError);
  });

  it('are swept once they outnumber the rest, keeping the order of the jobs left', async () => {
    const store = await startedStore();
    await store.addJob(makeJob('paused-a', null));
    for (let index = 0; index < 3000; index++) await store.addJob(makeJob(`due-${index}`, T0));
    await store.addJob(makeJob('paused-b', null));
    await store.addJob(makeJob('later', T0 + 1000));
    let claimed = 0;
    for (;;) {
      const batch = await store.claimDueJobs({ now: T0, limit: 1000, advance: () => null });
      if (batch.length === 0) break;
      claimed += batch.length;
    }
    expect(claimed).toBe(3000);
    expect(store.size).toBe(3);
    expect((await store.getAllJobs()).map((job) => job.id)).toEqual([
      'later',
      'paused-a',
      'paused-b',
    ]);
    await store.addJob(makeJob('due-7', T0 + 2000));
    expect(store.size).toBe(4);
  });

  it('a lone job and a bucket of several claim alike, a successor going to its new time', async () => {
    const store = await startedStore();
    await store.addJob(makeJob('alone', T0));
    await store.addJob(makeJob('pair-1', T0 + 1));
    await store.addJob(makeJob('pair-2', T0 + 1));
    const claimed = await store.claimDueJobs({
      now: T0 + 1,
      limit: 10,
      advance: (job) => (job.id === 'pair-2' ? job.with({ nextRunTimeMs: T0 + 5 }) : null),
    });
    expect(claimed.map((run) => [run.job.id, run.next?.nextRunTimeMs ?? null])).toEqual([
      ['alone', null],
      ['pair-1', null],
      ['pair-2', T0 + 5],
    ]);
    expect(await store.getNextRunTime()).toBe(T0 + 5);
    expect(store.size).toBe(1);
  });
});
