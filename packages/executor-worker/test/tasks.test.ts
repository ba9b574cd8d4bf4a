/**
 * Which tasks a worker thread can run: module references (paths and package specifiers) and
 * names registered for them run; function tasks, names registered for functions and arguments
 * that cannot be cloned fail at addJob / modifyJob, before and after start. Also: each thread
 * imports a task's module once, and `currentJob()` works inside the thread.
 */
import { hostname } from 'node:os';
import { relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BackgroundScheduler,
  EVENT_JOB_EXECUTED,
  JobOptionError,
  TaskLookupError,
  type JobExecutionEvent,
} from '@kairos/core';
import { WorkerExecutor } from '../dist/index.js';
import { TASKS, makeScheduler, runOnce, stopSchedulers, task } from './helpers.js';

afterEach(stopSchedulers);

function report(): string {
  return 'made in the main thread';
}

describe('command tasks', () => {
  it('fail at addJob: a command runs from the scheduler process, on an in-process executor', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    const adding = scheduler.addJob({ argv: ['pg_dump', 'app'] }, null, { executor: 'worker' });
    await expect(adding).rejects.toThrow(TaskLookupError);
    await expect(adding).rejects.toThrow(
      /^Task 'pg_dump app': job "pg_dump app" runs on executor 'worker', in a worker thread: a command task runs from the scheduler's own process \(it starts its own child process\); give it an executor that runs in-process, such as the default async one$/,
    );
    expect(await scheduler.getJobs()).toEqual([]);
  });
});

describe('function tasks', () => {
  const explanation =
    /^Task 'report': job "report" runs on executor 'worker', in a worker thread: a function cannot be sent to another thread; name the task by module reference \('.\/tasks\/report.js#build'\), or register the reference under a name: registerTask\('build', '.\/tasks\/report.js#build'\)$/;

  it('fail at addJob before start, saying why and what to do instead', async () => {
    const { scheduler } = makeScheduler();
    const adding = scheduler.addJob(report, null, { executor: 'worker' });
    await expect(adding).rejects.toThrow(TaskLookupError);
    await expect(adding).rejects.toThrow(explanation);
    await scheduler.start();
    // Nothing was added.
    expect(await scheduler.getJobs()).toEqual([]);
  });

  it('fail at addJob after start, and nothing is stored', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    await expect(scheduler.addJob(report, null, { executor: 'worker' })).rejects.toThrow(
      explanation,
    );
    expect(await scheduler.getJobs()).toEqual([]);
    // The same function is fine on the async executor.
    const job = await scheduler.addJob(report, { type: 'interval', hours: 1 });
    expect(job.executor).toBe('default');
  });

  it('fail when registered under a name, which must be registered as a module reference', async () => {
    const { scheduler } = makeScheduler();
    scheduler.registerTask('build', report);
    await scheduler.start();
    const adding = scheduler.addJob('build', null, { executor: 'worker' });
    await expect(adding).rejects.toThrow(TaskLookupError);
    await expect(adding).rejects.toThrow(
      /^Task 'build': job "build" runs on executor 'worker', in a worker thread: is registered as a function, which cannot be sent to another thread; register its module reference instead: registerTask\('build', '.\/tasks.js#build'\)$/,
    );
  });

  it('fail at modifyJob moving a job to the worker executor, which keeps the job as it was', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    const job = await scheduler.addJob(report, { type: 'interval', hours: 1 }, { id: 'report' });
    await expect(scheduler.modifyJob('report', { executor: 'worker' })).rejects.toThrow(
      explanation,
    );
    expect(await scheduler.getJob('report')).toMatchObject({ executor: 'default' });
    // The other way round too: a function task given to a job of the worker executor.
    const worker = await scheduler.addJob(task('add'), null, {
      id: 'sum',
      executor: 'worker',
      args: [1, 2],
      nextRunTime: null,
    });
    await expect(scheduler.modifyJob(worker.id, { task: report })).rejects.toThrow(TaskLookupError);
    expect(await scheduler.getJob('sum')).toMatchObject({ task: task('add') });
    expect(job.task).toBe(report);
  });

  it('fail at importJobs when a document moves a function task to the worker executor', async () => {
    const source = new BackgroundScheduler({ timezone: 'UTC' }).registerTask('build', report);
    await source.addJob('build', { type: 'interval', hours: 1 }, { id: 'build' });
    const document = (await source.exportJobs()).replace(
      '"executor": "default"',
      '"executor": "worker"',
    );
    expect(document).toContain('"executor": "worker"');
    const { scheduler } = makeScheduler();
    scheduler.registerTask('build', report);
    await expect(scheduler.importJobs(document)).rejects.toThrow(
      /^Task 'build': job "build" runs on executor 'worker', in a worker thread: is registered as a function/,
    );
    await scheduler.start();
    expect(await scheduler.getJobs()).toEqual([]);
  });
});

