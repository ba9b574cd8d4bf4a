/**
 * The scheduler's side of the run ledgers of its stores: the run rows each claim opens, the
 * heartbeat that renews this scheduler's leases (every third of `leaseSeconds`), the scan that
 * ends the runs of dead schedulers as abandoned and starts their retries (at start and every
 * half of `leaseSeconds`), the start of each run that lasts over a second and each outcome
 * recorded in its store (outcomes retried until they are written), and the store's clock (the
 * offset measured at each beat). Stores without a ledger are left out.
 */
import { hostname } from 'node:os';
import { ConfigurationError, MaxInstancesReachedError } from '../errors.js';
import { EVENT_JOB_ABANDONED, JobAbandonedEvent } from '../events.js';
import type { ClockTimer, JobState } from '../interfaces.js';
import type { Job } from '../job.js';
import { endedRow } from '../jobstores/run-rows.js';
import type {
  AbandonedRun,
  NodeBeat,
  NodeRow,
  RunClaim,
  RunLedger,
  RunOpening,
  RunRow,
} from '../ledger.js';
import type { Listeners } from '../listeners.js';
import { processLives } from '../proc.js';
import type { RunLayer } from '../runs/layer.js';
import type { RunRecord } from '../runs/run.js';
import { StoredRun } from '../runs/stored-run.js';
import type { Components } from './components.js';
import { OutcomeWriter } from './outcomes.js';
import type { Settings } from './settings.js';
import { StartWriter } from './starts.js';

/** How far a store's clock may be from the scheduler's before a warning (ms). */
const CLOCK_WARNING_MS = 1000;
/** Nodes not seen for this long (a day) are pruned. */
const NODE_PRUNE_MS = 86_400_000;
/** Most lapsed runs one scan ends per store. */
const SCAN_LIMIT = 100;

/** What the cluster room works with, given by its scheduler. */
export interface ClusterParts {
  readonly settings: Settings;
  readonly components: Components;
  readonly runs: RunLayer;
  readonly listeners: Listeners;
  /**
   * Whether the scheduler takes runs now (running, not paused): only then does its scan end
   * lapsed runs, so that a paused scheduler (a `kairos jobs` command) never takes a retry.
   */
  readonly takesRuns: () => boolean;
}

/** The run ledgers of one scheduler's stores. */
export class Cluster {
  readonly #parts: ClusterParts;
  /** Each ledger store's clock minus the scheduler's (ms), as last measured. */
  readonly #offsets = new Map<string, number>();
  /** The offset last warned of per store, so a steady offset is logged once. */
  readonly #warnedOffsets = new Map<string, number>();
  /** Runs whose row is open in a ledger and whose outcome is not written yet, by run id. */
  readonly #open = new Map<string, RunRecord>();
  /** The ledgers of stores being removed, until their runs here are written (`retire`). */
  readonly #retiring = new Map<string, RunLedger>();
  /** Told each time runs leave `#open`: `retire` waits on them. */
  readonly #whenWritten = new Set<() => void>();
  /** Writes the outcomes, batched per store. */
  readonly #outcomes: OutcomeWriter;
  /** Writes the start times of the runs that outlast a second, batched per store. */
  readonly #starts: StartWriter;
  /** The armed timers of the heartbeat and the scan, by name; empty when not armed. */
  readonly #timers = new Map<'beat' | 'scan', ClockTimer>();
  #startedAt = 0;
  /** Between `start()` and `stop()`. */
  #running = false;

