/**
 * Jobs by state and job store, for the `kairos.jobs` gauge: read from `scheduler.getJobs()` at
 * collection, at most once per `maxAgeMs` (a scrape every few seconds does not list a large
 * store each time), one read at a time; a failed read keeps the previous counts.
 */
import type { BaseScheduler } from 'kairos';

/** The jobs of one state in one job store. */
export interface JobStateCount {
  readonly state: string;
  readonly jobstore: string;
  readonly count: number;
}

/** @internal Cached job counts by state. */
export class JobStates {
  readonly #scheduler: BaseScheduler;
  readonly #maxAgeMs: number;
  #counts: readonly JobStateCount[] = [];
  #readAt = -Infinity;
  #reading: Promise<readonly JobStateCount[]> | null = null;

  /** @param maxAgeMs how long a read is reused (real time) */
  constructor(scheduler: BaseScheduler, maxAgeMs: number) {
    this.#scheduler = scheduler;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The counts, read again when the last read is older than `maxAgeMs`. */
  read(): Promise<readonly JobStateCount[]> | readonly JobStateCount[] {
    if (performance.now() - this.#readAt < this.#maxAgeMs) return this.#counts;
    this.#reading ??= this.#load().finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  async #load(): Promise<readonly JobStateCount[]> {
    try {
      const jobs = await this.#scheduler.getJobs();
      const counts = new Map<string, { state: string; jobstore: string; count: number }>();
      for (const job of jobs) {
        const key = `${job.state}\u0000${job.jobstore}`;
        const entry = counts.get(key);
        if (entry === undefined)
          counts.set(key, { state: job.state, jobstore: job.jobstore, count: 1 });
        else entry.count++;
      }
      // A state that emptied since the last read reports 0 rather than vanishing.
      for (const previous of this.#counts) {
        const key = `${previous.state}\u0000${previous.jobstore}`;
        if (!counts.has(key)) counts.set(key, { ...previous, count: 0 });
      }
      this.#counts = [...counts.values()];
      this.#readAt = performance.now();
    } catch {
      // The store is unreachable: keep the last counts (the scheduler reports the failure).
    }
    return this.#counts;
  }
}
