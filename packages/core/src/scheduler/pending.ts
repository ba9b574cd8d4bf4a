/**
 * Pending jobs: those added before `start()`, kept in the order they were added until `start()`
 * stores them with their first run times. A pending job of the same id and store conflicts at
 * once, as a stored one would, rather than making every later `start()` fail.
 */
import { ConflictingIdError } from '../errors.js';
import type { Job, ListedJob } from '../job.js';
import { firstRunTime, type BuiltJob } from './job-builder.js';
import { inEntry } from './entries.js';
import type { FoundJob, JobPlace } from './places.js';
import type { Settings } from './settings.js';

const TENTATIVE =
  'Adding job tentatively -- it will be properly scheduled when the scheduler starts';

/** The jobs of a stopped scheduler. */
export class PendingJobs implements JobPlace {
  readonly #settings: Settings;
  /** By job store and id, in the order added (a replacement keeps its place). */
  readonly #entries = new Map<string, BuiltJob>();

  constructor(settings: Settings) {
    this.#settings = settings;
  }

  /** The first pending job, which `start()` stores next. */
  first(): BuiltJob | undefined {
    for (const entry of this.#entries.values()) return entry;
    return undefined;
  }

  /** Forgets a pending job once `start()` has stored it (unless it was replaced meanwhile). */
  stored(entry: BuiltJob): void {
    const key = keyOf(entry.job.jobstore, entry.job.id);
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }

  add(entry: BuiltJob): Promise<Job> {
    const key = keyOf(entry.job.jobstore, entry.job.id);
    if (this.#entries.has(key) && !entry.replaceExisting) {
      return Promise.reject(new ConflictingIdError(entry.job.id, entry.job.jobstore));
    }
    this.#entries.set(key, entry);
    this.#settings.log.info(TENTATIVE);
    return Promise.resolve(entry.job.asPending());
  }

  addMany(entries: readonly BuiltJob[], labels: (index: number) => string): Promise<Job[]> {
    // All or none: every conflict is found before anything is added.
    for (const [index, entry] of entries.entries()) {
      const { id, jobstore } = entry.job;
      if (!entry.replaceExisting && this.#entries.has(keyOf(jobstore, id))) {
        return Promise.reject(inEntry(new ConflictingIdError(id, jobstore), index, labels(index)));
      }
    }
    for (const entry of entries) this.#entries.set(keyOf(entry.job.jobstore, entry.job.id), entry);
    const log = this.#settings.log;
    if (log.infoOn) {
      log.info(
        `Adding ${entries.length} jobs tentatively -- they will be properly scheduled when the scheduler starts`,
      );
    }
    return Promise.resolve(entries.map((entry) => entry.job.asPending()));
  }

  find(id: string, jobstore?: string): Promise<FoundJob | null> {
    const entry = this.#find(id, jobstore);
    if (entry === undefined) return Promise.resolve(null);
    return Promise.resolve({
      job: entry.job,
      listed: entry.job.asPending(),
      replace: (updated, setsNextRunTime) => {
        entry.job = updated;
        if (setsNextRunTime) entry.computeNextRunTime = false;
        return Promise.resolve(true);
      },
    });
  }

  list(jobstore?: string): Promise<ListedJob[]> {
    return Promise.resolve(this.#select(jobstore).map((entry) => entry.job.asPending()));
  }

  remove(id: string, jobstore?: string): Promise<string | undefined> {
    const entry = this.#find(id, jobstore);
    if (entry !== undefined) this.#entries.delete(keyOf(entry.job.jobstore, entry.job.id));
    return Promise.resolve(entry?.job.jobstore);
  }

  removeAll(jobstore?: string): Promise<void> {
    for (const entry of this.#select(jobstore)) {
      this.#entries.delete(keyOf(entry.job.jobstore, entry.job.id));
    }
    return Promise.resolve();
  }

  exportable(jobstore: string | undefined, now: number): Promise<Job[]> {
    // A job whose first run time comes at start is exported with the one it would get now: a
    // null next run time would import as a paused job.
    return Promise.resolve(
      this.#select(jobstore).map((entry) =>
        entry.computeNextRunTime
          ? entry.job.withNextRunTime(firstRunTime(entry.job.trigger, now))
          : entry.job,
      ),
    );
  }

  print(jobstore?: string): Promise<string[]> {
    const lines = ['Pending jobs:'];
    const pending = this.#select(jobstore);
    if (pending.length === 0) lines.push('    No pending jobs');
    for (const { job, computeNextRunTime } of pending) {
      lines.push(
        `    ${computeNextRunTime ? `${job.name} (trigger: ${job.trigger.toString()}, pending)` : job.toString()}`,
      );
    }
    return Promise.resolve(lines);
  }

  #find(id: string, jobstore: string | undefined): BuiltJob | undefined {
    if (jobstore !== undefined) return this.#entries.get(keyOf(jobstore, id));
    for (const entry of this.#entries.values()) if (entry.job.id === id) return entry;
    return undefined;
  }

  #select(jobstore: string | undefined): BuiltJob[] {
    const entries = [...this.#entries.values()];
    return jobstore === undefined
      ? entries
      : entries.filter((entry) => entry.job.jobstore === jobstore);
  }
}

function keyOf(jobstore: string, id: string): string {
  return `${jobstore}\u0000${id}`;
}
