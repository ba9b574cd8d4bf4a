/**
 * Wake-ups from other processes: a change stream on the jobs collection where the server has
 * them (replica sets, sharded clusters), and polling the earliest next run time where it does
 * not (a standalone server) or while the stream is down.
 */
import { JobStoreError, type JobStoreContext } from '@kairos/core';
import type { WakeupChange } from './queries.js';
import { codeOf } from './schema.js';

/** The part of a driver `ChangeStream` the watcher uses. */
export interface ChangeFeed {
  on(event: 'change', listener: (change: WakeupChange) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'resumeTokenChanged', listener: () => void): unknown;
  close(): Promise<void>;
}

/** What a {@link ChangeWatcher} watches and whom it wakes. */
export interface ChangeWatcherOptions {
  /**
   * A change stream of the wake-up pipeline, not started yet (it starts when its `change`
   * event gets a listener). May throw.
   */
  readonly watch: () => ChangeFeed;
  /** The earliest next run time of the jobs the store can restore (its `getNextRunTime`). */
  readonly earliest: () => Promise<number | null>;
  /** Whom to wake, and where to log. */
  readonly context: JobStoreContext;
  /** Milliseconds between polls. */
  readonly pollIntervalMs: number;
  /** Names the store in log lines. */
  readonly where: string;
  /**
   * How long a new stream may take to confirm it is open (ms): its first, empty batch brings a
   * resume token. Should that never come, the stream is used all the same after this wait.
   * Default 10 s.
   */
  readonly openTimeoutMs?: number;
}

const DEFAULT_OPEN_TIMEOUT_MS = 10_000;

/**
 * Calls `context.wakeup(nextRunTime)` when another store instance adds or replaces a scheduled
 * job. With a change stream that happens as soon as the server reports the write; without one,
 * a poll every `pollIntervalMs` reads the earliest next run time and wakes the scheduler when
 * it changed. A stream that fails is replaced by polling, and reopened from the polls; a
 * server that cannot stream at all (a standalone one) is polled from the start. Nothing is
 * thrown out of timers or event handlers: problems are logged as warnings, once per outage.
 */
export class ChangeWatcher {
  readonly #options: ChangeWatcherOptions;
  /** The open (or opening) change stream. */
  #feed: ChangeFeed | null = null;
  /** Settles a pending open as failed, so `stop()` does not wait for it. */
  #cancelOpen: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  /** False once the server said it has no change streams for us: then only polls. */
  #streamPossible = true;
  /** The earliest next run time the last poll saw; undefined: none yet, wake on the next. */
  #seen: number | null | undefined;
  /** Whether polls are failing; the first failure of a run of them is logged. */
  #pollFailing = false;

  constructor(options: ChangeWatcherOptions) {
    this.#options = options;
  }

  /** Whether wake-ups come from a change stream now (else from polls). */
  get streaming(): boolean {
    return this.#feed !== null;
  }