describe('module references', () => {
  it('run by absolute path', async () => {
    const harness = makeScheduler();
    await harness.scheduler.start();
    const event = await runOnce(harness, task('add'), [20, 22]);
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    expect(event.retval).toBe(42);
  });

  it('run by path relative to the working directory', async () => {
    const harness = makeScheduler();
    await harness.scheduler.start();
    const reference = `./${relative(process.cwd(), TASKS)}#add`;
    expect(reference.startsWith('./')).toBe(true);
    expect((await runOnce(harness, reference, [1, 1])).retval).toBe(2);
  });

  it('run when registered under a name with registerTask', async () => {
    const harness = makeScheduler();
    harness.scheduler.registerTask('sum', task('add'));
    const job = await harness.scheduler.addJob('sum', null, { executor: 'worker', args: [3, 4] });
    await harness.scheduler.start();
    const event = await harness.outcome(job.id);
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    expect(event.retval).toBe(7);
    expect(job.name).toBe('sum');
  });

  it('run when registered by the configuration’s tasks', async () => {
    const harness = makeScheduler({}, { tasks: { sum: task('add') } });
    await harness.scheduler.start();
    expect((await runOnce(harness, 'sum', [5, 6])).retval).toBe(11);
  });

  it('run from a Node built-in module that taskModules lists by name', async () => {
    const harness = makeScheduler({}, { taskModules: ['node:os'] });
    await harness.scheduler.start();
    const event = await runOnce(harness, 'node:os#hostname');
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    expect(event.retval).toBe(hostname());
  });

  it('refuse a Node built-in module that taskModules does not list, before any thread loads it', async () => {
    const harness = makeScheduler();
    await harness.scheduler.start();
    await expect(runOnce(harness, 'node:child_process#execSync', ['true'])).rejects.toThrow(
      /^Task 'node:child_process#execSync': 'node:child_process' is a Node built-in module; .*taskModules/,
    );
  });
});

describe('arguments that cannot be cloned', () => {
  it('fail at addJob with JobOptionError: a function, before start', async () => {
    const { scheduler } = makeScheduler();
    const adding = scheduler.addJob(task('echo'), null, {
      executor: 'worker',
      name: 'echo',
      args: [1, () => 2],
    });
    await expect(adding).rejects.toThrow(JobOptionError);
    await expect(adding).rejects.toThrow(
      /^job "echo": args: cannot be sent to a worker thread of executor 'worker' \(.+\); pass data that structured clone can copy: no functions, symbols or handles$/,
    );
  });

  it('fail at addJob with JobOptionError: a symbol, after start', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    const error: unknown = await scheduler
      .addJob(task('echo'), null, { executor: 'worker', args: [{ tag: Symbol('x') }] })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(JobOptionError);
    expect((error as JobOptionError).option).toBe('args');
    expect(await scheduler.getJobs()).toEqual([]);
  });

  it('fail at modifyJob', async () => {
    const { scheduler } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(task('echo'), null, {
      id: 'echo',
      executor: 'worker',
      args: [1],
      nextRunTime: null,
    });
    await expect(scheduler.modifyJob('echo', { args: [() => 1] })).rejects.toThrow(JobOptionError);
    expect(await scheduler.getJob('echo')).toMatchObject({ args: [1] });
  });
});

describe('a spec executor', () => {
  it('checks jobs at addJob before start', async () => {
    const scheduler = new BackgroundScheduler({
      executors: { cpu: { class: WorkerExecutor, maxWorkers: 1 } },
    });
    await expect(scheduler.addJob(report, null, { executor: 'cpu' })).rejects.toThrow(
      /runs on executor 'cpu', in a worker thread: a function cannot be sent/,
    );
  });
});

describe('module caching', () => {
  it('imports a task’s module once per thread', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const infos: { threadId: number; loads: number }[] = [];
    for (let i = 0; i < 8; i++) {
      infos.push((await runOnce(harness, task('threadInfo'))).retval as (typeof infos)[number]);
    }
    // Other tasks of the same module in between do not load it again either.
    await runOnce(harness, task('add'), [1, 2]);
    infos.push((await runOnce(harness, task('threadInfo'))).retval as (typeof infos)[number]);
    const first = infos[0];
    expect(first?.threadId).toBeGreaterThan(0);
    expect(infos).toEqual(infos.map(() => ({ threadId: first?.threadId, loads: 1 })));
  });

  it('runs submissions of several jobs in a thread that already loaded the module', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const jobs = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        harness.scheduler.addJob(task('threadInfo'), null, { executor: 'worker', id: `info${n}` }),
      ),
    );
    const events: JobExecutionEvent[] = [];
    for (const job of jobs) events.push(await harness.outcome(job.id));
    const loads = events.map((event) => (event.retval as { loads: number }).loads);
    expect(loads).toEqual([1, 1, 1, 1]);
  });
});

describe('currentJob() in the worker thread', () => {
  it('gives the job, its store, the scheduled run time and a live abort signal', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const job = await harness.scheduler.addJob(task('context'), null, {
      id: 'ctx',
      name: 'context probe',
      executor: 'worker',
    });
    const event = await harness.outcome(job.id);
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    const seen = event.retval as Record<string, unknown>;
    expect(seen).toEqual({
      outside: undefined,
      threadId: expect.any(Number) as number,
      jobId: 'ctx',
      jobName: 'context probe',
      jobstore: 'default',
      scheduledRunTime: event.scheduledRunTime,
      isSignal: true,
      aborted: false,
    });
    expect(seen['scheduledRunTime']).toBeInstanceOf(Date);
    expect(seen['threadId']).not.toBe(0);
  });
});
