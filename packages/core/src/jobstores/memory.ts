/**
 * MemoryJobStore (alias `memory`, the default): keeps jobs in this process. Jobs are grouped
 * by next run time in buckets, and the distinct run times sit in a binary min-heap. Nothing is
 * persisted; jobs live as long as the store.
 */
import { ConflictingIdError, JobLookupError } from '../errors.js';
import type { ClaimedRun, DueJobsClaim, JobStore, JobStoreContext } from '../interfaces.js';
import type { Job } from '../job.js';

/** The jobs due at one instant: one job alone, or a set in insertion order. */
type Bucket = Job | Set<Job>;

/**
 * The default job store: jobs in memory, lost when the process exits. `shutdown()` keeps them,
 * so a scheduler that is shut down and started again still has its jobs.
 *
 * Built for a million jobs and for the scheduler's usual pattern (many jobs sharing a run time,
 * run times added later than the earliest one):
 * - `addJob`, `updateJob`, `removeJob`: O(1) for a run time that already has jobs, O(log d)
 *   for a new one (d distinct run times), because only distinct run times enter the heap.
 * - `getDueJobs`, `claimDueJobs`: O(k + d' log d') for k due jobs at d' distinct times — they
 *   visit only the heap nodes that are due, never the rest.
 * - `lookupJob` O(1); `getNextRunTime` O(1) amortised.
 * A run time whose bucket empties stays in the heap until it reaches the top (or the heap is
 * compacted), which keeps removals O(1).
 */
export class MemoryJobStore implements JobStore {
  /** Every job by id; its insertion order is the order paused jobs are listed in. */
  readonly #jobs = new Map<string, Job>();
  /** Scheduled jobs by next run time. */
  readonly #buckets = new Map<number, Bucket>();
  /** Distinct next run times as a binary min-heap; may hold stale and repeated times. */
  #times: number[] = [];
  /** Named in error messages; undefined until `start()` gives the store its alias. */
  #alias: string | undefined;

  /** How many jobs the store holds, scheduled and paused. */
  get size(): number {
    return this.#jobs.size;
  }

  /** Records the alias that error messages name; jobs already held are kept. */
  start(_context: JobStoreContext, alias: string): Promise<void> {
    this.#alias = alias;
    return Promise.resolve();
  }

