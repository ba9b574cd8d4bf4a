/**
 * `addJobs`: many jobs in one call. Every entry is checked before anything is added (all or
 * none, the error naming the entry); each store gets one `addJobs` batch (or `addJob` per job,
 * undone on failure, when it has no `addJobs`); `replaceExisting` entries go through addJob's
 * path; the jobs come back in entry order, one `job_added` each, and the loop wakes once.
 */
import { describe, expect, it } from 'vitest';
import {
  addJobsEntryOf,
  ComponentLookupError,
  ConflictingIdError,
  JobOptionError,
  MemoryJobStore,
  TaskLookupError,
  type ClaimedRun,
  type DueJobsClaim,
  type Job,
} from '../src/index.js';
import { FlakyJobStore, at, makeScheduler } from './helpers.js';

function noop(): void {
  // A task that does nothing.
}

/** A memory store counting the calls the scheduler makes to add and claim jobs. */
class CountingStore extends MemoryJobStore {
  readonly calls: string[] = [];
  claims = 0;

  override addJob(job: Job): Promise<void> {
    this.calls.push(`addJob ${job.id}`);
    return super.addJob(job);
  }

  override addJobs(jobs: readonly Job[]): Promise<void> {
    this.calls.push(`addJobs ${jobs.map((job) => job.id).join(',')}`);
    return super.addJobs(jobs);
  }

  override claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    this.claims++;
    return super.claimDueJobs(claim);
  }
}

const every = (seconds: number) => ({ type: 'interval', seconds }) as const;

describe('addJobs on a running scheduler', () => {
  it('adds the jobs in entry order with one addJobs call per store and one job_added each', async () => {
    const store = new CountingStore();
    const other = new CountingStore();
    const { scheduler, events } = makeScheduler({ jobstores: { default: store, other } });
    await scheduler.start();
    const jobs = await scheduler.addJobs([
      { task: noop, trigger: every(5), id: 'a' },
      { task: noop, trigger: every(3), id: 'b', jobstore: 'other' },
      { task: noop, trigger: every(7), id: 'c', misfire_grace_time: '2' } as never,
      { task: noop, id: 'now' },
    ]);
    expect(jobs.map((job) => [job.id, job.jobstore, job.nextRunTimeMs])).toEqual([
      ['a', 'default', at(5)],
      ['b', 'other', at(3)],
      ['c', 'default', at(7)],
      ['now', 'default', at(0)],
    ]);
    expect(jobs[2]?.misfireGraceTime).toBe(2);
    expect(store.calls).toEqual(['addJobs a,c,now']);
    expect(other.calls).toEqual(['addJobs b']);
    expect(events.only('job_added')).toEqual([
      '@0s job_added a',
      '@0s job_added b',
      '@0s job_added c',
      '@0s job_added now',
    ]);
    await scheduler.shutdown();
  });

  it('runs the jobs it added, waking the loop once for all of them', async () => {
    const store = new CountingStore();
    const { scheduler, clock, events } = makeScheduler({ jobstores: { default: store } });
    await scheduler.start();
    await clock.settle();
    const claimsBefore = store.claims;
    const entries = Array.from({ length: 50 }, (_, index) => ({ task: noop, id: `job-${index}` }));
    await scheduler.addJobs(entries);
    await clock.settle();
    // One pass claimed all 50 due jobs: the loop was not woken per job.
    expect(store.claims - claimsBefore).toBe(1);
    expect(events.only('job_executed')).toHaveLength(50);
    await scheduler.shutdown();
  });

  it('adds nothing when an id is taken, naming the entry', async () => {
    const { scheduler, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(noop, every(5), { id: 'taken' });
    events.clear();
    const call = scheduler.addJobs([
      { task: noop, trigger: every(5), id: 'fresh' },
      { task: noop, trigger: every(5), id: 'taken' },
    ]);
    await expect(call).rejects.toThrow(ConflictingIdError);
    await expect(
      scheduler.addJobs([
        { task: noop, trigger: every(5), id: 'fresh' },
        { task: noop, trigger: every(5), id: 'taken' },
      ]),
    ).rejects.toThrow(
      "addJobs entry 1 (id 'taken'): Job identifier 'taken' conflicts with an existing job in job store 'default'",
    );
    const conflict = await scheduler
      .addJobs([
        { task: noop, trigger: every(5), id: 'fresh' },
        { task: noop, trigger: every(5), id: 'taken' },
      ])
      .catch((error: unknown) => error);
    expect(addJobsEntryOf(conflict)).toBe(1);
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['taken']);
    expect(events.only('job_added')).toEqual([]);
    await scheduler.shutdown();
  });

  it('undoes the stores done before when a later store refuses its batch', async () => {
    const { scheduler } = makeScheduler({ jobstores: { default: new MemoryJobStore() } });
    await scheduler.addJobstore(new MemoryJobStore(), 'other');
    await scheduler.start();
    await scheduler.addJob(noop, every(5), { id: 'x', jobstore: 'other' });
    await expect(
      scheduler.addJobs([
        { task: noop, trigger: every(5), id: 'first' },
        { task: noop, trigger: every(5), id: 'x', jobstore: 'other' },
      ]),
    ).rejects.toThrow("addJobs entry 1 (id 'x'): Job identifier 'x' conflicts");
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['x']);
    await scheduler.shutdown();
  });

  it('replaces through addJob’s path, keeping the run time of an unchanged schedule', async () => {
    const store = new CountingStore();
    const { scheduler, clock, events } = makeScheduler({ jobstores: { default: store } });
    await scheduler.start();
    await scheduler.addJob(noop, every(10), { id: 'kept', name: 'old' });
    await scheduler.addJob(noop, every(10), { id: 'changed' });
    await clock.advance(4000);
    events.clear();
    store.calls.length = 0;
    const jobs = await scheduler.addJobs([
      { task: noop, trigger: every(10), id: 'kept', name: 'new', replaceExisting: true },
      { task: noop, trigger: every(5), id: 'added' },
      { task: noop, trigger: every(3), id: 'changed', replaceExisting: true },
    ]);
    expect(jobs.map((job) => [job.id, job.name, job.nextRunTimeMs])).toEqual([
      ['kept', 'new', at(10)],
      ['added', 'noop', at(9)],
      ['changed', 'noop', at(7)],
    ]);
    // The new job in one batch; each replacement tried as addJob, then updated.
    expect(store.calls).toEqual(['addJobs added', 'addJob kept', 'addJob changed']);
    expect(events.only('job_added')).toEqual([
      '@4s job_added kept',
      '@4s job_added added',
      '@4s job_added changed',
    ]);
    await scheduler.shutdown();
  });

  it('falls back to addJob per job, in order, for a store without addJobs', async () => {
    const store = new FlakyJobStore();
    const { scheduler } = makeScheduler({ jobstores: { default: store } });
    await scheduler.start();
    const jobs = await scheduler.addJobs([
      { task: noop, trigger: every(5), id: 'one' },
      { task: noop, trigger: every(5), id: 'two' },
    ]);
    expect(jobs.map((job) => job.id)).toEqual(['one', 'two']);
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['one', 'two']);

    // A conflict halfway takes out the jobs added before it: still all or none.
    await expect(
      scheduler.addJobs([
        { task: noop, trigger: every(5), id: 'three' },
        { task: noop, trigger: every(5), id: 'one' },
      ]),
    ).rejects.toThrow("addJobs entry 1 (id 'one'): Job identifier 'one' conflicts");
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['one', 'two']);
    await scheduler.shutdown();
  });
});

