// The scheduler's side of the job store contract: batched claims, wake-ups from stores,
// unrestorable jobs reported, replaceExisting keeping a schedule across restarts, and the
// modules task references may load.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EVENT_JOB_UNRESTORABLE,
  MemoryJobStore,
  TaskLookupError,
  type JobStoreContext,
  type JobUnrestorableEvent,
} from '../src/index.js';
import { at, ContextKeepingStore, makeScheduler, sec, storedJobState } from './helpers.js';

const noop = (): void => {};

describe('claiming due jobs in batches', () => {
  it('runs every due job in one go when more are due than one claim takes', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    for (let index = 0; index < 2500; index += 1) {
      await scheduler.addJob(noop, { type: 'date', runDate: new Date(at(5)) }, { id: `j${index}` });
    }
    await clock.advance(5000);
    expect(events.only('job_executed')).toHaveLength(2500);
    expect(new Set(events.only('job_executed').map((line) => line.split(' ')[0]))).toEqual(
      new Set(['@5s']),
    );
    await scheduler.shutdown();
  });
});

describe('wake-ups from a job store', () => {
  it('runs a job another process added once the store calls wakeup()', async () => {
    const store = new ContextKeepingStore();
    const { scheduler, clock, events } = makeScheduler({ jobstores: { default: store } });
    await scheduler.start();
    await clock.settle();
    expect(clock.timerDelays).toEqual([60_000]);
    // As if another process had added a job due in 2 s: the store has it, the loop does not.
    scheduler.registerTask('noop', noop);
    const context = store.context as JobStoreContext;
    const job = context.restoreJob(storedJobState('remote', at(2)), 'default');
    await MemoryJobStore.prototype.addJob.call(store, job);
    context.wakeup(at(2));
    await clock.settle();
    expect(clock.timerDelays).toEqual([2000]);
    await clock.advance(2000);
    expect(events.only('job_executed')).toEqual(['@2s job_executed remote 2s']);
    await scheduler.shutdown();
  });

  it('looks at its stores at once on a wakeup without a time', async () => {
    const store = new ContextKeepingStore();
    const { scheduler, clock, events } = makeScheduler({ jobstores: { default: store } });
    scheduler.registerTask('noop', noop);
    await scheduler.start();
    const context = store.context as JobStoreContext;
    await MemoryJobStore.prototype.addJob.call(
      store,
      context.restoreJob(storedJobState('late', at(-1)), 'default'),
    );
    context.wakeup();
    await clock.settle();
    expect(events.only('job_executed')).toEqual(['@0s job_executed late -1s']);
    await scheduler.shutdown();
  });
});

describe('jobs a store cannot restore', () => {
  it('logs the job and the cause and emits JOB_UNRESTORABLE, and the loop goes on', async () => {
    const store = new ContextKeepingStore();
    const { scheduler, errors, logger, events } = makeScheduler({
      jobstores: { default: store },
    });
    await scheduler.start();
    const context = store.context as JobStoreContext;
    let cause: unknown;
    try {
      context.restoreJob(storedJobState('orphan', at(1)), 'default');
    } catch (error) {
      cause = error;
    }
    expect(cause).toBeInstanceOf(TaskLookupError);
    expect(String(cause)).toMatch(/'noop'.*none is registered/);
    context.reportUnrestorable('orphan', cause);
    expect(events.only('job_unrestorable')).toEqual(['@0s job_unrestorable orphan']);
    const [event] = events.named<JobUnrestorableEvent>('job_unrestorable');
    expect(event?.code).toBe(EVENT_JOB_UNRESTORABLE);
    expect([event?.jobstore, event?.exception]).toEqual(['default', cause]);
    // A job it cannot load is not a failure of the store.
    expect(errors).toEqual([]);
    expect(logger.messages('error')).toEqual([
      "Job orphan in job store 'default' cannot be restored and is skipped; it stays stored until it is fixed (register its task, replace or remove the job)",
    ]);
    expect(scheduler.state).toBe('running');
    await scheduler.shutdown();
  });
});

