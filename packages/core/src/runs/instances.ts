/**
 * Counting each job's runs in progress (queued or running), what `maxInstances` bounds, by job
 * id as APScheduler does. A small chained hash table of its own, holding only the ids with runs
 * in progress: a `Map` by id cost about four times as much per run, as it grew and shrank with
 * every batch of runs (each growth and shrink a rehash) and each of its operations went through
 * a larger table. Here a run costs one hash of (at most 16 characters of) its id and a few field
 * reads and writes.
 */

/** One id with runs in progress. */
class Count {
  readonly id: string;
  readonly hash: number;
  active = 0;
  next: Count | null;

  constructor(id: string, hash: number, next: Count | null) {
    this.id = id;
    this.hash = hash;
    this.next = next;
  }
}

/** Buckets of a new table; it doubles when its counts outnumber its buckets twice. */
const INITIAL_BUCKETS = 256;

/** @internal The runs in progress of one run layer, by job id. */
export class InstanceCounts {
  #buckets: (Count | null)[] = new Array<Count | null>(INITIAL_BUCKETS).fill(null);
  #size = 0;

  /** Runs of the job `id` in progress; `hash` is {@link hashId}(id). */
  activeOf(id: string, hash = hashId(id)): number {
    return this.#find(id, hash)?.active ?? 0;
  }

  /** Counts a run of the job `id` as in progress. */
  add(id: string, hash: number): void {
    const found = this.#find(id, hash);
    if (found !== null) {
      found.active++;
      return;
    }
    if (this.#size >= 2 * this.#buckets.length) this.#grow();
    const index = hash & (this.#buckets.length - 1);
    const count = new Count(id, hash, this.#buckets[index] ?? null);
    count.active = 1;
    this.#buckets[index] = count;
    this.#size++;
  }

  /** A run of the job `id` counted by {@link add} is over. */
  release(id: string, hash: number): void {
    const index = hash & (this.#buckets.length - 1);
    let previous: Count | null = null;
    for (let at = this.#buckets[index] ?? null; at !== null; previous = at, at = at.next) {
      if (at.hash !== hash || at.id !== id) continue;
      if (--at.active > 0) return;
      if (previous === null) this.#buckets[index] = at.next;
      else previous.next = at.next;
      this.#size--;
      return;
    }
  }

  #find(id: string, hash: number): Count | null {
    for (let at = this.#buckets[hash & (this.#buckets.length - 1)] ?? null; at !== null;) {
      if (at.hash === hash && at.id === id) return at;
      at = at.next;
    }
    return null;
  }

  #grow(): void {
    const buckets = new Array<Count | null>(2 * this.#buckets.length).fill(null);
    const mask = buckets.length - 1;
    for (const head of this.#buckets) {
      for (let at = head; at !== null;) {
        const next = at.next;
        at.next = buckets[at.hash & mask] ?? null;
        buckets[at.hash & mask] = at;
        at = next;
      }
    }
    this.#buckets = buckets;
  }
}

/**
 * FNV-1a over the id's length and its first and last 8 UTF-16 code units (ids differ at one end
 * or the other: counters, dates, UUIDs, tenant prefixes), as a non-negative 31-bit number.
 */
export function hashId(id: string): number {
  const { length } = id;
  let hash = Math.imul(0x811c9dc5 ^ length, 0x01000193);
  const head = Math.min(length, 8);
  for (let index = 0; index < head; index++) {
    hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193);
  }
  for (let index = Math.max(head, length - 8); index < length; index++) {
    hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193);
  }
  return hash >>> 1;
}
