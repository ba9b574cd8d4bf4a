import { DateTrigger, IntervalTrigger } from '@kairos/triggers';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictingIdError, JobLookupError } from '../src/errors.js';
import type { JobHost, JobStoreContext } from '../src/interfaces.js';
import { Job } from '../src/job.js';
import { MemoryJobStore } from '../src/jobstores/memory.js';

/** The store never calls back into the scheduler; any call is a test failure. */
const host: JobHost = {
  modifyJob: () => Promise.reject(new Error('not called')),
  rescheduleJob: () => Promise.reject(new Error('not called')),
  pauseJob: () => Promise.reject(new Error('not called')),
  resumeJob: () => Promise.reject(new Error('not called')),
  removeJob: () => Promise.reject(new Error('not called')),
  runJob: () => Promise.reject(new Error('not called')),
};

const context: JobStoreContext = {
  clock: {
    now: () => 0,
    setTimer: () => {
      throw new Error('not called');
    },
  },
  logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  serializeJob: () => {
    throw new Error('not called');
  },
  restoreJob: () => {
    throw new Error('not called');
  },
  reportUnrestorable: () => {
    throw new Error('not called');
  },
  wakeup: () => {
    throw new Error('not called');
  },
};

const T0 = Date.UTC(2030, 0, 1);

/** The jobs due at `now`, earliest first, in the store's own order. */
async function dueJobs(store: MemoryJobStore, now: number): Promise<Job[]> {
  return (await store.getAllJobs()).filter(
    (job) => job.nextRunTimeMs !== null && job.nextRunTimeMs <= now,
  );
}

