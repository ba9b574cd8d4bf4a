/**
 * The scheduler's job API on a fake clock: adding jobs and their options, changing, pausing and
 * removing them, printing, exporting and importing, running now, lifecycle, listeners,
 * components, timeouts, the job context, tasks and the async executor's worker limit.
 */
import { dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AsyncExecutor,
  BackgroundScheduler,
  BlockingScheduler,
  ComponentLookupError,
  ConfigurationError,
  ConflictingIdError,
  EVENT_JOB_ERROR,
  EVENT_ALL,
  EVENT_JOB_EXECUTED,
  FakeClock,
  JobLookupError,
  JobOptionError,
  JobTimeoutError,
  MaxInstancesReachedError,
  MemoryJobStore,
  RunCancelledError,
  SchedulerAlreadyRunningError,
  SchedulerNotRunningError,
  SerializationError,
  TaskLookupError,
  currentJob,
  type Job,
  type JobContext,
  type JobExecutionEvent,
  type JobsExport,
  type ListedJob,
  type Task,
  type TaskLocation,
} from '../src/index.js';
import { T0, at, fakeSleep, makeScheduler, sec } from './helpers.js';

const fixtures = `${dirname(fileURLToPath(import.meta.url))}/fixtures`;

/** Collects what `printJobs` writes. */
function fakeOut(): { write(text: string): void; text: string } {
  return {
    text: '',
    write(text: string) {
      this.text += text;
    },
  };
}

function noop(): void {
  // A task that does nothing.
}

describe('adding jobs', () => {
  it('keeps its own copy of args: changing the array given, or the one a job has, changes no job', async () => {
    const { scheduler, clock } = makeScheduler();
    await scheduler.start();
    const seen: string[] = [];
    const args: unknown[] = ['report-A'];
    const job = await scheduler.addJob(
      (label: string) => seen.push(label),
      { type: 'interval', seconds: 10 },
      { id: 'r', args },
    );
    args[0] = 'report-B';
    expect(() => (job.args as unknown[]).push('extra')).toThrow(TypeError);
    const changed: unknown[] = ['report-C'];
    await scheduler.modifyJob('r', { args: changed });
    changed[0] = 'report-D';
    await clock.advance(10_000);
    expect(seen).toEqual(['report-C']);
    const stored = await scheduler.getJob('r');
    expect(stored?.state !== 'unrestorable' && stored?.args).toEqual(['report-C']);
    await scheduler.shutdown();
  });

  it('gives jobs added before start their first run time at start', async () => {
    const { scheduler, clock, events } = makeScheduler();
    const pending = await scheduler.addJob(noop, { type: 'cron', second: '*/10' }, { id: 'cron' });
    expect(pending.nextRunTime).toBeNull();
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['cron']);
    expect(events.lines).toEqual([]);
    await clock.advance(15_000);
    await scheduler.start();
    // Computed at start (15 s): 20 s, not the 0 s it would have been when it was added.
    expect((await scheduler.getJob('cron'))?.nextRunTime).toEqual(new Date(at(20)));
    expect(events.lines).toEqual(['@15s job_added cron', '@15s scheduler_started']);
    await clock.advance(10_000);
    expect(events.only('job_executed')).toEqual(['@20s job_executed cron 20s']);
    await scheduler.shutdown();
  });

  it('takes policies from jobDefaults and the id and name from the task', async () => {
    const { scheduler } = makeScheduler({
      jobDefaults: { misfireGraceTime: 30, coalesce: false, maxInstances: 3 },
    });
    await scheduler.start();
    const job = await scheduler.addJob(noop, { type: 'interval', seconds: 5 });
    expect(job.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(job).toMatchObject({
      name: 'noop',
      args: [],
      executor: 'default',
      jobstore: 'default',
      misfireGraceTime: 30,
      coalesce: false,
      maxInstances: 3,
      timeout: null,
      nextRunTimeMs: at(5),
    });
    const own = await scheduler.addJob(() => undefined, null, {
      id: 'own',
      name: 'mine',
      args: [1, 'two'],
      misfireGraceTime: null,
      coalesce: true,
      maxInstances: 1,
      timeout: 9,
    });
    expect(own).toMatchObject({
      id: 'own',
      name: 'mine',
      args: [1, 'two'],
      misfireGraceTime: null,
      coalesce: true,
      maxInstances: 1,
      timeout: 9,
    });
    expect((await scheduler.addJob(() => undefined, null, { id: 'anon' })).name).toBe('anonymous');
    await scheduler.shutdown();
  });

  it('reads a flat configuration dictionary for its job defaults', async () => {
    const clock = new FakeClock(T0);
    const scheduler = new BackgroundScheduler({
      'kairos.timezone': 'UTC',
      'kairos.job_defaults.coalesce': 'false',
      'kairos.job_defaults.max_instances': '4',
      clock,
    });
    const job = await scheduler.addJob(noop, { type: 'interval', seconds: 5 });
    expect(job).toMatchObject({ coalesce: false, maxInstances: 4, misfireGraceTime: 1 });
    expect(scheduler.timezone).toBe('UTC');
  });

  it('rejects a bad configuration naming the key and the value', () => {
    expect(() => new BackgroundScheduler({ jobDefaults: { coalesce: 'maybe' } })).toThrow(
      ConfigurationError,
    );
    expect(() => new BackgroundScheduler({ jobDefaults: { coalesce: 'maybe' } })).toThrow(
      /coalesce.*'maybe'/,
    );
  });

  it('uses an explicit next run time, and null adds the job paused', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    const explicit = await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 10 },
      {
        id: 'explicit',
        nextRunTime: '2030-01-01T00:00:03Z',
      },
    );
    expect(explicit.nextRunTime).toEqual(new Date(at(3)));
    const paused = await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 1 },
      {
        id: 'paused',
        nextRunTime: null,
      },
    );
    expect(paused.paused).toBe(true);
    await clock.advance(5000);
    expect(events.only('job_executed')).toEqual(['@3s job_executed explicit 3s']);
    expect((await scheduler.getJob('explicit'))?.nextRunTime).toEqual(new Date(at(13)));
    expect((await scheduler.getJob('paused'))?.nextRunTime).toBeNull();
    await scheduler.shutdown();
  });

  it('reads a naive nextRunTime string as a wall time in the scheduler time zone', async () => {
    const { scheduler } = makeScheduler({ timezone: 'Europe/Paris' });
    await scheduler.start();
    const job = await scheduler.addJob(
      noop,
      { type: 'interval', hours: 1 },
      {
        nextRunTime: '2030-01-02T09:00:00',
      },
    );
    expect(job.nextRunTime).toEqual(new Date('2030-01-02T08:00:00Z'));
    await scheduler.shutdown();
  });

  it('refuses a taken id with ConflictingIdError naming it, unless replaceExisting', async () => {
    const { scheduler, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'interval', seconds: 5 }, { id: 'same', name: 'first' });
    const conflict = scheduler.addJob(noop, null, { id: 'same' });
    await expect(conflict).rejects.toThrow(ConflictingIdError);
    await expect(scheduler.addJob(noop, null, { id: 'same' })).rejects.toThrow(
      "Job identifier 'same' conflicts with an existing job in job store 'default'; choose another id or pass replaceExisting: true",
    );
    await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 7 },
      {
        id: 'same',
        name: 'second',
        replaceExisting: true,
      },
    );
    const jobs = await scheduler.getJobs();
    expect(jobs.map((job) => [job.id, job.name, job.nextRunTime])).toEqual([
      ['same', 'second', new Date(at(7))],
    ]);
    expect(events.only('job_added')).toEqual(['@0s job_added same', '@0s job_added same']);
    await scheduler.shutdown();
  });

  it('refuses a taken id among pending jobs at addJob, so start() still works', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.addJob(noop, { type: 'interval', seconds: 5 }, { id: 'same', name: 'first' });
    await expect(scheduler.addJob(noop, null, { id: 'same' })).rejects.toThrow(
      "Job identifier 'same' conflicts with an existing job in job store 'default'",
    );
    await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 7 },
      {
        id: 'same',
        name: 'second',
        replaceExisting: true,
      },
    );
    await scheduler.start();
    expect((await scheduler.getJobs()).map((job) => job.name)).toEqual(['second']);
    await scheduler.shutdown();
  });

  it('rejects an unknown option, listing the options', async () => {
    const { scheduler } = makeScheduler();
    const bad = { bogus: 1 } as unknown as Parameters<typeof scheduler.addJob>[2];
    await expect(scheduler.addJob(noop, null, bad)).rejects.toThrow(
      'addJob(noop): bogus: unknown option; options are misfireGraceTime, coalesce, maxInstances, ' +
        'args, name, nextRunTime, executor, timeout, onAbandoned, maxRetries, id, jobstore, ' +
        'replaceExisting',
    );
  });

  it('rejects bad option values, naming the option and the value', async () => {
    const { scheduler } = makeScheduler();
    const cases: [Record<string, unknown>, string][] = [
      [{ misfireGraceTime: -1 }, 'misfireGraceTime: -1 is not a number of seconds > 0'],
      [{ maxInstances: 0 }, 'maxInstances: 0 is not an integer ≥ 1'],
      [{ maxInstances: 1.5 }, 'maxInstances: 1.5 is not an integer ≥ 1'],
      [{ coalesce: 'maybe' }, "coalesce: 'maybe' is not a boolean"],
      [{ timeout: 0 }, 'timeout: 0 is not a number of seconds > 0'],
      [{ args: 'x' }, "args: 'x' is not an array"],
      [{ id: '' }, 'id: must not be empty'],
      [{ nextRunTime: 'soon' }, "addJob(noop): nextRunTime: 'soon' is not a date-time"],
    ];
    for (const [options, message] of cases) {
      const error = await scheduler
        .addJob(noop, null, options as Parameters<typeof scheduler.addJob>[2])
        .catch((thrown: unknown) => thrown);
      expect(error, JSON.stringify(options)).toBeInstanceOf(JobOptionError);
      expect((error as Error).message).toContain(message);
      expect((error as JobOptionError).option).toBe(Object.keys(options)[0]);
    }
    await expect(scheduler.addJob(noop, null, { jobstore: 'other' })).rejects.toThrow(
      ComponentLookupError,
    );
    await expect(scheduler.addJob(noop, null, { executor: 'other' })).rejects.toThrow(
      "No executor named 'other'",
    );
    await expect(scheduler.addJob(noop, { type: 'cron', hour: 25 })).rejects.toThrow(
      'hour: 25 is outside 0..23',
    );
    await expect(scheduler.addJob(noop, { type: 'cronx' })).rejects.toThrow(
      "'cronx' is not a trigger type",
    );
    expect(await scheduler.getJobs()).toEqual([]);
  });

  it('runs a job without a trigger once, now, and removes it', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await clock.advance(4000);
    const job = await scheduler.addJob(() => 'once', null, { id: 'now' });
    expect(job.trigger.toString()).toBe('date[2030-01-01 00:00:04 UTC]');
    expect(job.nextRunTime).toEqual(new Date(at(4)));
    await clock.settle();
    expect(events.only('job_submitted', 'job_executed')).toEqual([
      '@4s job_submitted now [4s]',
      '@4s job_executed now 4s',
    ]);
    expect(await scheduler.getJobs()).toEqual([]);
    await scheduler.shutdown();
  });

  it('warns of a trigger that never fires: the job is added paused (as in APScheduler)', async () => {
    const { scheduler, logger } = makeScheduler();
    await scheduler.start();
    const job = await scheduler.addJob(noop, { type: 'cron', month: 2, day: 30 }, { id: 'feb30' });
    expect(job.nextRunTime).toBeNull();
    expect(logger.messages('warn')).toEqual([
      `Job "noop" (id feb30): its trigger cron[month='2', day='30'] has no fire time left; it is added paused and will never run (give it a trigger that fires)`,
    ]);
    // Paused on purpose is no mistake: no warning.
    await scheduler.addJob(noop, { type: 'interval', hours: 1 }, { id: 'held', nextRunTime: null });
    await scheduler.addJobs([{ task: noop, trigger: { type: 'cron', year: 2020 }, id: 'past' }]);
    expect(logger.messages('warn')).toHaveLength(2);
    expect(logger.messages('warn')[1]).toMatch(
      /^Job "noop" \(id past\): its trigger cron\[year='2020'\]/,
    );
    await scheduler.shutdown();
  });

  it('builds triggers from specs by alias in the scheduler time zone', async () => {
    const { scheduler } = makeScheduler({ timezone: 'America/New_York' });
    await scheduler.start();
    const cron = await scheduler.addJob(noop, { type: 'cron', hour: 3 }, { id: 'cron' });
    expect(cron.trigger.type).toBe('cron');
    expect((cron.trigger as unknown as { timezone: string }).timezone).toBe('America/New_York');
    expect(cron.nextRunTime).toEqual(new Date('2030-01-01T08:00:00Z'));
    const own = await scheduler.addJob(noop, { type: 'cron', hour: 3, timezone: 'UTC' });
    expect(own.nextRunTime).toEqual(new Date('2030-01-01T03:00:00Z'));
    const crontab = await scheduler.addJob(noop, { type: 'crontab', expr: '30 4 * * *' });
    expect(crontab.nextRunTime).toEqual(new Date('2030-01-01T09:30:00Z'));
    await scheduler.shutdown();
  });
});

