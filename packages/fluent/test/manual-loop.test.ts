/**
 * The scheduler API of the manual loop, as `schedule`'s documentation shows it: arguments, tags,
 * get/clear/cancel, `CancelJob`, `runAll`, `idleSeconds`, `nextRun`, `repeat`, several schedulers,
 * and what happens when a job throws.
 */
import { describe, expect, test } from 'vitest';
import { CancelJob, Scheduler, repeat } from '../src/index.js';
import { fakeScheduler, iso, loop, recorder } from './helpers.js';

const NOW = '2010-01-06T12:15:00Z';

describe('do(task, ...args)', () => {
  test('the arguments reach the task (the docs’ greet example)', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const greet = recorder(clock);
    scheduler.every(2).seconds.do(greet, 'Alice');
    scheduler.every(4).seconds.do(greet, 'Bob');
    await loop(clock, scheduler, 4);
    expect(greet.calls.map((call) => call.args[0])).toEqual(['Alice', 'Alice', 'Bob']);
  });

  test('an async task is awaited before the next one starts', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const order: string[] = [];
    scheduler.every().second.do(async () => {
      order.push('slow start');
      await new Promise((resolve) => setImmediate(resolve));
      order.push('slow end');
    });
    scheduler.every().second.do(() => order.push('fast'));
    await loop(clock, scheduler, 1);
    expect(order).toEqual(['slow start', 'slow end', 'fast']);
  });

  test('a runPending called while another runs waits for it: no job runs twice or overlaps', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const runs: string[] = [];
    let release = (): void => undefined;
    scheduler.every().second.do(async function slow() {
      runs.push(`slow start@${clock.now() % 60_000}`);
      await new Promise<void>((resolve) => (release = resolve));
      runs.push('slow end');
    });
    scheduler.every().second.do(function fast() {
      runs.push(`fast@${clock.now() % 60_000}`);
    });
    await clock.advance(1_000);
    const first = scheduler.runPending();
    await clock.advance(1_000);
    const second = scheduler.runPending();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await second;
    expect(runs).toEqual([
      'slow start@1000',
      'slow end',
      'fast@2000',
      'slow start@2000',
      'slow end',
    ]);
  });

  test('a registered task name runs in the manual loop too', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const report = recorder(clock);
    scheduler.registerTask('report', report);
    scheduler.every().second.do('report', 'daily');
    await loop(clock, scheduler, 2);
    expect(report.calls.map((call) => call.args)).toEqual([['daily'], ['daily']]);
  });

  test('due jobs run in the order they were due', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const order: string[] = [];
    scheduler.every(3).seconds.do(() => order.push('3s'));
    scheduler.every(2).seconds.do(() => order.push('2s'));
    clock.jump(3_000);
    await scheduler.runPending();
    expect(order).toEqual(['2s', '3s']);
  });
});

describe('getJobs, tags, clear and cancelJob (the docs’ greet jobs)', () => {
  function greetJobs(): Scheduler {
    const { scheduler } = fakeScheduler(NOW);
    const greet = (name: string): void => void name;
    scheduler.every().day.do(greet, 'Andrea').tag('daily-tasks', 'friend');
    scheduler.every().hour.do(greet, 'John').tag('hourly-tasks', 'friend');
    scheduler.every().hour.do(greet, 'Monica').tag('hourly-tasks', 'customer');
    scheduler.every().day.do(greet, 'Derek').tag('daily-tasks', 'guest');
    return scheduler;
  }

  test('getJobs() and getJobs(tag)', () => {
    const scheduler = greetJobs();
    expect(scheduler.getJobs()).toHaveLength(4);
    expect(scheduler.getJobs('friend').map((job) => job.args[0])).toEqual(['Andrea', 'John']);
    expect(scheduler.getJobs('nobody')).toEqual([]);
  });

  test('clear(tag) cancels the tagged jobs, clear() all', () => {
    const scheduler = greetJobs();
    scheduler.clear('daily-tasks');
    expect(scheduler.getJobs().map((job) => job.args[0])).toEqual(['John', 'Monica']);
    scheduler.clear();
    expect(scheduler.getJobs()).toEqual([]);
  });

  test('a tag given twice is kept once', () => {
    const scheduler = greetJobs();
    const job = scheduler.getJobs('guest')[0];
    job?.tag('guest', 'guest');
    expect([...(job?.tags ?? [])]).toEqual(['daily-tasks', 'guest']);
  });

  test('cancelJob(job) stops it; cancelling again does nothing', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    const job = scheduler.every().second.do(task);
    await loop(clock, scheduler, 1);
    scheduler.cancelJob(job);
    scheduler.cancelJob(job);
    await loop(clock, scheduler, 3);
    expect(task.calls).toHaveLength(1);
    expect(job.nextRun).toBeNull();
  });

  test('nextRun(tag)', () => {
    const scheduler = greetJobs();
    expect(iso(scheduler.nextRun())).toBe('2010-01-06T13:15:00.000Z');
    expect(iso(scheduler.nextRun('daily-tasks'))).toBe('2010-01-07T12:15:00.000Z');
    expect(scheduler.nextRun('nobody')).toBeNull();
  });
});

