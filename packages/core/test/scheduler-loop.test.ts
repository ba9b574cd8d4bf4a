/**
 * The main loop on a fake clock: misfire grace at the moment a run starts, coalescing, max
 * instances, trigger exhaustion, bounded sleeps, store failures, clock jumps and event delivery.
 */
import { IntervalTrigger, type Trigger } from '@kairos/triggers';
import { describe, expect, it } from 'vitest';
import {
  AsyncExecutor,
  EVENT_JOB_EXECUTED,
  FakeClock,
  MAX_TIMER_MS,
  MemoryJobStore,
  type JobExecutionEvent,
  type JobSubmissionEvent,
} from '../src/index.js';
import { FlakyJobStore, T0, at, fakeSleep, makeScheduler, sec } from './helpers.js';

const TEN_YEARS_MS = Date.parse('2040-01-01T00:00:00Z') - T0;

/** A trigger that delegates to another and counts the calls the scheduler makes. */
class CountingTrigger implements Trigger {
  readonly type: string;
  nextCalls = 0;
  skipCalls = 0;
  readonly #inner: Trigger;

  constructor(inner: Trigger) {
    this.#inner = inner;
    this.type = inner.type;
  }

  getNextFireTime(previous: Date | null, now: Date): Date | null {
    this.nextCalls++;
    return this.#inner.getNextFireTime(previous, now);
  }

  skipTo(previous: Date, target: Date): Date | null {
    this.skipCalls++;
    return this.#inner.skipTo?.(previous, target) ?? null;
  }

  toJSON(): ReturnType<Trigger['toJSON']> {
    return this.#inner.toJSON();
  }

  toString(): string {
    return this.#inner.toString();
  }
}

describe('misfire grace, checked when a run starts', () => {
  it('runs a run exactly misfireGraceTime late and misses one 1 ms later', async () => {
    const { scheduler, clock, events, logger } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(() => 'ran', { type: 'date', runDate: at(-1) }, { id: 'at-grace' });
    await scheduler.addJob(
      () => 'ran',
      { type: 'date', runDate: at(-1.001) },
      { id: 'past-grace' },
    );
    await clock.settle();
    // The two jobs may be handled in one pass or two: compare the outcomes, not their order.
    expect(events.only('job_executed', 'job_missed').sort()).toEqual([
      '@0s job_executed at-grace -1s',
      '@0s job_missed past-grace -1.001s',
    ]);
    expect(logger.messages('warn')).toContain(
      'Run time of job "anonymous (trigger: date[2029-12-31 23:59:58 UTC], next run at: 2029-12-31 23:59:58.999 UTC)" (id past-grace) was missed by 0:00:01.001000',
    );
    await scheduler.shutdown();
  });

  it('measures lateness when the run starts, after waiting for a worker', async () => {
    for (const [busyMs, outcome] of [
      [1000, '@6s job_executed waiting 5s'],
      [1001, '@6.001s job_missed waiting 5s'],
    ] as const) {
      const { scheduler, clock, events } = makeScheduler({
        executors: { default: new AsyncExecutor({ maxWorkers: 1 }) },
      });
      await scheduler.addJob(
        () => fakeSleep(clock, busyMs),
        { type: 'date', runDate: at(5) },
        {
          id: 'busy',
        },
      );
      await scheduler.addJob(() => 'ran', { type: 'date', runDate: at(5) }, { id: 'waiting' });
      await scheduler.start();
      await clock.advance(10_000);
      expect(events.only('job_submitted', 'job_executed', 'job_missed')).toEqual([
        '@5s job_submitted busy [5s]',
        '@5s job_submitted waiting [5s]',
        `@${sec(at(5) + busyMs)} job_executed busy 5s`,
        outcome,
      ]);
      await scheduler.shutdown();
    }
  });

  it('always runs a job whose misfireGraceTime is null, however late', async () => {
    const { scheduler, clock, events } = makeScheduler({ jobDefaults: { misfireGraceTime: null } });
    await scheduler.addJob(() => 'ran', { type: 'date', runDate: at(-86_400) }, { id: 'late' });
    await scheduler.start();
    await clock.settle();
    expect(events.only('job_executed', 'job_missed')).toEqual(['@0s job_executed late -86400s']);
    await scheduler.shutdown();
  });
});