describe('addJobs checks every entry first', () => {
  it('adds nothing when an entry is bad, naming it with the message addJob gives', async () => {
    const { scheduler, events } = makeScheduler();
    await scheduler.start();
    const good = { task: noop, trigger: every(5), id: 'good' };
    await expect(
      scheduler.addJobs([
        good,
        { task: noop, trigger: every(5), id: 'bad', coalesce: 'perhaps' } as never,
      ]),
    ).rejects.toThrow("addJobs entry 1 (id 'bad'): coalesce: 'perhaps' is not a boolean");
    const refused = await scheduler
      .addJobs([
        good,
        { ...good, id: 'also good' },
        { task: noop, trigger: every(5), id: 'bad', coalesce: 'perhaps' } as never,
      ])
      .catch((error: unknown) => error);
    expect(addJobsEntryOf(refused)).toBe(2);
    expect(
      addJobsEntryOf(await scheduler.addJobs([good, { task: 'nope' }]).catch((e: unknown) => e)),
    ).toBe(1);
    expect(addJobsEntryOf(new Error('addJobs entry 1: made up'))).toBeUndefined();
    await expect(
      scheduler.addJobs([
        good,
        { task: noop, trigger: every(5), id: 'bad', coalesce: 'perhaps' } as never,
      ]),
    ).rejects.toBeInstanceOf(JobOptionError);
    await expect(scheduler.addJobs([good, { task: 'nope', id: 'unknown' }])).rejects.toThrow(
      TaskLookupError,
    );
    await expect(scheduler.addJobs([good, { task: 'nope' }])).rejects.toThrow(
      /^addJobs entry 1: Task 'nope'/,
    );
    const elsewhere = scheduler.addJobs([good, { task: noop, jobstore: 'elsewhere' }]);
    await expect(elsewhere).rejects.toThrow(ComponentLookupError);
    await expect(elsewhere).rejects.toThrow(/^addJobs entry 1: No job store named 'elsewhere'/);
    await expect(
      scheduler.addJobs([{ task: noop, trigger: { type: 'interval', seconds: 5, id: 'x' } }]),
    ).rejects.toThrow(/^addJobs entry 0: id: is a job option inside the interval trigger spec/);
    await expect(scheduler.addJobs([good, null as never])).rejects.toThrow(
      'addJobs entry 1: entry: null is not an object such as {task, trigger, id}',
    );
    // Not a list of entries at all: one entry given alone, nothing, a string.
    for (const [entries, shown] of [
      [good, '{"trigger":{"type":"interval","seconds":5},"id":"good"}'],
      [undefined, 'undefined'],
      ['jobs', "'jobs'"],
    ] as const) {
      const refused = scheduler.addJobs(entries as never);
      await expect(refused).rejects.toThrow(JobOptionError);
      await expect(refused).rejects.toThrow(
        `addJobs: entries: ${shown} is not an array of entries such as [{task, trigger, id}]`,
      );
    }
    expect(await scheduler.getJobs()).toEqual([]);
    expect(events.only('job_added')).toEqual([]);
    await scheduler.shutdown();
  });

  it('refuses an id given twice for one store unless the later entry replaces', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    await expect(
      scheduler.addJobs([
        { task: noop, trigger: every(5), id: 'twice' },
        { task: noop, trigger: every(5), id: 'other' },
        { task: noop, trigger: every(5), id: 'twice' },
      ]),
    ).rejects.toThrow(
      "addJobs entry 2 (id 'twice'): Job identifier 'twice' conflicts with an existing job in job store 'default'; choose another id or pass replaceExisting: true (entry 0 has it too)",
    );
    expect(await scheduler.getJobs()).toEqual([]);
    const jobs = await scheduler.addJobs([
      { task: noop, trigger: every(5), id: 'twice', name: 'first' },
      { task: noop, trigger: every(9), id: 'twice', name: 'second', replaceExisting: true },
    ]);
    expect(jobs.map((job) => job.name)).toEqual(['first', 'second']);
    expect((await scheduler.getJobs()).map((job) => [job.name, job.nextRunTimeMs])).toEqual([
      ['second', at(9)],
    ]);
    await scheduler.shutdown();
  });

  it('resolves to no jobs for no entries', async () => {
    const { scheduler } = makeScheduler();
    expect(await scheduler.addJobs([])).toEqual([]);
  });
});