describe('replaceExisting across restarts', () => {
  it('keeps the stored next run time when the trigger is unchanged', async () => {
    const store = new MemoryJobStore();
    const first = makeScheduler({ jobstores: { default: store } });
    await first.scheduler.addJob(
      noop,
      { type: 'interval', seconds: 10 },
      { id: 'tick', replaceExisting: true },
    );
    await first.scheduler.start();
    await first.clock.advance(25_000);
    await first.scheduler.shutdown();
    expect((await store.lookupJob('tick'))?.nextRunTimeMs).toBe(at(30));

    // A new process at 27 s adds the same job again before starting.
    const second = makeScheduler({ jobstores: { default: store } });
    second.clock.jump(27_000);
    await second.scheduler.addJob(
      noop,
      { type: 'interval', seconds: 10 },
      { id: 'tick', replaceExisting: true },
    );
    await second.scheduler.start();
    expect((await second.scheduler.getJob('tick'))?.nextRunTime).toEqual(new Date(at(30)));
    await second.scheduler.shutdown();
  });

  it('keeps the stored next run time of an unchanged job re-added while running', async () => {
    // A service that re-adds its jobs at every boot must not push an hourly job forward.
    const { scheduler, clock } = makeScheduler();
    await scheduler.start();
    const spec = { type: 'interval', hours: 1 } as const;
    const added = await scheduler.addJob(noop, spec, { id: 'rp' });
    expect(added.nextRunTimeMs).toBe(at(3600));
    await clock.advance(250);
    const again = await scheduler.addJob(noop, spec, { id: 'rp', replaceExisting: true });
    expect(again.nextRunTimeMs).toBe(at(3600));
    expect((await scheduler.getJob('rp'))?.nextRunTime).toEqual(new Date(at(3600)));
    // A changed schedule starts afresh from now.
    const changed = await scheduler.addJob(
      noop,
      { type: 'interval', hours: 2 },
      { id: 'rp', replaceExisting: true },
    );
    expect(changed.nextRunTimeMs).toBe(at(0.25 + 7200));
    await scheduler.shutdown();
  });

  it('keeps it for AND and OR triggers whose children default their start', async () => {
    // An hourly OR job of a service restarted every 40 minutes would otherwise never run.
    const { scheduler, clock } = makeScheduler();
    await scheduler.start();
    const or = {
      type: 'or',
      triggers: [
        { type: 'interval', hours: 1 },
        { type: 'cron', hour: 23 },
      ],
    } as const;
    const and = {
      type: 'and',
      triggers: [{ type: 'or', triggers: [{ type: 'interval', minutes: 30 }] }, { type: 'cron' }],
    } as const;
    await scheduler.addJob(noop, or, { id: 'or' });
    await scheduler.addJob(noop, and, { id: 'and' });
    await clock.advance(20 * 60_000);
    expect(
      (await scheduler.addJob(noop, or, { id: 'or', replaceExisting: true })).nextRunTimeMs,
    ).toBe(at(3600));
    expect(
      (await scheduler.addJob(noop, and, { id: 'and', replaceExisting: true })).nextRunTimeMs,
    ).toBe(at(1800));
    // A child with a changed schedule starts the job afresh from now.
    const changed = { ...or, triggers: [{ type: 'interval', hours: 2 }, or.triggers[1]] };
    expect(
      (await scheduler.addJob(noop, changed, { id: 'or', replaceExisting: true })).nextRunTimeMs,
    ).toBe(at(20 * 60 + 7200));
    await scheduler.shutdown();
  });

  it('starts the schedule afresh when the trigger changed, or a next run time is given', async () => {
    const store = new MemoryJobStore();
    const first = makeScheduler({ jobstores: { default: store } });
    await first.scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'tick' });
    await first.scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'given' });
    await first.scheduler.start();
    await first.scheduler.shutdown();

    const second = makeScheduler({ jobstores: { default: store } });
    second.clock.jump(3000);
    await second.scheduler.addJob(
      noop,
      { type: 'interval', seconds: 7 },
      { id: 'tick', replaceExisting: true },
    );
    await second.scheduler.addJob(
      noop,
      { type: 'interval', seconds: 10 },
      {
        id: 'given',
        replaceExisting: true,
        nextRunTime: new Date(at(4)),
      },
    );
    await second.scheduler.start();
    const jobs = await second.scheduler.getJobs();
    expect(jobs.map((job) => [job.id, sec(job.nextRunTimeMs ?? 0)])).toEqual([
      ['given', '4s'],
      ['tick', '10s'],
    ]);
    await second.scheduler.shutdown();
  });
});

describe('taskModules: the modules task references may load', () => {
  const fixtures = resolve(import.meta.dirname, 'fixtures');

  it('refuses a reference outside the list at addJob, naming the module and the option', async () => {
    const { scheduler } = makeScheduler({ taskModules: ['@acme/tasks', `${fixtures}/`] });
    await scheduler.start();
    await expect(
      scheduler.addJob('./evil.js#run', { type: 'interval', seconds: 1 }),
    ).rejects.toThrow(
      /module '\.\/evil\.js' is not in the scheduler's taskModules \(@acme\/tasks, .*fixtures\/\); add it there/,
    );
    await expect(
      scheduler.addJob('other-package#run', { type: 'interval', seconds: 1 }),
    ).rejects.toThrow(TaskLookupError);
    await scheduler.shutdown();
  });

  it('accepts packages with their subpaths, files, and files inside listed directories', async () => {
    const { scheduler, clock, events } = makeScheduler({ taskModules: [`${fixtures}/`] });
    await scheduler.start();
    await scheduler.addJob(
      `${fixtures}/tasks.js#add`,
      { type: 'date', runDate: new Date(at(1)) },
      { id: 'dir', args: [1, 2] },
    );
    await clock.advance(1000);
    await clock.settle();
    expect(events.only('job_executed')).toEqual(['@1s job_executed dir 1s']);
    await scheduler.shutdown();

    const packages = makeScheduler({ taskModules: ['@acme/tasks', `${fixtures}/tasks.js`] });
    await packages.scheduler.start();
    // Checked without loading: a listed package and its subpath pass the allow-list.
    await packages.scheduler
      .addJob('@acme/tasks/report#build', null, { id: 'sub', nextRunTime: null })
      .catch((error: unknown) => {
        expect(String(error)).not.toMatch(/taskModules/);
      });
    await expect(packages.scheduler.addJob('@acme/tasks-evil#x', null)).rejects.toThrow(
      /taskModules/,
    );
    await expect(packages.scheduler.addJob(`${fixtures}/blocking-job.js#x`, null)).rejects.toThrow(
      /taskModules/,
    );
    await packages.scheduler.shutdown();
  });

  it('takes the list from a flat configuration as a comma-separated string', () => {
    const { scheduler } = makeScheduler();
    expect(() => scheduler.configure({ 'kairos.task_modules': 'a, ./b/' })).not.toThrow();
    expect(() => scheduler.configure({ 'kairos.task_modules': 5 })).toThrow(
      /kairos\.task_modules: 5 is not a list of modules/,
    );
  });
});