describe('coalescing missed run times', () => {
  async function pausedThenResumed(coalesce: boolean): Promise<string[]> {
    const { scheduler, clock, events } = makeScheduler({
      jobDefaults: { coalesce, misfireGraceTime: null },
    });
    await scheduler.start();
    await scheduler.addJob(() => undefined, { type: 'interval', seconds: 10 }, { id: 'tick' });
    scheduler.pause();
    await clock.advance(35_000);
    scheduler.resume();
    await clock.advance(5_000);
    const next = (await scheduler.getJob('tick'))?.nextRunTime;
    await scheduler.shutdown();
    return [...events.only('job_submitted', 'job_executed'), `next ${next ? sec(next) : null}`];
  }

  it('runs once for the latest of k missed run times when coalescing', async () => {
    expect(await pausedThenResumed(true)).toEqual([
      '@35s job_submitted tick [30s]',
      '@35s job_executed tick 30s',
      '@40s job_submitted tick [40s]',
      '@40s job_executed tick 40s',
      'next 50s',
    ]);
  });

  it('runs every missed run time in order without coalescing', async () => {
    expect(await pausedThenResumed(false)).toEqual([
      '@35s job_submitted tick [10s,20s,30s]',
      '@35s job_executed tick 10s',
      '@35s job_executed tick 20s',
      '@35s job_executed tick 30s',
      '@40s job_submitted tick [40s]',
      '@40s job_executed tick 40s',
      'next 50s',
    ]);
  });

  it('misses the coalesced run when it is later than the grace time', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(() => undefined, { type: 'interval', seconds: 10 }, { id: 'tick' });
    scheduler.pause();
    await clock.advance(35_000);
    scheduler.resume();
    await clock.settle();
    expect(events.only('job_submitted', 'job_executed', 'job_missed')).toEqual([
      '@35s job_submitted tick [30s]',
      '@35s job_missed tick 30s',
    ]);
    await scheduler.shutdown();
  });

  it('catches up on the run times missed before a late start', async () => {
    for (const [coalesce, expected] of [
      [true, ['@45s job_executed tick 40s']],
      [
        false,
        [
          '@45s job_executed tick 10s',
          '@45s job_executed tick 20s',
          '@45s job_executed tick 30s',
          '@45s job_executed tick 40s',
        ],
      ],
    ] as const) {
      const { scheduler, clock, events } = makeScheduler({
        jobDefaults: { misfireGraceTime: null },
      });
      await scheduler.addJob(
        () => undefined,
        { type: 'interval', seconds: 10 },
        {
          id: 'tick',
          coalesce,
          nextRunTime: new Date(at(10)),
        },
      );
      await clock.advance(45_000);
      await scheduler.start();
      await clock.settle();
      expect(events.only('job_executed')).toEqual(expected);
      expect((await scheduler.getJob('tick'))?.nextRunTime).toEqual(new Date(at(50)));
      await scheduler.shutdown();
    }
  });
});

describe('maxInstances', () => {
  it('refuses runs while maxInstances runs are in progress, and still advances the job', async () => {
    const { scheduler, clock, events, logger } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(
      () => fakeSleep(clock, 2500),
      { type: 'interval', seconds: 1 },
      {
        id: 'slow',
      },
    );
    const nextRunTimes: string[] = [];
    for (let i = 0; i < 4; i++) {
      await clock.advance(1000);
      const next = (await scheduler.getJob('slow'))?.nextRunTime;
      nextRunTimes.push(next ? sec(next) : 'none');
    }
    expect(events.only('job_submitted', 'job_max_instances', 'job_executed')).toEqual([
      '@1s job_submitted slow [1s]',
      '@2s job_max_instances slow [2s]',
      '@3s job_max_instances slow [3s]',
      '@3.5s job_executed slow 1s',
      '@4s job_submitted slow [4s]',
    ]);
    expect(nextRunTimes).toEqual(['2s', '3s', '4s', '5s']);
    const refusal = events.named<JobSubmissionEvent>('job_max_instances')[0];
    expect(refusal?.jobId).toBe('slow');
    expect(refusal?.jobstore).toBe('default');
    expect(refusal?.scheduledRunTimes).toEqual([new Date(at(2))]);
    expect(logger.messages('warn')).toContain(
      'Execution of job "anonymous (trigger: interval[0:00:01], next run at: 2030-01-01 00:00:02 UTC)" (id slow) skipped: maximum number of running instances reached (1)',
    );
    await scheduler.shutdown({ wait: false });
  });

  it('lets maxInstances runs overlap', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(
      () => fakeSleep(clock, 2500),
      { type: 'interval', seconds: 1 },
      {
        id: 'slow',
        maxInstances: 2,
      },
    );
    await clock.advance(4000);
    expect(events.only('job_submitted', 'job_max_instances', 'job_executed')).toEqual([
      '@1s job_submitted slow [1s]',
      '@2s job_submitted slow [2s]',
      '@3s job_max_instances slow [3s]',
      '@3.5s job_executed slow 1s',
      '@4s job_submitted slow [4s]',
    ]);
    await scheduler.shutdown({ wait: false });
  });

  it('counts instances per job', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(
      () => fakeSleep(clock, 5000),
      { type: 'date', runDate: at(1) },
      {
        id: 'a',
      },
    );
    await scheduler.addJob(
      () => fakeSleep(clock, 5000),
      { type: 'date', runDate: at(1) },
      {
        id: 'b',
      },
    );
    await clock.advance(1000);
    expect(events.only('job_submitted', 'job_max_instances')).toEqual([
      '@1s job_submitted a [1s]',
      '@1s job_submitted b [1s]',
    ]);
    await scheduler.shutdown({ wait: false });
  });
});