/** A job due at `nextRunTimeMs` (a DateTrigger), or paused (an IntervalTrigger) when null. */
function makeJob(id: string, nextRunTimeMs: number | null): Job {
  const trigger =
    nextRunTimeMs === null
      ? new IntervalTrigger({ seconds: 5 })
      : new DateTrigger({ runDate: nextRunTimeMs });
  return new Job(
    {
      id,
      name: `job ${id}`,
      task: 'noop',
      args: [],
      trigger,
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

const ids = (jobs: readonly Job[]): string[] => jobs.map((job) => job.id);

/** The same snapshots (by identity, not by equal fields) in the same order. */
function expectSameJobs(actual: readonly Job[], expected: readonly Job[]): void {
  const same =
    actual.length === expected.length && actual.every((job, index) => job === expected[index]);
  // Compare ids only on a mismatch, for a readable diff: deep equality per step is slow.
  if (!same) expect(ids(actual)).toEqual(ids(expected));
  expect(same).toBe(true);
}

describe('MemoryJobStore', () => {
  let store: MemoryJobStore;

  beforeEach(async () => {
    store = new MemoryJobStore();
    await store.start(context, 'mem');
  });

  describe('ordering', () => {
    it('is empty at first', async () => {
      expect(store.size).toBe(0);
      expect(await store.getNextRunTime()).toBeNull();
      expect(await dueJobs(store, T0 + 1e12)).toEqual([]);
      expect(await store.getAllJobs()).toEqual([]);
      expect(await store.lookupJob('a')).toBeNull();
    });

    it('lists jobs by next run time, whatever the order they were added in', async () => {
      await store.addJob(makeJob('c', T0 + 3000));
      await store.addJob(makeJob('a', T0 + 1000));
      await store.addJob(makeJob('b', T0 + 2000));
      expect(ids(await store.getAllJobs())).toEqual(['a', 'b', 'c']);
      expect(await store.getNextRunTime()).toBe(T0 + 1000);
      expect(store.size).toBe(3);
    });

    it('orders jobs due at the same time by when they got that time', async () => {
      await store.addJob(makeJob('b', T0));
      await store.addJob(makeJob('c', T0));
      await store.addJob(makeJob('a', T0));
      await store.addJob(makeJob('0', T0 + 1));
      expect(ids(await store.getAllJobs())).toEqual(['b', 'c', 'a', '0']);
      expect(ids(await dueJobs(store, T0))).toEqual(['b', 'c', 'a']);
      await store.updateJob(makeJob('b', T0));
      expect(ids(await dueJobs(store, T0))).toEqual(['c', 'a', 'b']);
    });

    it('returns the stored snapshots themselves', async () => {
      const job = makeJob('a', T0);
      await store.addJob(job);
      expect(await store.lookupJob('a')).toBe(job);
      expect((await dueJobs(store, T0))[0]).toBe(job);
      expect((await store.getAllJobs())[0]).toBe(job);
    });
  });

  describe('due jobs', () => {
    beforeEach(async () => {
      await store.addJob(makeJob('late', T0 + 1));
      await store.addJob(makeJob('now', T0));
      await store.addJob(makeJob('early', T0 - 60_000));
      await store.addJob(makeJob('paused', null));
    });

    it('includes a job due exactly now and excludes one due 1 ms later', async () => {
      expect(ids(await dueJobs(store, T0))).toEqual(['early', 'now']);
      expect(ids(await dueJobs(store, T0 + 1))).toEqual(['early', 'now', 'late']);
      expect(ids(await dueJobs(store, T0 - 1))).toEqual(['early']);
      expect(ids(await dueJobs(store, T0 - 60_001))).toEqual([]);
    });

    it('never returns paused jobs, and leaves due jobs in the store', async () => {
      expect(ids(await dueJobs(store, Number.MAX_SAFE_INTEGER))).toEqual(['early', 'now', 'late']);
      expect(store.size).toBe(4);
    });
  });

  describe('updateJob', () => {
    beforeEach(async () => {
      await store.addJob(makeJob('a', T0 + 1000));
      await store.addJob(makeJob('b', T0 + 2000));
      await store.addJob(makeJob('c', T0 + 3000));
    });

    it('moves a job earlier', async () => {
      const moved = makeJob('c', T0);
      await store.updateJob(moved);
      expect(ids(await store.getAllJobs())).toEqual(['c', 'a', 'b']);
      expect(await store.getNextRunTime()).toBe(T0);
      expect(await store.lookupJob('c')).toBe(moved);
      expect(store.size).toBe(3);
    });

    it('moves a job later', async () => {
      await store.updateJob(makeJob('a', T0 + 5000));
      expect(ids(await store.getAllJobs())).toEqual(['b', 'c', 'a']);
      expect(await store.getNextRunTime()).toBe(T0 + 2000);
      expect(ids(await dueJobs(store, T0 + 3000))).toEqual(['b', 'c']);
    });

    it('replaces the snapshot when the run time stays the same', async () => {
      const renamed = makeJob('b', T0 + 2000).with({ name: 'renamed' });
      await store.updateJob(renamed);
      expect(await store.lookupJob('b')).toBe(renamed);
      expect((await dueJobs(store, T0 + 2000))[1]).toBe(renamed);
      expect(ids(await store.getAllJobs())).toEqual(['a', 'b', 'c']);
    });

    it('pauses a job and resumes it', async () => {
      const a = await store.lookupJob('a');
      if (a === null) throw new Error('job a missing');
      await store.updateJob(a.with({ nextRunTimeMs: null }));
      expect(ids(await store.getAllJobs())).toEqual(['b', 'c', 'a']);
      expect(ids(await dueJobs(store, T0 + 5000))).toEqual(['b', 'c']);
      expect(await store.getNextRunTime()).toBe(T0 + 2000);
      expect((await store.lookupJob('a'))?.paused).toBe(true);

      await store.updateJob(a.with({ nextRunTimeMs: T0 + 2500 }));
      expect(ids(await store.getAllJobs())).toEqual(['b', 'a', 'c']);
      expect(ids(await dueJobs(store, T0 + 2500))).toEqual(['b', 'a']);
    });

    it('keeps the old snapshot unchanged', async () => {
      const old = await store.lookupJob('a');
      await store.updateJob(makeJob('a', T0 + 9000));
      expect(old?.nextRunTimeMs).toBe(T0 + 1000);
    });

    it('rejects a job the store does not hold, naming the id and the store', async () => {
      const update = store.updateJob(makeJob('missing', T0));
      await expect(update).rejects.toBeInstanceOf(JobLookupError);
      await expect(update).rejects.toThrow(/'missing'.*job store 'mem'/);
      expect(store.size).toBe(3);
    });
  });

  describe('addJob', () => {
    it('rejects a taken id, naming the id and the store, and keeps the first job', async () => {
      const first = makeJob('a', T0);
      await store.addJob(first);
      const add = store.addJob(makeJob('a', T0 - 1000));
      await expect(add).rejects.toBeInstanceOf(ConflictingIdError);
      await expect(add).rejects.toThrow(/'a'.*job store 'mem'/);
      expect(await store.lookupJob('a')).toBe(first);
      expect(await store.getNextRunTime()).toBe(T0);
      expect(store.size).toBe(1);
    });

    it('rejects a taken id when the held job is paused', async () => {
      await store.addJob(makeJob('a', null));
      await expect(store.addJob(makeJob('a', T0))).rejects.toBeInstanceOf(ConflictingIdError);
      expect(await store.getNextRunTime()).toBeNull();
    });

    it('names no store before start() gave it an alias', async () => {
      const unstarted = new MemoryJobStore();
      await unstarted.addJob(makeJob('a', T0));
      const add = unstarted.addJob(makeJob('a', T0));
      await expect(add).rejects.toThrow("Job identifier 'a' conflicts with an existing job;");
    });
  });

  describe('removeJob', () => {
    it('removes scheduled and paused jobs', async () => {
      await store.addJob(makeJob('a', T0));
      await store.addJob(makeJob('b', T0 + 1));
      await store.addJob(makeJob('p', null));
      await store.removeJob('a');
      await store.removeJob('p');
      expect(await store.lookupJob('a')).toBeNull();
      expect(await store.lookupJob('p')).toBeNull();
      expect(ids(await store.getAllJobs())).toEqual(['b']);
      expect(await store.getNextRunTime()).toBe(T0 + 1);
      expect(store.size).toBe(1);
    });

    it('rejects an unknown id, naming the id and the store', async () => {
      await store.addJob(makeJob('a', T0));
      const remove = store.removeJob('nope');
      await expect(remove).rejects.toBeInstanceOf(JobLookupError);
      await expect(remove).rejects.toThrow(
        "No job by the id of 'nope' was found in job store 'mem'",
      );
      expect(store.size).toBe(1);
    });

    it('lets the id be used again', async () => {
      await store.addJob(makeJob('a', T0));
      await store.removeJob('a');
      await store.addJob(makeJob('a', T0 + 5));
      expect(await store.getNextRunTime()).toBe(T0 + 5);
    });
  });

  describe('getAllJobs', () => {
    it('lists scheduled jobs earliest first, then paused jobs in the order they were added', async () => {
      await store.addJob(makeJob('p2', null));
      await store.addJob(makeJob('s2', T0 + 2));
      await store.addJob(makeJob('p1', null));
      await store.addJob(makeJob('s1', T0 + 1));
      await store.addJob(makeJob('p3', null));
      expect(ids(await store.getAllJobs())).toEqual(['s1', 's2', 'p2', 'p1', 'p3']);
    });

    it('returns a new array each time', async () => {
      await store.addJob(makeJob('a', T0));
      const all = await store.getAllJobs();
      all.pop();
      expect(ids(await store.getAllJobs())).toEqual(['a']);
    });
  });

  describe('claimDueJobs', () => {
    it('moves claimed jobs to their new run times and deletes the exhausted ones', async () => {
      await store.addJob(makeJob('a', T0));
      await store.addJob(makeJob('b', T0));
      await store.addJob(makeJob('c', T0 + 5));
      const claimed = await store.claimDueJobs({
        now: T0,
        limit: 10,
        advance: (job) => (job.id === 'a' ? job.with({ nextRunTimeMs: T0 + 10 }) : null),
      });
      expect(claimed.map((run) => [run.job.id, run.next?.nextRunTimeMs ?? null])).toEqual([
        ['a', T0 + 10],
        ['b', null],
      ]);
      expect(ids(await store.getAllJobs())).toEqual(['c', 'a']);
      expect(await store.getNextRunTime()).toBe(T0 + 5);
    });

    it('stops at the limit inside a bucket of jobs sharing a run time', async () => {
      for (const id of ['a', 'b', 'c']) await store.addJob(makeJob(id, T0));
      const claimed = await store.claimDueJobs({ now: T0, limit: 2, advance: () => null });
      expect(claimed.map((run) => run.job.id)).toEqual(['a', 'b']);
      expect(ids(await store.getAllJobs())).toEqual(['c']);
    });

    it('claims across passes around a job it leaves, in a large bucket thinned by removals', async () => {
      const all = Array.from({ length: 500 }, (_, index) => `j${index}`);
      for (const id of all) await store.addJob(makeJob(id, T0));
      // Most jobs leave one by one, so the bucket is packed; every tenth stays.
      const kept = all.filter((_, index) => index % 10 === 0);
      for (const id of all) if (!kept.includes(id)) await store.removeJob(id);
      expect(ids(await dueJobs(store, T0))).toEqual(kept);
      // The first job is left where it is (its trigger failed); the others go, 7 per pass.
      const claimedIds: string[] = [];
      for (let pass = 0; pass < 20; pass++) {
        const claimed = await store.claimDueJobs({
          now: T0,
          limit: 7,
          advance: (job) => (job.id === 'j0' ? undefined : null),
        });
        claimedIds.push(...claimed.map((run) => run.job.id));
      }
      expect(claimedIds).toEqual(kept.slice(1));
      expect(ids(await store.getAllJobs())).toEqual(['j0']);
      expect(await store.getNextRunTime()).toBe(T0);
      // A job added later at the same time comes after it.
      await store.addJob(makeJob('late', T0));
      expect(ids(await dueJobs(store, T0))).toEqual(['j0', 'late']);
    });
  });

  it('removeAllJobs clears scheduled and paused jobs', async () => {
    await store.addJob(makeJob('a', T0));
    await store.addJob(makeJob('p', null));
    await store.removeAllJobs();
    expect(store.size).toBe(0);
    expect(await store.getAllJobs()).toEqual([]);
    expect(await store.getNextRunTime()).toBeNull();
    expect(await store.lookupJob('p')).toBeNull();
    await store.addJob(makeJob('a', T0 + 1));
    expect(ids(await dueJobs(store, T0 + 1))).toEqual(['a']);
  });

  it('keeps its jobs across shutdown() and start()', async () => {
    await store.addJob(makeJob('a', T0));
    await store.addJob(makeJob('p', null));
    await store.shutdown();
    expect(store.size).toBe(2);
    await store.start(context, 'again');
    expect(ids(await store.getAllJobs())).toEqual(['a', 'p']);
    await expect(store.removeJob('x')).rejects.toThrow("in job store 'again'");
  });

  it('agrees with a sorted-array model over 20,000 random operations', async () => {
    // A seeded generator (mulberry32) so a failure can be replayed.
    let seed = 20300101;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const randomInt = (bound: number): number => Math.floor(random() * bound);
    // Few ids and few distinct times, so conflicts, misses and ties are common.
    const randomId = (): string => `job-${randomInt(2000)}`;
    const randomTime = (): number | null => (random() < 0.1 ? null : T0 + randomInt(500));
    // Copies of one job: building a trigger per job would dominate the run time, and the store
    // reads only the id and the next run time.
    const template = makeJob('template', T0);
    const randomJob = (id: string): Job => template.with({ id, nextRunTimeMs: randomTime() });
    // Vitest's expect() costs microseconds; on the hot path, only call it on a mismatch.
    const same = (actual: unknown, expected: unknown): void => {
      if (actual !== expected) expect(actual).toBe(expected);
    };
    const rejection = (promise: Promise<void>): Promise<unknown> =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      );

    // The model: every job in the order it was added, and the scheduled ones in a sorted array
    // (a job given a run time goes after the jobs that already have that time).
    const held = new Map<string, Job>();
    const sorted: Job[] = [];
    const before = (a: Job, b: Job): boolean => (a.nextRunTimeMs ?? 0) <= (b.nextRunTimeMs ?? 0);
    const unschedule = (job: Job): void => {
      if (job.nextRunTimeMs !== null) sorted.splice(sorted.indexOf(job), 1);
    };
    const schedule = (job: Job): void => {
      if (job.nextRunTimeMs === null) return;
      let index = 0;
      while (index < sorted.length && before(sorted[index]!, job)) index++;
      sorted.splice(index, 0, job);
    };
    const expectedAll = (): Job[] => [
      ...sorted,
      ...[...held.values()].filter((job) => job.nextRunTimeMs === null),
    ];

    let conflicts = 0;
    let misses = 0;
    let largest = 0;
    for (let step = 0; step < 20_000; step++) {
      const id = randomId();
      const existing = held.get(id);
      const op = random();
      if (op < 0.45) {
        const job = randomJob(id);
        if (existing === undefined) {
          await store.addJob(job);
          held.set(id, job);
          schedule(job);
        } else {
          same((await rejection(store.addJob(job))) instanceof ConflictingIdError, true);
          conflicts++;
        }
      } else if (op < 0.8) {
        if (existing === undefined) {
          same((await rejection(store.updateJob(randomJob(id)))) instanceof JobLookupError, true);
          misses++;
        } else {
          const job = existing.with({ nextRunTimeMs: randomTime() });
          await store.updateJob(job);
          unschedule(existing);
          held.set(id, job);
          schedule(job);
        }
      } else {
        if (existing === undefined) {
          same((await rejection(store.removeJob(id))) instanceof JobLookupError, true);
          misses++;
        } else {
          await store.removeJob(id);
          unschedule(existing);
          held.delete(id);
        }
      }
      largest = Math.max(largest, held.size);
      if (step === 10_000) {
        await store.removeAllJobs();
        held.clear();
        sorted.length = 0;
      }

      same(store.size, held.size);
      same(await store.getNextRunTime(), sorted[0]?.nextRunTimeMs ?? null);
      same(await store.lookupJob(id), held.get(id) ?? null);
      const now = T0 + randomInt(520) - 10;
      const due = await dueJobs(store, now);
      const dueCount = sorted.findIndex((job) => (job.nextRunTimeMs ?? 0) > now);
      expectSameJobs(due, dueCount === -1 ? sorted : sorted.slice(0, dueCount));
      if (step % 500 === 0) expectSameJobs(await store.getAllJobs(), expectedAll());
    }
    expectSameJobs(await store.getAllJobs(), expectedAll());
    // The run exercised what it claims to.
    expect(conflicts).toBeGreaterThan(100);
    expect(misses).toBeGreaterThan(100);
    expect(largest).toBeGreaterThan(500);
  }, 60_000); // Its deliberately naive model takes seconds on a busy machine.
});