describe('changing jobs', () => {
  it('modifies a job and emits JOB_MODIFIED; a new trigger keeps the next run time', async () => {
    const { scheduler, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'job' });
    events.clear();
    const modified = await scheduler.modifyJob('job', {
      name: 'renamed',
      args: [1],
      maxInstances: 2,
      coalesce: false,
      misfireGraceTime: null,
      trigger: { type: 'interval', seconds: 30 },
    });
    expect(modified).toMatchObject({
      name: 'renamed',
      args: [1],
      maxInstances: 2,
      coalesce: false,
      misfireGraceTime: null,
      nextRunTimeMs: at(10),
    });
    expect(modified.trigger.toString()).toBe('interval[0:00:30]');
    expect(await scheduler.getJob('job')).toMatchObject({ name: 'renamed', nextRunTimeMs: at(10) });
    expect(events.lines).toEqual(['@0s job_modified job']);
    await expect(scheduler.modifyJob('job', { id: 'other' } as never)).rejects.toThrow(
      'id: a job id cannot change',
    );
    await expect(scheduler.modifyJob('missing', { name: 'x' })).rejects.toThrow(
      "No job by the id of 'missing' was found",
    );
    await scheduler.shutdown();
  });

  it('renames a job named after its task when the task changes, and keeps a given name', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    const secret = 'curl -H "Authorization: Bearer s3cret" https://example.com/hook';
    await scheduler.addJob({ command: secret }, { type: 'interval', seconds: 10 }, { id: 'cmd' });
    expect((await scheduler.modifyJob('cmd', { task: { command: 'echo new' } })).name).toBe(
      'echo new',
    );
    await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'fn' });
    const report = (): void => undefined;
    expect((await scheduler.modifyJob('fn', { task: report })).name).toBe('report');
    // A name given at addJob, or with the new task, stays.
    await scheduler.addJob(
      { command: secret },
      { type: 'interval', seconds: 10 },
      {
        id: 'named',
        name: 'hook',
      },
    );
    expect((await scheduler.modifyJob('named', { task: { command: 'echo new' } })).name).toBe(
      'hook',
    );
    expect(
      (await scheduler.modifyJob('cmd', { task: { command: 'echo again' }, name: 'mine' })).name,
    ).toBe('mine');
    expect((await scheduler.getJob('cmd'))?.name).toBe('mine');
    await scheduler.shutdown();
  });

  it('never puts back a run time claimed while a change was being made: it makes it again', async () => {
    /** A store where another scheduler claims the job just after modifyJob has read it. */
    class RacedStore extends MemoryJobStore {
      raced = 0;
      override async lookupJob(id: string): Promise<Job | null> {
        const job = await super.lookupJob(id);
        if (this.raced === 0 && job?.nextRunTimeMs != null) {
          this.raced += 1;
          const due = job.nextRunTimeMs;
          await this.claimDueJobs({
            now: due,
            limit: 10,
            advance: (claimed) => claimed.withNextRunTime(due + 10_000),
          });
        }
        return job;
      }
    }
    const store = new RacedStore();
    const { scheduler } = makeScheduler({ jobstores: { default: store } });
    await scheduler.start({ paused: true });
    await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'job' });
    const modified = await scheduler.modifyJob('job', { name: 'renamed' });
    expect(store.raced).toBe(1);
    // Written over the job as the claim left it, not as first read (which would run at(10) again).
    expect(modified).toMatchObject({ name: 'renamed', nextRunTimeMs: at(20) });
    expect(await scheduler.getJob('job')).toMatchObject({ name: 'renamed', nextRunTimeMs: at(20) });
    await scheduler.shutdown();
  });

  it('carries out changes of one job made at once one after the other, losing none', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'cron', hour: 9 }, { id: 'report' });
    const [renamed, widened] = await Promise.all([
      scheduler.modifyJob('report', { name: 'Daily report' }),
      scheduler.modifyJob('report', { maxInstances: 3 }),
    ]);
    expect([renamed.name, renamed.maxInstances]).toEqual(['Daily report', 1]);
    expect([widened.name, widened.maxInstances]).toEqual(['Daily report', 3]);
    await Promise.all([
      scheduler.pauseJob('report'),
      scheduler.modifyJob('report', { coalesce: false }),
    ]);
    expect(await scheduler.getJob('report')).toMatchObject({
      name: 'Daily report',
      maxInstances: 3,
      coalesce: false,
      nextRunTime: null,
    });
    // A failed change does not hold up the next one.
    const refused = scheduler.modifyJob('report', { maxInstances: -1 });
    const after = scheduler.modifyJob('report', { name: 'after' });
    await expect(refused).rejects.toThrow(JobOptionError);
    expect((await after).name).toBe('after');
    await scheduler.shutdown();
  });

  it('reschedules, pauses and resumes through the scheduler', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'job' });
    await clock.advance(2000);
    const rescheduled = await scheduler.rescheduleJob('job', { type: 'interval', seconds: 3 });
    expect(rescheduled.nextRunTime).toEqual(new Date(at(5)));
    const paused = await scheduler.pauseJob('job');
    expect(paused.nextRunTime).toBeNull();
    await clock.advance(10_000);
    expect(events.only('job_executed')).toEqual([]);
    const resumed = await scheduler.resumeJob('job');
    expect(resumed?.nextRunTime).toEqual(new Date(at(14)));
    await clock.advance(2000);
    expect(events.only('job_executed')).toEqual(['@14s job_executed job 14s']);
    await scheduler.shutdown();
  });

  it('does the same through the Job handle', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    const job = await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'job' });
    expect((await job.modify({ name: 'handled' })).name).toBe('handled');
    expect((await job.reschedule({ type: 'interval', seconds: 4 })).nextRunTime).toEqual(
      new Date(at(4)),
    );
    expect((await job.pause()).paused).toBe(true);
    await clock.advance(5000);
    expect((await job.resume())?.nextRunTime).toEqual(new Date(at(8)));
    await job.runNow();
    await clock.settle();
    expect(events.only('job_executed')).toEqual(['@5s job_executed job 5s']);
    await job.remove();
    expect(await scheduler.getJob('job')).toBeNull();
    expect(events.only('job_modified', 'job_removed')).toEqual([
      '@0s job_modified job',
      '@0s job_modified job',
      '@0s job_modified job',
      '@5s job_modified job',
      '@5s job_removed job',
    ]);
    await scheduler.shutdown();
  });

  it('removes a job whose trigger has nothing left when it is resumed', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    const job = await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 10, endDate: new Date(at(20)) },
      { id: 'ending' },
    );
    await job.pause();
    await clock.advance(30_000);
    expect(await job.resume()).toBeNull();
    expect(await scheduler.getJob('ending')).toBeNull();
    expect(events.only('job_removed')).toEqual(['@30s job_removed ending']);
    await scheduler.shutdown();
  });

  it('changes pending jobs before start', async () => {
    const { scheduler, clock } = makeScheduler();
    await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'a' });
    await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'b' });
    await scheduler.modifyJob('a', { name: 'renamed' });
    await scheduler.pauseJob('b');
    await clock.advance(1000);
    await scheduler.start();
    expect((await scheduler.getJobs()).map((job) => [job.id, job.name, job.nextRunTime])).toEqual([
      ['a', 'renamed', new Date(at(10))],
      ['b', 'noop', null],
    ]);
    await scheduler.shutdown();
  });
});

