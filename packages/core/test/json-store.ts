/**
 * A small persistent job store for scheduler tests: JSON documents by id, serialised and
 * restored through the scheduler's store context and `UnrestorableJobs`, as a database-backed
 * store does.
 */
import {
  JobLookupError,
  StoreNotStartedError,
  UnrestorableJobs,
  type UnrestorableJob,
  type ClaimedRun,
  type DueJobsClaim,
  type Job,
  type JobStore,
  type JobStoreContext,
} from '../src/index.js';

/** A small persistent store: JSON documents by id, restored through UnrestorableJobs. */
export class JsonJobStore implements JobStore {
  readonly rows = new Map<string, { nextRunTime: number | null; document: string }>();
  #context: JobStoreContext | undefined;
  #unrestorable: UnrestorableJobs | undefined;

  start(context: JobStoreContext, alias: string): Promise<void> {
    this.#context = context;
    this.#unrestorable = new UnrestorableJobs(context, alias);
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  lookupJob(id: string): Promise<Job | null> {
    const row = this.rows.get(id);
    return Promise.resolve(row === undefined ? null : this.#restore(id));
  }

  getNextRunTime(): Promise<number | null> {
    const times = this.#sorted(true).map((job) => job.nextRunTimeMs ?? Infinity);
    return Promise.resolve(
      times.length > 0 && Number.isFinite(times[0]) ? (times[0] ?? null) : null,
    );
  }

  getAllJobs(): Promise<Job[]> {
    return Promise.resolve(this.#sorted(false));
  }

  getUnrestorableJobs(): Promise<UnrestorableJob[]> {
    return Promise.resolve(this.#helper().list());
  }

  addJob(job: Job): Promise<void> {
    this.#write(job);
    return Promise.resolve();
  }

  updateJob(job: Job): Promise<void> {
    if (!this.rows.has(job.id)) return Promise.reject(new JobLookupError(job.id));
    this.#write(job);
    return Promise.resolve();
  }

  removeJob(id: string): Promise<void> {
    this.#helper().forget(id);
    if (!this.rows.delete(id)) return Promise.reject(new JobLookupError(id));
    return Promise.resolve();
  }

  removeAllJobs(): Promise<void> {
    this.rows.clear();
    this.#helper().clear();
    return Promise.resolve();
  }

  claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    const claimed: ClaimedRun[] = [];
    for (const job of this.#sorted(true)) {
      if (job.nextRunTimeMs === null || job.nextRunTimeMs > claim.now) continue;
      if (claimed.length >= claim.limit) break;
      const next = claim.advance(job);
      if (next === undefined) continue;
      if (next === null) this.rows.delete(job.id);
      else this.#write(next);
      claimed.push({ job, next });
    }
    return Promise.resolve(claimed);
  }

  #helper(): UnrestorableJobs {
    if (this.#unrestorable === undefined)
      throw new StoreNotStartedError('JsonJobStore was not started');
    return this.#unrestorable;
  }

  #write(job: Job): void {
    const state = this.#context?.serializeJob(job);
    this.rows.set(job.id, { nextRunTime: job.nextRunTimeMs, document: JSON.stringify(state) });
    this.#helper().forget(job.id);
  }

  #restore(id: string): Job | null {
    const row = this.rows.get(id);
    if (row === undefined) return null;
    return this.#helper().restore(id, row.document, row.nextRunTime);
  }

  /** The restorable jobs, scheduled ones by time then paused ones. */
  #sorted(scheduledOnly: boolean): Job[] {
    const jobs: Job[] = [];
    for (const id of this.rows.keys()) {
      const job = this.#restore(id);
      if (job !== null && (!scheduledOnly || job.nextRunTimeMs !== null)) jobs.push(job);
    }
    return jobs.sort((a, b) => (a.nextRunTimeMs ?? Infinity) - (b.nextRunTimeMs ?? Infinity));
  }
}
