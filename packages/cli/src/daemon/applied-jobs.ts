/**
 * What the daemon's scheduler holds of the files' jobs, and how a new set of them is applied:
 * the new and changed jobs are added in one `addJobs` call, which checks every job before it
 * adds any, and only then are the jobs that are gone removed. So a job the scheduler refuses
 * changes nothing, and the daemon can say so truly.
 */
import {
  addJobsEntryOf,
  ComponentLookupError,
  JobLookupError,
  JobOptionError,
  TaskLookupError,
  TriggerConfigError,
  type AddJobsEntry,
  type BackgroundScheduler,
} from 'kairos';
import { messageOf } from '../errors.js';
import { FILE_JOB_ID, fileIdPrefix } from './job-ids.js';
import type { FileJob } from './job-files.js';
import { maxInstancesOf, type OverlapControl } from './overlap.js';
import type { DaemonLog } from './run-log.js';

/** The alias of the store the scheduled jobs live in (`--store`, else memory). */
export const STORE = 'default';
/** The alias of the memory store of `@reboot` jobs: they run once per daemon, never shared. */
export const BOOT_STORE = 'boot';

/** How many jobs an apply added, replaced, removed and left alone. */
export interface ApplyCounts {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

/**
 * Adding or removing jobs failed. `partly`: some changes may have been made before the failure
 * (a store that failed while writing); otherwise nothing changed.
 */
export class ApplyFailedError extends Error {
  readonly partly: boolean;

  constructor(message: string, partly: boolean) {
    super(message);
    this.name = 'ApplyFailedError';
    this.partly = partly;
  }
}

/** A fingerprint no job has: the job is applied again at the next apply. */
const UNSURE = '';

/** The scheduled jobs of one daemon as last applied, and every job it ever loaded. */
export class AppliedJobs {
  readonly #scheduler: BackgroundScheduler;
  readonly #overlap: OverlapControl;
  readonly #log: DaemonLog;
  /** The scheduled jobs (not `@reboot`) as last applied, by id. */
  #jobs = new Map<string, FileJob>();
  /** Every job ever loaded, by id, for log lines of runs that outlive a reload. */
  readonly #known = new Map<string, FileJob>();

  constructor(scheduler: BackgroundScheduler, overlap: OverlapControl, log: DaemonLog) {
    this.#scheduler = scheduler;
    this.#overlap = overlap;
    this.#log = log;
  }

  /** A job as loaded (also after a reload removed it), by id. */
  known(id: string): FileJob | undefined {
    return this.#known.get(id);
  }