describe('trigger exhaustion', () => {
  it('removes a one-off job after its run, with JOB_REMOVED', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(() => 'done', { type: 'date', runDate: at(5) }, { id: 'once' });
    await clock.advance(10_000);
    const lines = events.only('job_submitted', 'job_executed', 'job_removed');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('@5s job_submitted once [5s]');
    expect(lines).toContain('@5s job_executed once 5s');
    expect(lines).toContain('@5s job_removed once');
    expect(await scheduler.getJobs()).toEqual([]);
    expect(await scheduler.getJob('once')).toBeNull();
    await scheduler.shutdown();
  });

  it('removes an interval job after its end date', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(
      () => undefined,
      { type: 'interval', seconds: 10, endDate: new Date(at(25)) },
      { id: 'ending' },
    );
    await clock.advance(60_000);
    expect(events.only('job_executed', 'job_removed').sort()).toEqual([
      '@10s job_executed ending 10s',
      '@20s job_executed ending 20s',
      '@20s job_removed ending',
    ]);
    expect(await scheduler.getJobs()).toEqual([]);
    await scheduler.shutdown();
  });
});

describe('a shutdown during a claim', () => {
  /**
   * A memory store whose claims, once `hold` is set, wait for `release()`, as a claim over the
   * network waits for its answer.
   */
  class SlowClaimStore extends MemoryJobStore {
    hold = false;
    claiming = false;
    #release: (() => void) | null = null;

    override async claimDueJobs(claim: Parameters<MemoryJobStore['claimDueJobs']>[0]) {
      if (this.hold) {
        this.claiming = true;
        await new Promise<void>((resolve) => (this.#release = resolve));
      }
      return super.claimDueJobs(claim);
    }

    release(): void {
      this.#release?.();
    }
  }

  for (const wait of [true, false]) {
    it(`hands the claimed runs to the executor first (wait: ${wait}): none is lost`, async () => {
      const store = new SlowClaimStore();
      const { scheduler, clock, events, errors } = makeScheduler({ jobstores: { default: store } });
      const ran: string[] = [];
      await scheduler.start();
      await scheduler.addJob(
        () => void ran.push('once'),
        { type: 'date', runDate: at(5) },
        {
          id: 'once',
        },
      );
      store.hold = true;
      await clock.advance(5_000);
      expect(store.claiming).toBe(true);
      const stopped = scheduler.shutdown({ wait });
      store.release();
      await stopped;
      // The claim removed the one-off job: its run has an outcome, never a silent loss (it was
      // a ComponentLookupError for the executor, detached while the claim was on its way).
      expect(await store.getAllJobs()).toEqual([]);
      expect(errors).toEqual([]);
      // A synchronous task starts as it is submitted, before a shutdown without wait cancels.
      expect(ran).toEqual(['once']);
      expect(events.only('job_executed', 'job_error', 'job_missed')).toEqual([
        '@5s job_executed once 5s',
      ]);
    });
  }
});

describe('sleeping', () => {
  it('sleeps until the next run time, at most maxSleepTime', async () => {
    const { scheduler, clock } = makeScheduler();
    await scheduler.start();
    await clock.settle();
    expect(clock.timerDelays).toEqual([60_000]);
    await scheduler.addJob(() => undefined, { type: 'date', runDate: at(5) });
    await clock.settle();
    expect(clock.timerDelays).toEqual([5000]);
    await scheduler.addJob(() => undefined, { type: 'date', runDate: at(86_400 * 365 * 10) });
    await clock.advance(5000);
    expect(clock.timerDelays).toEqual([60_000]);
    await clock.advance(60_000);
    expect(clock.timerDelays).toEqual([60_000]);
    await scheduler.shutdown();
    expect(clock.pendingTimers).toBe(0);
  });

  it('follows a configured maxSleepTime and never arms a timer above 2^31-1 ms', async () => {
    for (const [maxSleepTime, expected] of [
      [0.5, 500],
      [2_147_483, 2_147_483_000],
    ] as const) {
      const { scheduler, clock } = makeScheduler({ maxSleepTime });
      await scheduler.addJob(() => undefined, { type: 'date', runDate: at(86_400 * 365 * 100) });
      await scheduler.start();
      await clock.settle();
      expect(clock.timerDelays).toEqual([expected]);
      expect(Math.max(...clock.timerDelays)).toBeLessThanOrEqual(MAX_TIMER_MS);
      await scheduler.shutdown();
    }
  });

  it('re-reads the wall clock when it wakes, so a clock change is noticed within maxSleepTime', async () => {
    const { scheduler, clock, events } = makeScheduler({ jobDefaults: { misfireGraceTime: null } });
    await scheduler.start();
    await scheduler.addJob(() => undefined, { type: 'date', runDate: at(1800) }, { id: 'later' });
    await clock.settle();
    expect(clock.timerDelays).toEqual([60_000]);
    clock.jump(3600_000);
    await clock.advance(60_000);
    expect(events.only('job_executed')).toEqual(['@3660s job_executed later 1800s']);
    await scheduler.shutdown();
  });
});

describe('a job store that fails for a while', () => {
  it('survives, reports each failure, retries after jobstoreRetryInterval and runs the jobs after', async () => {
    const clock = new FakeClock(T0);
    const store = new FlakyJobStore();
    const { scheduler, events, errors, logger } = makeScheduler({
      clock,
      jobstores: { default: store },
      jobstoreRetryInterval: 10,
    });
    await scheduler.start();
    await scheduler.addJob(() => 'ran', { type: 'interval', seconds: 5 }, { id: 'tick' });
    await clock.settle();
    store.failing = () => clock.now() < at(22);
    await clock.advance(30_000);

    expect(errors.map((error) => [error.source, error.alias, error.action])).toEqual([
      ['jobstore', 'default', 'claiming due jobs'],
      ['jobstore', 'default', 'claiming due jobs'],
    ]);
    expect(errors[0]?.error).toEqual(new Error('store unavailable (claimDueJobs)'));
    expect(store.refused).toEqual(['claimDueJobs', 'claimDueJobs']);
    // Failed at 5 s, retried at 15 s (failed again), retried at 25 s: the store is back.
    expect(events.only('job_submitted', 'job_executed')).toEqual([
      '@25s job_submitted tick [25s]',
      '@25s job_executed tick 25s',
      '@30s job_submitted tick [30s]',
      '@30s job_executed tick 30s',
    ]);
    expect(logger.messages('warn')).toContain(
      "Error claiming due jobs from job store 'default'; retrying in 10 s",
    );
    await scheduler.shutdown();
  });

  it('retries when the store fails to claim due jobs, running nothing it could not claim', async () => {
    const clock = new FakeClock(T0);
    const store = new FlakyJobStore();
    const { scheduler, events, errors } = makeScheduler({
      clock,
      jobstores: { default: store },
      jobstoreRetryInterval: 3,
      jobDefaults: { misfireGraceTime: null },
    });
    await scheduler.start();
    await scheduler.addJob(() => 'ran', { type: 'interval', seconds: 5 }, { id: 'tick' });
    let failClaims = true;
    const inner = store.inner;
    store.claimDueJobs = (claim) =>
      failClaims ? Promise.reject(new Error('write failed')) : inner.claimDueJobs(claim);
    await clock.advance(5000);
    expect(errors.map((error) => error.action)).toEqual(['claiming due jobs']);
    expect(clock.timerDelays).toEqual([3000]);
    failClaims = false;
    await clock.advance(5000);
    // The run at 5 s could not be claimed, so it did not run; the retry at 8 s claims and runs
    // it (with grace null).
    expect(events.only('job_executed')).toEqual([
      '@8s job_executed tick 5s',
      '@10s job_executed tick 10s',
    ]);
    await scheduler.shutdown();
  });

  it('survives a trigger that throws, retrying its job after jobstoreRetryInterval', async () => {
    const { scheduler, clock, events, logger } = makeScheduler();
    await scheduler.start();
    let calls = 0;
    const broken: Trigger = {
      type: 'interval',
      getNextFireTime: () => {
        calls++;
        if (calls > 1) throw new Error('trigger broke');
        return new Date(at(1));
      },
      toJSON: () => ({ type: 'interval', seconds: 1 }),
      toString: () => 'broken[]',
    };
    await scheduler.addJob(() => undefined, broken, { id: 'broken', name: 'broken' });
    await scheduler.addJob(() => undefined, { type: 'interval', seconds: 1 }, { id: 'fine' });
    await clock.advance(12_000);
    // The broken job stays due, so its store is next looked at after the retry interval.
    expect(events.only('job_executed')).toEqual([
      '@1s job_executed fine 1s',
      '@11s job_executed fine 11s',
    ]);
    expect(logger.messages('error')).toEqual([
      'Error computing the run times of job "broken (trigger: broken[], next run at: 2030-01-01 00:00:01 UTC)"; retrying in 10 s',
      'Error computing the run times of job "broken (trigger: broken[], next run at: 2030-01-01 00:00:01 UTC)"; retrying in 10 s',
    ]);
    expect(await scheduler.getJob('broken')).not.toBeNull();
    expect(scheduler.state).toBe('running');
    await scheduler.shutdown();
  });
});

describe('a clock jump of ten years', () => {
  async function jumpOverPerSecondJob(coalesce: boolean) {
    const setup = makeScheduler();
    const { scheduler, clock } = setup;
    const trigger = new CountingTrigger(
      new IntervalTrigger({ seconds: 1 }, { timezone: 'UTC', now: () => clock.now() }),
    );
    await scheduler.start();
    await scheduler.addJob(() => 'ran', trigger, { id: 'tick', name: 'tick', coalesce });
    await clock.advance(1000);
    trigger.nextCalls = 0;
    clock.jump(TEN_YEARS_MS);
    // The timer armed for the run at 2 s fires one second later on the monotonic clock.
    await clock.advance(1000);
    const now = clock.now();
    const next = (await scheduler.getJob('tick'))?.nextRunTime;
    await scheduler.shutdown();
    return { ...setup, trigger, now, next };
  }

  it('runs a coalescing job once, with bounded work', async () => {
    const { events, trigger, now, next } = await jumpOverPerSecondJob(true);
    expect(now).toBe(at(2) + TEN_YEARS_MS);
    const submitted = events.named<JobSubmissionEvent>('job_submitted');
    expect(submitted.map((event) => event.scheduledRunTimes)).toEqual([
      [new Date(at(1))],
      [new Date(now)],
    ]);
    expect(events.named<JobExecutionEvent>('job_executed').map((e) => e.scheduledRunTime)).toEqual([
      new Date(at(1)),
      new Date(now),
    ]);
    expect(events.named('job_missed')).toEqual([]);
    expect(next).toEqual(new Date(now + 1000));
    // 315 million run times were due; the loop stepped through a thousand, then skipped.
    expect(trigger.nextCalls).toBeLessThanOrEqual(1002);
    expect(trigger.skipCalls).toBeLessThanOrEqual(64);
  });

  it('caps the batch of a non-coalescing job and says so in a log line', async () => {
    const { events, trigger, now, next, logger } = await jumpOverPerSecondJob(false);
    const submitted = events.named<JobSubmissionEvent>('job_submitted');
    expect(submitted).toHaveLength(2);
    const batch = submitted[1]?.scheduledRunTimes ?? [];
    expect(batch).toHaveLength(1001);
    expect(batch[0]).toEqual(new Date(at(2)));
    expect(batch[999]).toEqual(new Date(at(1001)));
    expect(batch[1000]).toEqual(new Date(now));
    expect(logger.messages('warn')).toContain(
      'Job "tick" (id tick) missed more run times than the loop enumerates at once (the clock jumped or ' +
        'the scheduler was down); submitting 1001 of them, the rest are skipped',
    );
    // All but the latest are ten years late: missed. The latest runs on time.
    expect(events.named('job_missed')).toHaveLength(1000);
    expect(events.only('job_executed')).toEqual([
      '@1s job_executed tick 1s',
      `@${sec(now)} job_executed tick ${sec(now)}`,
    ]);
    expect(next).toEqual(new Date(now + 1000));
    expect(trigger.nextCalls).toBeLessThanOrEqual(1002);
    expect(trigger.skipCalls).toBeLessThanOrEqual(64);
  });
});

describe('events', () => {
  it('emits SUBMITTED before EXECUTED or ERROR of the same run, sync or async', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start();
    await scheduler.addJob(() => 'sync', { type: 'date', runDate: at(1) }, { id: 'sync' });
    await scheduler.addJob(
      () => Promise.resolve('async'),
      { type: 'date', runDate: at(2) },
      {
        id: 'async',
      },
    );
    await scheduler.addJob(
      () => {
        throw new Error('boom');
      },
      { type: 'date', runDate: at(3) },
      { id: 'throws' },
    );
    await clock.advance(5000);
    expect(events.only('job_submitted', 'job_executed', 'job_error')).toEqual([
      '@1s job_submitted sync [1s]',
      '@1s job_executed sync 1s',
      '@2s job_submitted async [2s]',
      '@2s job_executed async 2s',
      '@3s job_submitted throws [3s]',
      '@3s job_error throws 3s',
    ]);
    const executed = events.named<JobExecutionEvent>('job_executed');
    expect(executed.map((event) => event.retval)).toEqual(['sync', 'async']);
    await scheduler.shutdown();
  });

  it('logs and skips a listener that throws; the other listeners still get the event', async () => {
    const { scheduler, clock, logger, errors } = makeScheduler();
    const failure = new Error('listener broke');
    const seen: string[] = [];
    scheduler.addListener(() => {
      throw failure;
    }, EVENT_JOB_EXECUTED);
    scheduler.addListener((event) => {
      seen.push(event.name);
    }, EVENT_JOB_EXECUTED);
    await scheduler.start();
    await scheduler.addJob(() => undefined, { type: 'date', runDate: at(1) }, { id: 'job' });
    await clock.advance(1000);
    expect(seen).toEqual(['job_executed']);
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([
      { level: 'error', message: 'Error notifying listener of job_executed', err: failure },
    ]);
    expect(errors).toEqual([
      {
        source: 'listener',
        alias: null,
        error: failure,
        action: 'notifying a listener of job_executed',
      },
    ]);
    await clock.advance(1000);
    expect(scheduler.state).toBe('running');
    await scheduler.shutdown();
  });

  it('logs the rejection of an async listener', async () => {
    const { scheduler, clock, logger, errors } = makeScheduler();
    const failure = new Error('async listener broke');
    scheduler.on('job_executed', () => Promise.reject(failure));
    await scheduler.start();
    await scheduler.addJob(() => undefined, { type: 'date', runDate: at(1) }, { id: 'job' });
    await clock.advance(1000);
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([
      { level: 'error', message: 'Error notifying listener of job_executed', err: failure },
    ]);
    expect(errors.map((error) => error.source)).toEqual(['listener']);
    await scheduler.shutdown();
  });
});

describe('jobs added while a pass runs', () => {
  it('runs jobs that are due at once without waiting for a timer', async () => {
    const { scheduler, clock, events } = makeScheduler();
    await scheduler.start(); // the first pass is now under way
    await scheduler.addJob(() => 'first', null, { id: 'first' });
    await scheduler.addJob(() => 'second', null, { id: 'second' });
    await clock.settle(); // no time passes: no timer may fire
    expect(events.only('job_executed')).toEqual([
      '@0s job_executed first 0s',
      '@0s job_executed second 0s',
    ]);
    await scheduler.shutdown();
  });

  it('arms one timer for later jobs instead of a pass per job', async () => {
    const { scheduler, clock, logger } = makeScheduler();
    await scheduler.start();
    for (let i = 0; i < 100; i++) {
      await scheduler.addJob(() => i, { type: 'date', runDate: at(60 + i) });
    }
    await clock.settle();
    const passes = logger.messages('debug').filter((line) => line === 'Looking for jobs to run');
    expect(passes.length).toBeGreaterThan(0);
    expect(passes.length).toBeLessThan(5);
    expect(clock.timerDelays).toEqual([60_000]);
    await scheduler.shutdown();
  });
});
