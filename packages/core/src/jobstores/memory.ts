/**
 * MemoryJobStore (alias `memory`, the default): keeps jobs in this process. Jobs are grouped
 * by next run time in buckets, and the distinct run times sit in a binary min-heap. Nothing is
 * persisted; jobs live as long as the store, and so do the runs of its ledger
 * (`memory-ledger.ts`).
 */
import { ConflictingIdError, JobLookupError } from '../errors.js';
import type { ClaimedRun, DueJobsClaim, JobStore, JobStoreContext } from '../interfaces.js';
import type { Job } from '../job.js';
import type { RunOpening } from '../ledger.js';
import { MemoryRunLedger } from './memory-ledger.js';

/** `Entry.index` of a job that has left the store (see `MemoryJobStore.#left`). */
const LEFT = -1;

/** Entries of jobs that left kept at most during a burst of full claims (see `claimDueJobs`). */
const MAX_LEFT_ENTRIES = 1_000_000;

/**
 * Where the store keeps a job that shares its next run time with others: the job, and its slot
 * in the bucket of that time. A job alone at its run time, or paused, has no entry: the job
 * itself stands in `#jobs` and `#buckets` (48 bytes less per job).
 */
class Entry {
  /** Null once the job has left the store (its entry waits for the next sweep). */
  job: Job | null;
  /** The bucket of `job.nextRunTimeMs`; null once the job has left it. */
  bucket: Bucket | null = null;
  /** Its index in `bucket.slots`, or {@link LEFT}. */
  index = 0;

  constructor(job: Job) {
    this.job = job;
  }
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
      const job = this.slots[index]?.job;
      if (job != null) yield job;
    }
  }
}

/** Options of {@link MemoryJobStore}. */
export interface MemoryJobStoreOptions {
  /** Keep a run history of at most this many runs, all jobs together (default 0: none). */
  maxRuns?: number;
}

/**
 * The default job store: jobs in memory, lost when the process exits. `shutdown()` keeps them,
 * so a scheduler that is shut down and started again still has its jobs.
 *
 * Built for a million jobs and for the scheduler's usual pattern (many jobs sharing a run time,
 * run times added later than the earliest one):
 * - `addJob`, `updateJob`, `removeJob`: O(1) for a run time that already has jobs, O(log d)
 *   for a new one (d distinct run times), because only distinct run times enter the heap.
 * - `claimDueJobs`: O(k + d' log d') for k due jobs at d' distinct times — they
 *   visit only the heap nodes that are due, never the rest; claiming a job from a bucket of
 *   100,000 costs what it costs from a bucket of one.
 * - `lookupJob` O(1); `getNextRunTime` O(1) amortised.
 * A run time whose bucket empties stays in the heap until it reaches the top (or the heap is
 * compacted), which keeps removals O(1). A one-off job that a claim removes keeps its entry in
 * `#jobs`, marked as left, until the entries that left outnumber the rest several times over:
 * then they are swept in one go (deleting each from a large map cost more than the rest of
 * the claim).
 *
 * With `maxRuns`, its {@link ledger} keeps the history of its runs in this process too.
 */
export class MemoryJobStore implements JobStore {
  /**
   * The run history of this store's jobs, in this process, when `maxRuns` asks for one: each
   * run's outcome, the newest `maxRuns` of all jobs together (and per job what the
   * scheduler's `history` keeps). Undefined by default.
   */
  readonly ledger: MemoryRunLedger | undefined;
  /**
   * Every job by id (its entry when it is in a bucket), and the jobs and entries of jobs that
   * left through a claim (see {@link #live}); its insertion order is the order paused jobs are
   * listed in.
   */
  #jobs = new Map<string, Entry | Job>();
  /** Values in `#jobs` of jobs that have left the store. */
  #leftCount = 0;
  /** Scheduled jobs by next run time: a bucket, or the job alone at its time. */
  readonly #buckets = new Map<number, Bucket | Job>();
  /** Distinct next run times as a binary min-heap; may hold stale and repeated times. */
  #times: number[] = [];
  /**
   * No key of `#buckets` is later than this: a job scheduled after it (jobs are mostly added
   * in run-time order) starts a run time of its own without a lookup.
   */
  #latestTime = -Infinity;
  /** Named in error messages; undefined until `start()` gives the store its alias. */
  #alias: string | undefined;

  /**
   * @param options.maxRuns keep a run history of at most this many runs (with their outcome),
   *   all jobs together, the oldest dropped first. Default 0: none. The history lives in the
   *   heap (about half a kilobyte a run) and recording it costs each run more than the rest
   *   of its dispatch, so a memory store keeps none unless asked.
   */
  constructor(options: MemoryJobStoreOptions = {}) {
    const maxRuns = options.maxRuns ?? 0;
    this.ledger = maxRuns > 0 ? new MemoryRunLedger({ maxRuns }) : undefined;
  }