  /** Every job ever loaded. */
  everKnown(): FileJob[] {
    return [...this.#known.values()];
  }

  /** The scheduled jobs of a file, as last applied. */
  of(file: string): FileJob[] {
    const prefix = fileIdPrefix(file);
    return [...this.#jobs.values()].filter((job) => job.id.startsWith(prefix));
  }

  /**
   * Adds, replaces and removes scheduled jobs so they are `jobs`, and adds the `reboot` jobs;
   * runs in flight go on. After a failure part way, the jobs it may have touched are applied
   * again next time.
   * @throws ApplyFailedError saying which job and whether anything changed
   */
  async apply(jobs: readonly FileJob[], reboot: readonly FileJob[] = []): Promise<ApplyCounts> {
    const wanted = new Map(jobs.map((job) => [job.id, job]));
    const changed = jobs.filter((job) => this.#jobs.get(job.id)?.fingerprint !== job.fingerprint);
    const gone = [...this.#jobs.values()].filter((job) => !wanted.has(job.id));
    const added = changed.filter((job) => !this.#jobs.has(job.id)).length;
    try {
      await this.#addAll([...changed, ...reboot]);
      for (const [index, job] of gone.entries()) {
        try {
          await this.#remove(job.id, job.name);
        } catch (error) {
          throw new ApplyFailedError(
            `cannot remove job ${job.name} (${job.id}): ${messageOf(error)}`,
            changed.length > 0 || index > 0,
          );
        }
      }
    } catch (error) {
      if (error instanceof ApplyFailedError && error.partly) this.#applyAgain(changed);
      throw error;
    }
    this.#jobs = wanted;
    return {
      added,
      changed: changed.length - added,
      removed: gone.length,
      unchanged: jobs.length - changed.length,
    };
  }

  /** Removes the stored jobs of `files` that are not among `jobs` (their line or job is gone). */
  async removeStale(files: readonly string[], jobs: readonly FileJob[]): Promise<void> {
    const prefixes = files.map(fileIdPrefix);
    const wanted = new Set(jobs.map((job) => job.id));
    const others: string[] = [];
    for (const job of await this.#scheduler.getJobs(STORE)) {
      if (wanted.has(job.id)) continue;
      if (prefixes.some((prefix) => job.id.startsWith(prefix)))
        await this.#remove(job.id, job.name);
      else if (FILE_JOB_ID.test(job.id)) others.push(job.id);
    }
    // Jobs stored by a daemon or an import of other files (a file renamed or moved, named
    // through a symlink once): they run too, which may run a line twice.
    if (others.length > 0) {
      const files = [...new Set(others.map((id) => id.slice(0, id.indexOf('/'))))];
      this.#log.warn(
        'daemon',
        `the store holds ${others.length} job(s) of files not named here (${files.join(', ')}); ` +
          `they run too: name their files, or remove them with kairos jobs remove ID --store URL ` +
          `(${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''})`,
      );
    }
  }

  /** Removes a scheduled job; its runs in flight go on. */
  async #remove(id: string, name: string): Promise<void> {
    this.#overlap.forget(id);
    try {
      await this.#scheduler.removeJob(id, STORE);
    } catch (error) {
      if (!(error instanceof JobLookupError)) throw error; // a peer removed it first
    }
    this.#log.info('daemon', `removed job ${name} (${id}): no longer in its file`, {
      job: name,
      jobId: id,
    });
  }

  /** Adds (or replaces) jobs in one `addJobs` call, each in its store. */
  async #addAll(jobs: readonly FileJob[]): Promise<void> {
    if (jobs.length === 0) return;
    for (const job of jobs) this.#known.set(job.id, job);
    try {
      await this.#scheduler.addJobs(jobs.map(addJobsEntry));
    } catch (error) {
      const index = addJobsEntryOf(error);
      const job = index === undefined ? undefined : jobs[index];
      const which = job === undefined ? '' : `${job.source}: `;
      throw new ApplyFailedError(
        `${which}the scheduler refused the job: ${messageOf(error)}`,
        !isRefusal(error),
      );
    }
    for (const job of jobs) this.#overlap.track(job.id, job.name, job.overlap, storeOf(job));
  }

  /** Marks jobs as unsure (a failed apply may or may not have stored them). */
  #applyAgain(jobs: readonly FileJob[]): void {
    for (const job of jobs) this.#jobs.set(job.id, { ...job, fingerprint: UNSURE });
  }
}

/** True for the errors of `addJobs`'s checks, which it throws before it adds any job. */
export function isRefusal(error: unknown): error is Error {
  return (
    error instanceof JobOptionError ||
    error instanceof TriggerConfigError ||
    error instanceof TaskLookupError ||
    error instanceof ComponentLookupError
  );
}

/** The store of a job: `@reboot` jobs live in each daemon's memory. */
function storeOf(job: FileJob): string {
  return job.trigger === 'reboot' ? BOOT_STORE : STORE;
}

/** What `addJobs` takes for a job. */
function addJobsEntry(job: FileJob): AddJobsEntry {
  return {
    task: job.task,
    trigger: job.trigger === 'reboot' ? null : job.trigger,
    id: job.id,
    name: job.name,
    jobstore: storeOf(job),
    maxInstances: maxInstancesOf(job.overlap),
    // A restart or a peer adds the same job again: an unchanged schedule keeps its stored next
    // run time, so a run missed while no daemon was up is still due (within catch-up).
    replaceExisting: true,
  };
}
