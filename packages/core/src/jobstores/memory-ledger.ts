/**
 * The memory store's run ledger: runs and nodes in this process, with the indexes that keep
 * every call proportional to what it returns rather than to the size of the history — runs by
 * id, each job's runs and all runs in the history's order, the runs in flight per job (for
 * `maxInstances`) and by lease (for `abandonLapsed`).
 */
import type {
  AbandonedRun,
  LapsedScan,
  NodeBeat,
  NodeRow,
  Retention,
  RunLedger,
  RunOpening,
  RunPosition,
  RunQuery,
  RunRow,
} from '../ledger.js';
import { compareRuns, runMatches } from './run-rows.js';

/** Removed entries an index keeps before it is compacted, beyond half its length. */
const COMPACT_SLACK = 1024;

/**
 * Run positions in the history's order, oldest first (so the usual new run, the newest, is an
 * append). A removed run's entry stays until removed entries are half of them: `lookup` tells
 * a live entry from a removed one.
 */
class RunOrder {
  /** Sorted so that `compareRuns(positions[i], positions[i + 1]) > 0`. */
  #positions: RunPosition[] = [];
  #removed = 0;
  /**
   * Entries before it are all removed ones: history is trimmed from its oldest end, so the
   * walks from that end skip them once rather than at every trim.
   */
  #start = 0;
  readonly #lookup: (position: RunPosition) => RunRow | undefined;

  /** @param lookup the run now at this position, or undefined when it was removed */
  constructor(lookup: (position: RunPosition) => RunRow | undefined) {
    this.#lookup = lookup;
  }

  /** How many live runs it holds. */
  get size(): number {
    return this.#positions.length - this.#removed;
  }

