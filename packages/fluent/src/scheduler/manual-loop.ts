/**
 * The manual loop, `schedule`'s way: the caller's loop calls `runPending()`, which runs the due
 * jobs and delayed calls in turn, awaiting each; `nextRun()` and `idleSeconds()` say when to call
 * it again. `runAll()` runs every job now, in either loop style.
 */
import { show, type Trigger } from 'kairos';
import { isCancelJob } from '../cancel-job.js';
import type { FluentEngine } from '../engine.js';
import { ScheduleError, ScheduleValueError } from '../errors.js';
import type { FluentTask, RunAllOptions } from '../interfaces.js';
import type { Job } from '../job.js';
import type { CallQueue } from './call-queue.js';
import type { JobList } from './job-list.js';
import type { LoopMode } from './on-kairos.js';
import { runInTurn } from './run-in-turn.js';

/** What the manual loop works with. */
export interface ManualLoopSetup {
  readonly kairos: FluentEngine;
  readonly jobs: JobList;
  readonly calls: CallQueue;
  /** Who runs the jobs now: the manual loop only runs them in `manual` mode. */
  readonly mode: () => LoopMode;
  /** The scheduler's `cancelJob()`. */
  readonly cancelJob: (job: Job) => void;
}

/** Runs a fluent scheduler's jobs in the caller's loop (see `Scheduler.runPending`). */
export class ManualLoop {
  readonly #kairos: FluentEngine;
  readonly #jobs: JobList;
  readonly #calls: CallQueue;
  readonly #mode: () => LoopMode;
  readonly #cancelJob: (job: Job) => void;

  constructor(setup: ManualLoopSetup) {
    this.#kairos = setup.kairos;
    this.#jobs = setup.jobs;
    this.#calls = setup.calls;
    this.#mode = setup.mode;
    this.#cancelJob = setup.cancelJob;
  }

  /** When the next job (with a tag) runs; without a tag, delayed calls count too. */
  nextRun(tag?: string): Date | null {
    let next: number | null = null;
    for (const job of this.#jobs.list(tag)) {
      if (job.nextRunMs !== null && (next === null || job.nextRunMs < next)) next = job.nextRunMs;
    }
    const call = this.#calls.first();
    if (tag === undefined && call !== undefined && (next === null || call.time.getTime() < next)) {
      next = call.time.getTime();
    }
    return next === null ? null : new Date(next);
  }

  /** Seconds until the next run: negative when it is overdue, null when nothing is scheduled. */
  idleSeconds(): number | null {
    const next = this.nextRun();
    return next === null ? null : (next.getTime() - this.#kairos.clock.now()) / 1000;
  }

  /**
   * Runs the due jobs and delayed calls in the order they were due (see `Scheduler`). A call made
   * while another runs waits for it, as `schedule`'s one thread would: a job never overlaps
   * itself, and a job the earlier call ran is not run again for the same run time.
   */
  async runPending(): Promise<void> {
    this.#checkManual('runPending()');
    const run = this.#pending.then(() => this.#runPendingNow());
    // The next call waits for this one whether it failed or not.
    this.#pending = run.catch(() => undefined);
    await run;
  }

  /** The calls of `runPending` in progress, in turn. */
  #pending: Promise<void> = Promise.resolve();

  async #runPendingNow(): Promise<void> {
    if (this.#mode() !== 'manual') return; // start() took the jobs while this call waited
    const now = this.#kairos.clock.now();
    const due: { at: number; run: () => Promise<void> }[] = [];
    const jobs = this.#jobs.list().filter((job) => job.nextRunMs !== null && job.nextRunMs <= now);
    for (const job of jobs) due.push({ at: job.nextRunMs ?? now, run: () => this.#runDue(job) });
    for (const call of this.#calls.due(now)) {
      due.push({ at: call.time.getTime(), run: () => this.#calls.run(call) });
    }
    due.sort((a, b) => a.at - b.at);
    await runInTurn(due, (item) => item.run(), 'runPending()');
  }

  /** Runs every job now, keeping their schedules (see `Scheduler.runAll`). */
  async runAll(options: RunAllOptions): Promise<void> {
    const delaySeconds = options.delaySeconds ?? 0;
    if (typeof delaySeconds !== 'number' || !Number.isFinite(delaySeconds) || delaySeconds < 0) {
      throw new ScheduleValueError(
        `runAll({delaySeconds: ${show(delaySeconds)}}): the delay is a number of seconds ≥ 0`,
      );
    }
    const runOne = async (job: Job, index: number): Promise<void> => {
      if (index > 0 && delaySeconds > 0) await this.#sleep(delaySeconds);
      if (!this.#jobs.has(job)) return;
      if (this.#mode() === 'manual') await this.#runNow(job);
      else await this.#kairos.runJob(job.id, job.options.jobstore);
    };
    await runInTurn(this.#jobs.list(), runOne, 'runAll()');
  }

  /** One due job: next run set first, missed runs coalesced into this one. */
  async #runDue(job: Job): Promise<void> {
    if (!this.#jobs.has(job)) return; // cancelled by a job that ran before it
    const now = this.#kairos.clock.now();
    job.nextRunMs = nextRunAfter(job.trigger as Trigger, job.nextRunMs ?? now, now);
    await this.#runNow(job); // which cancels the job instead when its deadline has passed
  }

  /**
   * Runs a job in the caller's loop, unless its deadline has passed; cancels it then, or when it
   * returns `CancelJob` or has no next run.
   */
  async #runNow(job: Job): Promise<void> {
    if (job.deadlineMs !== null && this.#kairos.clock.now() > job.deadlineMs) {
      this.#cancelJob(job);
      return;
    }
    job.lastRunMs = this.#kairos.clock.now();
    let result: unknown;
    try {
      const task = (await this.#kairos.resolveTask(job.task as FluentTask)) as (
        ...args: unknown[]
      ) => unknown;
      result = await task(...job.args);
    } finally {
      const next = job.nextRunMs;
      const ended = next === null || (job.deadlineMs !== null && next > job.deadlineMs);
      if (isCancelJob(result) || ended) this.#cancelJob(job);
    }
  }

  #checkManual(call: string): void {
    if (this.#mode() !== 'manual') {
      throw new ScheduleError(
        `${call}: the scheduler runs its jobs itself since start(); shutdown() returns it to the manual loop`,
      );
    }
  }

  #sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => this.#kairos.clock.setTimer(resolve, seconds * 1000));
  }
}

/** The first fire time after `now`, continuing from `previous` (missed ones coalesced). */
function nextRunAfter(trigger: Trigger, previous: number, now: number): number | null {
  const skipped = trigger.skipTo?.(new Date(previous), new Date(now + 1));
  let next =
    skipped === undefined ? trigger.getNextFireTime(new Date(previous), new Date(now)) : skipped;
  while (next !== null && next.getTime() <= now)
    next = trigger.getNextFireTime(next, new Date(now));
  return next === null ? null : next.getTime();
}
