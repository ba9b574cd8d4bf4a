/**
 * Writing run outcomes to the stores' run ledgers, in batches: the outcomes that arrive while a
 * store's previous write is in flight go together in the next one (one `finishMany`
 * transaction), so a busy scheduler makes a write per turn rather than one per run, and an idle
 * one writes each outcome at once. A claim waits for the outcomes queued before it
 * ({@link OutcomeWriter.queuedWritten}): a run that has ended here is not counted in flight by
 * its store when the job's next run asks for a `maxInstances` slot.
 */
import { NO_HISTORY } from '../jobstores/run-rows.js';
import type { RunLedger } from '../ledger.js';
import type { RunRecord } from '../runs/run.js';
import type { Settings } from './settings.js';

/** Most outcomes in one write. */
const BATCH = 500;

/** What the writer reports back for each run it was given. */
export interface OutcomeReports {
  /** The outcome is in the store (`written`: false when the store had already ended the run). */
  written(run: RunRecord, written: boolean): void;
  /** The write failed (the store is unreachable); the run may be given again later. */
  failed(alias: string, error: unknown, runs: readonly RunRecord[]): void;
}

/** The queue of outcomes of one store. */
interface Line {
  readonly waiting: RunRecord[];
  writing: boolean;
  /** Outcomes queued since the line was made, and those whose write has ended (or failed). */
  queued: number;
  ended: number;
  /**
   * Callers of {@link OutcomeWriter.queuedWritten}, each with the count it waits for, in the
   * order they came (so in the order of their counts).
   */
  readonly waiters: { until: number; resolve: () => void }[];
}

/** Writes outcomes to the run ledgers of one scheduler's stores. */
export class OutcomeWriter {
  readonly #settings: Settings;
  readonly #ledgerOf: (alias: string) => RunLedger | undefined;
  readonly #reports: OutcomeReports;
  readonly #lines = new Map<string, Line>();
  /** The ids of the runs waiting or being written. */
  readonly #pending = new Set<string>();
  /** Writes in flight. */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    settings: Settings,
    ledgerOf: (alias: string) => RunLedger | undefined,
    reports: OutcomeReports,
  ) {
    this.#settings = settings;
    this.#ledgerOf = ledgerOf;
    this.#reports = reports;
  }

  /** Whether the run's outcome waits or is being written. */
  has(run: RunRecord): boolean {
    return this.#pending.has(run.id);
  }

  /** Queues a run's outcome for its store. */
  write(run: RunRecord): void {
    if (this.#pending.has(run.id)) return;
    this.#pending.add(run.id);
    const alias = run.jobstore;
    let line = this.#lines.get(alias);
    if (line === undefined) {
      line = { waiting: [], writing: false, queued: 0, ended: 0, waiters: [] };
      this.#lines.set(alias, line);
    }
    line.waiting.push(run);
    line.queued++;
    // The outcomes of this turn go together.
    if (!line.writing && line.waiting.length === 1) queueMicrotask(() => this.#flush(alias));
  }

  /**
   * Resolves once the outcomes queued so far for store `alias` have been written (or their
   * write has failed); undefined when none is waiting or being written.
   */
  queuedWritten(alias: string): Promise<void> | undefined {
    const line = this.#lines.get(alias);
    if (line === undefined || line.ended === line.queued) return undefined;
    return new Promise((resolve) => line.waiters.push({ until: line.queued, resolve }));
  }

  /** Resolves once every queued outcome has been written (or has failed). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0 || [...this.#lines.values()].some((l) => l.waiting.length)) {
      for (const [alias, line] of this.#lines) if (!line.writing) this.#flush(alias);
      await Promise.all([...this.#inFlight]);
    }
  }

  #flush(alias: string): void {
    const line = this.#lines.get(alias);
    if (line === undefined || line.writing || line.waiting.length === 0) return;
    const runs = line.waiting.splice(0, BATCH);
    const ledger = this.#ledgerOf(alias);
    if (ledger === undefined) {
      // The store was removed: nothing to write to.
      for (const run of runs) this.#pending.delete(run.id);
      this.#ended(line, runs.length);
      this.#reports.failed(alias, undefined, runs);
      return;
    }
    line.writing = true;
    const write = this.#send(ledger, runs)
      .then(
        (written) => {
          runs.forEach((run, index) => {
            this.#pending.delete(run.id);
            this.#reports.written(run, written[index] ?? false);
          });
        },
        (error: unknown) => {
          for (const run of runs) this.#pending.delete(run.id);
          this.#reports.failed(alias, error, runs);
        },
      )
      .finally(() => {
        line.writing = false;
        this.#inFlight.delete(write);
        this.#ended(line, runs.length);
        this.#flush(alias);
      });
    this.#inFlight.add(write);
  }

  /** Counts `count` outcomes of `line` as ended, and wakes who waited for them. */
  #ended(line: Line, count: number): void {
    line.ended += count;
    // Waiters come in the order of their counts: wake them from the front.
    let first = line.waiters[0];
    while (first !== undefined && first.until <= line.ended) {
      line.waiters.shift();
      first.resolve();
      first = line.waiters[0];
    }
  }

  async #send(ledger: RunLedger, runs: readonly RunRecord[]): Promise<boolean[]> {
    const retention = this.#settings.history ?? NO_HISTORY;
    const rows = runs.map((run) => run.toRow(null, null));
    if (ledger.finishMany !== undefined) return ledger.finishMany(rows, retention);
    const written: boolean[] = [];
    for (const row of rows) written.push(await ledger.finish(row, retention));
    return written;
  }
}
