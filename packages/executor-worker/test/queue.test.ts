/**
 * The executor's own queue in front of the pool: runs go in parallel up to maxWorkers and never
 * beyond; maxInstances counts queued and running submissions; maxQueue refuses a submission
 * beyond it; the misfire check happens when a thread takes the run, so time spent queued
 * counts; the run times of one submission run in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  FakeClock,
  JobSubmissionEvent,
  ExecutorQueueFullError,
  MaxInstancesReachedError,
} from '@kairos/core';
import { waitFor } from '@kairos/testkit';
import { Gate, crashTask, makeScheduler, stopSchedulers, task, type Harness } from './helpers.js';

afterEach(stopSchedulers);

/** Adds a paused job (run with `runJob`) that keeps its thread busy until `gate` opens. */
async function addBusyJob(harness: Harness, id: string, gate: Gate): Promise<void> {
  await harness.scheduler.addJob(crashTask('blockUntilReleased'), null, {
    id,
    name: id,
    executor: 'worker',
    args: [gate.buffer, 20_000],
    nextRunTime: null,
  });
}

/** Adds a paused job (run with `runJob`) that adds two numbers. */
async function addQuickJob(harness: Harness, id: string): Promise<void> {
  await harness.scheduler.addJob(task('add'), null, {
    id,
    name: id,
    executor: 'worker',
    args: [1, 2],
    nextRunTime: null,
  });
}

function codesOf(harness: Harness, jobId: string): number[] {
  return harness.outcomes(jobId).map((event) => event.code);
}

describe('parallelism', () => {
  it('runs up to maxWorkers jobs at the same time, each in a thread of its own', async () => {
    const harness = makeScheduler({ maxWorkers: 2 });
    await harness.scheduler.start();
    // Each run waits (busy) until both have arrived: only runs in parallel can both get there.
    const meeting = new SharedArrayBuffer(4);
    const jobs = await Promise.all(
      ['left', 'right'].map((name) =>
        harness.scheduler.addJob(task('rendezvous'), null, {
          name,
          executor: 'worker',
          args: [meeting, 2, 10_000],
        }),
      ),
    );
    const results = [];
    for (const job of jobs) results.push((await harness.outcome(job.id)).retval);
    expect(results).toEqual([
      { threadId: expect.any(Number) as number, met: true },
      { threadId: expect.any(Number) as number, met: true },
    ]);
    const [left, right] = results as { threadId: number }[];
    expect(left?.threadId).not.toBe(right?.threadId);
  });

  it('never runs more than maxWorkers at once', async () => {
    const harness = makeScheduler({ maxWorkers: 2 });
    await harness.scheduler.start();
    const gauge = new Int32Array(new SharedArrayBuffer(8));
    const jobs = [];
    for (let i = 0; i < 5; i++) {
      jobs.push(
        await harness.scheduler.addJob(task('gauge'), null, {
          executor: 'worker',
          args: [gauge.buffer, 100],
        }),
      );
    }
    for (const job of jobs) expect((await harness.outcome(job.id)).code).toBe(EVENT_JOB_EXECUTED);
    expect(Atomics.load(gauge, 0)).toBe(0);
    expect(Atomics.load(gauge, 1)).toBeGreaterThanOrEqual(1);
    expect(Atomics.load(gauge, 1)).toBeLessThanOrEqual(2);
  });
});

