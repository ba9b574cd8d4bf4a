/**
 * The fluent scheduler on Kairos: `start()` hands the jobs to the engine, which runs them until
 * `shutdown()`. This room keeps the two sides in step: it adds and removes the engine's jobs, and
 * reads back from the engine's events what each fluent job knows of its runs.
 */
import {
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_REMOVED,
  EVENT_JOB_SUBMITTED,
  JobEvent,
  JobExecutionEvent,
  JobLookupError,
  sameSchedule,
  type AnySchedulerEvent,
  type ShutdownOptions,
  type StartOptions,
  type Trigger,
} from 'kairos';
import { isCancelJob } from '../cancel-job.js';
import type { FluentEngine } from '../engine.js';
import { ScheduleError } from '../errors.js';
import type { FluentTask } from '../interfaces.js';
import type { Job } from '../job.js';
import type { CallQueue } from './call-queue.js';
import type { JobList } from './job-list.js';

/**
 * The engine events that change what a fluent job knows: a run claimed (submitted, or refused by
 * `maxInstances`), which moved its next run time; a result (`CancelJob`); its removal.
 */
const JOB_EVENTS =
  EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_EXECUTED | EVENT_JOB_REMOVED;

/**
 * Who runs the jobs: the caller's loop (`manual`), or the engine (`running`); `starting` while
 * `start()` hands them over.
 */
export type LoopMode = 'manual' | 'starting' | 'running';

/** What the link to Kairos works with. */
export interface KairosLinkSetup {
  readonly kairos: FluentEngine;
  readonly jobs: JobList;
  readonly calls: CallQueue;
  /** The scheduler's `cancelJob()`. */
  readonly cancelJob: (job: Job) => void;
}

/** Hands a fluent scheduler's jobs and delayed calls to its engine, and keeps them in step. */
export class KairosLink {
  readonly #kairos: FluentEngine;
  readonly #jobs: JobList;
  readonly #calls: CallQueue;
  readonly #cancelJob: (job: Job) => void;
  #mode: LoopMode = 'manual';
  /** Ids of adopted jobs cancelled while the engine was stopped; removed at the next start. */
  readonly #removeAtStart = new Set<string>();

  constructor(setup: KairosLinkSetup) {
    this.#kairos = setup.kairos;
    this.#jobs = setup.jobs;
    this.#calls = setup.calls;
    this.#cancelJob = setup.cancelJob;
    this.#kairos.addListener((event) => this.#onEngineEvent(event), JOB_EVENTS);
  }

  /** Who runs the jobs now. */
  get mode(): LoopMode {
    return this.#mode;
  }

