/**
 * The automatic loop: after `start()` the jobs live in a Kairos BackgroundScheduler on the same
 * fake clock, which runs them itself, in parallel, logging errors instead of throwing them.
 */
import { EVENT_JOB_EXECUTED, EVENT_JOBSTORE_ADDED, type JobExecutionEvent } from 'kairos';
import { RecordingLogger } from '@kairos/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { CancelJob, ScheduleError, type Scheduler } from '../src/index.js';
import { fakeScheduler, iso, recorder } from './helpers.js';

const NOW = '2030-01-01T00:00:00Z';
const running: Scheduler[] = [];

async function start(scheduler: Scheduler): Promise<void> {
  await scheduler.start();
  running.push(scheduler);
}

afterEach(async () => {
  for (const scheduler of running.splice(0)) if (scheduler.running) await scheduler.shutdown();
});

describe('start() hands the jobs to Kairos', () => {
  test('jobs made before and after start run on the engine’s timer, without runPending', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    scheduler.every(2).seconds.do(task, 'before');
    await start(scheduler);
    scheduler.every(3).seconds.do(task, 'after');
    await clock.advance(6_000);
    // Runs due at the same time start in no set order: compare them sorted.
    expect(
      task.calls.map((call) => `${call.at.slice(17, 19)} ${String(call.args[0])}`).sort(),
    ).toEqual(['02 before', '03 after', '04 before', '06 after', '06 before']);
    expect((await scheduler.kairos.getJobs()).map((job) => job.name)).toEqual([
      "Every 2 seconds do task('before')",
      "Every 3 seconds do task('after')",
    ]);
  });

  test('each job’s next and last run follow the engine', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const daily = scheduler
      .every()
      .day.at('10:30')
      .do(() => undefined);
    await start(scheduler);
    expect(iso(daily.nextRun)).toBe('2030-01-01T10:30:00.000Z');
    await clock.advanceTo('2030-01-01T10:30:00Z');
    expect(iso(daily.lastRun)).toBe('2030-01-01T10:30:00.000Z');
    expect(iso(daily.nextRun)).toBe('2030-01-02T10:30:00.000Z');
    expect(scheduler.idleSeconds()).toBe(24 * 3600);
  });

  test('jobs run in parallel: a slow job does not hold up another', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const quick = recorder(clock);
    let release = (): void => undefined;
    scheduler.every(1).seconds.do(() => new Promise<void>((resolve) => (release = resolve)));
    scheduler.every(1).seconds.do(quick);
    await start(scheduler);
    await clock.advance(3_000);
    expect(quick.calls).toHaveLength(3);
    release();
  });

  test('an error is logged and the job keeps running (the loop never breaks)', async () => {
    const logger = new RecordingLogger();
    const { clock, scheduler } = fakeScheduler(NOW, { logger });
    let runs = 0;
    scheduler.every().second.do(function flaky() {
      runs++;
      throw new Error('flaky failed');
    });
    await start(scheduler);
    await clock.advance(3_000);
    expect(runs).toBe(3);
    expect(logger.messages('error').filter((message) => message.includes('flaky'))).toHaveLength(3);
  });

  test('CancelJob, cancelJob and clear(tag) remove the job from the engine', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    scheduler.every().second.do(() => CancelJob);
    const cancelled = scheduler.every().second.do(task, 'cancelled');
    scheduler.every().second.do(task, 'tagged').tag('batch');
    scheduler.every().second.do(task, 'kept');
    await start(scheduler);
    scheduler.cancelJob(cancelled);
    scheduler.clear('batch');
    await clock.advance(2_000);
    expect(task.calls.map((call) => call.args[0])).toEqual(['kept', 'kept']);
    expect(scheduler.getJobs()).toHaveLength(1);
    expect(await scheduler.kairos.getJobs()).toHaveLength(1);
  });

  test('until(): the engine stops the job at its deadline', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    scheduler.every(2).days.at('12:00').until('2030-01-05 11:00').do(task);
    await start(scheduler);
    await clock.advance(10 * 24 * 3_600_000);
    expect(task.calls.map((call) => call.at)).toEqual(['2030-01-03T12:00:00.000Z']);
    expect(scheduler.getJobs()).toEqual([]);
    expect(await scheduler.kairos.getJobs()).toEqual([]);
  });

  test('runPending is refused while Kairos runs the jobs; shutdown returns to the manual loop', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    scheduler.every().second.do(task);
    await start(scheduler);
    await expect(scheduler.runPending()).rejects.toThrow(ScheduleError);
    await expect(scheduler.start()).rejects.toThrow('start(): the scheduler runs already');
    await clock.advance(1_000);
    await scheduler.shutdown();
    await clock.advance(5_000); // nothing runs by itself now
    expect(task.calls).toHaveLength(1);
    await scheduler.runPending();
    expect(task.calls).toHaveLength(2);
    await expect(scheduler.shutdown()).rejects.toThrow('shutdown(): the scheduler is not running');
  });

  test('a job cancelled while stopped does not come back at the next start', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    const job = scheduler.every().second.do(task);
    await start(scheduler);
    await scheduler.shutdown();
    scheduler.cancelJob(job);
    await start(scheduler);
    await clock.advance(3_000);
    expect(task.calls).toEqual([]);
    expect(await scheduler.kairos.getJobs()).toEqual([]);
  });

  test('runAll submits every job to its executor', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    scheduler.every().day.do(task, 'a');
    scheduler.every().week.do(task, 'b');
    await start(scheduler);
    await scheduler.runAll();
    await clock.settle();
    expect(task.calls.map((call) => call.args[0]).sort()).toEqual(['a', 'b']);
  });

  test('delayed calls run on the engine in priority order', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const calls: string[] = [];
    scheduler.enter(2, 5, () => void calls.push('low'));
    await start(scheduler);
    scheduler.enter(2, 1, () => void calls.push('high'));
    scheduler.enter(1, 0, () => void calls.push('early'));
    await clock.advance(3_000);
    expect(calls).toEqual(['early', 'high', 'low']);
    expect(scheduler.queue).toEqual([]);
  });

  test('delayed calls entered together after start all run (their store is added once)', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const calls: string[] = [];
    const added: string[] = [];
    scheduler.kairos.addListener((event) => {
      added.push(event.alias ?? '');
    }, EVENT_JOBSTORE_ADDED);
    await start(scheduler);
    scheduler.enter(2, 0, () => void calls.push(`two at ${new Date(clock.now()).toISOString()}`));
    scheduler.enter(1, 0, () => void calls.push(`one at ${new Date(clock.now()).toISOString()}`));
    await clock.advance(3_000);
    expect(calls).toEqual(['one at 2030-01-01T00:00:01.000Z', 'two at 2030-01-01T00:00:02.000Z']);
    expect(scheduler.queue).toEqual([]);
    expect(added).toEqual(['fluent-calls']);
  });

  test('Kairos events carry the fluent jobs’ runs', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const executed: string[] = [];
    scheduler.kairos.addListener((event) => {
      executed.push((event as JobExecutionEvent).jobId);
    }, EVENT_JOB_EXECUTED);
    scheduler.every().second.do(function ping() {});
    await start(scheduler);
    await clock.advance(1_000);
    expect(executed).toEqual(['fluent:ping()']);
  });

  test('ids: the call, numbered when repeated, or the one given with with({id})', async () => {
    const { scheduler } = fakeScheduler(NOW);
    const greet = (name: string): void => void name;
    scheduler.every().day.do(greet, 'Ann');
    scheduler.every().hour.do(greet, 'Ann');
    scheduler.every().hour.with({ id: 'greet-bob' }).do(greet, 'Bob');
    await start(scheduler);
    expect((await scheduler.kairos.getJobs()).map((job) => job.id).sort()).toEqual([
      "fluent:greet('Ann')",
      "fluent:greet('Ann') #2",
      'greet-bob',
    ]);
  });

  test('a job the engine refuses after start is logged and cancelled', async () => {
    const logger = new RecordingLogger();
    const { clock, scheduler } = fakeScheduler(NOW, { logger });
    await start(scheduler);
    const job = scheduler
      .every()
      .second.with({ executor: 'missing' })
      .do(() => undefined);
    await clock.settle();
    expect(scheduler.getJobs()).not.toContain(job);
    expect(logger.messages('error').join('\n')).toContain(
      'Could not schedule job "Every 1 second do anonymous()"; it is cancelled',
    );
  });

  test('a job the engine refuses at start fails start(), which leaves the scheduler stopped', async () => {
    const { scheduler } = fakeScheduler(NOW);
    scheduler
      .every()
      .second.with({ executor: 'missing' })
      .do(() => undefined);
    await expect(scheduler.start()).rejects.toThrow("'missing'");
    expect(scheduler.running).toBe(false);
    expect(scheduler.kairos.running).toBe(false);
  });
});