describe('addJobs before start', () => {
  it('keeps the jobs pending, all or none, and stores them at start', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.addJob(noop, every(5), { id: 'taken' });
    await expect(
      scheduler.addJobs([
        { task: noop, trigger: every(5), id: 'fresh' },
        { task: noop, trigger: every(5), id: 'taken' },
      ]),
    ).rejects.toThrow(
      "addJobs entry 1 (id 'taken'): Job identifier 'taken' conflicts with an existing job in job store 'default'",
    );
    const refused = await scheduler
      .addJobs([
        { task: noop, trigger: every(5), id: 'fresh' },
        { task: noop, trigger: every(5), id: 'taken' },
      ])
      .catch((error: unknown) => error);
    expect(addJobsEntryOf(refused)).toBe(1);
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['taken']);

    const jobs = await scheduler.addJobs([
      { task: noop, trigger: every(5), id: 'fresh' },
      { task: noop, trigger: every(7), id: 'taken', replaceExisting: true },
    ]);
    expect(jobs.map((job) => [job.id, job.nextRunTime])).toEqual([
      ['fresh', null],
      ['taken', null],
    ]);
    // The replacement kept its place; job_added comes when start() stores them.
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['taken', 'fresh']);
    expect(events.only('job_added')).toEqual([]);
    await clock.advance(1000);
    await scheduler.start();
    // Interval triggers count from when they were made (at 0 s), as with addJob.
    expect((await scheduler.getJobs()).map((job) => [job.id, job.nextRunTimeMs])).toEqual([
      ['fresh', at(5)],
      ['taken', at(7)],
    ]);
    expect(events.only('job_added')).toEqual(['@1s job_added taken', '@1s job_added fresh']);
    await scheduler.shutdown();
  });
});