  /** Adds a position no live run holds (a removed run's entry at it comes back to life). */
  insert(position: RunPosition): void {
    const positions = this.#positions;
    const last = positions[positions.length - 1];
    if (last === undefined || compareRuns(last, position) > 0) {
      positions.push(position);
      return;
    }
    const index = this.#firstNotOlder((entry) => compareRuns(entry, position) <= 0);
    const found = positions[index];
    if (found !== undefined && compareRuns(found, position) === 0) this.#removed -= 1;
    else positions.splice(index, 0, position);
    if (index < this.#start) this.#start = index;
  }

  /** Notes that one of its runs was removed (its entry goes at the next compaction). */
  removed(): void {
    this.#removed += 1;
    if (this.#removed > COMPACT_SLACK && this.#removed * 2 > this.#positions.length) {
      this.#positions = this.#positions.filter((position) => this.#lookup(position) !== undefined);
      this.#removed = 0;
      this.#start = 0;
    }
  }

  /** The live runs, oldest first. */
  *oldestFirst(): Generator<RunRow> {
    const positions = this.#positions;
    for (let index = this.#start; index < positions.length; index += 1) {
      const position = positions[index];
      const row = position === undefined ? undefined : this.#lookup(position);
      if (row !== undefined) yield row;
      // Still a removed prefix: the next walk starts after it.
      else if (index === this.#start && positions === this.#positions) this.#start = index + 1;
    }
  }

  /** The newest live run, or undefined. */
  newest(): RunRow | undefined {
    for (let index = this.#positions.length - 1; index >= 0; index -= 1) {
      const position = this.#positions[index];
      const row = position === undefined ? undefined : this.#lookup(position);
      if (row !== undefined) return row;
    }
    return undefined;
  }

  /**
   * The live runs newest first, starting after `query.after` and at `query.until`, ending
   * before `query.since`: the other filters are the caller's.
   */
  *newestFirst(query: RunQuery): Generator<RunRow> {
    const { after, until, since } = query;
    let start = this.#positions.length;
    if (after !== undefined) {
      start = Math.min(
        start,
        this.#firstNotOlder((entry) => compareRuns(entry, after) <= 0),
      );
    }
    if (until !== undefined) {
      start = Math.min(
        start,
        this.#firstNotOlder((entry) => entry.scheduledRunTime > until),
      );
    }
    for (let index = start - 1; index >= this.#start; index -= 1) {
      const position = this.#positions[index];
      if (position === undefined) continue;
      if (since !== undefined && position.scheduledRunTime < since) return;
      const row = this.#lookup(position);
      if (row !== undefined) yield row;
    }
  }

  /** The first index whose entry `isNotOlder` holds for (it holds from there to the end). */
  #firstNotOlder(isNotOlder: (entry: RunPosition) => boolean): number {
    let low = 0;
    let high = this.#positions.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const entry = this.#positions[middle];
      if (entry !== undefined && isNotOlder(entry)) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

/** One job's runs: all of them in order, and the ids of those without an outcome. */
class JobRuns {
  readonly order: RunOrder;
  readonly inFlight = new Set<string>();

  constructor(lookup: (position: RunPosition) => RunRow | undefined) {
    this.order = new RunOrder(lookup);
  }
}

/** A lease in the lapse heap; stale once its run has an outcome or another lease. */
interface LeaseEntry {
  readonly leaseUntil: number;
  readonly id: string;
}

/**
 * The runs and nodes of a {@link MemoryJobStore}: nothing persisted, nothing shared with
 * another process, so every method is one synchronous step and needs no compare-and-set. Like
 * the store's jobs, rows are kept as given and returned as kept (a copy or a frozen copy of
 * each made writing a million runs several times slower): change no row once written or read.
 * It has no `serverTime`: its clock is the scheduler's.
 */
export class MemoryRunLedger implements RunLedger {
  /**
   * Only the scheduler of its store uses it, which records outcomes and nothing else. (A
   * subclass may say false, to stand for a shared store's ledger in tests.)
   */
  readonly local: boolean = true;
  /** Most finished runs kept in all; the oldest go first. */
  readonly #maxRuns: number;
  #runs = new Map<string, RunRow>();
  #all = new RunOrder((position) => this.#at(position));
  #jobs = new Map<string, JobRuns>();
  /** Ids of every run without an outcome. */
  #inFlight = new Set<string>();
  /** A binary min-heap of leases (earliest, then smallest id, first); may hold stale ones. */
  #leases: LeaseEntry[] = [];
  #nodes = new Map<string, NodeRow>();

  /**
   * @param options.maxRuns most finished runs kept, all jobs together (default: no bound): a
   *   memory store's history lives in the heap, so the memory store bounds it
   */
  constructor(options: { maxRuns?: number } = {}) {
    this.#maxRuns = options.maxRuns ?? Infinity;
  }

  /** How many runs it holds, finished and in flight. */
  get size(): number {
    return this.#runs.size;
  }

  /** {@inheritDoc RunLedger.open} */
  open(opening: RunOpening, now: number): Promise<boolean> {
    return Promise.resolve(this.openNow(opening, now));
  }

  /**
   * @internal What {@link open} does, synchronously, for the memory store's claim: writes
   * `opening.rows`, or `opening.refused` when the job has no free slot at `now`.
   */
  openNow(opening: RunOpening, now: number): boolean {
    const jobId = opening.rows[0]?.jobId ?? opening.refused[0]?.jobId;
    const free = jobId === undefined || this.#slotsInFlight(jobId, now) < opening.maxInstances;
    for (const row of free ? opening.rows : opening.refused) this.#put(row);
    return free;
  }

  /** {@inheritDoc RunLedger.finish} (When `local`, it inserts a run it does not hold.) */
  finish(row: RunRow, retention: Retention | null): Promise<boolean> {
    return Promise.resolve(this.#finish(row, retention));
  }

  /** {@inheritDoc RunLedger.finishMany} */
  finishMany(rows: readonly RunRow[], retention: Retention | null): Promise<boolean[]> {
    return Promise.resolve(rows.map((row) => this.#finish(row, retention)));
  }

  #finish(row: RunRow, retention: Retention | null): boolean {
    const stored = this.#runs.get(row.id);
    if (stored === undefined ? !this.local : stored.outcome !== null) return false;
    this.#put(row);
    // A finished row has its finish time; the scheduled time is the fallback for one without.
    if (retention !== null)
      this.#trim(row.jobId, retention, row.finishedAt ?? row.scheduledRunTime);
    this.#bound();
    return true;
  }

  /** Drops the oldest finished runs beyond `maxRuns` (runs in flight are never dropped). */
  #bound(): void {
    let excess = this.#runs.size - this.#inFlight.size - this.#maxRuns;
    if (excess <= 0) return;
    const dropped: RunRow[] = [];
    for (const row of this.#all.oldestFirst()) {
      if (row.outcome === null) continue;
      dropped.push(row);
      if (--excess === 0) break;
    }
    for (const row of dropped) this.#remove(row);
  }

  /** {@inheritDoc RunLedger.abandonLapsed} */
  abandonLapsed(scan: LapsedScan): Promise<AbandonedRun[]> {
    const ended: AbandonedRun[] = [];
    const leases = this.#leases;
    while (ended.length < scan.limit) {
      const top = leases[0];
      if (top === undefined || top.leaseUntil >= scan.now) break;
      const row = this.#runs.get(top.id);
      if (row === undefined || row.outcome !== null || row.leaseUntil !== top.leaseUntil) {
        popLease(leases);
        continue;
      }
      // Both rows are made before the lease leaves the heap: if either call throws, the run
      // stays in flight and is found again by the next scan.
      const abandoned = scan.abandoned(row);
      const retry = scan.retry(row);
      popLease(leases);
      const written = this.#put(abandoned);
      ended.push({ row: written, retry: retry === null ? null : this.#put(retry) });
    }
    return Promise.resolve(ended);
  }

  /** {@inheritDoc RunLedger.start} */
  start(rows: readonly RunRow[]): Promise<void> {
    for (const row of rows) {
      const stored = this.#runs.get(row.id);
      if (stored?.outcome === null && stored.schedulerId === row.schedulerId) {
        this.#put({ ...row, leaseUntil: stored.leaseUntil });
      }
    }
    return Promise.resolve();
  }

  /** {@inheritDoc RunLedger.beat} */
  beat(beat: NodeBeat): Promise<void> {
    const { id, host, pid, startedAt, now } = beat;
    this.#nodes.set(id, Object.freeze({ id, host, pid, startedAt, lastSeen: now }));
    for (const runId of beat.runIds) {
      const row = this.#runs.get(runId);
      if (row !== undefined && row.schedulerId === id && row.outcome === null) {
        this.#put({ ...row, leaseUntil: beat.leaseUntil });
      }
    }
    for (const node of this.#nodes.values()) {
      if (node.lastSeen < beat.pruneBefore) this.#nodes.delete(node.id);
    }
    return Promise.resolve();
  }

  /** {@inheritDoc RunLedger.leave} */
  leave(nodeId: string): Promise<void> {
    this.#nodes.delete(nodeId);
    return Promise.resolve();
  }

  /** {@inheritDoc RunLedger.getNodes} */
  getNodes(): Promise<NodeRow[]> {
    const ids = [...this.#nodes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return Promise.resolve(ids.flatMap((id) => this.#nodes.get(id) ?? []));
  }

  /**
   * {@inheritDoc RunLedger.getRuns}
   * Walks the job's runs (or all runs) in order from the query's start, so a page costs what
   * it returns plus the runs its filters pass over; runs in flight come from their own index.
   */
  getRuns(query: RunQuery): Promise<RunRow[]> {
    const found: RunRow[] = [];
    if (query.limit <= 0) return Promise.resolve(found);
    const job = query.jobId === undefined ? undefined : this.#jobs.get(query.jobId);
    if (query.jobId !== undefined && job === undefined) return Promise.resolve(found);
    const { outcomes } = query;
    if (outcomes !== undefined && outcomes.every((outcome) => outcome === null)) {
      for (const id of job?.inFlight ?? this.#inFlight) {
        const row = this.#runs.get(id);
        if (row !== undefined && runMatches(row, query)) found.push(row);
      }
      return Promise.resolve(found.sort(compareRuns).slice(0, query.limit));
    }
    for (const row of (job?.order ?? this.#all).newestFirst(query)) {
      if (!runMatches(row, query)) continue;
      found.push(row);
      if (found.length >= query.limit) break;
    }
    return Promise.resolve(found);
  }

  /** {@inheritDoc RunLedger.lastRuns} */
  lastRuns(jobIds: readonly string[]): Promise<Map<string, RunRow>> {
    const last = new Map<string, RunRow>();
    for (const jobId of jobIds) {
      const row = this.#jobs.get(jobId)?.order.newest();
      if (row !== undefined) last.set(jobId, row);
    }
    return Promise.resolve(last);
  }

  /** {@inheritDoc RunLedger.clear} */
  clear(): Promise<void> {
    this.#runs = new Map();
    this.#all = new RunOrder((position) => this.#at(position));
    this.#jobs = new Map();
    this.#inFlight = new Set();
    this.#leases = [];
    this.#nodes = new Map();
    return Promise.resolve();
  }

  /** The run now at a position, or undefined when none is (it was removed or moved). */
  #at(position: RunPosition): RunRow | undefined {
    const row = this.#runs.get(position.id);
    return row?.scheduledRunTime === position.scheduledRunTime ? row : undefined;
  }

  /** How many distinct slots the job's runs without an outcome and with a live lease hold. */
  #slotsInFlight(jobId: string, now: number): number {
    const job = this.#jobs.get(jobId);
    if (job === undefined) return 0;
    const slots = new Set<string>();
    for (const id of job.inFlight) {
      const row = this.#runs.get(id);
      if (row?.leaseUntil != null && row.leaseUntil >= now) slots.add(row.slot);
    }
    return slots.size;
  }

  /** Writes a row (replacing the one with its id) and indexes it; the row as stored. */
  #put(row: RunRow): RunRow {
    const old = this.#runs.get(row.id);
    if (old !== undefined) this.#remove(old);
    this.#runs.set(row.id, row);
    let job = this.#jobs.get(row.jobId);
    if (job === undefined) {
      const { jobId } = row;
      job = new JobRuns((position) => {
        const found = this.#at(position);
        return found?.jobId === jobId ? found : undefined;
      });
      this.#jobs.set(jobId, job);
    }
    this.#all.insert(row);
    job.order.insert(row);
    if (row.outcome === null) {
      job.inFlight.add(row.id);
      this.#inFlight.add(row.id);
      if (row.leaseUntil !== null) this.#pushLease({ leaseUntil: row.leaseUntil, id: row.id });
    }
    return row;
  }

  /** Removes a stored row from the runs and every index (the lapse heap drops it lazily). */
  #remove(row: RunRow): void {
    this.#runs.delete(row.id);
    this.#all.removed();
    this.#inFlight.delete(row.id);
    const job = this.#jobs.get(row.jobId);
    if (job === undefined) return;
    job.order.removed();
    job.inFlight.delete(row.id);
    if (job.order.size === 0) this.#jobs.delete(row.jobId);
  }

  /** Deletes the job's finished runs that `retention` drops at `now`. */
  /**
   * Drops what `rowsToTrim` would, walking from the oldest run: the oldest finished ones while
   * more than `keep` are, then finished ones older than `maxAge` (a job at its `keep`, the
   * usual case, loses one run per run).
   */
  #trim(jobId: string, retention: Retention, now: number): void {
    const job = this.#jobs.get(jobId);
    if (job === undefined) return;
    let finished = job.order.size - job.inFlight.size;
    const cutoff = now - retention.maxAge * 1000;
    const dropped: RunRow[] = [];
    for (const row of job.order.oldestFirst()) {
      if (finished <= retention.keep && row.scheduledRunTime >= cutoff) break;
      if (row.outcome === null) continue;
      dropped.push(row);
      finished -= 1;
    }
    for (const row of dropped) this.#remove(row);
  }

  #pushLease(entry: LeaseEntry): void {
    // Renewed leases leave stale entries behind; rebuild once they outnumber the live ones.
    if (this.#leases.length > 2 * this.#inFlight.size + COMPACT_SLACK) this.#rebuildLeases();
    pushLease(this.#leases, entry);
  }

  #rebuildLeases(): void {
    const leases: LeaseEntry[] = [];
    for (const id of this.#inFlight) {
      const leaseUntil = this.#runs.get(id)?.leaseUntil;
      if (leaseUntil != null) leases.push({ leaseUntil, id });
    }
    // A sorted array is a valid min-heap.
    this.#leases = leases.sort(compareLeases);
  }
}

/** Earlier lease first, then the smaller id (so scans are deterministic). */
function compareLeases(a: LeaseEntry, b: LeaseEntry): number {
  if (a.leaseUntil !== b.leaseUntil) return a.leaseUntil - b.leaseUntil;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Adds an entry to the lease heap. */
function pushLease(heap: LeaseEntry[], entry: LeaseEntry): void {
  let index = heap.length;
  heap.push(entry);
  while (index > 0) {
    const parent = (index - 1) >> 1;
    const above = heap[parent];
    if (above === undefined || compareLeases(above, entry) <= 0) break;
    heap[index] = above;
    index = parent;
  }
  heap[index] = entry;
}

/** Removes the earliest entry of the lease heap. */
function popLease(heap: LeaseEntry[]): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  let index = 0;
  for (;;) {
    const left = 2 * index + 1;
    const leftEntry = heap[left];
    if (leftEntry === undefined) break;
    const rightEntry = heap[left + 1];
    const [child, below] =
      rightEntry !== undefined && compareLeases(rightEntry, leftEntry) < 0
        ? [left + 1, rightEntry]
        : [left, leftEntry];
    if (compareLeases(last, below) <= 0) break;
    heap[index] = below;
    index = child;
  }
  heap[index] = last;
}