describe('maxInstances', () => {
  it('refuses a submission while the job’s run is running or queued (JOB_MAX_INSTANCES)', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    const { scheduler } = harness;
    await scheduler.start();
    const gate = new Gate();
    await addBusyJob(harness, 'busy', gate);
    await addQuickJob(harness, 'waiting');
    await scheduler.runJob('busy');
    await harness.started('busy');
    // Running: a second run of the job is refused.
    await expect(scheduler.runJob('busy')).rejects.toThrow(MaxInstancesReachedError);
    // Queued behind it, never started: refused as well.
    await scheduler.runJob('waiting');
    await expect(scheduler.runJob('waiting')).rejects.toThrow(MaxInstancesReachedError);
    const refused = harness.events
      .filter((event) => event.code === EVENT_JOB_MAX_INSTANCES)
      .map((event) => (event as JobSubmissionEvent).jobId);
    expect(refused).toEqual(['busy', 'waiting']);
    expect(harness.hasStarted('waiting')).toBe(false);
    gate.open();
    expect((await harness.outcome('busy')).code).toBe(EVENT_JOB_EXECUTED);
    expect((await harness.outcome('waiting')).retval).toBe(3);
    // The finished run freed its slot.
    await scheduler.runJob('waiting');
    expect(await waitFor(() => harness.outcomes('waiting').length === 2, 15_000)).toBe(true);
    expect(codesOf(harness, 'waiting')).toEqual([EVENT_JOB_EXECUTED, EVENT_JOB_EXECUTED]);
    expect(codesOf(harness, 'busy')).toEqual([EVENT_JOB_EXECUTED]);
  });

  it('applies to the runs the scheduler’s loop submits', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    const { scheduler } = harness;
    await scheduler.start();
    const gate = new Gate();
    await addBusyJob(harness, 'busy', gate);
    await scheduler.runJob('busy');
    await harness.started('busy');
    // Due every 50 ms; its first run waits in the queue, so the loop's next ones are refused.
    await scheduler.addJob(
      task('add'),
      { type: 'interval', seconds: 0.05 },
      {
        id: 'ticker',
        executor: 'worker',
        args: [2, 2],
      },
    );
    const refusedTicks = (): number =>
      harness.events.filter(
        (event) =>
          event.code === EVENT_JOB_MAX_INSTANCES &&
          (event as JobSubmissionEvent).jobId === 'ticker',
      ).length;
    expect(await waitFor(() => refusedTicks() >= 2, 15_000)).toBe(true);
    expect(harness.outcomes('ticker')).toEqual([]);
    gate.open();
    expect((await harness.outcome('ticker')).retval).toBe(4);
  });
});

describe('maxQueue', () => {
  it('refuses a submission beyond it: runJob throws, on(error) listeners hear of it', async () => {
    const harness = makeScheduler({ maxWorkers: 1, maxQueue: 1 });
    const { scheduler } = harness;
    await scheduler.start();
    const gate = new Gate();
    await addBusyJob(harness, 'busy', gate);
    await addQuickJob(harness, 'second');
    await addQuickJob(harness, 'third');
    await scheduler.runJob('busy');
    await harness.started('busy');
    await scheduler.runJob('second');
    // The thread is busy and one run waits: the next is refused.
    const refusal: unknown = await scheduler.runJob('third').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ExecutorQueueFullError);
    expect((refusal as ExecutorQueueFullError).jobId).toBe('third');
    expect((refusal as Error).message).toMatch(
      /^Run of job "third" \(id third\) refused: every slot of executor 'worker' is busy and 1 run\(s\) already wait for one \(maxQueue\); raise maxWorkers or maxQueue, or run the job less often$/,
    );
    expect(harness.errors).toEqual([
      { source: 'executor', alias: 'worker', error: refusal, action: 'submitting job "third"' },
    ]);
    // A job whose run is queued already gets JOB_MAX_INSTANCES, not a queue error.
    await expect(scheduler.runJob('second')).rejects.toThrow(MaxInstancesReachedError);
    // A run the loop submits is refused the same way, reported to the listeners.
    const looped = await scheduler.addJob(task('add'), null, {
      name: 'looped',
      executor: 'worker',
      args: [1, 1],
    });
    expect(await waitFor(() => harness.errors.length === 2, 15_000)).toBe(true);
    expect(harness.errors[1]?.error).toBeInstanceOf(ExecutorQueueFullError);
    expect(
      harness.logger
        .messages('error')
        .filter((message) => message.startsWith('Error submitting job "third (')),
    ).toHaveLength(1);
    gate.open();
    expect((await harness.outcome('busy')).code).toBe(EVENT_JOB_EXECUTED);
    expect((await harness.outcome('second')).retval).toBe(3);
    // Refused runs never ran; with the queue empty again, submissions are taken.
    expect(harness.outcomes('third')).toEqual([]);
    expect(harness.outcomes(looped.id)).toEqual([]);
    await scheduler.runJob('third');
    expect((await harness.outcome('third')).retval).toBe(3);
  });

  it('counts the submissions of one loop pass that no free thread will take', async () => {
    const harness = makeScheduler({ maxWorkers: 1, maxQueue: 1 });
    const { scheduler } = harness;
    const gate = new Gate();
    // Four jobs due at start: the loop's first pass submits them one after the other.
    const jobs = [];
    for (const name of ['one', 'two', 'three', 'four']) {
      jobs.push(
        await scheduler.addJob(crashTask('blockUntilReleased'), null, {
          name,
          executor: 'worker',
          args: [gate.buffer, 20_000],
        }),
      );
    }
    await scheduler.start();
    // One takes the thread, one waits; the other two are refused.
    expect(await waitFor(() => harness.errors.length === 2, 15_000)).toBe(true);
    expect(harness.errors.map((report) => report.action)).toEqual([
      'submitting job "three"',
      'submitting job "four"',
    ]);
    expect(harness.errors.every((report) => report.error instanceof ExecutorQueueFullError)).toBe(
      true,
    );
    gate.open();
    const [one, two, three, four] = jobs.map((job) => job.id);
    expect((await harness.outcome(one ?? '')).retval).toBe(true);
    expect((await harness.outcome(two ?? '')).retval).toBe(true);
    expect(harness.outcomes(three ?? '')).toEqual([]);
    expect(harness.outcomes(four ?? '')).toEqual([]);
  });
});