describe('looking up and removing jobs', () => {
  it('refuses a job store alias it does not have where it lists, removes or exports jobs', async () => {
    const { scheduler, events } = makeScheduler();
    await scheduler.addJob(noop, { type: 'interval', seconds: 1 }, { id: 'a' });
    for (const call of [
      () => scheduler.getJobs('nope'),
      () => scheduler.removeAllJobs('nope'),
      () => scheduler.printJobs({ jobstore: 'nope', out: fakeOut() }),
      () => scheduler.exportJobs('nope'),
    ]) {
      await expect(call()).rejects.toThrow(ComponentLookupError);
    }
    await expect(scheduler.getJobs('nope')).rejects.toThrow(/nope.*default/s);
    expect(events.only('all_jobs_removed')).toEqual([]);
    expect((await scheduler.getJobs('default')).map((job) => job.id)).toEqual(['a']);
  });

  it('lists jobs by next run time then paused ones, and finds them by id and store', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.addJobstore(new MemoryJobStore(), 'other');
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'interval', seconds: 20 }, { id: 'late' });
    await scheduler.addJob(noop, null, { id: 'paused', nextRunTime: null });
    await scheduler.addJob(noop, { type: 'interval', seconds: 5 }, { id: 'soon' });
    await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 1 },
      { id: 'elsewhere', jobstore: 'other' },
    );
    // Stores in the order they were added (the implicit default one last), each by run time.
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual([
      'elsewhere',
      'soon',
      'late',
      'paused',
    ]);
    expect((await scheduler.getJobs('other')).map((job) => job.id)).toEqual(['elsewhere']);
    expect((await scheduler.getJob('elsewhere'))?.jobstore).toBe('other');
    expect(await scheduler.getJob('elsewhere', 'default')).toBeNull();
    expect(await scheduler.getJob('missing')).toBeNull();
    await scheduler.shutdown();
  });

  it('removes one job or all of them, with events, and JobLookupError for unknown ids', async () => {
    const { scheduler, events } = makeScheduler();
    await scheduler.addJobstore({ type: 'memory' }, 'other');
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'interval', seconds: 5 }, { id: 'a' });
    await scheduler.addJob(noop, { type: 'interval', seconds: 5 }, { id: 'b' });
    await scheduler.addJob(noop, { type: 'interval', seconds: 5 }, { id: 'c', jobstore: 'other' });
    events.clear();
    await scheduler.removeJob('a');
    await expect(scheduler.removeJob('a')).rejects.toThrow(JobLookupError);
    await expect(scheduler.removeJob('c', 'default')).rejects.toThrow(
      "No job by the id of 'c' was found in job store 'default'",
    );
    await scheduler.removeAllJobs('other');
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['b']);
    await scheduler.removeAllJobs();
    expect(await scheduler.getJobs()).toEqual([]);
    expect(events.lines).toEqual([
      '@0s job_removed a',
      '@0s all_jobs_removed other',
      '@0s all_jobs_removed',
    ]);
    await scheduler.shutdown();
  });

  it('removes pending jobs while stopped', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.addJob(noop, null, { id: 'a' });
    await scheduler.addJob(noop, null, { id: 'b' });
    await scheduler.removeJob('a');
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['b']);
    await scheduler.removeAllJobs();
    expect(await scheduler.getJobs()).toEqual([]);
    await expect(scheduler.removeJob('a')).rejects.toThrow(JobLookupError);
  });
});

