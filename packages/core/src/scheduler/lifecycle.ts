/**
 * The scheduler's state and its changes: start (components up, pending jobs stored, loop on),
 * shutdown (loop off, components down), pause and resume. What may happen in which state is
 * decided here; the rest of the scheduler reads `state`.
 */
import { MAX_TIMER_MS } from '../clock.js';
import { SchedulerAlreadyRunningError, SchedulerNotRunningError } from '../errors.js';
import {
  EVENT_SCHEDULER_PAUSED,
  EVENT_SCHEDULER_RESUMED,
  EVENT_SCHEDULER_SHUTDOWN,
  EVENT_SCHEDULER_STARTED,
  SchedulerEvent,
  type EventCode,
} from '../events.js';
import type { SchedulerState } from '../interfaces.js';
import type { Listeners } from '../listeners.js';
import type { Cluster } from './cluster.js';
import type { Components } from './components.js';
import type { Loop } from './loop.js';
import type { PendingJobs } from './pending.js';
import type { Settings } from './settings.js';
import type { StoredJobs } from './stored.js';

/** What the lifecycle works with, given by its scheduler. */
export interface LifecycleParts {
  readonly settings: Settings;
  readonly listeners: Listeners;
  readonly components: Components;
  readonly cluster: Cluster;
  readonly pending: PendingJobs;
  readonly stored: StoredJobs;
  readonly loop: Loop;
}

/** The state of one scheduler. */
export class Lifecycle {
  readonly #parts: LifecycleParts;
  #state: SchedulerState = 'stopped';
  /** The start in progress; settles (never rejects) when it is over. */
  #starting: Promise<void> | null = null;
  #keepAlive: ReturnType<typeof setInterval> | null = null;
  #stopped: { promise: Promise<void>; resolve: () => void } | null = null;
  /** The shutdown in progress (its components still stopping), and whether it waits for runs. */
  #stopping: { promise: Promise<void>; wait: boolean } | null = null;

  constructor(parts: LifecycleParts) {
    this.#parts = parts;
  }

  /** `'stopped'` (also while starting), `'running'` or `'paused'`. */
  get state(): SchedulerState {
    return this.#state;
  }

  /**
   * Throws unless the scheduler is stopped, not starting and not still shutting down (for
   * `configure()`, `start()`).
   */
  checkStopped(action: string): void {
    if (this.#state !== 'stopped' || this.#starting !== null || this.#stopping !== null)
      throw new SchedulerAlreadyRunningError(action);
  }

  /** Whether a `start()` is in progress. */
  get starting(): boolean {
    return this.#starting !== null;
  }

  /** Settles once the start in progress is over, however it ended (at once when none is). */
  whenStarted(): Promise<void> {
    return this.#starting ?? Promise.resolve();
  }

  /**
   * See `BaseScheduler.start`; `keepAlive` holds the process open while running. A shutdown
   * still in progress (waiting for runs) is waited for first: the components it is stopping
   * must not be the ones this start brings up.
   */
  async start(paused: boolean, keepAlive: boolean): Promise<void> {
    if (this.#stopping !== null) await this.#stopping.promise.catch(() => undefined);
    this.checkStopped('start()');
    const { components, cluster, pending, stored, loop } = this.#parts;
    let started = (): void => undefined;
    this.#starting = new Promise<void>((resolve) => {
      started = resolve;
    });
    try {
      await components.start();
      for (let entry = pending.first(); entry; entry = pending.first()) {
        await stored.add(entry);
        pending.stored(entry);
      }
      await cluster.start(paused);
    } catch (error) {
      await components.stop(false);
      throw error;
    } finally {
      this.#starting = null;
      started();
    }
    this.#state = paused ? 'paused' : 'running';
    let resolveStopped = (): void => undefined;
    const stopped = new Promise<void>((resolve) => {
      resolveStopped = resolve;
    });
    this.#stopped = { promise: stopped, resolve: resolveStopped };
    if (keepAlive) this.#keepAlive = setInterval(() => undefined, MAX_TIMER_MS);
    this.#announce('Scheduler started', EVENT_SCHEDULER_STARTED);
    loop.wakeup();
  }

  /**
   * See `BaseScheduler.shutdown`. Called again while a shutdown is in progress, it resolves with
   * that one; without `wait`, it first cancels the runs a waiting shutdown waits for.
   */
  async shutdown(wait: boolean): Promise<void> {
    // A shutdown called while the scheduler starts shuts down what the start brings up.
    if (this.#starting !== null) await this.#starting;
    const stopping = this.#stopping;
    if (stopping !== null) {
      if (!wait && stopping.wait) {
        stopping.wait = false;
        this.#parts.components.cancelRuns();
      }
      return stopping.promise;
    }
    if (this.#state === 'stopped') throw new SchedulerNotRunningError('shutdown()');
    this.#state = 'stopped';
    const current = { promise: this.#stop(wait), wait };
    this.#stopping = current;
    try {
      await current.promise;
    } finally {
      if (this.#stopping === current) this.#stopping = null;
    }
  }

  /** Stops the loop and the components, and says so. */
  async #stop(wait: boolean): Promise<void> {
    this.#parts.loop.disarm();
    await this.#parts.loop.settled();
    await this.#parts.components.stop(wait);
    if (this.#keepAlive !== null) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
    this.#announce('Scheduler has been shut down', EVENT_SCHEDULER_SHUTDOWN);
    const stopped = this.#stopped;
    this.#stopped = null;
    stopped?.resolve();
  }

  /** Resolves when the scheduler shuts down (at once when it is not running). */
  whenStopped(): Promise<void> {
    return this.#stopped?.promise ?? Promise.resolve();
  }

  /** See `BaseScheduler.pause`. */
  pause(): void {
    if (this.#state === 'stopped') throw new SchedulerNotRunningError('pause()');
    if (this.#state !== 'running') return;
    this.#state = 'paused';
    this.#parts.loop.disarm();
    this.#announce('Paused scheduler job processing', EVENT_SCHEDULER_PAUSED);
  }

  /** See `BaseScheduler.resume`. */
  resume(): void {
    if (this.#state === 'stopped') throw new SchedulerNotRunningError('resume()');
    if (this.#state !== 'paused') return;
    this.#state = 'running';
    this.#announce('Resumed scheduler job processing', EVENT_SCHEDULER_RESUMED);
    this.#parts.loop.wakeup();
  }

  #announce(message: string, code: EventCode): void {
    this.#parts.settings.log.info(message);
    this.#parts.listeners.emit(code, () => new SchedulerEvent(code));
  }
}