describe('misfire', () => {
  it('counts the time a run waited in the queue: past its grace time it is missed, never run', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    const { scheduler } = harness;
    await scheduler.start();
    const gate = new Gate();
    await addBusyJob(harness, 'busy', gate);
    await scheduler.runJob('busy');
    await harness.started('busy');
    const late = await scheduler.addJob(task('add'), null, {
      name: 'late',
      executor: 'worker',
      args: [1, 2],
      misfireGraceTime: 0.2,
    });
    const patient = await scheduler.addJob(task('add'), null, {
      name: 'patient',
      executor: 'worker',
      args: [2, 3],
      misfireGraceTime: null,
    });
    await harness.submitted(late.id);
    await harness.submitted(patient.id);
    // Hold the thread until the queued run is well past its grace time.
    const runTime = late.nextRunTime?.getTime() ?? 0;
    expect(runTime).toBeGreaterThan(0);
    await waitFor(() => Date.now() > runTime + 1000, 5000);
    gate.open();
    const missed = await harness.outcome(late.id);
    expect(missed.code).toBe(EVENT_JOB_MISSED);
    expect(missed.scheduledRunTime.getTime()).toBe(runTime);
    expect((await harness.outcome(patient.id)).retval).toBe(5);
    expect(codesOf(harness, late.id)).toEqual([EVENT_JOB_MISSED]);
    expect(harness.hasStarted('late')).toBe(false);
    expect(
      harness.logger
        .messages('warn')
        .some((message) => message.startsWith('Run time of job "late')),
    ).toBe(true);
  });
});

describe('one submission of several run times', () => {
  it('runs them in order, each with its own scheduled run time (fake clock)', async () => {
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    const harness = makeScheduler({ maxWorkers: 2 }, { clock });
    const { scheduler } = harness;
    await scheduler.addJob(
      task('context'),
      { type: 'interval', seconds: 1 },
      {
        id: 'tick',
        executor: 'worker',
        coalesce: false,
      },
    );
    await scheduler.start({ paused: true });
    await clock.advance(3500);
    scheduler.resume();
    expect(await waitFor(() => harness.outcomes('tick').length === 3, 15_000)).toBe(true);
    const submissions = harness.events.filter(
      (event): event is JobSubmissionEvent =>
        event instanceof JobSubmissionEvent && event.code !== EVENT_JOB_MAX_INSTANCES,
    );
    const expected = [1, 2, 3].map((s) => new Date(clock.now() - 3500 + s * 1000));
    expect(submissions.map((event) => event.scheduledRunTimes)).toEqual([expected]);
    const outcomes = harness.outcomes('tick');
    expect(outcomes.map((event) => event.code)).toEqual([
      EVENT_JOB_EXECUTED,
      EVENT_JOB_EXECUTED,
      EVENT_JOB_EXECUTED,
    ]);
    expect(outcomes.map((event) => event.scheduledRunTime)).toEqual(expected);
    expect(
      outcomes.map((event) => (event.retval as { scheduledRunTime: Date }).scheduledRunTime),
    ).toEqual(expected);
  });
});
