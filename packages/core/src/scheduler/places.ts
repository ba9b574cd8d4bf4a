/**
 * Where a scheduler's jobs are: pending (before `start()`, {@link PendingJobs}) or in the
 * started job stores ({@link StoredJobs}). Both answer this one interface, so the scheduler's
 * API decides in one place (`BaseScheduler.#jobs()`) which of them a call goes to.
 */
import type { Job, ListedJob } from '../job.js';
import type { BuiltJob } from './job-builder.js';

/** A job found by id, and how to replace it with a changed version. */
export interface FoundJob {
  readonly job: Job;
  /** The job as `getJob` gives it (a pending one marked pending). */
  readonly listed: ListedJob;
  /**
   * Replaces the job; `setsNextRunTime` when the change gave it its next run time. Resolves
   * false, writing nothing, when a change that leaves the next run time alone finds the stored
   * job's next run time changed since `job` was read (a claim advanced it): read it again.
   */
  replace(updated: Job, setsNextRunTime: boolean): Promise<boolean>;
}

/** The job operations that differ between a stopped and a running scheduler. */
export interface JobPlace {
  /** Adds one job; throws `ConflictingIdError` when its id is taken and it replaces nothing. */
  add(entry: BuiltJob): Promise<Job>;
  /**
   * Adds checked jobs, all or none as far as the stores allow (see `BaseScheduler.addJobs`);
   * `labels[i]` names entry i in errors.
   */
  addMany(entries: readonly BuiltJob[], labels: (index: number) => string): Promise<Job[]>;
  /** The job with this id (in this store), or null. */
  find(id: string, jobstore?: string): Promise<FoundJob | null>;
  /** The jobs of one store or all of them. */
  list(jobstore?: string): Promise<ListedJob[]>;
  /** Removes a job; the alias of the store it was in, or undefined when there was none. */
  remove(id: string, jobstore?: string): Promise<string | undefined>;
  /** Removes every job of one store, or of all of them. */
  removeAll(jobstore?: string): Promise<void>;
  /** The jobs `exportJobs` writes, each with the next run time it would have now. */
  exportable(jobstore: string | undefined, now: number): Promise<Job[]>;
  /** The lines `printJobs` writes. */
  print(jobstore?: string): Promise<string[]>;
}
