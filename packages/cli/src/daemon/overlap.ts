/**
 * What a run that comes due while the job's previous run still runs does: the one owner of the
 * overlap policies of `kairos run`. The scheduler refuses such a run (`maxInstances: 1`,
 * outcome `skipped`); this module then decides what follows, from the job's policy:
 *
 * - `forbid`: nothing now; one catch-up run starts when the running one ends, however many
 *   were refused meanwhile;
 * - `queue`: every refused run starts later, one after another;
 * - `replace`: the running one is stopped (SIGTERM to its process group, SIGKILL after its
 *   `killGrace`) and a new run starts when it has ended;
 * - `allow`: the job has a high `maxInstances`, so no run is refused.
 *
 * Runs are counted per daemon process: two daemons on one store each see only their own runs.
 */
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  EVENT_JOB_SUBMITTED,
  JobExecutionEvent,
  JobLookupError,
  JobSubmissionEvent,
  type BackgroundScheduler,
  type Run,
} from 'kairos';
import type { OverlapPolicy } from '../job-config.js';
import type { DaemonLog } from './run-log.js';

/** `maxInstances` of an `allow` job: high enough never to refuse a cron job's run. */
export const ALLOW_MAX_INSTANCES = 1_000_000;

/** The `maxInstances` a job with this policy is added with. */
export function maxInstancesOf(policy: OverlapPolicy): number {
  return policy === 'allow' ? ALLOW_MAX_INSTANCES : 1;
}

/** The reason a replaced run is stopped with (its outcome is `cancelled`). */
export class RunReplacedError extends Error {
  constructor(job: string) {
    super(`Job "${job}" was stopped: a newer run replaces it (overlap: replace)`);
    this.name = 'RunReplacedError';
  }
}

/** A run record that can be stopped. */
type AbortableRun = Run & { abort(reason: Error): void };

/**
 * The run records the scheduler hands to listeners are abortable (`RunRecord.abort`, which
 * its executor listens to), but the public `Run` type does not say so yet.
 */
function isAbortable(run: Run): run is AbortableRun {
  return typeof (run as Partial<AbortableRun>).abort === 'function';
}

/** Runs in progress, owed runs and the policies of one daemon's jobs. */
export class OverlapControl {
  readonly #scheduler: BackgroundScheduler;
  readonly #log: DaemonLog;
  readonly #policies = new Map<string, { policy: OverlapPolicy; name: string; store: string }>();
  /** Runs in progress by job id. */
  readonly #running = new Map<string, Map<string, Run>>();
  /** Runs owed by job id (refused while another ran). */
  readonly #owed = new Map<string, number>();
  #stopped = false;
  #idle: (() => void)[] = [];

  constructor(scheduler: BackgroundScheduler, log: DaemonLog) {
    this.#scheduler = scheduler;
    this.#log = log;
    scheduler.addListener(
      (event) => {
        if (event instanceof JobSubmissionEvent) {
          if (event.code === EVENT_JOB_SUBMITTED) this.#submitted(event);
          else this.#refused(event);
        } else if (event instanceof JobExecutionEvent) this.#finished(event);
      },
      EVENT_JOB_SUBMITTED |
        EVENT_JOB_MAX_INSTANCES |
        EVENT_JOB_EXECUTED |
        EVENT_JOB_ERROR |
        EVENT_JOB_MISSED,
    );
  }

  /** Sets (or changes) a job's policy; `store` is its job store's alias. */
  track(jobId: string, name: string, policy: OverlapPolicy, store: string): void {
    this.#policies.set(jobId, { policy, name, store });
  }

  /** Forgets a removed job's policy and owed runs (its running runs go on). */
  forget(jobId: string): void {
    this.#policies.delete(jobId);
    this.#owed.delete(jobId);
  }

  /** Runs in progress in this process. */
  get running(): number {
    let count = 0;
    for (const runs of this.#running.values()) count += runs.size;
    return count;
  }

  /** Owes no more runs: what a shutdown does first. */
  stop(): void {
    this.#stopped = true;
    this.#owed.clear();
  }

  /** Resolves once no run is in progress. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #submitted(event: JobSubmissionEvent): void {
    let runs = this.#running.get(event.jobId);
    if (runs === undefined) this.#running.set(event.jobId, (runs = new Map<string, Run>()));
    for (const run of event.runs) runs.set(run.id, run);
  }

  #refused(event: JobSubmissionEvent): void {
    const job = this.#policies.get(event.jobId);
    if (job === undefined || this.#stopped) return;
    const owed = this.#owed.get(event.jobId) ?? 0;
    const dueTime = event.scheduledRunTimes.at(-1)?.toISOString();
    const due = dueTime ?? 'now';
    const fields = {
      job: job.name,
      jobId: event.jobId,
      ...(dueTime === undefined ? {} : { due: dueTime }),
    };
    switch (job.policy) {
      case 'forbid':
        this.#owed.set(event.jobId, 1);
        this.#log.warn(
          'skipped',
          `run due at ${due} skipped: the previous run is still running (overlap: forbid${owed === 0 ? '; one catch-up run when it ends' : ''})`,
          fields,
        );
        return;
      case 'queue':
        this.#owed.set(event.jobId, owed + 1);
        this.#log.info(
          'queued',
          `run due at ${due} queued behind the running one (overlap: queue; ${owed + 1} waiting)`,
          fields,
        );
        return;
      case 'replace': {
        this.#owed.set(event.jobId, 1);
        const running = [...(this.#running.get(event.jobId)?.values() ?? [])];
        for (const run of running) {
          if (!isAbortable(run)) continue;
          this.#log.warn(
            'replaced',
            `run ${run.id} is stopped: the run due at ${due} replaces it (overlap: replace)`,
            {
              ...fields,
              runId: run.id,
            },
          );
          run.abort(new RunReplacedError(job.name));
        }
        return;
      }
      case 'allow':
        return;
    }
  }

  #finished(event: JobExecutionEvent): void {
    const runs = this.#running.get(event.jobId);
    if (event.run !== null) runs?.delete(event.run.id);
    if (runs !== undefined && runs.size === 0) this.#running.delete(event.jobId);
    if (this.running === 0) for (const resolve of this.#idle.splice(0)) resolve();
    if ((this.#owed.get(event.jobId) ?? 0) === 0 || (runs?.size ?? 0) > 0) return;
    // The finished run still holds its maxInstances slot until this event has been dispatched.
    setImmediate(() => this.#runOwed(event.jobId));
  }

  #runOwed(jobId: string): void {
    const owed = this.#owed.get(jobId) ?? 0;
    const job = this.#policies.get(jobId);
    if (owed === 0 || job === undefined || this.#stopped) return;
    if (owed === 1) this.#owed.delete(jobId);
    else this.#owed.set(jobId, owed - 1);
    this.#scheduler.runJob(jobId, job.store).catch((error: unknown) => {
      if (error instanceof JobLookupError) return; // removed meanwhile
      this.#log.error(
        'scheduler',
        `cannot start the owed run of job "${job.name}": ${String(error)}`,
        {
          job: job.name,
          jobId,
        },
      );
    });
  }
}