describe('the job store and executor aliases', () => {
  it('lists them, with the default that start() adds, and follows adds and removals', async () => {
    const { scheduler } = makeScheduler({
      jobstores: { archive: new MemoryJobStore() },
      executors: { slow: new AsyncExecutor({ maxWorkers: 1 }) },
    });
    expect(scheduler.jobstores).toEqual(['archive', 'default']);
    expect(scheduler.executors).toEqual(['slow', 'default']);
    await scheduler.start({ paused: true });
    expect(scheduler.jobstores.sort()).toEqual(['archive', 'default']);
    await scheduler.addJobstore(new MemoryJobStore(), 'extra');
    await scheduler.removeExecutor('slow');
    expect(scheduler.jobstores.sort()).toEqual(['archive', 'default', 'extra']);
    expect(scheduler.executors).toEqual(['default']);
    await scheduler.shutdown();
  });
});

describe('printJobs', () => {
  it('prints pending jobs while stopped', async () => {
    const { scheduler } = makeScheduler();
    const empty = fakeOut();
    await scheduler.printJobs({ out: empty });
    expect(empty.text).toBe('Pending jobs:\n    No pending jobs\n');
    await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'a', name: 'tick' });
    await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 10 },
      {
        id: 'b',
        name: 'fixed',
        nextRunTime: new Date(at(3)),
      },
    );
    const out = fakeOut();
    await scheduler.printJobs({ out });
    expect(out.text).toBe(
      'Pending jobs:\n' +
        '    tick (trigger: interval[0:00:10], pending)\n' +
        '    fixed (trigger: interval[0:00:10], next run at: 2030-01-01 00:00:03 UTC)\n',
    );
  });

  it('prints each job store, sorted by alias, while running', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.addJobstore({ type: 'memory' }, 'archive');
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'a', name: 'tick' });
    await scheduler.addJob(noop, { type: 'cron', hour: 3 }, { id: 'b', name: 'nightly' });
    await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 1 },
      {
        id: 'c',
        name: 'idle',
        nextRunTime: null,
      },
    );
    const out = fakeOut();
    await scheduler.printJobs({ out });
    expect(out.text).toBe(
      'Jobstore archive:\n' +
        '    No scheduled jobs\n' +
        'Jobstore default:\n' +
        '    tick (trigger: interval[0:00:10], next run at: 2030-01-01 00:00:10 UTC)\n' +
        "    nightly (trigger: cron[hour='3'], next run at: 2030-01-01 03:00:00 UTC)\n" +
        '    idle (trigger: interval[0:00:01], paused)\n',
    );
    const one = fakeOut();
    await scheduler.printJobs({ out: one, jobstore: 'archive' });
    expect(one.text).toBe('Jobstore archive:\n    No scheduled jobs\n');
    await scheduler.shutdown();
  });
});

describe('exportJobs and importJobs', () => {
  it('round-trips jobs whose tasks are registered names or module references', async () => {
    const report = (what: string, when: Date): string => `${what} ${when.toISOString()}`;
    const source = makeScheduler();
    source.scheduler.registerTask('report', report);
    await source.scheduler.start();
    await source.scheduler.addJob(
      report,
      { type: 'interval', minutes: 5 },
      {
        id: 'by-function',
        args: ['daily', new Date(at(60))],
        coalesce: false,
        maxInstances: 2,
        misfireGraceTime: null,
        timeout: 30,
      },
    );
    await source.scheduler.addJob('report', { type: 'cron', hour: 3 }, { id: 'by-name' });
    await source.scheduler.addJob(`${fixtures}/tasks.js#add`, null, {
      id: 'by-module',
      args: [1, 2],
      nextRunTime: null,
    });
    const text = await source.scheduler.exportJobs();
    const document = JSON.parse(text) as JobsExport;
    expect(document).toMatchObject({ format: 'kairos-jobs', version: 1 });
    expect(document.jobs.map((job) => [job.id, job.task])).toEqual([
      ['by-function', 'report'],
      ['by-name', 'report'],
      ['by-module', `${fixtures}/tasks.js#add`],
    ]);

    const target = makeScheduler();
    target.scheduler.registerTask('report', report);
    await target.scheduler.start();
    const imported = await target.scheduler.importJobs(text);
    expect(imported.map((job) => job.id)).toEqual(['by-function', 'by-name', 'by-module']);
    const restorable = (job: ListedJob) => job.state !== 'unrestorable';
    const before = (await source.scheduler.getJobs()).filter(restorable);
    const after = (await target.scheduler.getJobs()).filter(restorable);
    const shape = (job: (typeof before)[number]) => ({
      id: job.id,
      name: job.name,
      args: job.args,
      trigger: job.trigger.toString(),
      misfireGraceTime: job.misfireGraceTime,
      coalesce: job.coalesce,
      maxInstances: job.maxInstances,
      timeout: job.timeout,
      nextRunTime: job.nextRunTime,
    });
    expect(after.map(shape)).toEqual(before.map(shape));
    expect(after[0]?.args[1]).toEqual(new Date(at(60)));
    expect(after[0]?.task).toBe('report');
    await target.events.clock.advance(300_000);
    expect(target.events.named<JobExecutionEvent>('job_executed').map((e) => e.retval)).toEqual([
      `daily ${new Date(at(60)).toISOString()}`,
    ]);
    await expect(target.scheduler.importJobs(text)).rejects.toThrow(ConflictingIdError);
    await source.scheduler.shutdown();
    await target.scheduler.shutdown();
  });

  it('exports pending jobs with the first run time they would get now; paused ones stay paused', async () => {
    const source = makeScheduler();
    source.scheduler.registerTask('report', noop);
    await source.scheduler.addJob('report', { type: 'cron', second: '*/10' }, { id: 'pending' });
    await source.scheduler.addJob('report', null, { id: 'paused', nextRunTime: null });
    await source.clock.advance(12_000);
    const document = JSON.parse(await source.scheduler.exportJobs()) as JobsExport;
    expect(document.jobs.map((job) => [job.id, job.nextRunTime])).toEqual([
      ['pending', at(20)],
      ['paused', null],
    ]);
    const target = makeScheduler();
    target.scheduler.registerTask('report', noop);
    await target.scheduler.importJobs(document);
    await target.scheduler.start();
    expect((await target.scheduler.getJobs()).map((job) => [job.id, job.nextRunTime])).toEqual([
      ['pending', new Date(at(20))],
      ['paused', null],
    ]);
    await target.scheduler.shutdown();
  });

  it('refuses to export a function task that is not registered, saying how to register it', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.addJob(function cleanup() {}, null, { id: 'fn' });
    await expect(scheduler.exportJobs()).rejects.toThrow(SerializationError);
    await expect(scheduler.exportJobs()).rejects.toThrow(
      "its task is a function (cleanup), which cannot be stored; register it with scheduler.registerTask('cleanup', fn)",
    );
  });

  it('refuses an import whose task is unknown', async () => {
    const source = makeScheduler();
    source.scheduler.registerTask('report', noop);
    await source.scheduler.addJob('report', null, { id: 'r', nextRunTime: new Date(at(5)) });
    const text = await source.scheduler.exportJobs();
    const { scheduler } = makeScheduler();
    await expect(scheduler.importJobs(text)).rejects.toThrow(TaskLookupError);
    expect(await scheduler.getJobs()).toEqual([]);
  });
});

