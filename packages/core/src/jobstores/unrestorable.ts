/**
 * What a persistent job store does with a stored job it cannot restore (its task is not
 * registered, its module reference is not allowed, its document is corrupt): keep it, skip it,
 * report it once. APScheduler 3 deletes such jobs; Kairos never does (DESIGN §4.2).
 */
import { SerializationError } from '../errors.js';
import type { JobState, JobStoreContext } from '../interfaces.js';
import { UnrestorableJob, type Job } from '../job.js';
import type { StoredJob } from './stored-job.js';

/**
 * Restores stored jobs for a job store and remembers the ones that could not be restored. Each
 * is reported once (the scheduler logs the job and the cause and emits EVENT_JOB_UNRESTORABLE),
 * then left out of the store's results until it is written or removed through the store, or the
 * store starts again. It stays in the store, and {@link list} gives it to the store's
 * `getUnrestorableJobs()`.
 *
 * Queries that return the first `n` restorable jobs fetch `n + size` rows, so skipped jobs never
 * crowd out the others.
 */
export class UnrestorableJobs {
  readonly #context: JobStoreContext;
  readonly #alias: string;
  /** The stored jobs that could not be restored, by id, as they were when that was found. */
  readonly #jobs = new Map<string, UnrestorableJob>();

  constructor(context: JobStoreContext, alias: string) {
    this.#context = context;
    this.#alias = alias;
  }

  /** How many stored jobs are being skipped. */
  get size(): number {
    return this.#jobs.size;
  }

  /** Whether the job with this id is being skipped. */
  has(id: string): boolean {
    return this.#jobs.has(id);
  }

  /**
   * The stored jobs found unrestorable since the store started, earliest next run time first,
   * then paused ones; what a store's `getUnrestorableJobs()` returns.
   */
  list(): UnrestorableJob[] {
    return [...this.#jobs.values()].sort(
      (a, b) => (a.nextRunTimeMs ?? Infinity) - (b.nextRunTimeMs ?? Infinity),
    );
  }

  /**
   * The job a stored document holds, or null when it cannot be restored (reported the first
   * time).
   * @param id the id the store keeps the document under
   * @param document the stored JSON text, or the parsed state
   * @param nextRunTime the next run time from the store's own index (epoch ms, null = paused),
   *   which wins over the document's copy; omit it to use the document's
   */
  restore(id: string, document: string | JobState, nextRunTime?: number | null): Job | null {
    if (this.#jobs.has(id)) return null;
    let state: JobState | undefined;
    try {
      state = typeof document === 'string' ? parseDocument(id, this.#alias, document) : document;
      return this.#context.restoreJob(
        nextRunTime === undefined ? state : { ...state, nextRunTime },
        this.#alias,
      );
    } catch (error) {
      const stored = nextRunTime === undefined ? storedRunTime(state) : nextRunTime;
      this.#jobs.set(
        id,
        new UnrestorableJob({
          id,
          jobstore: this.#alias,
          nextRunTimeMs: stored,
          cause: error,
          document,
        }),
      );
      this.#context.reportUnrestorable(id, error);
      return null;
    }
  }

  /** {@link restore} for a row in the shape every store reads: the row's run time wins. */
  restoreStored(row: StoredJob): Job | null {
    return this.restore(row.id, row.document, row.nextRunTime);
  }

  /**
   * The jobs of `rows`, in their order, leaving out (and reporting, the first time) those that
   * cannot be restored: the loop behind a store's `getAllJobs()` and other listings.
   */
  restoreAll(rows: Iterable<StoredJob>): Job[] {
    const jobs: Job[] = [];
    for (const row of rows) {
      const job = this.restoreStored(row);
      if (job !== null) jobs.push(job);
    }
    return jobs;
  }

  /**
   * The next run time of the first of `rows` not being skipped, or null: a store's
   * `getNextRunTime()` reads the earliest `size + 1` scheduled rows and passes them here.
   */
  nextRunTime(rows: Iterable<Pick<StoredJob, 'id' | 'nextRunTime'>>): number | null {
    for (const row of rows) if (!this.#jobs.has(row.id)) return row.nextRunTime;
    return null;
  }

  /** Forgets a job written or removed through the store, so it is restored afresh next time. */
  forget(id: string): void {
    this.#jobs.delete(id);
  }

  /** Forgets every job (after `removeAllJobs`). */
  clear(): void {
    this.#jobs.clear();
  }
}

/** The next run time a parsed document holds, when it holds a usable one. */
function storedRunTime(state: JobState | undefined): number | null {
  const time: unknown = state?.nextRunTime;
  return typeof time === 'number' && Number.isFinite(time) ? time : null;
}

function parseDocument(id: string, alias: string, text: string): JobState {
  try {
    return JSON.parse(text) as JobState;
  } catch (error) {
    throw new SerializationError(
      `stored job (id ${JSON.stringify(id)}) in job store '${alias}' is not valid JSON: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
}
