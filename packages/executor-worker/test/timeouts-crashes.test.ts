/**
 * Runs that end their thread: a timeout terminates a task that never yields; a task that exits
 * or runs out of memory under `resourceLimits` fails only its own run. In each case the pool
 * replaces the thread and the next run succeeds.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobTimeoutError } from '@kairos/core';
import { waitFor } from '@kairos/testkit';
import { WorkerCrashedError } from '../dist/index.js';
import { Gate, crashTask, makeScheduler, runOnce, stopSchedulers, task } from './helpers.js';

afterEach(stopSchedulers);

describe('timeout', () => {
  it('terminates a busy loop and reports JobTimeoutError; the next run succeeds', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const startedAt = Date.now();
    const event = await runOnce(harness, task('forever'), [], { name: 'spinner', timeout: 0.3 });
    expect(event.code).toBe(EVENT_JOB_ERROR);
    expect(event.exception).toBeInstanceOf(JobTimeoutError);
    expect(event.exception).toMatchObject({
      message: expect.stringMatching(
        /^Job "spinner" \(id .+\) timed out after 0.3 s and was aborted$/,
      ) as string,
      timeout: 0.3,
    });
    // Reported after the timeout, not before.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    // The only thread was terminated: the pool makes a new one for the next run.
    const next = await runOnce(harness, task('add'), [1, 2]);
    expect(next.code).toBe(EVENT_JOB_EXECUTED);
    expect(next.retval).toBe(3);
    expect(harness.errors).toEqual([]);
  });

  it('aborts the signal in the worker first: a task that stops within abortGrace keeps its thread', async () => {
    const harness = makeScheduler({ maxWorkers: 1, abortGrace: 10 });
    await harness.scheduler.start();
    const before = (await runOnce(harness, task('threadInfo'))).retval as { threadId: number };
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const startedAt = Date.now();
    const event = await runOnce(harness, task('cleanUpOnAbort'), [flag.buffer], {
      name: 'waiter',
      timeout: 0.3,
    });
    expect(event.code).toBe(EVENT_JOB_ERROR);
    expect(event.exception).toBeInstanceOf(JobTimeoutError);
    // The task saw the abort and cleaned up; reported long before the 10 s grace ran out.
    expect(Atomics.load(flag, 0)).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(8000);
    // Its thread was not terminated: the next run lands on it, module still loaded.
    const after = await runOnce(harness, task('threadInfo'));
    expect(after.retval).toEqual({ threadId: before.threadId, loads: 1 });
  });

  it('never calls a task whose timeout came while its thread imported the module', async () => {
    const harness = makeScheduler({ maxWorkers: 1, abortGrace: 10 });
    await harness.scheduler.start();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const slowModule = fileURLToPath(new URL('./fixtures/slow-import.mjs', import.meta.url));
    const startedAt = Date.now();
    const event = await runOnce(harness, `${slowModule}#mark`, [flag.buffer], { timeout: 0.1 });
    expect(event.exception).toBeInstanceOf(JobTimeoutError);
    expect(Atomics.load(flag, 0)).toBe(0);
    // The run ended when the import did, not when the 10 s grace ran out.
    expect(Date.now() - startedAt).toBeLessThan(8000);
  });

  it('terminates at once with abortGrace 0, before a task can see its signal', async () => {
    const harness = makeScheduler({ maxWorkers: 1, abortGrace: 0 });
    await harness.scheduler.start();
    const event = await runOnce(harness, task('forever'), [], { timeout: 0.2 });
    expect(event.exception).toBeInstanceOf(JobTimeoutError);
    expect((await runOnce(harness, task('add'), [1, 1])).retval).toBe(2);
  });

  it('does not touch a run that finishes in time', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const event = await runOnce(harness, task('add'), [2, 2], { timeout: 30 });
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    const info = await runOnce(harness, task('threadInfo'), [], { timeout: 30 });
    const again = await runOnce(harness, task('threadInfo'), [], { timeout: 30 });
    // Same thread: a finished run's timer never fires.
    expect((again.retval as { threadId: number }).threadId).toBe(
      (info.retval as { threadId: number }).threadId,
    );
  });
});

describe('a crashing worker', () => {
  it('that calls process.exit fails its run with WorkerCrashedError; the next run succeeds', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const before = (await runOnce(harness, crashTask('alive'))).retval as number;
    const event = await runOnce(harness, crashTask('exitWith'), [3], { name: 'quitter' });
    expect(event.code).toBe(EVENT_JOB_ERROR);
    const error = event.exception as WorkerCrashedError;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.name).toBe('WorkerCrashedError');
    expect(error.message).toMatch(
      /^The worker thread running job "quitter" \(id .+\) died: .*code: 3.*; the thread was replaced$/,
    );
    expect(error.jobId).toBe(event.jobId);
    expect((error.cause as Error).message).toMatch(/code: 3/);
    const after = await runOnce(harness, crashTask('alive'));
    expect(after.code).toBe(EVENT_JOB_EXECUTED);
    expect(after.retval).not.toBe(before);
  });

  it('that runs out of memory under resourceLimits fails its run; the next run succeeds', async () => {
    const harness = makeScheduler({
      maxWorkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    await harness.scheduler.start();
    const event = await runOnce(harness, crashTask('hog'), [], { name: 'hog' });
    expect(event.code).toBe(EVENT_JOB_ERROR);
    const error = event.exception as WorkerCrashedError;
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/^The worker thread running job "hog" \(id .+\) died: /);
    expect(error.cause).toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
    const after = await runOnce(harness, crashTask('alive'));
    expect(after.code).toBe(EVENT_JOB_EXECUTED);
  });

  it('leaves the runs of other threads alone', async () => {
    const harness = makeScheduler({ maxWorkers: 2 });
    await harness.scheduler.start();
    const gate = new Gate();
    const long = await harness.scheduler.addJob(crashTask('blockUntilReleased'), null, {
      name: 'long',
      executor: 'worker',
      args: [gate.buffer, 20_000],
    });
    await harness.started('long');
    const quitter = await harness.scheduler.addJob(crashTask('exitWith'), null, {
      name: 'quitter',
      executor: 'worker',
      args: [7],
    });
    const crashed = await harness.outcome(quitter.id);
    expect(crashed.exception).toBeInstanceOf(WorkerCrashedError);
    // The long run is still going after its neighbour died, and finishes normally.
    expect(harness.outcomes(long.id)).toEqual([]);
    gate.open();
    const finished = await harness.outcome(long.id);
    expect(finished.code).toBe(EVENT_JOB_EXECUTED);
    expect(finished.retval).toBe(true);
    expect(harness.outcomes(long.id)).toHaveLength(1);
  });

  it('whose task left a timer that throws during the run fails that run', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const event = await runOnce(harness, crashTask('throwDuringRun'), [], { name: 'leaky' });
    expect(event.code).toBe(EVENT_JOB_ERROR);
    expect(event.exception).toBeInstanceOf(WorkerCrashedError);
    expect((event.exception as Error).message).toMatch(/thrown by a timer during the run/);
    expect((await runOnce(harness, crashTask('alive'))).code).toBe(EVENT_JOB_EXECUTED);
  });

  it('that dies between runs (a timer its task left behind throws) is logged, reported and replaced', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const first = await runOnce(harness, crashTask('throwLater'), [50]);
    // The run itself returned before the timer fired.
    expect(first.code).toBe(EVENT_JOB_EXECUTED);
    const logged = (): string[] =>
      harness.logger
        .messages('error')
        .filter((message) => message.includes('died outside a job run'));
    expect(await waitFor(() => logged().length === 1, 15_000)).toBe(true);
    expect(logged()).toEqual([
      'A worker thread of executor "worker" died outside a job run; the thread was replaced',
    ]);
    const entry = harness.logger.entries.find((each) => each.message === logged()[0]);
    expect((entry?.err as Error).message).toBe('thrown by a timer the task left behind');
    expect(harness.errors).toMatchObject([
      {
        source: 'executor',
        alias: 'worker',
        action: 'running a worker thread between job runs',
        error: { message: 'thrown by a timer the task left behind' },
      },
    ]);
    // The scheduler's process is still there (vitest would report the uncaught error), and the
    // next run gets a new thread.
    const next = await runOnce(harness, crashTask('alive'));
    expect(next.code).toBe(EVENT_JOB_EXECUTED);
    expect(next.retval).not.toBe(first.retval);
  });
});