describe('runJob', () => {
  it('runs a job once now and leaves its schedule as it was', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(() => 'ran', { type: 'interval', seconds: 10 }, { id: 'job' });
    await clock.advance(3000);
    await scheduler.runJob('job');
    await clock.settle();
    expect(events.only('job_submitted', 'job_executed')).toEqual([
      '@3s job_submitted job [3s]',
      '@3s job_executed job 3s',
    ]);
    expect((await scheduler.getJob('job'))?.nextRunTime).toEqual(new Date(at(10)));
    await clock.advance(7000);
    expect(events.only('job_executed')).toEqual([
      '@3s job_executed job 3s',
      '@10s job_executed job 10s',
    ]);
    await scheduler.shutdown();
  });

  it('runs a paused job without resuming it', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 1 },
      { id: 'job', nextRunTime: null },
    );
    await scheduler.runJob('job');
    await clock.advance(5000);
    expect(events.only('job_executed')).toEqual(['@0s job_executed job 0s']);
    expect((await scheduler.getJob('job'))?.state).toBe('paused');
    await scheduler.shutdown();
  });

  it('refuses under maxInstances with MaxInstancesReachedError, JOB_MAX_INSTANCES and a skipped run', async () => {
    const { scheduler, clock, events } = makeScheduler({
      jobstores: { default: new MemoryJobStore({ maxRuns: 100 }) },
    });
    await scheduler.start();
    await scheduler.addJob(
      () => fakeSleep(clock, 5000),
      { type: 'interval', hours: 1 },
      {
        id: 'slow',
        name: 'slow',
      },
    );
    await scheduler.runJob('slow');
    const refused = await scheduler.runJob('slow').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MaxInstancesReachedError);
    expect((refused as Error).message).toBe(
      'Job "slow" (id slow) has reached its maximum number of concurrently running instances (1); ' +
        'raise maxInstances if overlapping runs are fine',
    );
    expect(events.only('job_submitted', 'job_max_instances')).toEqual([
      '@0s job_submitted slow [0s]',
      '@0s job_max_instances slow [0s]',
    ]);
    // A memory store with a history records outcomes only: the refused run, not the running one.
    const { runs } = await scheduler.getRuns({ jobId: 'slow' });
    expect(runs.map((run) => [run.outcome, run.error?.name])).toEqual([
      ['skipped', 'MaxInstancesReachedError'],
    ]);
    await scheduler.shutdown({ wait: false });
  });

  it('needs a running scheduler and a known job', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.addJob(noop, null, { id: 'job' });
    await expect(scheduler.runJob('job')).rejects.toThrow(SchedulerNotRunningError);
    await scheduler.start({ paused: true });
    await expect(scheduler.runJob('missing')).rejects.toThrow(JobLookupError);
    await scheduler.shutdown();
  });
});

describe('lifecycle', () => {
  /** A store whose adds wait until `open()`: a start stays in progress while it stores jobs. */
  class GatedStore extends MemoryJobStore {
    #open = (): void => undefined;
    readonly #gate = new Promise<void>((resolve) => {
      this.#open = resolve;
    });
    open(): void {
      this.#open();
    }
    override async addJob(job: Job): Promise<void> {
      await this.#gate;
      return super.addJob(job);
    }
  }

  it('a job added or removed while start() stores the pending jobs waits for it: none is lost', async () => {
    const store = new GatedStore();
    const { scheduler, clock, events } = makeScheduler({ jobstores: { default: store } });
    await scheduler.addJob(noop, { type: 'interval', seconds: 1 }, { id: 'early' });
    const starting = scheduler.start();
    await clock.settle();
    // start() is storing 'early': these calls come in the middle of it.
    const late = scheduler.addJob(noop, { type: 'interval', seconds: 1 }, { id: 'late' });
    const removed = scheduler.removeJob('early');
    store.open();
    await starting;
    expect((await late).state).toBe('scheduled');
    await removed;
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['late']);
    await clock.advance(2000);
    expect(events.only('job_executed')).toEqual([
      '@1s job_executed late 1s',
      '@2s job_executed late 2s',
    ]);
    await scheduler.shutdown();
  });

  it('a shutdown called while start() is in progress shuts down what it started', async () => {
    const store = new GatedStore();
    const { scheduler, clock, events } = makeScheduler({ jobstores: { default: store } });
    await scheduler.addJob(noop, { type: 'interval', seconds: 1 }, { id: 'tick' });
    const starting = scheduler.start();
    await clock.settle();
    const stopping = scheduler.shutdown();
    store.open();
    await starting;
    await stopping;
    expect(scheduler.state).toBe('stopped');
    await clock.advance(5000);
    expect(events.only('job_executed')).toEqual([]);
    expect(events.only('scheduler_started', 'scheduler_shutdown')).toEqual([
      '@0s scheduler_started',
      '@0s scheduler_shutdown',
    ]);
  });

  it("says 'pending' of the jobs it returns before start(), as getJob does", async () => {
    const { scheduler } = makeScheduler();
    const added = await scheduler.addJob(noop, { type: 'interval', seconds: 1 }, { id: 'a' });
    const [many] = await scheduler.addJobs([
      { task: noop, trigger: { type: 'interval', seconds: 1 }, id: 'b' },
    ]);
    const modified = await scheduler.modifyJob('a', { name: 'A' });
    expect([added, many, modified].map((job) => job?.state)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    expect((await scheduler.getJob('a'))?.state).toBe('pending');
  });

  it('pauses and resumes processing; a paused scheduler catches up on resume', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 10 },
      {
        id: 'tick',
        misfireGraceTime: null,
      },
    );
    await clock.advance(10_000);
    scheduler.pause();
    expect(scheduler.state).toBe('paused');
    expect(scheduler.running).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(25_000);
    scheduler.resume();
    await clock.settle();
    expect(events.only('scheduler_paused', 'scheduler_resumed', 'job_executed')).toEqual([
      '@10s job_executed tick 10s',
      '@10s scheduler_paused',
      '@35s scheduler_resumed',
      '@35s job_executed tick 30s',
    ]);
    scheduler.resume();
    expect(events.only('scheduler_resumed')).toHaveLength(1);
    await scheduler.shutdown();
  });

  it('starts paused with start({paused: true})', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 1 },
      {
        id: 'tick',
        misfireGraceTime: null,
      },
    );
    await scheduler.start({ paused: true });
    expect(scheduler.state).toBe('paused');
    await clock.advance(5000);
    expect(events.only('job_executed')).toEqual([]);
    scheduler.resume();
    await clock.settle();
    expect(events.only('job_executed')).toEqual(['@5s job_executed tick 5s']);
    await scheduler.shutdown();
  });

  it('starts again after shutdown, with the jobs of the memory store', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(
      noop,
      { type: 'interval', seconds: 10 },
      {
        id: 'tick',
        misfireGraceTime: null,
      },
    );
    await clock.advance(10_000);
    await scheduler.shutdown();
    expect(scheduler.state).toBe('stopped');
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(15_000);
    expect(events.only('job_executed')).toEqual(['@10s job_executed tick 10s']);
    await scheduler.start();
    await clock.settle();
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['tick']);
    await clock.advance(5000);
    expect(events.only('scheduler_started', 'scheduler_shutdown', 'job_executed')).toEqual([
      '@0s scheduler_started',
      '@10s job_executed tick 10s',
      '@10s scheduler_shutdown',
      '@25s scheduler_started',
      '@25s job_executed tick 20s',
      '@30s job_executed tick 30s',
    ]);
    await scheduler.shutdown();
  });

  it('start() while a shutdown still waits for a run: it waits, then starts with the jobs', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    let finish = (): void => undefined;
    await scheduler.addJob(() => new Promise<void>((resolve) => (finish = resolve)), null, {
      id: 'long',
    });
    await scheduler.addJob(noop, { type: 'interval', seconds: 10 }, { id: 'tick' });
    await clock.advance(0);
    const stopping = scheduler.shutdown();
    const starting = scheduler.start();
    await clock.advance(1000);
    expect(events.only('scheduler_started', 'scheduler_shutdown')).toEqual([
      '@0s scheduler_started',
    ]);
    finish();
    await stopping;
    await starting;
    expect(scheduler.state).toBe('running');
    expect((await scheduler.getJobs()).map((job) => job.id)).toEqual(['tick']);
    await clock.advance(9000);
    expect(events.only('scheduler_started', 'scheduler_shutdown', 'job_executed')).toEqual([
      '@0s scheduler_started',
      '@1s job_executed long 0s',
      '@1s scheduler_shutdown',
      '@1s scheduler_started',
      '@10s job_executed tick 10s',
    ]);
    await scheduler.shutdown();
  });

  it('shutdown({wait: false}) while a shutdown waits: the runs are cancelled, both resolve', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(
      () =>
        new Promise<void>((_resolve, reject) => {
          const signal = currentJob()?.signal;
          signal?.addEventListener('abort', () => reject(signal.reason as Error));
        }),
      null,
      { id: 'listens' },
    );
    const errors: unknown[] = [];
    scheduler.on('job_error', (event) => errors.push(event.exception));
    await clock.advance(0);
    const waiting = scheduler.shutdown();
    await clock.advance(1000);
    expect(events.only('scheduler_shutdown')).toEqual([]);
    await scheduler.shutdown({ wait: false });
    await waiting;
    expect(events.only('job_error', 'scheduler_shutdown')).toEqual([
      '@1s job_error listens 0s',
      '@1s scheduler_shutdown',
    ]);
    expect(errors).toEqual([expect.any(RunCancelledError)]);
    // Once stopped, a shutdown is refused as before.
    await expect(scheduler.shutdown()).rejects.toThrow(SchedulerNotRunningError);
  });

  it('throws on start while running, on shutdown while stopped and on configure while running', async () => {
    const { scheduler } = makeScheduler();
    await expect(scheduler.shutdown()).rejects.toThrow(SchedulerNotRunningError);
    expect(() => scheduler.pause()).toThrow(
      'pause() needs a running scheduler; call start() first',
    );
    await scheduler.start();
    await expect(scheduler.start()).rejects.toThrow(SchedulerAlreadyRunningError);
    expect(() => scheduler.configure({ timezone: 'Europe/Paris' })).toThrow(
      SchedulerAlreadyRunningError,
    );
    expect(() => scheduler.configure({ timezone: 'Europe/Paris' })).toThrow(
      'configure() cannot be done while the scheduler is running; call shutdown() first',
    );
    scheduler.pause();
    expect(() => scheduler.configure({})).toThrow(SchedulerAlreadyRunningError);
    await scheduler.shutdown();
    scheduler.configure({ timezone: 'Europe/Paris' });
    expect(scheduler.timezone).toBe('Europe/Paris');
  });

  it('waits for running jobs on shutdown unless told not to', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    let aborted: unknown = null;
    await scheduler.addJob(
      async () => {
        const signal = currentJob()?.signal;
        signal?.addEventListener('abort', () => {
          aborted = signal.reason;
        });
        await fakeSleep(clock, 5000);
      },
      null,
      { id: 'slow' },
    );
    await clock.advance(1000);
    let done = false;
    const stopping = scheduler.shutdown().then(() => {
      done = true;
    });
    await clock.advance(3000);
    expect(done).toBe(false);
    await clock.advance(1000);
    await stopping;
    expect(events.only('job_executed', 'scheduler_shutdown')).toEqual([
      '@5s job_executed slow 0s',
      '@5s scheduler_shutdown',
    ]);

    await scheduler.start();
    await scheduler.addJob(
      async () => {
        const signal = currentJob()?.signal;
        signal?.addEventListener('abort', () => {
          aborted = signal.reason;
        });
        await fakeSleep(clock, 5000);
      },
      null,
      { id: 'cut' },
    );
    await clock.advance(1000);
    await scheduler.shutdown({ wait: false });
    expect(aborted).toBeInstanceOf(RunCancelledError);
    expect((aborted as RunCancelledError).message).toBe(
      'Job "anonymous" (id cut) was cancelled: the scheduler shut down without waiting',
    );
    // The run ends at once as cancelled, a JOB_ERROR carrying the same error.
    const cut = events.named<JobExecutionEvent>('job_error').filter((e) => e.jobId === 'cut');
    expect(cut.map((event) => [event.exception, event.run?.outcome])).toEqual([
      [aborted, 'cancelled'],
    ]);
  });
});

