/**
 * Writing the start times of runs in flight to their stores' run ledgers (`RunLedger.start`),
 * so that a run's row says when it started while it still runs, and an abandoned run's record
 * says whether it had started. A start waits a second and goes with the others of that second
 * in one write per store: most runs end within it, and their start time then reaches the store
 * with their outcome, at no extra write.
 */
import type { ClockTimer } from '../interfaces.js';
import type { RunLedger } from '../ledger.js';
import type { RunRecord } from '../runs/run.js';
import type { Settings } from './settings.js';

/** How long a run's start waits before it is written (ms). */
export const START_WRITE_DELAY_MS = 1000;

/** Most starts in one write. */
const BATCH = 500;

/** What the start writer works with, given by the cluster room. */
export interface StartWriterParts {
  readonly settings: Settings;
  /** The store `alias`'s shared run ledger, when it is started. */
  readonly ledgerOf: (alias: string) => RunLedger | undefined;
  /** Whether the run's row is still open in its ledger with no outcome written. */
  readonly isOpen: (run: RunRecord) => boolean;
  /** A write failed (the start times still reach the store with the outcomes). */
  readonly failed: (alias: string, error: unknown, count: number) => void;
}

/** Writes the start times of one scheduler's runs that last longer than a second. */
export class StartWriter {
  readonly #parts: StartWriterParts;
  #waiting: RunRecord[] = [];
  #timer: ClockTimer | null = null;
  /** Writes in flight. */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(parts: StartWriterParts) {
    this.#parts = parts;
  }

  /** Queues a run that has just started; written in a second if it is still running then. */
  add(run: RunRecord): void {
    this.#waiting.push(run);
    if (this.#timer !== null) return;
    const timer = this.#parts.settings.clock.setTimer(() => {
      this.#timer = null;
      const write = this.#write().finally(() => this.#inFlight.delete(write));
      this.#inFlight.add(write);
    }, START_WRITE_DELAY_MS);
    timer.unref();
    this.#timer = timer;
  }

  /** Drops the starts not written yet and waits for the writes in flight (at shutdown). */
  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    this.#waiting = [];
    await Promise.all([...this.#inFlight]);
  }

  async #write(): Promise<void> {
    const runs = this.#waiting;
    this.#waiting = [];
    const byStore = new Map<string, RunRecord[]>();
    for (const run of runs) {
      if (run.outcome !== null || !this.#parts.isOpen(run)) continue;
      let batch = byStore.get(run.jobstore);
      if (batch === undefined) byStore.set(run.jobstore, (batch = []));
      batch.push(run);
    }
    for (const [alias, started] of byStore) {
      const ledger = this.#parts.ledgerOf(alias);
      if (ledger?.start === undefined) continue;
      for (let from = 0; from < started.length; from += BATCH) {
        const batch = started.slice(from, from + BATCH);
        try {
          // The lease in the rows is not written: the store keeps the one it has.
          await ledger.start(batch.map((run) => run.toRow(null, run.ledgerDocument)));
        } catch (error) {
          this.#parts.failed(alias, error, batch.length);
        }
      }
    }
  }
}
