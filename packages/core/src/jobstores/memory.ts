/**
 * MemoryJobStore (alias `memory`, the default): keeps jobs in this process. Jobs are grouped
 * by next run time in buckets, and the distinct run times sit in a binary min-heap. Nothing is
 * persisted; jobs live as long as the store.
 */
import { ConflictingIdError, JobLookupError } from '../errors.js';
import type { ClaimedRun, DueJobsClaim, JobStore, JobStoreContext } from '../interfaces.js';
import type { Job } from '../job.js';

/** Where the store keeps one job: the job, and its slot in the bucket of its next run time. */
interface Entry {
  readonly job: Job;
  /** The bucket of `job.nextRunTimeMs`, or null for a paused job. */
  bucket: Bucket | null;
  /** Its index in `bucket.slots`. */
  index: number;
}

/**
 * The jobs due at one instant, in the order they were scheduled. Removing one empties its slot
 * (no search, no rehash of a large set); claiming walks the slots from `head`.
 */
class Bucket {
  readonly time: number;
  slots: (Entry | undefined)[] = [];
  /** Slots before it are all empty. */
  head = 0;
  /** Slots holding a job. */
  live = 0;

  constructor(time: number) {
    this.time = time;
  }

  /** The jobs, in order. */
  *jobs(): Generator<Job> {
    for (let index = this.head; index < this.slots.length; index++) {
      const entry = this.slots[index];
      if (entry !== undefined) yield entry.job;
    }
  }
}

/**
 * The default job store: jobs in memory, lost when the process exits. `shutdown()` keeps them,
 * so a scheduler that is shut down and started again still has its jobs.
 *
 * Built for a million jobs and for the scheduler's usual pattern (many jobs sharing a run time,
 * run times added later than the earliest one):
 * - `addJob`, `updateJob`, `removeJob`: O(1) for a run time that already has jobs, O(log d)
 *   for a new one (d distinct run times), because only distinct run times enter the heap.
 * - `getDueJobs`, `claimDueJobs`: O(k + d' log d') for k due jobs at d' distinct times — they
 *   visit only the heap nodes that are due, never the rest; claiming a job from a bucket of
 *   100,000 costs what it costs from a bucket of one.
 * - `lookupJob` O(1); `getNextRunTime` O(1) amortised.
 * A run time whose bucket empties stays in the heap until it reaches the top (or the heap is
 * compacted), which keeps removals O(1).
 */
export class MemoryJobStore implements JobStore {
  /** Every job by id; its insertion order is the order paused jobs are listed in. */
  readonly #jobs = new Map<string, Entry>();
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
    return Promise.resolve(this.#jobs.get(id)?.job ?? null);
  }

  /** Jobs whose next run time is ≤ `now` (epoch ms), earliest first, then in insertion order. */
  getDueJobs(now: number): Promise<Job[]> {
    const due: Job[] = [];
    for (const time of this.#dueTimes(now)) {
      const bucket = this.#buckets.get(time);
      if (bucket !== undefined) due.push(...bucket.jobs());
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
      if (bucket !== undefined) jobs.push(...bucket.jobs());
    }
    for (const { job } of this.#jobs.values()) if (job.nextRunTimeMs === null) jobs.push(job);
    return Promise.resolve(jobs);
  }

  /** {@inheritDoc JobStore.addJob} */
  addJob(job: Job): Promise<void> {
    if (this.#jobs.has(job.id)) return Promise.reject(new ConflictingIdError(job.id, this.#alias));
    this.#jobs.set(job.id, this.#schedule(job));
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.updateJob} */
  updateJob(job: Job): Promise<void> {
    const old = this.#jobs.get(job.id);
    if (old === undefined) return Promise.reject(new JobLookupError(job.id, this.#alias));
    const { bucket } = old;
    this.#unschedule(old);
    this.#pack(bucket);
    this.#jobs.set(job.id, this.#schedule(job));
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.removeJob} */
  removeJob(id: string): Promise<void> {
    const old = this.#jobs.get(id);
    if (old === undefined) return Promise.reject(new JobLookupError(id, this.#alias));
    const { bucket } = old;
    this.#unschedule(old);
    this.#pack(bucket);
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
      if (claimed.length >= claim.limit) break;
      const bucket = this.#buckets.get(time);
      if (bucket !== undefined) this.#claimFrom(bucket, claim, claimed);
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

  /** Claims a bucket's jobs in order, up to the claim's limit. */
  #claimFrom(bucket: Bucket, claim: DueJobsClaim, claimed: ClaimedRun[]): void {
    const { slots } = bucket;
    // Whether every slot before the current one is empty, so `head` may move past it.
    let cleared = true;
    for (let index = bucket.head; index < slots.length; index++) {
      if (claimed.length >= claim.limit) break;
      const entry = slots[index];
      if (entry !== undefined) {
        const { job } = entry;
        const next = claim.advance(job);
        if (next === undefined) {
          cleared = false;
          continue;
        }
        // A successor goes to a later bucket: fire times strictly increase.
        this.#unschedule(entry);
        if (next === null) this.#jobs.delete(job.id);
        else this.#jobs.set(job.id, this.#schedule(next));
        claimed.push({ job, next });
      }
      if (cleared) bucket.head = index + 1;
    }
  }

  /** Puts a job in the bucket of its next run time; returns its entry. */
  #schedule(job: Job): Entry {
    const time = job.nextRunTimeMs;
    const entry: Entry = { job, bucket: null, index: 0 };
    if (time === null) return entry;
    let bucket = this.#buckets.get(time);
    if (bucket === undefined) {
      bucket = new Bucket(time);
      this.#buckets.set(time, bucket);
      pushHeap(this.#times, time);
      // Stale times (emptied buckets) are dropped lazily; rebuild when they outnumber live ones.
      if (this.#times.length > 2 * this.#buckets.size + 64) this.#compact();
    }
    entry.bucket = bucket;
    entry.index = bucket.slots.length;
    bucket.slots.push(entry);
    bucket.live++;
    return entry;
  }

  /** Empties a job's slot; drops its bucket when that was the last job in it. */
  #unschedule(entry: Entry): void {
    const { bucket } = entry;
    if (bucket === null) return;
    bucket.slots[entry.index] = undefined;
    entry.bucket = null;
    bucket.live--;
    if (bucket.live === 0) this.#buckets.delete(bucket.time);
  }

  /**
   * Packs a bucket that is mostly empty slots (jobs moved out one by one). Not while claiming:
   * the claim walks the slots by index.
   */
  #pack(bucket: Bucket | null): void {
    if (bucket === null || bucket.slots.length - bucket.head <= 2 * bucket.live + 64) return;
    const live = bucket.slots.filter((slot): slot is Entry => slot !== undefined);
    live.forEach((slot, index) => {
      slot.index = index;
    });
    bucket.slots = live;
    bucket.head = 0;
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