describe('listeners', () => {
  it('delivers only the events of the mask', async () => {
    const { scheduler, clock } = makeScheduler();
    const seen: string[] = [];
    scheduler.addListener((event) => {
      seen.push(event.name);
    }, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR);
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'date', runDate: at(1) });
    await scheduler.addJob(
      () => {
        throw new Error('boom');
      },
      { type: 'date', runDate: at(2) },
    );
    await clock.advance(3000);
    await scheduler.shutdown();
    expect(seen).toEqual(['job_executed', 'job_error']);
  });

  it('listens by name with on() and stops with off()', async () => {
    const { scheduler, clock } = makeScheduler();
    const seen: string[] = [];
    const listener = (event: JobExecutionEvent): void => {
      seen.push(`${event.jobId} ${sec(event.scheduledRunTime)}`);
    };
    scheduler.on('job_executed', listener);
    await scheduler.start();
    await scheduler.addJob(noop, { type: 'interval', seconds: 1 }, { id: 'tick' });
    await clock.advance(2000);
    scheduler.off('job_executed', listener);
    await clock.advance(2000);
    expect(seen).toEqual(['tick 1s', 'tick 2s']);
    expect(() => scheduler.on('job_exploded' as 'job_executed', listener)).toThrow(
      /^event: 'job_exploded' is not an event name; use one of scheduler_started, .*, job_max_instances, job_unrestorable, job_abandoned or 'error'$/,
    );
    await scheduler.shutdown();
  });

  it('removes a listener added with a mask', async () => {
    const { scheduler, clock } = makeScheduler();
    const seen: string[] = [];
    const listener = (): void => {
      seen.push('event');
    };
    scheduler.addListener(listener, EVENT_JOB_EXECUTED);
    scheduler.removeListener(listener);
    await scheduler.start();
    await scheduler.addJob(noop, null);
    await clock.settle();
    expect(seen).toEqual([]);
    await scheduler.shutdown();
  });

  it('refuses a listener that is not a function, or a mask of no event, where it is added', () => {
    const { scheduler } = makeScheduler();
    expect(() => scheduler.addListener('x' as never)).toThrow(
      "addListener: listener: 'x' is not a function; pass (event) => { … }",
    );
    expect(() => scheduler.on('job_executed', undefined as never)).toThrow(
      'addListener: listener: undefined is not a function',
    );
    expect(() => scheduler.on('error', null as never)).toThrow(
      "on('error'): listener: null is not a function",
    );
    for (const mask of [0, -1, 1.5, 2 ** 25, Number.NaN]) {
      expect(() => scheduler.addListener(noop, mask), String(mask)).toThrow(
        /^addListener: mask: .* is not a mask of event codes; combine EVENT_\* constants with \|/,
      );
    }
    expect(() => scheduler.addListener(noop, EVENT_ALL)).not.toThrow();
  });
});

describe('scheduledJob', () => {
  it('schedules the function it wraps and returns it unchanged', async () => {
    const { scheduler, clock, events } = makeScheduler();
    function tick(): string {
      return 'tick';
    }
    const wrapped = scheduler.scheduledJob({ type: 'interval', seconds: 5 }, { id: 'deco' })(tick);
    expect(wrapped).toBe(tick);
    await clock.settle();
    expect((await scheduler.getJobs()).map((job) => [job.id, job.name])).toEqual([
      ['deco', 'tick'],
    ]);
    await scheduler.start();
    await clock.advance(5000);
    expect(events.only('job_executed')).toEqual(['@5s job_executed deco 5s']);
    await scheduler.shutdown();
  });

  it('throws bad options at once and reports a failure to store the job', async () => {
    const { scheduler, clock, errors, logger } = makeScheduler();
    expect(() => scheduler.scheduledJob(null, { maxInstances: 0 })(noop)).toThrow(JobOptionError);
    await scheduler.start();
    await scheduler.addJob(noop, null, { id: 'taken', nextRunTime: null });
    scheduler.scheduledJob(null, { id: 'taken' })(noop);
    await clock.settle();
    expect(errors.map((error) => [error.source, error.alias, error.action])).toEqual([
      ['jobstore', 'default', 'adding a job'],
    ]);
    expect(errors[0]?.error).toBeInstanceOf(ConflictingIdError);
    expect(logger.messages('error')).toEqual(['Could not add job "noop"']);
    await scheduler.shutdown();
  });
});

