/**
 * The jobs of a running scheduler, in its started job stores: adding them (with their first run
 * times; a replaced job with an unchanged schedule keeps its stored one), finding, listing and
 * removing them across stores.
 */
import { ConflictingIdError, JobLookupError } from '../errors.js';
import { EVENT_JOB_ADDED, JobEvent } from '../events.js';
import type { JobStore } from '../interfaces.js';
import type { Job, ListedJob, UnrestorableJob } from '../job.js';
import type { Listeners } from '../listeners.js';
import { sameSchedule } from '../same-schedule.js';
import type { Components } from './components.js';
import type { History } from './history.js';
import { firstRunTime, type BuiltJob } from './job-builder.js';
import { earliest } from './loop.js';
import { inEntry } from './entries.js';
import type { FoundJob, JobPlace } from './places.js';
import type { Settings } from './settings.js';

/** What the stored jobs room works with, given by its scheduler. */
export interface StoredJobsParts {
  readonly settings: Settings;
  readonly components: Components;
  readonly history: History;
  readonly listeners: Listeners;
  /** Wakes the loop when a job's run time (in store `alias`) comes before its planned wakeup. */
  readonly wakeFor: (nextRunTimeMs: number | null, alias: string) => void;
}

/** The jobs of a running scheduler. */
export class StoredJobs implements JobPlace {
  readonly #parts: StoredJobsParts;

  constructor(parts: StoredJobsParts) {
    this.#parts = parts;
  }

  async add(entry: BuiltJob): Promise<Job> {
    // #put's work inline: one async frame and one await per added job.
    let added = this.#withFirstRunTime(entry);
    const store = this.#parts.components.store(added.jobstore);
    try {
      await store.addJob(added);
    } catch (error) {
      added = await this.#replace(store, added, entry, error);
    }
    this.#announce(added);
    this.#parts.wakeFor(added.nextRunTimeMs, added.jobstore);
    return added;
  }