describe('CancelJob: a job that runs once', () => {
  test('returning CancelJob cancels the job after that run', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    let runs = 0;
    scheduler
      .every()
      .day.at('22:30')
      .do(() => {
        runs++;
        return CancelJob;
      });
    await clock.advanceTo('2010-01-07T00:00:00Z');
    await scheduler.runPending();
    await scheduler.runPending();
    expect(runs).toBe(1);
    expect(scheduler.getJobs()).toEqual([]);
  });

  test('an async task can resolve to CancelJob', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    scheduler.every().second.do(() => Promise.resolve(CancelJob));
    await loop(clock, scheduler, 1);
    expect(scheduler.getJobs()).toEqual([]);
  });

  test('a job cancelled by an earlier job of the same pass does not run', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const late = recorder(clock);
    const lateJob = scheduler.every(2).seconds.do(late);
    scheduler.every().second.do(() => scheduler.cancelJob(lateJob));
    clock.jump(2_000);
    await scheduler.runPending();
    expect(late.calls).toEqual([]);
  });
});

describe('runAll', () => {
  test('runs every job now, whether due or not, and leaves their schedules as they were', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    scheduler.every().minute.do(task);
    scheduler.every().hour.do(task);
    const daily = scheduler.every().day.at('11:00').do(task);
    await scheduler.runAll();
    expect(task.calls).toHaveLength(3);
    expect(iso(daily.nextRun)).toBe('2010-01-07T11:00:00.000Z');
    expect(iso(daily.lastRun)).toBe('2010-01-06T12:15:00.000Z');
  });

  test('delaySeconds waits between jobs on the scheduler’s clock', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    scheduler.every().monday.at('12:40').do(task, 'job_1');
    scheduler.every().tuesday.at('16:40').do(task, 'job_2');
    const running = scheduler.runAll({ delaySeconds: 10 });
    await clock.advance(10_000);
    await running;
    expect(task.calls).toEqual([
      { at: '2010-01-06T12:15:00.000Z', args: ['job_1'] },
      { at: '2010-01-06T12:15:10.000Z', args: ['job_2'] },
    ]);
  });

  test('a bad delay is refused', async () => {
    const { scheduler } = fakeScheduler(NOW);
    await expect(scheduler.runAll({ delaySeconds: -1 })).rejects.toThrow(
      'runAll({delaySeconds: -1}): the delay is a number of seconds ≥ 0',
    );
  });

  test('a job returning CancelJob from runAll is cancelled', async () => {
    const { scheduler } = fakeScheduler(NOW);
    scheduler.every().day.do(() => CancelJob);
    await scheduler.runAll();
    expect(scheduler.getJobs()).toEqual([]);
  });
});