  /** Hands the jobs and delayed calls to the engine and starts it (see `Scheduler.start`). */
  async start(options: StartOptions): Promise<void> {
    if (this.#mode !== 'manual') throw new ScheduleError('start(): the scheduler runs already');
    this.#mode = 'starting';
    try {
      await this.#kairos.start({ paused: true });
    } catch (error) {
      this.#mode = 'manual';
      throw error;
    }
    try {
      for (const id of this.#removeAtStart) await this.#removeFromEngine(id);
      this.#removeAtStart.clear();
      await this.#calls.armAll();
      // Jobs made while this runs are picked up too, up to the switch to 'running' just below.
      for (
        let job = this.#jobs.nextUnadopted();
        job !== undefined;
        job = this.#jobs.nextUnadopted()
      ) {
        await this.#adopt(job);
      }
    } catch (error) {
      await this.#kairos.shutdown({ wait: false });
      this.#mode = 'manual';
      throw error;
    }
    this.#mode = 'running';
    if (options.paused !== true) this.#kairos.resume();
  }

  /** Stops the engine; the jobs go back to the manual loop (see `Scheduler.shutdown`). */
  async shutdown(options: ShutdownOptions): Promise<void> {
    if (this.#mode !== 'running') {
      throw new ScheduleError('shutdown(): the scheduler is not running; start() runs it');
    }
    this.#mode = 'manual';
    this.#calls.disarm();
    await this.#kairos.shutdown(options);
  }

  /** Takes a job `do()` finished; while the engine runs, hands it over at once. */
  take(job: Job): void {
    this.#jobs.add(job);
    if (this.#mode !== 'running') return;
    this.#adopt(job).catch((error: unknown) => {
      this.#cancelJob(job);
      this.#kairos.logError(`Could not schedule job "${job.name}"; it is cancelled`, error);
    });
  }

  /**
   * Cancels a job; one that is not scheduled (any more) is ignored. The engine's copy goes now,
   * or at the next start when the engine is stopped (its stores keep their jobs meanwhile).
   */
  cancel(job: Job): void {
    if (!this.#jobs.has(job)) return;
    const adopted = this.#jobs.isAdopted(job);
    this.#jobs.forget(job);
    if (!adopted) return;
    if (this.#mode === 'manual') {
      this.#removeAtStart.add(job.id);
    } else {
      void this.#removeFromEngine(job.id);
    }
  }

  /**
   * Puts a job into the engine: updates the stored one when a persistent store has it from an
   * earlier start with the same schedule (keeping its next run time), adds it otherwise.
   */
  async #adopt(job: Job): Promise<void> {
    const trigger = job.trigger as Trigger;
    const { executor, jobstore, misfireGraceTime = null, maxInstances = 1, timeout } = job.options;
    const fields = {
      name: job.name,
      args: job.args,
      misfireGraceTime,
      maxInstances,
      coalesce: true,
      ...(executor === undefined ? {} : { executor }),
      ...(timeout === undefined ? {} : { timeout }),
    };
    const task = job.task as FluentTask;
    const existing = await this.#kairos.getJob(job.id, jobstore);
    const stored =
      existing !== null &&
      existing.state !== 'unrestorable' &&
      sameSchedule(existing.trigger, trigger, ['startDate'])
        ? await this.#kairos.modifyJob(job.id, { ...fields, task, trigger }, existing.jobstore)
        : await this.#kairos.addJob(task, trigger, {
            ...fields,
            id: job.id,
            ...(jobstore === undefined ? {} : { jobstore }),
            replaceExisting: true,
          });
    if (this.#jobs.get(job.id) !== job) {
      // Cancelled while it was being added.
      await this.#removeFromEngine(job.id);
      return;
    }
    this.#jobs.markAdopted(job);
    job.nextRunMs = stored.nextRunTimeMs;
  }

  async #removeFromEngine(id: string): Promise<void> {
    try {
      await this.#kairos.removeJob(id);
    } catch (error) {
      if (!(error instanceof JobLookupError)) {
        this.#kairos.logError(`Could not remove cancelled job "${id}"`, error);
      }
    }
  }

  /** Keeps each job's view of its runs up to date as the engine runs it. */
  #onEngineEvent(event: AnySchedulerEvent): void {
    if (!(event instanceof JobEvent)) return;
    const job = this.#jobs.get(event.jobId);
    if (job === undefined || !this.#jobs.isAdopted(job)) return;
    if (event.code === EVENT_JOB_REMOVED) {
      // Its trigger ran out, or it was removed through `kairos`.
      this.#jobs.forget(job);
      return;
    }
    if (event instanceof JobExecutionEvent) {
      if (isCancelJob(event.retval)) this.#cancelJob(job);
      return;
    }
    // Claimed: the store has moved the next run time already; read it once per run.
    if (event.code === EVENT_JOB_SUBMITTED) job.lastRunMs = this.#kairos.clock.now();
    void this.#refresh(job);
  }

  /** Reads a job's next run time back from the engine; cancels it once that passes `until`. */
  async #refresh(job: Job): Promise<void> {
    try {
      const stored = await this.#kairos.getJob(job.id, job.options.jobstore);
      if (this.#jobs.get(job.id) !== job || stored === null) return;
      job.nextRunMs = stored.nextRunTimeMs;
      if (job.deadlineMs !== null && job.nextRunMs !== null && job.nextRunMs > job.deadlineMs) {
        this.#cancelJob(job);
      }
    } catch (error) {
      if (this.#mode === 'running') {
        this.#kairos.logError(`Could not read back job "${job.name}"`, error);
      }
    }
  }
}