  constructor(parts: ClusterParts) {
    this.#parts = parts;
    this.#outcomes = new OutcomeWriter(parts.settings, (alias) => this.ledgerOf(alias), {
      written: (run, written) => this.#written(run, written),
      failed: (alias, error, runs) => this.#notWritten(alias, error, runs),
    });
    this.#starts = new StartWriter({
      settings: parts.settings,
      ledgerOf: (alias) => this.sharedLedgerOf(alias),
      isOpen: (run) => this.#open.has(run.id),
      failed: (alias, error, count) => {
        const action = `recording the start of ${count} run(s)`;
        parts.settings.log.warn(
          `Error ${action} in job store '${alias}'; their start times are written with their outcomes`,
          error,
        );
        parts.listeners.reportError('jobstore', alias, error, action);
      },
    });
    parts.runs.recordWith({
      started: (run) => {
        if (this.#open.has(run.id)) this.#starts.add(run);
      },
      finished: (run) => this.#record(run),
    });
  }

  /** The store `alias`'s run ledger, when it is started and has one. */
  ledgerOf(alias: string): RunLedger | undefined {
    return this.#parts.components.stores.get(alias)?.ledger ?? this.#retiring.get(alias);
  }

  /**
   * The store `alias`'s ledger when other schedulers may share it (not `local`): then its runs
   * are opened with their claim, leased and counted across schedulers. A local ledger (the
   * memory store's) only records outcomes.
   */
  sharedLedgerOf(alias: string): RunLedger | undefined {
    const ledger = this.ledgerOf(alias);
    return ledger?.local === true ? undefined : ledger;
  }

  /** The time on store `alias`'s clock: the scheduler's plus the measured offset. */
  now(alias: string): number {
    return this.#parts.settings.clock.now() + (this.#offsets.get(alias) ?? 0);
  }

  /** A time on store `alias`'s clock as the scheduler's clock reads it. */
  hostTime(alias: string, storeTime: number): number {
    return storeTime - (this.#offsets.get(alias) ?? 0);
  }

  /**
   * At start, once the stores are: measure clocks, beat, end lapsed runs (unless starting
   * paused), arm the timers.
   */
  async start(paused: boolean): Promise<void> {
    this.#startedAt = this.#parts.settings.clock.now();
    this.#running = true;
    this.#parts.runs.newSeries();
    await this.#checkIdFree();
    await this.#beat();
    await this.#endEarlierLife();
    if (!paused) await this.#scan();
    this.#arm();
  }

  /**
   * Refuses to start under the id of a scheduler that still beats: this one would take that
   * one's runs in flight for the leftovers of its own earlier start, end them as abandoned and
   * run them again. Alive: a beat within `leaseSeconds`, and not this host's earlier process
   * (one that no longer runs, or this very pid: a container's process 1 after a restart).
   * @throws ConfigurationError naming the id, the store and the live scheduler
   */
  async #checkIdFree(): Promise<void> {
    const { schedulerId: id, leaseSeconds, clock } = this.#parts.settings;
    for (const [alias, ledger] of this.#ledgers()) {
      let nodes: NodeRow[];
      try {
        nodes = await ledger.getNodes();
      } catch {
        continue; // the beat that follows reports what is wrong with the store
      }
      const node = nodes.find((candidate) => candidate.id === id);
      if (node === undefined) continue;
      // The store's clock is not measured yet: a beat that old is gone on either clock.
      const silentMs = clock.now() - node.lastSeen;
      if (silentMs > leaseSeconds * 1000) continue;
      if (node.host === hostname() && (node.pid === process.pid || !processLives(node.pid)))
        continue;
      throw new ConfigurationError(
        'schedulerId',
        `'${id}' is the id of a scheduler alive in job store '${alias}' (host ${node.host}, ` +
          `pid ${node.pid}, last beat ${Math.max(0, Math.round(silentMs / 1000))} s ago); give ` +
          `each scheduler an id of its own (a replica's name, not its service's), or start ` +
          `this one once that one has stopped beating for ${leaseSeconds} s`,
      );
    }
  }

  /**
   * Runs left in flight under this scheduler's id by an earlier start of it (a process
   * restarted with a stable `schedulerId` after it was killed): no one else can hold them, so
   * their leases are ended now, and the scan ends them as abandoned at once rather than when
   * the leases lapse (until then they would hold their jobs' `maxInstances` slots).
   */
  async #endEarlierLife(): Promise<void> {
    const { settings } = this.#parts;
    const id = settings.schedulerId;
    for (const [alias, ledger] of this.#ledgers()) {
      try {
        const stale: string[] = [];
        let after: RunRow | undefined;
        for (;;) {
          const page = await ledger.getRuns({
            outcomes: [null],
            limit: 500,
            ...(after === undefined ? {} : { after }),
          });
          for (const row of page) if (row.schedulerId === id) stale.push(row.id);
          after = page[page.length - 1];
          if (page.length < 500) break;
        }
        if (stale.length === 0) continue;
        settings.log.warn(
          `Scheduler ${id} started again with ${stale.length} run(s) of its earlier start ` +
            `still in flight in job store '${alias}'; they are ended as abandoned`,
        );
        const now = this.now(alias);
        await ledger.beat(this.#nodeBeat(now, now - 1, stale));
      } catch (error) {
        this.#failed(alias, error, 'ending the runs of its earlier start');
      }
    }
  }

  /**
   * Arms the heartbeat and the scan when a shared ledger is started and they are not armed: at
   * start, and at each claim (a store added to a running scheduler). A scheduler alone with
   * its stores (none shared) has no one to beat for.
   */
  #arm(): void {
    if (this.#timers.size > 0 || !this.#running) return;
    if (this.#ledgers().next().done === true) return;
    const { leaseSeconds } = this.#parts.settings;
    this.#every('beat', (leaseSeconds * 1000) / 3, () => this.#beat());
    this.#every('scan', (leaseSeconds * 1000) / 2, () =>
      this.#parts.takesRuns() ? this.#scan() : Promise.resolve(),
    );
  }

  /** Runs `action` every `ms` (each run timed from the end of the one before) until `stop()`. */
  #every(name: 'beat' | 'scan', ms: number, action: () => Promise<void>): void {
    const timer = this.#parts.settings.clock.setTimer(() => {
      void action().finally(() => {
        if (this.#timers.get(name) === timer) this.#every(name, ms, action);
      });
    }, ms);
    timer.unref();
    this.#timers.set(name, timer);
  }

  /**
   * At shutdown, after the executors (every run has its outcome) and before the stores: the
   * outcomes are written (a failed write is tried once more), and the node leaves.
   */
  async stop(): Promise<void> {
    this.#running = false;
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
    await this.#starts.stop();
    await this.#outcomes.settled();
    // Outcomes whose write failed: once more.
    for (const run of this.#open.values()) if (run.outcome !== null) this.#outcomes.write(run);
    await this.#outcomes.settled();
    for (const [alias, ledger] of this.#ledgers()) {
      try {
        await ledger.leave(this.#parts.settings.schedulerId);
      } catch (error) {
        this.#failed(alias, error, 'removing this scheduler from the nodes');
      }
    }
    for (const run of this.#open.values()) {
      this.#parts.settings.log.warn(
        `The outcome of run ${run.id} of job "${run.jobName}" (${run.outcome ?? 'in flight'}) ` +
          `could not be written to job store '${run.jobstore}' before shutdown; another ` +
          `scheduler will end it as abandoned when its lease lapses` +
          (run.job.onAbandoned === 'retry' && run.attempt < run.job.maxRetries
            ? ` and, as its job says onAbandoned: 'retry', run it again`
            : ''),
      );
    }
    this.#open.clear();
    this.#tellWritten();
  }

  /**
   * While store `alias` is removed (taken out of the scheduler already): waits until its runs in
   * flight here have ended and their outcomes are written (their leases renewed meanwhile), then
   * leaves its nodes. Ends early when the scheduler shuts down, which writes what it can.
   */
  async retire(alias: string, ledger: RunLedger | undefined): Promise<void> {
    if (ledger === undefined || ledger.local === true) return;
    this.#retiring.set(alias, ledger);
    try {
      while (this.#running && this.#hasOpenRuns(alias)) {
        await new Promise<void>((resolve) => this.#whenWritten.add(resolve));
      }
      await this.outcomesWritten(alias);
      try {
        await ledger.leave(this.#parts.settings.schedulerId);
      } catch (error) {
        this.#failed(alias, error, 'removing this scheduler from the nodes');
      }
    } finally {
      this.#retiring.delete(alias);
    }
  }

  #hasOpenRuns(alias: string): boolean {
    for (const run of this.#open.values()) if (run.jobstore === alias) return true;
    return false;
  }

  /**
   * Resolves once the outcomes this scheduler has queued for store `alias` are written; undefined
   * when none waits. Claims and `runJob` wait for it, so that the store does not count a run that
   * has ended here as still in flight against the job's `maxInstances`.
   */
  outcomesWritten(alias: string): Promise<void> | undefined {
    return this.#outcomes.queuedWritten(alias);
  }

  /**
   * What a claim on store `alias` writes for each job it wins: the runs `plan(job)` gives,
   * in flight under this scheduler's lease, or refused. `opened` receives each submission.
   */
  claimRuns(
    alias: string,
    now: number,
    plan: (job: Job) => RunRecord,
    opened: (first: RunRecord) => void,
  ): RunClaim {
    this.#arm();
    return {
      open: (job) => {
        const first = plan(job);
        opened(first);
        return this.#opening(alias, first, now);
      },
    };
  }

  /** Takes the runs of a submission its store opened: their outcomes are to be written. */
  track(first: RunRecord): void {
    const offset = this.#offsets.get(first.jobstore) ?? 0;
    for (let run: RunRecord | null = first; run !== null; run = run.nextInSubmission) {
      run.offsetMs = offset;
      this.#open.set(run.id, run);
    }
  }

  /**
   * `runJob`: in a shared store, opens the run there (counting `maxInstances` across its
   * schedulers; a refusal is reported, not thrown) and runs it; elsewhere submits it here.
   * @throws ComponentLookupError; outside a shared store also MaxInstancesReachedError and
   *   ExecutorQueueFullError
   */
  async runJob(job: Job): Promise<void> {
    const { runs } = this.#parts;
    const ledger = this.sharedLedgerOf(job.jobstore);
    if (ledger === undefined) {
      runs.submitNow(job, this.ledgerOf(job.jobstore) !== undefined);
      return;
    }
    runs.checkExecutor(job.executor);
    await this.outcomesWritten(job.jobstore);
    const now = this.now(job.jobstore);
    const first = runs.prepare(job, [now], [], now);
    const opened = await ledger.open(this.#opening(job.jobstore, first, now), now);
    if (opened) {
      this.track(first);
      runs.submitOpened(first, now);
    } else {
      runs.refuseOpened(first, now);
    }
  }

  #opening(alias: string, first: RunRecord, now: number): RunOpening {
    const { job } = first;
    const leaseUntil = now + this.#parts.settings.leaseSeconds * 1000;
    const document = this.#document(alias, job);
    const rows: RunRow[] = [];
    for (let run: RunRecord | null = first; run !== null; run = run.nextInSubmission) {
      run.ledgerDocument = document;
      rows.push(run.toRow(leaseUntil, document));
    }
    let refused: RunRow[] | null = null;
    return {
      rows,
      // Made when a store reads them: most claims refuse nothing.
      get refused(): RunRow[] {
        return (refused ??= refusedRows(rows, job.maxInstances, now));
      },
      maxInstances: job.maxInstances,
    };
  }

  /**
   * The job as its store would keep it, for a retry (jobs with `onAbandoned: 'retry'`); null
   * for the others, and when it cannot be stored.
   */
  #document(alias: string, job: Job): string | null {
    if (job.onAbandoned !== 'retry') return null;
    try {
      return JSON.stringify(this.#parts.components.storeContext(alias).serializeJob(job));
    } catch {
      // A function task in the memory store: it cannot be retried by another process anyway.
      return null;
    }
  }

  #record(run: RunRecord): void {
    // Runs of a local ledger are not opened: they are recorded at their outcome, if kept at all.
    const recorded =
      this.#open.has(run.id) ||
      (this.sharedLedgerOf(run.jobstore) === undefined && this.#parts.settings.history !== null);
    if (recorded) this.#outcomes.write(run);
  }

  #written(run: RunRecord, written: boolean): void {
    this.#open.delete(run.id);
    this.#tellWritten();
    if (written) return;
    this.#parts.settings.log.warn(
      `Run ${run.id} of job "${run.jobName}" (id ${run.jobId}) ended ${run.outcome ?? ''} ` +
        `after another scheduler had ended it as abandoned (its lease lapsed: this scheduler ` +
        `could not reach job store '${run.jobstore}' for ${this.#parts.settings.leaseSeconds} ` +
        `s); the store keeps 'abandoned'`,
    );
  }

  /** Wakes what waits for runs to leave `#open`. */
  #tellWritten(): void {
    for (const resolve of this.#whenWritten) resolve();
    this.#whenWritten.clear();
  }

  /** A failed write: the runs stay open, their leases renewed, and are written again. */
  #notWritten(alias: string, error: unknown, runs: readonly RunRecord[]): void {
    if (this.#parts.components.stores.has(alias) || this.#retiring.has(alias)) {
      this.#failed(alias, error, `recording the outcome of ${runs.length} run(s)`);
      return;
    }
    for (const run of runs) this.#open.delete(run.id);
    this.#tellWritten();
    this.#parts.settings.log.warn(
      `The outcome of ${runs.length} run(s) could not be recorded: job store '${alias}' was removed`,
    );
  }

  /** The stores with a ledger other schedulers may share (not `local`): started, or being removed. */
  *#ledgers(): Generator<[string, RunLedger]> {
    for (const alias of this.#parts.components.stores.keys()) {
      const ledger = this.sharedLedgerOf(alias);
      if (ledger !== undefined) yield [alias, ledger];
    }
    // Stores being removed: their runs here still need leases and outcomes.
    yield* this.#retiring;
  }

  /** One heartbeat per ledger store; outcomes whose write failed are written again. */
  async #beat(): Promise<void> {
    const { settings } = this.#parts;
    for (const [alias, ledger] of this.#ledgers()) {
      try {
        await this.#measureClock(alias, ledger);
        const now = this.now(alias);
        const runIds: string[] = [];
        for (const run of this.#open.values()) if (run.jobstore === alias) runIds.push(run.id);
        await ledger.beat(this.#nodeBeat(now, now + settings.leaseSeconds * 1000, runIds));
      } catch (error) {
        this.#failed(alias, error, 'renewing the leases of its runs');
      }
    }
    for (const run of this.#open.values()) {
      // Open with an outcome and no write waiting: its write failed.
      if (run.outcome !== null && !this.#outcomes.has(run)) this.#outcomes.write(run);
    }
  }

  /** This scheduler's heartbeat at `now`, giving `runIds` the lease `leaseUntil`. */
  #nodeBeat(now: number, leaseUntil: number, runIds: readonly string[]): NodeBeat {
    return {
      id: this.#parts.settings.schedulerId,
      host: hostname(),
      pid: process.pid,
      startedAt: this.#startedAt,
      now,
      leaseUntil,
      runIds,
      pruneBefore: now - NODE_PRUNE_MS,
    };
  }

  /** Measures the offset of a store's clock; warns when it is over a second. */
  async #measureClock(alias: string, ledger: RunLedger): Promise<void> {
    if (ledger.serverTime === undefined) return;
    const { clock, log } = this.#parts.settings;
    const server = await ledger.serverTime();
    const after = clock.now();
    // The server read its clock between the request and `after`: the smallest offset it may
    // have is taken, so that a run never starts before its time on this host when the clocks
    // agree (the midpoint started runs up to half a round trip early); at worst a run starts
    // half a round trip late.
    const offset = Math.floor(server - after);
    this.#offsets.set(alias, offset);
    const warned = this.#warnedOffsets.get(alias);
    if (Math.abs(offset) > CLOCK_WARNING_MS) {
      if (warned === undefined || Math.abs(warned - offset) > CLOCK_WARNING_MS / 2) {
        this.#warnedOffsets.set(alias, offset);
        log.warn(
          `This host's clock is ${Math.abs(offset)} ms ${offset > 0 ? 'behind' : 'ahead of'} ` +
            `job store '${alias}''s; due runs and leases follow the store's clock (sync this ` +
            `host with NTP)`,
        );
      }
    } else {
      this.#warnedOffsets.delete(alias);
    }
  }

  /** Ends the lapsed runs of every ledger store; starts the retries this scheduler won. */
  async #scan(): Promise<void> {
    for (const [alias, ledger] of this.#ledgers()) {
      const now = this.now(alias);
      const retries = new Map<string, RunRecord>();
      let ended: AbandonedRun[];
      try {
        ended = await ledger.abandonLapsed({
          now,
          limit: SCAN_LIMIT,
          abandoned: (row) => endedRow(row, { outcome: 'abandoned', finishedAt: now }),
          retry: (row) => this.#retry(alias, row, now, retries),
        });
      } catch (error) {
        this.#failed(alias, error, 'looking for abandoned runs');
        continue;
      }
      for (const { row, retry } of ended) this.#abandoned(alias, row, retry, retries, now);
    }
  }

  /** The retry row of an abandoned run, or null; its record waits in `retries`. */
  #retry(alias: string, row: RunRow, now: number, retries: Map<string, RunRecord>): RunRow | null {
    if (row.onAbandoned !== 'retry' || row.attempt >= row.maxRetries || row.job === null) {
      return null;
    }
    let job: Job;
    try {
      job = this.#parts.components
        .storeContext(alias)
        .restoreJob(JSON.parse(row.job) as JobState, alias);
    } catch (error) {
      this.#parts.settings.log.error(
        `Run ${row.id} of job "${row.jobName}" (id ${row.jobId}) was abandoned and is not ` +
          `retried: its job cannot be restored`,
        error,
      );
      return null;
    }
    const first = this.#parts.runs.prepare(
      job,
      [row.scheduledRunTime],
      row.coalescedRunTimes,
      now,
      row.attempt + 1,
    );
    retries.set(first.id, first);
    first.ledgerDocument = row.job;
    return first.toRow(now + this.#parts.settings.leaseSeconds * 1000, row.job);
  }

  #abandoned(
    alias: string,
    row: RunRow,
    retry: RunRow | null,
    retries: Map<string, RunRecord>,
    now: number,
  ): void {
    const { settings, listeners, runs } = this.#parts;
    const run = new StoredRun(row);
    settings.log.warn(
      `Run ${row.id} of job "${row.jobName}" (id ${row.jobId}, scheduled at ` +
        `${run.scheduledRunTime.toISOString()}) was abandoned: ${this.#whyLapsed(row)}. ` +
        (retry === null
          ? row.onAbandoned === 'retry'
            ? `It has had its ${row.maxRetries} retr${row.maxRetries === 1 ? 'y' : 'ies'}; not run again`
            : `Not run again (onAbandoned: 'fail')`
          : `Retrying it (attempt ${retry.attempt} of ${row.maxRetries})`),
    );
    listeners.emit(EVENT_JOB_ABANDONED, () => new JobAbandonedEvent(alias, run, retry !== null));
    const first = retry === null ? undefined : retries.get(retry.id);
    if (first === undefined) return;
    this.track(first);
    runs.submitOpened(first, now);
  }

  /** Why a run's lease lapsed, as far as this scheduler can tell. */
  #whyLapsed(row: RunRow): string {
    if (row.schedulerId !== this.#parts.settings.schedulerId) {
      return `its scheduler ${row.schedulerId} stopped renewing its lease`;
    }
    return this.#open.has(row.id)
      ? 'this scheduler could not renew its lease (its job store was unreachable for longer ' +
          'than leaseSeconds)'
      : "this scheduler's claim of it failed after the store had written it (the store's " +
          'reply was lost), so it never started';
  }

  #failed(alias: string, error: unknown, action: string): void {
    this.#parts.settings.log.warn(`Error ${action} in job store '${alias}'; retrying`, error);
    this.#parts.listeners.reportError('jobstore', alias, error, action);
  }
}

/** The runs of a submission ended `skipped` for `maxInstances` (no error made: no stack taken). */
function refusedRows(rows: readonly RunRow[], maxInstances: number, now: number): RunRow[] {
  const [first] = rows;
  if (first === undefined) return [];
  const error = {
    name: 'MaxInstancesReachedError',
    message: MaxInstancesReachedError.message(first.jobName, first.jobId, maxInstances),
    stack: null,
  };
  return rows.map((row) => endedRow(row, { outcome: 'skipped', finishedAt: now, error }));
}