describe('executors and job stores', () => {
  it('adds and removes them with events, while stopped or running', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.addExecutor({ type: 'async', maxWorkers: 2 }, 'pool');
    await scheduler.start();
    await scheduler.addJobstore({ type: 'memory' }, 'extra');
    await scheduler.addJob(
      () => 'extra',
      { type: 'date', runDate: at(1) },
      {
        id: 'x',
        jobstore: 'extra',
        executor: 'pool',
      },
    );
    await clock.advance(1000);
    await scheduler.removeJobstore('extra');
    await scheduler.removeExecutor('pool');
    expect(events.lines.filter((line) => !line.includes('scheduler_started'))).toEqual([
      '@0s executor_added pool',
      '@0s jobstore_added extra',
      '@0s job_added x',
      '@1s job_submitted x [1s]',
      '@1s job_removed x',
      '@1s job_executed x 1s',
      '@1s jobstore_removed extra',
      '@1s executor_removed pool',
    ]);
    await expect(scheduler.addJob(noop, null, { executor: 'pool' })).rejects.toThrow(
      "No executor named 'pool'; configured: 'default'",
    );
    await scheduler.shutdown();
  });

  it('refuses taken and unknown aliases and bad specs', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    await expect(scheduler.addExecutor({ type: 'async' })).rejects.toThrow(
      "executors.default: an executor named 'default' exists already; remove it first",
    );
    await expect(scheduler.addJobstore(new MemoryJobStore())).rejects.toThrow(
      "jobstores.default: a job store named 'default' exists already; remove it first",
    );
    await expect(scheduler.removeExecutor('nope')).rejects.toThrow(
      "No executor named 'nope'; configured: 'default'",
    );
    await expect(scheduler.removeJobstore('nope')).rejects.toThrow(
      "No job store named 'nope'; configured: 'default'",
    );
    await expect(scheduler.addExecutor({ type: 'async', maxWorkers: 0 }, 'bad')).rejects.toThrow(
      'executors.bad.maxWorkers: 0 is not valid',
    );
    await expect(scheduler.addExecutor({ type: 'threads' }, 'bad')).rejects.toThrow(
      "'threads' is not a known executor type",
    );
    await scheduler.shutdown();
  });

  it('refuses an alias being added meanwhile, so the first one is kept (and stopped at shutdown)', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    const first = new MemoryJobStore();
    const adding = scheduler.addJobstore(first, 'extra');
    await expect(scheduler.addJobstore(new MemoryJobStore(), 'extra')).rejects.toThrow(
      "jobstores.extra: a job store named 'extra' exists already; remove it first",
    );
    await adding;
    await scheduler.addJob(noop, null, { id: 'kept', jobstore: 'extra', nextRunTime: null });
    expect(await first.lookupJob('kept')).not.toBeNull();
    const pool = scheduler.addExecutor({ type: 'async' }, 'pool');
    await expect(scheduler.addExecutor({ type: 'async' }, 'pool')).rejects.toThrow(
      "executors.pool: an executor named 'pool' exists already; remove it first",
    );
    await pool;
    // A failed add gives the alias back.
    const broken = new MemoryJobStore();
    broken.start = () => Promise.reject(new Error('cannot start'));
    await expect(scheduler.addJobstore(broken, 'flaky')).rejects.toThrow('cannot start');
    await scheduler.addJobstore(new MemoryJobStore(), 'flaky');
    await scheduler.shutdown();
  });

  it('lets an executor refuse a job it could not run, at addJob, modifyJob and importJobs', async () => {
    const located: TaskLocation[] = [];
    /** An executor that, like a worker pool, can only load tasks by module. */
    class ModulesOnly extends AsyncExecutor {
      checkJob(job: Job, locateTask: (task: Task) => TaskLocation): void {
        located.push(locateTask(job.task));
        if (job.args.includes('refused')) throw new Error(`args of ${job.id} refused`);
      }
    }
    const { scheduler } = makeScheduler({
      executors: { modules: { class: ModulesOnly } },
      tasks: { sum: `${fixtures}/tasks.js#add`, inline: noop },
    });
    const reference = `${fixtures}/tasks.js#add`;
    // Before start: the executor given as a spec is built to check the job.
    await expect(scheduler.addJob(noop, null, { executor: 'modules' })).rejects.toThrow(
      "Task 'noop': a function cannot be sent to another thread; name the task by module reference",
    );
    await expect(scheduler.addJob('inline', null, { executor: 'modules' })).rejects.toThrow(
      "Task 'inline': is registered as a function, which cannot be sent to another thread; " +
        "register its module reference instead: registerTask('inline', './tasks.js#inline')",
    );
    const later = { type: 'date', runDate: at(60) } as const;
    await scheduler.addJob(reference, later, { id: 'by-reference', executor: 'modules' });
    await scheduler.addJob('sum', later, { id: 'by-name', executor: 'modules' });
    expect(located).toEqual([
      { reference, module: pathToFileURL(`${fixtures}/tasks.js`).href, exportName: 'add' },
      { reference, module: pathToFileURL(`${fixtures}/tasks.js`).href, exportName: 'add' },
    ]);
    // A name registered again points to its new reference from then on.
    scheduler.registerTask('sum', `${fixtures}/tasks.js#greet`);
    await scheduler.addJob('sum', later, { id: 'renamed', executor: 'modules' });
    expect(located.at(-1)?.exportName).toBe('greet');
    await scheduler.removeJob('renamed');
    await scheduler.start();
    await expect(scheduler.modifyJob('by-name', { args: ['refused'] })).rejects.toThrow(
      'args of by-name refused',
    );
    await scheduler.addJob(noop, null, { id: 'inline-job', nextRunTime: null });
    await expect(scheduler.modifyJob('inline-job', { executor: 'modules' })).rejects.toThrow(
      "Task 'noop': a function cannot be sent to another thread",
    );
    const exported = JSON.parse(await scheduler.exportJobs()) as JobsExport;
    exported.jobs = exported.jobs.filter((job) => job.id === 'by-name');
    exported.jobs[0] = { ...exported.jobs[0]!, id: 'imported', args: ['refused'] };
    await expect(scheduler.importJobs(exported)).rejects.toThrow('args of imported refused');
    const jobs = (await scheduler.getJobs()).filter((job) => job.state !== 'unrestorable');
    expect(jobs.map((job) => [job.id, job.executor, job.args])).toEqual([
      ['by-reference', 'modules', []],
      ['by-name', 'modules', []],
      ['inline-job', 'default', []],
    ]);
    await scheduler.shutdown();
  });
});

