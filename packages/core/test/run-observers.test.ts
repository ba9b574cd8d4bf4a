/**
 * Run observers (`scheduler.observeRuns`): told of each run's start, able to run the task inside
 * a context of their own, and told of every outcome, started or not; removable; a failing
 * observer is reported and changes nothing about the run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { AsyncExecutor, currentJob, type Run, type RunObserver } from '../src/index.js';
import { at, fakeSleep, makeScheduler, sec } from './helpers.js';

describe('scheduler.observeRuns', () => {
  it('tells of starts and outcomes, and runs the task inside the observer’s context', async () => {
    const { scheduler, clock } = makeScheduler();
    const storage = new AsyncLocalStorage<string>();
    const seen: string[] = [];
    const observer: RunObserver = {
      runStarting(run, job, start) {
        seen.push(`start ${job.id} ${sec(run.startedAt ?? 0)}`);
        return storage.run(`context of ${run.id}`, start, run);
      },
      runFinished(run, job) {
        seen.push(`${run.outcome ?? 'none'} ${job.id} ${sec(run.finishedAt ?? 0)}`);
      },
    };
    scheduler.observeRuns(observer);
    const inTask: (string | undefined)[] = [];
    await scheduler.addJob(
      async () => {
        inTask.push(storage.getStore(), currentJob()?.jobId);
        await fakeSleep(clock, 500);
        inTask.push(storage.getStore());
      },
      { type: 'date', runDate: at(1) },
      { id: 'slow' },
    );
    await scheduler.addJob(
      () => {
        throw new TypeError('boom');
      },
      { type: 'date', runDate: at(2) },
      { id: 'fails' },
    );
    await scheduler.addJob(() => 'late', { type: 'date', runDate: at(-5) }, { id: 'late' });
    await scheduler.start();
    await clock.advance(3000);
    expect(seen).toEqual([
      'missed late 0s',
      'start slow 1s',
      'executed slow 1.5s',
      'start fails 2s',
      'error fails 2s',
    ]);
    expect(inTask[0]).toMatch(/^context of \S+:\d+$/);
    expect(inTask[1]).toBe('slow');
    // The context lasts through the task's awaits.
    expect(inTask[2]).toBe(inTask[0]);
    await scheduler.shutdown();
  });

  it('is told of runs refused at submission and stops being told once removed', async () => {
    const { scheduler, clock } = makeScheduler({
      executors: { default: new AsyncExecutor({ maxWorkers: 1 }) },
    });
    const outcomes: string[] = [];
    const remove = scheduler.observeRuns({
      runFinished(run: Run) {
        outcomes.push(`${run.jobId} ${run.outcome ?? 'none'}`);
      },
    });
    await scheduler.addJob(
      () => fakeSleep(clock, 5000),
      { type: 'interval', seconds: 1 },
      {
        id: 'busy',
        maxInstances: 1,
      },
    );
    await scheduler.start();
    await clock.advance(2000);
    expect(outcomes).toEqual(['busy skipped']);
    remove();
    await clock.advance(10_000);
    expect(outcomes).toEqual(['busy skipped']);
    await scheduler.shutdown({ wait: false });
  });

  it('nests several observers, the first outermost, and reports one that throws', async () => {
    const { scheduler, clock, errors, logger, events } = makeScheduler();
    const order: string[] = [];
    scheduler.observeRuns({
      runStarting(_run, _job, start) {
        order.push('outer in');
        const result = start(_run);
        order.push('outer out');
        return result;
      },
      runFinished() {
        throw new RangeError('observer bug');
      },
    });
    scheduler.observeRuns({
      runStarting(run, _job, start) {
        order.push('inner in');
        const result = start(run);
        order.push('inner out');
        return result;
      },
    });
    await scheduler.addJob(
      () => order.push('task'),
      { type: 'date', runDate: at(1) },
      {
        id: 'nested',
      },
    );
    await scheduler.start();
    await clock.advance(2000);
    expect(order).toEqual(['outer in', 'inner in', 'task', 'inner out', 'outer out']);
    expect(errors.map((event) => `${event.source} ${event.action}`)).toEqual([
      'listener observing runs',
    ]);
    expect(logger.messages('error')).toContain('A run observer failed');
    expect(events.only('job_executed')).toEqual(['@1s job_executed nested 1s']);
    await scheduler.shutdown();
  });
});
