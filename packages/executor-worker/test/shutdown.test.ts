/**
 * Shutting the worker executor down: with `wait` it drains queued and running runs; without,
 * it drops the queued ones (no events) and terminates the running ones (RunCancelledError),
 * promptly even when a task never yields. The scheduler starts again afterwards on a new pool.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, RunCancelledError, type Job } from '@kairos/core';
import { makeScheduler, runOnce, stopSchedulers, task } from './helpers.js';

afterEach(stopSchedulers);

describe('shutdown({wait: true})', () => {
  it('waits for the running run and every queued one', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    const { scheduler } = harness;
    await scheduler.start();
    const jobs: Job[] = [];
    for (const name of ['first', 'second', 'third']) {
      jobs.push(
        await scheduler.addJob(task('sleep'), null, { name, executor: 'worker', args: [250] }),
      );
    }
    // Every run is in the executor (one running, two queued) before the shutdown.
    for (const job of jobs) await harness.submitted(job.id);
    await harness.started('first');
    expect(harness.hasStarted('third')).toBe(false);
    await scheduler.shutdown({ wait: true });
    expect(jobs.map((job) => harness.outcomes(job.id).map((event) => event.code))).toEqual([
      [EVENT_JOB_EXECUTED],
      [EVENT_JOB_EXECUTED],
      [EVENT_JOB_EXECUTED],
    ]);
    expect(harness.outcomes(jobs[2]?.id ?? '')[0]?.retval).toBe('slept 250');
    expect(harness.logger.messages('warn')).toEqual([]);
  });
});

describe('shutdown({wait: false})', () => {
  it('drops queued runs, cancels the running one and resolves promptly despite a busy loop', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    const { scheduler } = harness;
    await scheduler.start();
    const spinner = await scheduler.addJob(task('forever'), null, {
      name: 'spinner',
      executor: 'worker',
    });
    await harness.started('spinner');
    const queued: Job[] = [];
    for (const name of ['queued1', 'queued2']) {
      queued.push(
        await scheduler.addJob(task('add'), null, { name, executor: 'worker', args: [1, 1] }),
      );
    }
    // Both runs were submitted and wait for the busy thread.
    for (const job of queued) await harness.submitted(job.id);
    const shutdownAt = Date.now();
    await scheduler.shutdown({ wait: false });
    // Prompt: terminating a thread does not wait for its task. Generous for a loaded machine.
    expect(Date.now() - shutdownAt).toBeLessThan(5000);
    const [cancelled, ...others] = harness.outcomes(spinner.id);
    expect(others).toEqual([]);
    expect(cancelled?.code).toBe(EVENT_JOB_ERROR);
    const error = cancelled?.exception as RunCancelledError;
    expect(error).toBeInstanceOf(RunCancelledError);
    expect(error.jobId).toBe(spinner.id);
    expect(error.message).toMatch(
      /^Job "spinner" \(id .+\) was cancelled: the scheduler shut down without waiting$/,
    );
    // The queued runs never started and report nothing.
    for (const job of queued) {
      expect(harness.outcomes(job.id)).toEqual([]);
      expect(harness.hasStarted(job.name)).toBe(false);
    }
    expect(harness.logger.messages('warn')).toContain('Dropped 2 queued job run(s) at shutdown');
  });

  it('lets the scheduler start again on a new pool', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    const { scheduler } = harness;
    await scheduler.start();
    const before = (await runOnce(harness, task('threadInfo'))).retval as { threadId: number };
    await scheduler.addJob(task('forever'), null, { name: 'spinner', executor: 'worker' });
    await harness.started('spinner');
    await scheduler.shutdown({ wait: false });
    await scheduler.start();
    const event = await runOnce(harness, task('threadInfo'));
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    // A new thread of a new pool, which imported the module afresh.
    expect(event.retval).toEqual({ threadId: expect.any(Number) as number, loads: 1 });
    expect((event.retval as { threadId: number }).threadId).not.toBe(before.threadId);
    // Jobs scheduled after the restart keep running, and shutdown with wait still drains.
    const job = await scheduler.addJob(task('sleep'), null, { executor: 'worker', args: [50] });
    await harness.submitted(job.id);
    await scheduler.shutdown({ wait: true });
    expect(harness.outcomes(job.id).map((outcome) => outcome.retval)).toEqual(['slept 50']);
  });
});