  /**
   * Adds the entries without `replaceExisting` with one `addJobs` call per store (an `addJob`
   * per job, undone on failure, for a store without it), undoing the stores done before when a
   * store refuses its batch; then the replacing entries one by one, as `add` does. Every job
   * stored is announced, in entry order, and the loop woken once.
   */
  async addMany(entries: readonly BuiltJob[], labels: (index: number) => string): Promise<Job[]> {
    const now = this.#parts.settings.clock.now();
    const added: (Job | undefined)[] = new Array<Job | undefined>(entries.length);
    const batches = new Map<string, { indices: number[]; jobs: Job[] }>();
    const replacing: number[] = [];
    for (const [index, entry] of entries.entries()) {
      if (entry.replaceExisting) {
        replacing.push(index);
        continue;
      }
      const { job } = entry;
      let batch = batches.get(job.jobstore);
      if (batch === undefined) batches.set(job.jobstore, (batch = { indices: [], jobs: [] }));
      batch.indices.push(index);
      batch.jobs.push(this.#withFirstRunTime(entry, now));
    }
    try {
      const done: Array<{ store: JobStore; jobs: readonly Job[] }> = [];
      for (const [alias, { indices, jobs }] of batches) {
        const store = this.#parts.components.store(alias);
        try {
          await this.#addBatch(store, jobs);
        } catch (error) {
          for (const batch of done) await this.#undo(batch.store, batch.jobs, batch.jobs.length);
          const at =
            error instanceof ConflictingIdError
              ? jobs.findIndex((job) => job.id === error.jobId)
              : -1;
          const index = indices[at];
          throw index === undefined ? error : inEntry(error, index, labels(index));
        }
        done.push({ store, jobs });
      }
      for (const { indices, jobs } of batches.values()) {
        for (const [i, index] of indices.entries()) added[index] = jobs[i];
      }
      for (const index of replacing) {
        const entry = entries[index];
        if (entry === undefined) continue;
        try {
          added[index] = await this.#put(entry);
        } catch (error) {
          throw inEntry(error, index, labels(index));
        }
      }
    } finally {
      // What was stored is announced, also when a later replacement failed.
      // The earliest run time per store (each on its store's clock): one wakeup per store.
      const wakeAt = new Map<string, number | null>();
      for (const job of added) {
        if (job === undefined) continue;
        this.#announce(job);
        wakeAt.set(job.jobstore, earliest(wakeAt.get(job.jobstore) ?? null, job.nextRunTimeMs));
      }
      for (const [alias, time] of wakeAt) this.#parts.wakeFor(time, alias);
    }
    return added as Job[];
  }

  async find(id: string, jobstore?: string): Promise<FoundJob | null> {
    for (const [alias, store] of this.#parts.components.stores) {
      if (jobstore !== undefined && alias !== jobstore) continue;
      const job = await store.lookupJob(id);
      if (job !== null) {
        const replace = async (updated: Job, setsNextRunTime: boolean): Promise<boolean> => {
          if (!setsNextRunTime && store.updateJobIf !== undefined)
            return store.updateJobIf(updated, job.nextRunTimeMs);
          await store.updateJob(updated);
          return true;
        };
        return { job, listed: job, replace };
      }
    }
    return null;
  }

  /** A stored job its store cannot restore, by id, or null. */
  async findUnrestorable(id: string, jobstore?: string): Promise<UnrestorableJob | null> {
    for (const [alias, store] of this.#parts.components.stores) {
      if ((jobstore !== undefined && alias !== jobstore) || !store.getUnrestorableJobs) continue;
      const found = (await store.getUnrestorableJobs()).find((job) => job.id === id);
      if (found !== undefined) return found;
    }
    return null;
  }

  async list(jobstore?: string): Promise<ListedJob[]> {
    const jobs: ListedJob[] = [];
    for (const [alias, store] of this.#parts.components.stores) {
      if (jobstore !== undefined && alias !== jobstore) continue;
      jobs.push(...(await store.getAllJobs()));
      // After getAllJobs, which has read every stored job, the store knows all it cannot restore.
      if (store.getUnrestorableJobs) jobs.push(...(await store.getUnrestorableJobs()));
    }
    return jobs;
  }

  async remove(id: string, jobstore?: string): Promise<string | undefined> {
    for (const [alias, store] of this.#parts.components.stores) {
      if (jobstore !== undefined && alias !== jobstore) continue;
      try {
        await store.removeJob(id);
        return alias;
      } catch (error) {
        if (!(error instanceof JobLookupError)) throw error;
      }
    }
    return undefined;
  }

  async removeAll(jobstore?: string): Promise<void> {
    for (const [alias, store] of this.#parts.components.stores) {
      if (jobstore === undefined || alias === jobstore) await store.removeAllJobs();
    }
  }

  async exportable(jobstore: string | undefined): Promise<Job[]> {
    // Jobs a store cannot restore stay out: their stored form is the store's to keep.
    const jobs: Job[] = [];
    for (const job of await this.list(jobstore)) if (job.state !== 'unrestorable') jobs.push(job);
    return jobs;
  }

  async print(jobstore?: string): Promise<string[]> {
    const lines: string[] = [];
    for (const alias of [...this.#parts.components.stores.keys()].sort()) {
      if (jobstore !== undefined && alias !== jobstore) continue;
      lines.push(`Jobstore ${alias}:`);
      const jobs = await this.list(alias);
      await this.#parts.history.attachLastRuns(jobs);
      if (jobs.length === 0) lines.push('    No scheduled jobs');
      for (const job of jobs) lines.push(`    ${job.toString()}${lastRunText(job)}`);
    }
    return lines;
  }

  /**
   * Stores a job. Replacing a job whose schedule is unchanged (the same job added again at each
   * start) keeps its stored next run time, so a restart neither skips runs nor adds one.
   */
  async #put(entry: BuiltJob): Promise<Job> {
    const added = this.#withFirstRunTime(entry);
    const store = this.#parts.components.store(added.jobstore);
    try {
      await store.addJob(added);
    } catch (error) {
      return this.#replace(store, added, entry, error);
    }
    return added;
  }

  /**
   * The built job with its first run time, computed now unless it was given. A trigger with no
   * fire time left gives a paused job, as in APScheduler, which never runs: said in a warning.
   */
  #withFirstRunTime(
    { job, computeNextRunTime }: BuiltJob,
    now = this.#parts.settings.clock.now(),
  ): Job {
    if (!computeNextRunTime) return job;
    const first = firstRunTime(job.trigger, now);
    if (first === null) {
      this.#parts.settings.log.warn(
        `Job "${job.name}" (id ${job.id}): its trigger ${job.trigger.toString()} has no fire ` +
          `time left; it is added paused and will never run (give it a trigger that fires)`,
      );
    }
    return job.withNextRunTime(first);
  }

  /** After the store refused `added` with `error`: the job that replaces the stored one, or throws. */
  async #replace(
    store: JobStore,
    added: Job,
    { computeNextRunTime, replaceExisting, defaulted }: BuiltJob,
    error: unknown,
  ): Promise<Job> {
    if (!(error instanceof ConflictingIdError) || !replaceExisting) throw error;
    let replacing = added;
    if (computeNextRunTime) {
      const existing = await store.lookupJob(added.id);
      if (existing !== null && sameSchedule(existing.trigger, added.trigger, defaulted)) {
        // The stored trigger too: an interval's default start is the time it was made.
        replacing = added.with({
          trigger: existing.trigger,
          nextRunTimeMs: existing.nextRunTimeMs,
        });
      }
    }
    await store.updateJob(replacing);
    return replacing;
  }

  #announce(job: Job): void {
    const log = this.#parts.settings.log;
    if (log.infoOn) log.info(`Added job "${job.name}" to job store "${job.jobstore}"`);
    this.#parts.listeners.emit(
      EVENT_JOB_ADDED,
      () => new JobEvent(EVENT_JOB_ADDED, job.id, job.jobstore),
    );
  }

  /** One store's batch: its `addJobs`, or `addJob` per job, undone on failure. */
  async #addBatch(store: JobStore, jobs: readonly Job[]): Promise<void> {
    if (store.addJobs) {
      await store.addJobs(jobs);
      return;
    }
    let added = 0;
    try {
      for (const job of jobs) {
        await store.addJob(job);
        added++;
      }
    } catch (error) {
      await this.#undo(store, jobs, added);
      throw error;
    }
  }

  /** Removes the first `count` jobs of a batch again; a failure is logged, not thrown. */
  async #undo(store: JobStore, jobs: readonly Job[], count: number): Promise<void> {
    for (const job of jobs.slice(0, count)) {
      try {
        await store.removeJob(job.id);
      } catch (error) {
        this.#parts.settings.log.error(
          `Could not take job ${job.id} out of job store '${job.jobstore}' again after addJobs failed`,
          error,
        );
      }
    }
  }
}

/** ` [last run: error at 2030-01-01T03:00:00.000Z]`, or nothing when there is none. */
function lastRunText(job: ListedJob): string {
  if (job.state === 'unrestorable' || job.lastRun === null) return '';
  const { outcome, scheduledRunTime } = job.lastRun;
  return ` [last run: ${outcome ?? 'in flight'}, scheduled at ${scheduledRunTime.toISOString()}]`;
}