describe('idleSeconds and nextRun', () => {
  test('null without jobs; seconds to the next run; negative when overdue (the docs’ loop)', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    expect(scheduler.idleSeconds()).toBeNull();
    expect(scheduler.nextRun()).toBeNull();
    scheduler.every(5).seconds.do(() => undefined);
    expect(scheduler.idleSeconds()).toBe(5);
    clock.jump(7_500);
    expect(scheduler.idleSeconds()).toBe(-2.5);
    await scheduler.runPending();
    expect(scheduler.idleSeconds()).toBe(2.5);
  });

  test('the docs’ loop that sleeps exactly idleSeconds() ends when the last job cancels itself', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    let runs = 0;
    scheduler.every(5).seconds.do(() => (++runs === 3 ? CancelJob : undefined));
    for (let n = scheduler.idleSeconds(); n !== null; n = scheduler.idleSeconds()) {
      if (n > 0) await clock.advance(n * 1000);
      await scheduler.runPending();
    }
    expect(runs).toBe(3);
    expect(clock.now() - Date.parse(NOW)).toBe(15_000);
  });
});

describe('repeat(), in place of @repeat', () => {
  test('schedules the function with its arguments and returns it, and stacks', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const planets: string[] = [];
    const hello = repeat(
      scheduler.every().second,
      'World',
    )(repeat(scheduler.every().day, 'Mars')((planet: string) => void planets.push(planet)));
    expect(typeof hello).toBe('function');
    expect(scheduler.getJobs().map((job) => job.args)).toEqual([['Mars'], ['World']]);
    await loop(clock, scheduler, 2);
    expect(planets).toEqual(['World', 'World']);
  });
});

describe('several schedulers', () => {
  test('each has its own jobs', async () => {
    const { clock, scheduler: first } = fakeScheduler(NOW);
    const second = new Scheduler({ clock, timezone: 'UTC' });
    const a = recorder(clock);
    const b = recorder(clock);
    first.every().second.do(a);
    second.every().second.do(b);
    clock.jump(1_000);
    await first.runPending();
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    expect(second.getJobs()).toHaveLength(1);
  });
});

describe('a task that throws', () => {
  test('runPending rejects with its error after the other due jobs ran; the job is rescheduled', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const other = recorder(clock);
    const failing = scheduler.every().second.do(() => {
      throw new Error('boom');
    });
    scheduler.every().second.do(other);
    clock.jump(1_000);
    await expect(scheduler.runPending()).rejects.toThrow('boom');
    expect(other.calls).toHaveLength(1);
    expect(iso(failing.nextRun)).toBe('2010-01-06T12:15:02.000Z');
    // Not run again until its next time.
    await expect(scheduler.runPending()).resolves.toBeUndefined();
  });

  test('several failures reject with an AggregateError holding each', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    scheduler.every().second.do(() => {
      throw new Error('one');
    });
    scheduler.every().second.do(() => Promise.reject(new Error('two')));
    clock.jump(1_000);
    const error: unknown = await scheduler.runPending().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['one', 'two']);
    expect((error as AggregateError).message).toBe('2 runs failed in runPending()');
  });
});

describe('job descriptions', () => {
  test('name and toString say what the job does and when', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    function job(..._args: unknown[]): void {}
    const daily = scheduler.every().day.at('10:30').do(job, 'x', 2);
    expect(daily.name).toBe("Every 1 day at 10:30:00 do job('x', 2)");
    expect(String(daily)).toBe(
      "Every 1 day at 10:30:00 do job('x', 2) (last run: [never], next run: 2010-01-07 10:30:00 UTC)",
    );
    expect(scheduler.every(5).to(10).seconds.do(job).name).toBe('Every 5 to 10 seconds do job()');
    expect(
      scheduler.every().monday.at('13:15', 'Europe/Paris').until('2010-02-01').do(job).name,
    ).toBe('Every Monday at 13:15:00 Europe/Paris until 2010-02-01 00:00:00 UTC do job()');
    expect(scheduler.every(2).hours.at(':05').do(job).name).toBe(
      'Every 2 hours at xx:05:00 do job()',
    );
    await scheduler.runAll();
    expect(String(daily)).toContain('last run: 2010-01-06 12:15:00 UTC');
    void clock;
  });
});