describe('running tasks', () => {
  it('runs a name registered for a module reference, and keeps the name in stored jobs', async () => {
    const { scheduler, clock, events } = makeScheduler();
    scheduler.registerTask('sum', `${fixtures}/tasks.js#add`);
    await scheduler.start();
    const trigger = { type: 'date', runDate: at(1) } as const;
    const job = await scheduler.addJob('sum', trigger, { id: 'sum', args: [2, 3] });
    expect(job.name).toBe('sum');
    expect((JSON.parse(await scheduler.exportJobs()) as JobsExport).jobs[0]?.task).toBe('sum');
    await clock.advance(1000);
    expect(events.named<JobExecutionEvent>('job_executed').map((event) => event.retval)).toEqual([
      5,
    ]);
    expect(() => scheduler.registerTask('broken', './tasks.js')).toThrow(
      `Task 'broken': registerTask takes a function or a module reference such as './tasks.js#build', got "./tasks.js"`,
    );
    await scheduler.shutdown();
  });

  it('runs sync and async tasks with their args and reports what they return', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob((a: number, b: number) => a * b, null, { id: 'sync', args: [6, 7] });
    await scheduler.addJob(
      async (name: string) => {
        await fakeSleep(clock, 500);
        return `hi ${name}`;
      },
      null,
      { id: 'async', args: ['you'] },
    );
    await clock.advance(1000);
    expect(
      events.named<JobExecutionEvent>('job_executed').map((event) => [event.jobId, event.retval]),
    ).toEqual([
      ['sync', 42],
      ['async', 'hi you'],
    ]);
    await scheduler.shutdown();
  });

  it('reports a task error as JOB_ERROR with the exception and its stack', async () => {
    const { scheduler, clock, events, logger } = makeScheduler();
    await scheduler.start();
    const failure = new Error('task failed');
    await scheduler.addJob(
      function failing() {
        throw failure;
      },
      { type: 'date', runDate: at(1) },
      { id: 'sync' },
    );
    await scheduler.addJob(() => Promise.reject(new Error('async failure')), null, { id: 'async' });
    await scheduler.addJob(
      () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- tasks may throw anything
        throw 'not an error';
      },
      { type: 'date', runDate: at(2) },
      { id: 'string' },
    );
    await clock.advance(3000);
    const errors = events.named<JobExecutionEvent>('job_error');
    expect(errors.map((event) => [event.jobId, sec(event.scheduledRunTime)])).toEqual([
      ['async', '0s'],
      ['sync', '1s'],
      ['string', '2s'],
    ]);
    expect(errors[1]?.exception).toBe(failure);
    expect(errors[1]?.traceback).toBe(failure.stack);
    expect(errors[1]?.traceback).toMatch(/^Error: task failed\n\s+at /);
    expect(errors[0]?.traceback).toContain('Error: async failure');
    expect(errors[2]?.exception).toBe('not an error');
    expect(errors[2]?.traceback).toBeNull();
    expect(logger.entries.filter((entry) => entry.err === failure)).toEqual([
      {
        level: 'error',
        message:
          'Job "failing (trigger: date[2030-01-01 00:00:01 UTC], next run at: 2030-01-01 00:00:01 UTC)" (id sync) raised an exception',
        err: failure,
      },
    ]);
    await scheduler.shutdown();
  });

  it('gives a running task its job context through currentJob()', async () => {
    const { scheduler, clock } = makeScheduler();
    const contexts: (JobContext | undefined)[] = [];
    let afterAwait: JobContext | undefined;
    await scheduler.start();
    await scheduler.addJob(
      async () => {
        contexts.push(currentJob());
        await fakeSleep(clock, 100);
        afterAwait = currentJob();
      },
      { type: 'interval', seconds: 5 },
      { id: 'ctx', name: 'context' },
    );
    await clock.advance(5200);
    expect(contexts).toHaveLength(1);
    const context = contexts[0];
    expect(context?.jobId).toBe('ctx');
    expect(context?.jobName).toBe('context');
    expect(context?.jobstore).toBe('default');
    expect(context?.scheduledRunTime).toEqual(new Date(at(5)));
    expect(context?.signal).toBeInstanceOf(AbortSignal);
    expect(context?.signal.aborted).toBe(false);
    expect(afterAwait).toBe(context);
    expect(currentJob()).toBeUndefined();
    await scheduler.shutdown();
  });

  it('aborts a run past its timeout and reports JOB_ERROR with a JobTimeoutError', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    let seenReason: unknown = null;
    await scheduler.addJob(
      () =>
        new Promise((_resolve, reject) => {
          const signal = currentJob()?.signal;
          signal?.addEventListener('abort', () => {
            seenReason = signal.reason;
            reject(signal.reason as Error);
          });
        }),
      { type: 'interval', seconds: 10 },
      { id: 'hang', name: 'hang', timeout: 2 },
    );
    // A task that ignores the signal is still reported at its timeout, and only then.
    await scheduler.addJob(
      () => fakeSleep(clock, 5000),
      { type: 'date', runDate: at(10) },
      {
        id: 'deaf',
        name: 'deaf',
        timeout: 1.5,
      },
    );
    await clock.advance(20_000);
    expect(events.only('job_submitted', 'job_executed', 'job_error')).toEqual([
      '@10s job_submitted hang [10s]',
      '@10s job_submitted deaf [10s]',
      '@11.5s job_error deaf 10s',
      '@12s job_error hang 10s',
      '@20s job_submitted hang [20s]',
    ]);
    const error = events.named<JobExecutionEvent>('job_error')[1]?.exception;
    expect(error).toBeInstanceOf(JobTimeoutError);
    expect((error as Error).message).toBe(
      'Job "hang" (id hang) timed out after 2 s and was aborted',
    );
    expect(seenReason).toBe(error);
    await scheduler.shutdown({ wait: false });
  });

  it('runs a module reference, by absolute path or relative to the working directory', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(`${fixtures}/tasks.js#add`, null, { id: 'absolute', args: [2, 3] });
    const fromCwd = relative(process.cwd(), fixtures).replaceAll('\\', '/');
    const reference = `./${fromCwd}/tasks.js#greet`;
    const job = await scheduler.addJob(reference, null, { id: 'relative', args: ['kairos'] });
    expect(job.name).toBe(reference);
    await clock.settle();
    expect(
      events.named<JobExecutionEvent>('job_executed').map((event) => [event.jobId, event.retval]),
    ).toEqual([
      ['absolute', 5],
      ['relative', 'hello kairos'],
    ]);
    await scheduler.shutdown();
  });

  it('fails at addJob for a module reference that does not load, naming it', async () => {
    const { scheduler } = makeScheduler();
    await expect(scheduler.addJob(`${fixtures}/missing.js#add`)).rejects.toThrow(
      `Task '${fixtures}/missing.js#add': cannot import '${fixtures}/missing.js'`,
    );
    await expect(scheduler.addJob(`${fixtures}/tasks.js#answer`)).rejects.toThrow(
      `Task '${fixtures}/tasks.js#answer': module '${fixtures}/tasks.js' has no function export 'answer'; its function exports: add, greet`,
    );
    await expect(scheduler.addJob('unregistered')).rejects.toThrow(
      "Task 'unregistered': is neither a registered task name (none is registered) nor a module reference",
    );
    expect(await scheduler.getJobs()).toEqual([]);
  });

  it('runs at most maxWorkers submissions at once in the async executor, the rest in order', async () => {
    const { scheduler, clock, events } = makeScheduler({
      executors: { default: new AsyncExecutor({ maxWorkers: 2 }) },
      jobDefaults: { misfireGraceTime: null },
    });
    const starts: string[] = [];
    await scheduler.start();
    for (const id of ['a', 'b', 'c', 'd']) {
      await scheduler.addJob(
        async () => {
          starts.push(`${id}@${sec(clock.now())}`);
          await fakeSleep(clock, 1000);
        },
        { type: 'date', runDate: at(1) },
        { id },
      );
    }
    await clock.advance(5000);
    expect(starts).toEqual(['a@1s', 'b@1s', 'c@2s', 'd@2s']);
    expect(events.only('job_executed')).toEqual([
      '@2s job_executed a 1s',
      '@2s job_executed b 1s',
      '@3s job_executed c 1s',
      '@3s job_executed d 1s',
    ]);
    await scheduler.shutdown();
  });
});

describe('BlockingScheduler', () => {
  it('resolves start() only after shutdown', async () => {
    const clock = new FakeClock(T0);
    const scheduler = new BlockingScheduler({ clock, timezone: 'UTC' });
    const ran: string[] = [];
    await scheduler.addJob(() => ran.push(sec(clock.now())), { type: 'interval', seconds: 1 });
    let resolved = false;
    const started = scheduler.start().then(() => {
      resolved = true;
    });
    await clock.advance(2000);
    expect(scheduler.running).toBe(true);
    expect(resolved).toBe(false);
    await scheduler.shutdown();
    await started;
    expect(resolved).toBe(true);
    expect(ran).toEqual(['1s', '2s']);
  });
});

describe('resolveTask', () => {
  it('gives the function a task stands for: a function, a registered name, a module export', async () => {
    const { scheduler } = makeScheduler();
    const report = (): string => 'report';
    scheduler.registerTask('report', report);
    expect(scheduler.resolveTask(report)).toBe(report);
    expect(scheduler.resolveTask('report')).toBe(report);
    const here = relative(
      process.cwd(),
      fileURLToPath(new URL('./fixtures/tasks.js', import.meta.url)),
    );
    const add = (await scheduler.resolveTask(`./${here}#add`)) as (a: number, b: number) => number;
    expect(add(2, 3)).toBe(5);
    expect(() => scheduler.resolveTask('unknown')).toThrow(TaskLookupError);
  });
});