  /** How many jobs the store holds, scheduled and paused. */
  get size(): number {
    return this.#jobs.size - this.#leftCount;
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
    return Promise.resolve(this.#live(this.#jobs.get(id)));
  }

  /**
   * The job a value of `#jobs` holds, or null when that job has left the store: an entry's job
   * is cleared then, and a job alone at its run time no longer stands in `#buckets`.
   */
  #live(held: Entry | Job | undefined): Job | null {
    if (held === undefined) return null;
    if (held instanceof Entry) return held.job;
    const time = held.nextRunTimeMs;
    return time === null || this.#buckets.get(time) === held ? held : null;
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
      if (bucket instanceof Bucket) jobs.push(...bucket.jobs());
      else if (bucket !== undefined) jobs.push(bucket);
    }
    // A paused job stands in `#jobs` itself, never in an entry.
    for (const held of this.#jobs.values()) {
      if (!(held instanceof Entry) && held.nextRunTimeMs === null) jobs.push(held);
    }
    return Promise.resolve(jobs);
  }

  /** {@inheritDoc JobStore.addJob} */
  addJob(job: Job): Promise<void> {
    // One lookup of the id decides both the conflict and whether a left entry goes first.
    const found = this.#jobs.get(job.id);
    if (this.#live(found) !== null) {
      return Promise.reject(new ConflictingIdError(job.id, this.#alias));
    }
    this.#insert(job, found);
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.addJobs} */
  addJobs(jobs: readonly Job[]): Promise<void> {
    const ids = new Set<string>();
    for (const { id } of jobs) {
      if (this.#live(this.#jobs.get(id)) !== null || ids.has(id)) {
        return Promise.reject(new ConflictingIdError(id, this.#alias));
      }
      ids.add(id);
    }
    for (const job of jobs) this.#insert(job, this.#jobs.get(job.id));
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.updateJob} */
  updateJob(job: Job): Promise<void> {
    const old = this.#jobs.get(job.id);
    if (old === undefined || this.#live(old) === null) {
      return Promise.reject(new JobLookupError(job.id, this.#alias));
    }
    this.#unscheduleAndPack(old);
    this.#jobs.set(job.id, this.#schedule(job));
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.updateJobIf} */
  updateJobIf(job: Job, nextRunTimeMs: number | null): Promise<boolean> {
    const stored = this.#live(this.#jobs.get(job.id));
    if (stored === null) return Promise.reject(new JobLookupError(job.id, this.#alias));
    if (stored.nextRunTimeMs !== nextRunTimeMs) return Promise.resolve(false);
    return this.updateJob(job).then(() => true);
  }

  /** {@inheritDoc JobStore.removeJob} */
  removeJob(id: string): Promise<void> {
    const old = this.#jobs.get(id);
    if (old === undefined || this.#live(old) === null) {
      return Promise.reject(new JobLookupError(id, this.#alias));
    }
    this.#unscheduleAndPack(old);
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
      if (bucket instanceof Bucket) this.#claimFrom(bucket, claim, claimed);
      else if (bucket !== undefined) this.#claimLone(bucket, claim, claimed);
    }
    // Sweep the entries of jobs that left once they outnumber the rest 8 to 1 (re-entering the
    // rest then costs at most an eighth of what deleting each would have), and not while a
    // burst of due jobs fills every claim: at its end the rest is often nothing at all.
    const left = this.#leftCount;
    if (
      left > 1024 &&
      left > 8 * (this.#jobs.size - left) &&
      (claimed.length < claim.limit || left > MAX_LEFT_ENTRIES)
    ) {
      this.#sweep();
    }
    return Promise.resolve(claimed);
  }

  /** Removes every job; the runs of {@link ledger} stay (`ledger.clear()`). */
  removeAllJobs(): Promise<void> {
    this.#jobs.clear();
    this.#leftCount = 0;
    this.#buckets.clear();
    this.#times = [];
    this.#latestTime = -Infinity;
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
      if (entry !== undefined && !this.#claimEntry(entry, claim, claimed)) {
        cleared = false;
        continue;
      }
      if (cleared) bucket.head = index + 1;
    }
  }

  /** Claims one scheduled job, unless `advance` leaves it as it is; whether it was claimed. */
  #claimEntry(entry: Entry, claim: DueJobsClaim, claimed: ClaimedRun[]): boolean {
    const { job } = entry;
    if (job === null) return true;
    const next = claim.advance(job);
    if (next === undefined) return false;
    const opening = claim.runs?.open(job);
    // A successor goes to a later bucket: fire times strictly increase.
    this.#unschedule(entry);
    if (next === null) this.#left(entry);
    else this.#jobs.set(job.id, this.#schedule(next));
    claimed.push(this.#claimedRun(job, next, opening, claim.now));
    return true;
  }

  /** Claims a job alone at its run time, unless `advance` leaves it as it is. */
  #claimLone(job: Job, claim: DueJobsClaim, claimed: ClaimedRun[]): void {
    const next = claim.advance(job);
    if (next === undefined) return;
    const opening = claim.runs?.open(job);
    this.#unschedule(job);
    // Out of `#buckets`, the job in `#jobs` counts as left (see #live) until the next sweep.
    if (next === null) this.#leftCount++;
    else this.#jobs.set(job.id, this.#schedule(next));
    claimed.push(this.#claimedRun(job, next, opening, claim.now));
  }

  /**
   * A claimed job's run: without a ledger claim (`opening` undefined) just the job; with one,
   * its rows written (asked for before the job moved, so a failing `open` changes nothing),
   * refused when the job has no free slot.
   */
  #claimedRun(
    job: Job,
    next: Job | null,
    opening: RunOpening | undefined,
    now: number,
  ): ClaimedRun {
    if (opening === undefined || this.ledger === undefined) return { job, next };
    return { job, next, refused: !this.ledger.openNow(opening, now) };
  }

  /**
   * Adds a job to `#jobs` (at the end: the entry `left` by a job of the same id, as found in
   * `#jobs`, goes first).
   */
  #insert(job: Job, left: Entry | Job | undefined): void {
    if (left !== undefined) {
      this.#jobs.delete(job.id);
      this.#leftCount--;
    }
    this.#jobs.set(job.id, this.#schedule(job));
  }

  /** Marks a claimed job's entry as left; `#sweep` deletes it from `#jobs` later. */
  #left(entry: Entry): void {
    entry.job = null;
    entry.index = LEFT;
    this.#leftCount++;
  }

  /** Rebuilds `#jobs` without the entries of jobs that left, keeping the order of the rest. */
  #sweep(): void {
    const jobs = new Map<string, Entry | Job>();
    if (this.#leftCount < this.#jobs.size) {
      // forEach: no [key, value] pair allocated per entry, as for…of would.
      this.#jobs.forEach((held, id) => {
        if (this.#live(held) !== null) jobs.set(id, held);
      });
    }
    this.#jobs = jobs;
    this.#leftCount = 0;
  }

  /**
   * Puts a job at its next run time: alone (the job itself) if first there, else in the
   * bucket of that time. What `#jobs` is to hold for it: the job, or its entry in the bucket.
   */
  #schedule(job: Job): Entry | Job {
    const time = job.nextRunTimeMs;
    if (time === null) return job;
    const found = time > this.#latestTime ? undefined : this.#buckets.get(time);
    if (found === undefined) {
      if (time > this.#latestTime) this.#latestTime = time;
      this.#buckets.set(time, job);
      pushHeap(this.#times, time);
      // Stale times (emptied buckets) are dropped lazily; rebuild when they outnumber live ones.
      if (this.#times.length > 2 * this.#buckets.size + 64) this.#compact();
      return job;
    }
    let bucket: Bucket;
    if (found instanceof Bucket) {
      bucket = found;
    } else {
      // A second job at this time: the two share a bucket from now on, each in an entry.
      bucket = new Bucket(time);
      const first = new Entry(found);
      first.bucket = bucket;
      bucket.slots.push(first);
      bucket.live = 1;
      this.#buckets.set(time, bucket);
      this.#jobs.set(found.id, first);
    }
    const entry = new Entry(job);
    entry.bucket = bucket;
    entry.index = bucket.slots.length;
    bucket.slots.push(entry);
    bucket.live++;
    return entry;
  }

  /** Empties a job's slot; drops its bucket (or the job alone there) when it was the last one. */
  #unschedule(held: Entry | Job): void {
    if (!(held instanceof Entry)) {
      const time = held.nextRunTimeMs;
      if (time !== null && this.#buckets.get(time) === held) this.#buckets.delete(time);
      return;
    }
    const entry = held;
    const { bucket } = entry;
    if (bucket === null) return;
    bucket.slots[entry.index] = undefined;
    entry.bucket = null;
    bucket.live--;
    if (bucket.live === 0) this.#buckets.delete(bucket.time);
  }

  /** Takes a job out of its run time (see #unschedule), packing the bucket it leaves. */
  #unscheduleAndPack(held: Entry | Job): void {
    const bucket = held instanceof Entry ? held.bucket : null;
    this.#unschedule(held);
    this.#pack(bucket);
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
