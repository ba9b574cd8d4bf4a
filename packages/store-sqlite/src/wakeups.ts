/**
 * How a SQLite job store learns that another connection (usually another process) changed the
 * jobs: SQLite has no notifications, but `PRAGMA data_version` changes on a connection whenever
 * another connection commits. Reading it costs no I/O, so it is polled.
 */

/** What a {@link CommitWatch} calls. */
export interface CommitWatchHandlers {
  /** Reads `PRAGMA data_version` on the store's connection. */
  readVersion(): number;
  /** Another connection committed since the last check. */
  onCommit(): void;
  /**
   * A check failed. Called for the first failure of a run of failures only, so a connection
   * that stays broken does not flood the log; the checks go on.
   */
  onError(error: unknown): void;
}

/**
 * Checks `PRAGMA data_version` every `intervalMs` on a real timer (not the scheduler's clock:
 * other processes commit in real time), which does not keep the process alive. Nothing it
 * calls can throw out of the timer.
 */
export class CommitWatch {
  readonly #handlers: CommitWatchHandlers;
  readonly #timer: NodeJS.Timeout;
  #version: number | null = null;
  #failing = false;

  /** Reads the current version and starts checking. */
  constructor(handlers: CommitWatchHandlers, intervalMs: number) {
    this.#handlers = handlers;
    this.#version = this.#read();
    this.#timer = setInterval(() => this.check(), intervalMs);
    this.#timer.unref();
  }

  /** Checks once now: calls `onCommit` when the version changed since the last check. */
  check(): void {
    const version = this.#read();
    if (version === null || version === this.#version) return;
    this.#version = version;
    try {
      this.#handlers.onCommit();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Stops checking. */
  stop(): void {
    clearInterval(this.#timer);
  }

  #read(): number | null {
    try {
      const version = this.#handlers.readVersion();
      this.#failing = false;
      return version;
    } catch (error) {
      this.#fail(error);
      return null;
    }
  }

  #fail(error: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    try {
      this.#handlers.onError(error);
    } catch {
      // A logger that throws must not take the timer down with it.
    }
  }
}
