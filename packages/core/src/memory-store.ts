/**
 * MemoryJobStore (alias `memory`, the default): keeps jobs in this process, in a B+ tree ordered
 * by next run time plus a map by id. Nothing is persisted; jobs live as long as the store.
 */
import { createRequire } from 'node:module';
import type sortedBTree from 'sorted-btree';
import { ConflictingIdError, JobLookupError } from './errors.js';
import type { JobStore, JobStoreContext } from './interfaces.js';
import type { Job } from './job.js';

// sorted-btree is CommonJS with `exports.default = BTree`. Node's ESM default import of it is
// the whole `module.exports` while Vitest and bundlers unwrap `.default`, so no single `import`
// form works everywhere; require() has one meaning in all of them.
const { default: BTree } = createRequire(import.meta.url)('sorted-btree') as typeof sortedBTree;
type BTree<K, V> = InstanceType<typeof BTree<K, V>>;

/**
 * Leaf and branch capacity of the tree. Per-node overhead (node object, array header, spare
 * capacity) is spread over more jobs as nodes grow, while inserts and deletes shift up to this
 * many pointers per node; 64 keeps the tree's share at about 10 bytes per job with splices
 * that stay within a cache line or two.
 */
const MAX_NODE_SIZE = 64;

/**
 * The tree's order: next run time, then id, so jobs due at the same instant come out in a
 * stable order and no two jobs compare equal (ids are unique). Only scheduled jobs are in the
 * tree, so `nextRunTimeMs` is a number here.
 */
function compareJobs(a: Job, b: Job): number {
  const aTime = a.nextRunTimeMs ?? 0;
  const bTime = b.nextRunTimeMs ?? 0;
  // `<` rather than subtraction: Infinity - Infinity would be NaN and corrupt the order.
  if (aTime !== bTime) return aTime < bTime ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The default job store: jobs in memory, lost when the process exits. `shutdown()` keeps them,
 * so a scheduler that is shut down and started again still has its jobs.
 *
 * Built for a million jobs: the Job snapshots themselves are the tree's keys (they are
 * immutable, so a key never changes under the tree), the tree stores no values, and paused
 * jobs are only in the id map. Costs: add, update and remove O(log n); `lookupJob` O(1);
 * `getNextRunTime` O(log n); `getDueJobs` O(log n + k) for k due jobs.
 */
export class MemoryJobStore implements JobStore {
  /** Every job by id; its insertion order is the order paused jobs are listed in. */
  readonly #jobs = new Map<string, Job>();
  /** Scheduled jobs (non-null next run time) as a sorted set: keys only, no values. */
  readonly #scheduled: BTree<Job, undefined> = new BTree<Job, undefined>(
    undefined,
    compareJobs,
    MAX_NODE_SIZE,
  );
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

  /** Jobs whose next run time is ≤ `now` (epoch ms), earliest first, ties by id. */
  getDueJobs(now: number): Promise<Job[]> {
    const due: Job[] = [];
    this.#scheduled.forEachPair((job) => {
      if ((job.nextRunTimeMs ?? 0) > now) return { break: true };
      due.push(job);
      return undefined;
    });
    return Promise.resolve(due);
  }

  /** {@inheritDoc JobStore.getNextRunTime} */
  getNextRunTime(): Promise<number | null> {
    return Promise.resolve(this.#scheduled.minKey()?.nextRunTimeMs ?? null);
  }

  /** Every job: scheduled ones earliest first, then paused ones in the order they were added. */
  getAllJobs(): Promise<Job[]> {
    const jobs = this.#scheduled.keysArray();
    for (const job of this.#jobs.values()) if (job.nextRunTimeMs === null) jobs.push(job);
    return Promise.resolve(jobs);
  }

  /** {@inheritDoc JobStore.addJob} */
  addJob(job: Job): Promise<void> {
    if (this.#jobs.has(job.id)) return Promise.reject(new ConflictingIdError(job.id, this.#alias));
    this.#jobs.set(job.id, job);
    if (job.nextRunTimeMs !== null) this.#scheduled.set(job, undefined);
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.updateJob} */
  updateJob(job: Job): Promise<void> {
    const old = this.#jobs.get(job.id);
    if (old === undefined) return Promise.reject(new JobLookupError(job.id, this.#alias));
    // Delete then insert even when the position is unchanged: overwriting in place would leave
    // the old snapshot referenced from the branch nodes that hold a leaf's greatest key.
    if (old.nextRunTimeMs !== null) this.#scheduled.delete(old);
    if (job.nextRunTimeMs !== null) this.#scheduled.set(job, undefined);
    this.#jobs.set(job.id, job);
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.removeJob} */
  removeJob(id: string): Promise<void> {
    const old = this.#jobs.get(id);
    if (old === undefined) return Promise.reject(new JobLookupError(id, this.#alias));
    if (old.nextRunTimeMs !== null) this.#scheduled.delete(old);
    this.#jobs.delete(id);
    return Promise.resolve();
  }

  /** {@inheritDoc JobStore.removeAllJobs} */
  removeAllJobs(): Promise<void> {
    this.#jobs.clear();
    this.#scheduled.clear();
    return Promise.resolve();
  }
}