  /** Does nothing: the store holds no timers or connections, and keeps its jobs for a restart. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.lookupJob} */
  lookupJob(id: string): Promise<Job | null> {
    return Promise.resolve(this.#jobs.get(id) ?? null);
  }

  /** Jobs whose next run time is ≤ `now` (epoch ms), earliest first, then in insertion order. */
  getDueJobs(now: number): Promise<Job[]> {
    const due: Job[] = [];
    for (const time of this.#dueTimes(now)) {
      const bucket = this.#buckets.get(time);
      if (bucket === undefined) continue;
      if (bucket instanceof Set) for (const job of bucket) due.push(job);
      else due.push(bucket);
    }
    return Promise.resolve(due);
  }

  /** {@inheritDoc JobStore.getNextRunTime} */
  getNextRunTime(): Promise<number | null> {
    const times = this.#times;
    while (times.length > 0 && !this.#buckets.has(times[0] ?? 0)) popHeap(times);
    return Promise.resolve(times.length === 0 ? null : (times[0] ?? null));
  }

  /** Every job: scheduled ones earliest first, then paused ones in the order they were added. */
  getAllJobs(): Promise<Job[]> {
    const jobs: Job[] = [];
    for (const time of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      const bucket = this.#buckets.get(time);
      if (bucket instanceof Set) jobs.push(...bucket);
      else if (bucket !== undefined) jobs.push(bucket);
    }
    for (const job of this.#jobs.values()) if (job.nextRunTimeMs === null) jobs.push(job);
    return Promise.resolve(jobs);
  }

  /** {@inheritDoc JobStore.addJob} */
  addJob(job: Job): Promise<void> {
    if (this.#jobs.has(job.id)) return Promise.reject(new ConflictingIdError(job.id, this.#alias));
    this.#jobs.set(job.id, job);
    this.#schedule(job);
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.updateJob} */
  updateJob(job: Job): Promise<void> {
    const old = this.#jobs.get(job.id);
    if (old === undefined) return Promise.reject(new JobLookupError(job.id, this.#alias));
    this.#unschedule(old);
    this.#jobs.set(job.id, job);
    this.#schedule(job);
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.removeJob} */
  removeJob(id: string): Promise<void> {
    const old = this.#jobs.get(id);
    if (old === undefined) return Promise.reject(new JobLookupError(id, this.#alias));
    this.#unschedule(old);
    this.#jobs.delete(id);
    return Promise.resolve();
  }

  /**
   * {@inheritDoc JobStore.claimDueJobs}
   * Nothing else writes to this store meanwhile, so every due job that `advance` gives a
   * successor to is claimed.
   */
  claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    const claimed: ClaimedRun[] = [];
    for (const time of this.#dueTimes(claim.now)) {
      const bucket = this.#buckets.get(time);
      if (bucket === undefined) continue;
      for (const job of bucket instanceof Set ? [...bucket] : [bucket]) {
        if (claimed.length >= claim.limit) return Promise.resolve(claimed);
        const next = claim.advance(job);
        if (next === undefined) continue;
        this.#unschedule(job);
        if (next === null) {
          this.#jobs.delete(job.id);
        } else {
          this.#jobs.set(job.id, next);
          this.#schedule(next);
        }
        claimed.push({ job, next });
      }
    }
    return Promise.resolve(claimed);
  }

  /** {@inheritDoc JobStore.removeAllJobs} */
  removeAllJobs(): Promise<void> {
    this.#jobs.clear();
    this.#buckets.clear();
    this.#times = [];
    return Promise.resolve();
  }

  #schedule(job: Job): void {
    const time = job.nextRunTimeMs;
    if (time === null) return;
    const bucket = this.#buckets.get(time);
    if (bucket === undefined) {
      this.#buckets.set(time, job);
      pushHeap(this.#times, time);
      // Stale times (emptied buckets) are dropped lazily; rebuild when they outnumber live ones.
      if (this.#times.length > 2 * this.#buckets.size + 64) this.#compact();
    } else if (bucket instanceof Set) {
      bucket.add(job);
    } else {
      this.#buckets.set(time, new Set([bucket, job]));
    }
  }

  #unschedule(job: Job): void {
    const time = job.nextRunTimeMs;
    if (time === null) return;
    const bucket = this.#buckets.get(time);
    if (bucket instanceof Set) {
      bucket.delete(job);
      if (bucket.size === 0) this.#buckets.delete(time);
    } else if (bucket === job) {
      this.#buckets.delete(time);
    }
  }

  /** The live distinct times ≤ now, ascending: a walk of the heap's due nodes only. */
  #dueTimes(now: number): number[] {
    const times = this.#times;
    const found: number[] = [];
    const stack = times.length > 0 && (times[0] ?? Infinity) <= now ? [0] : [];
    while (stack.length > 0) {
      const index = stack.pop() ?? 0;
      const time = times[index] ?? 0;
      if (this.#buckets.has(time)) found.push(time);
      const left = 2 * index + 1;
      if (left < times.length && (times[left] ?? Infinity) <= now) stack.push(left);
      if (left + 1 < times.length && (times[left + 1] ?? Infinity) <= now) stack.push(left + 1);
    }
    found.sort((a, b) => a - b);
    // A time re-added after its bucket emptied can sit in the heap twice.
    return found.filter((time, index) => index === 0 || found[index - 1] !== time);
  }

  #compact(): void {
    const times = [...this.#buckets.keys()].sort((a, b) => a - b);
    // A sorted array is a valid min-heap.
    this.#times = times;
  }
}

/** Adds a value to a binary min-heap. */
function pushHeap(heap: number[], value: number): void {
  let index = heap.length;
  heap.push(value);
  while (index > 0) {
    const parent = (index - 1) >> 1;
    const above = heap[parent] ?? 0;
    if (above <= value) break;
    heap[index] = above;
    index = parent;
  }
  heap[index] = value;
}

/** Removes the smallest value of a binary min-heap. */
function popHeap(heap: number[]): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  let index = 0;
  const length = heap.length;
  for (;;) {
    const left = 2 * index + 1;
    if (left >= length) break;
    const right = left + 1;
    const child = right < length && (heap[right] ?? 0) < (heap[left] ?? 0) ? right : left;
    const below = heap[child] ?? 0;
    if (last <= below) break;
    heap[index] = below;
    index = child;
  }
  heap[index] = last;
}