  /**
   * Opens the change stream, or starts polling when that fails. Resolves once changes made
   * from now on will be noticed.
   * @throws the driver's error when the first poll fails (the server is unreachable)
   */
  async start(): Promise<void> {
    try {
      await this.#open();
      return;
    } catch (error) {
      if (this.#stopped) return;
      this.#openFailed(error, 'warn', 'cannot open a change stream');
    }
    this.#seen = await this.#options.earliest();
    if (!this.#stopped) this.#schedulePoll(this.#options.pollIntervalMs);
  }

  /** Closes the change stream and stops polling. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#cancelOpen?.();
    const feed = this.#feed;
    this.#feed = null;
    if (feed !== null) await closeQuietly(feed);
  }

  /** Opens a change stream and waits until the server confirms it. */
  #open(): Promise<void> {
    const feed = this.#options.watch();
    this.#feed = feed;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#cancelOpen = null;
        if (error === undefined) {
          resolve();
          return;
        }
        if (this.#feed === feed) this.#feed = null;
        void closeQuietly(feed);
        reject(error);
      };
      const timer = setTimeout(
        () => settle(),
        this.#options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS,
      );
      timer.unref();
      this.#cancelOpen = () => settle(new JobStoreError('the job store was shut down'));
      // The first batch (empty) brings a resume token: the stream is open from here on.
      feed.once('resumeTokenChanged', () => settle());
      feed.on('error', (error) => (settled ? this.#failed(feed, error) : settle(error)));
      feed.on('change', (change) => {
        settle();
        this.#changed(feed, change);
      });
    });
  }

  #changed(feed: ChangeFeed, change: WakeupChange): void {
    if (feed !== this.#feed || this.#stopped) return;
    if (change.operationType === 'invalidate') {
      this.#failed(feed, new JobStoreError('the jobs collection was dropped or renamed'));
      return;
    }
    const nextRunTime = change.fullDocument?.nextRunTime;
    if (typeof nextRunTime === 'number') this.#wakeup(nextRunTime);
  }

  /** The stream broke for good (the driver already tried to resume it): poll instead. */
  #failed(feed: ChangeFeed, error: unknown): void {
    if (feed !== this.#feed || this.#stopped) return;
    this.#feed = null;
    void closeQuietly(feed);
    if (isChangeStreamUnsupported(error)) this.#streamPossible = false;
    this.#log('warn', `its change stream failed (${reason(error)}); ${this.#polling()}`, error);
    // Changes may have been missed meanwhile: the first poll wakes the scheduler.
    this.#seen = undefined;
    this.#schedulePoll(0);
  }

  async #poll(): Promise<void> {
    this.#timer = null;
    let earliest: number | null;
    try {
      earliest = await this.#options.earliest();
    } catch (error) {
      if (this.#stopped) return;
      if (!this.#pollFailing) {
        this.#pollFailing = true;
        this.#log('warn', `cannot check for changes (${reason(error)}); ${this.#polling()}`, error);
      }
      this.#schedulePoll(this.#options.pollIntervalMs);
      return;
    }
    if (this.#stopped) return;
    if (this.#pollFailing) {
      this.#pollFailing = false;
      this.#log('info', 'checking for changes works again');
    }
    if (earliest !== this.#seen) {
      this.#seen = earliest;
      if (earliest !== null) this.#wakeup(earliest);
    }
    if (this.#streamPossible && (await this.#reopen())) return;
    if (!this.#stopped) this.#schedulePoll(this.#options.pollIntervalMs);
  }

  /** Tries to open the change stream again; true when it is open (or the watcher stopped). */
  async #reopen(): Promise<boolean> {
    try {
      await this.#open();
    } catch (error) {
      if (this.#stopped) return true;
      this.#openFailed(error, 'debug', 'cannot reopen the change stream yet');
      return false;
    }
    if (this.#stopped || this.#feed === null) return true;
    this.#log('info', 'change stream reopened; wake-ups from other processes are immediate again');
    // Whatever changed between the last poll and the stream's start.
    this.#wakeup();
    return true;
  }

  /**
   * Logs a failed open: at `info` when the server has no change streams (polling from now on),
   * else at `level` (a passing failure: the polls try again).
   */
  #openFailed(error: unknown, level: 'debug' | 'warn', problem: string): void {
    if (isChangeStreamUnsupported(error)) {
      this.#streamPossible = false;
      this.#log('info', `change streams are not available (${reason(error)}); ${this.#polling()}`);
    } else {
      this.#log(level, `${problem} (${reason(error)}); ${this.#polling()}`, error);
    }
  }

  #schedulePoll(delayMs: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#poll(), delayMs);
    this.#timer.unref();
  }

  #wakeup(nextRunTime?: number): void {
    try {
      if (nextRunTime === undefined) this.#options.context.wakeup();
      else this.#options.context.wakeup(nextRunTime);
    } catch (error) {
      this.#log('warn', `waking the scheduler failed (${reason(error)})`, error);
    }
  }

  #polling(): string {
    return `checking for jobs added by other processes every ${this.#options.pollIntervalMs / 1000} s`;
  }

  #log(level: 'debug' | 'info' | 'warn', message: string, error?: unknown): void {
    const logger = this.#options.context.logger;
    const line = `${this.#options.where}: ${message}`;
    if (error === undefined) logger[level](line);
    else logger[level]({ err: error }, line);
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function closeQuietly(feed: ChangeFeed): Promise<void> {
  // A stream that failed may refuse to close again; nothing is left to release then.
  return feed.close().catch(() => undefined);
}

/** Server error codes meaning this server or user cannot open change streams. */
const NO_CHANGE_STREAMS = new Set([
  40573, // "The $changeStream stage is only supported on replica sets": a standalone server
  40324, // unrecognised pipeline stage: a server without change streams
  115, // CommandNotSupported
  13, // Unauthorized: the user may not watch
]);

/**
 * Whether opening a change stream failed for good (a standalone server, a user without the
 * right), rather than for a while (a network error, an election).
 */
export function isChangeStreamUnsupported(error: unknown): boolean {
  const code = codeOf(error);
  if (typeof code === 'number' && NO_CHANGE_STREAMS.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /only supported on replica sets/i.test(message);
}
