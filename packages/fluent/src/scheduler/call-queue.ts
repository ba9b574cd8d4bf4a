/**
 * The queue of one-off delayed calls (`enter`, `enterAbs`, `cancel`, `queue`). The manual loop
 * runs the due ones itself; on Kairos, one engine job per due time runs them.
 */
import { DateTrigger, MemoryJobStore, show, type TaskFunction } from 'kairos';
import { compareCalls, DelayedCall, type CallHost } from '../delayed-call.js';
import type { FluentEngine } from '../engine.js';
import { ScheduleValueError } from '../errors.js';
import { runInTurn } from './run-in-turn.js';

/** Id prefix of the engine jobs that run the delayed calls due at one time. */
const CALLS_ID = 'fluent-calls@';
/**
 * The engine's job store of the calls' jobs: a memory store of their own, whatever the default
 * store is. Their task is a closure over this queue, which no persistent store can keep.
 */
const CALLS_STORE = 'fluent-calls';

/** What the call queue works with. */
export interface CallQueueSetup {
  readonly kairos: FluentEngine;
  /** What each call's `cancel()` calls. */
  readonly host: CallHost;
  /** Whether the engine runs the calls (the scheduler is starting or running). */
  readonly onKairos: () => boolean;
}

/** The delayed calls of a fluent scheduler, in queue order. */
export class CallQueue {
  readonly #kairos: FluentEngine;
  readonly #host: CallHost;
  readonly #onKairos: () => boolean;
  readonly #calls: DelayedCall[] = [];
  /** Times that have an engine job for their delayed calls. */
  readonly #armedTimes = new Set<number>();
  /** The add of the calls' store while it is in progress (see `#callsStore`). */
  #addingStore: Promise<void> | null = null;
  #seq = 0;

  constructor(setup: CallQueueSetup) {
    this.#kairos = setup.kairos;
    this.#host = setup.host;
    this.#onKairos = setup.onKairos;
  }

  /** Queues a call `delaySeconds` from now. */
  enter(
    delaySeconds: number,
    priority: number,
    task: TaskFunction,
    args: readonly unknown[],
  ): DelayedCall {
    if (typeof delaySeconds !== 'number' || !Number.isFinite(delaySeconds) || delaySeconds < 0) {
      throw new ScheduleValueError(
        `enter(${show(delaySeconds)}, …): the delay is a number of seconds ≥ 0`,
      );
    }
    return this.enterAbs(this.#kairos.clock.now() + delaySeconds * 1000, priority, task, args);
  }

  /** Queues a call at `time`; on Kairos, makes sure an engine job runs it. */
  enterAbs(
    time: Date | number,
    priority: number,
    task: TaskFunction,
    args: readonly unknown[],
  ): DelayedCall {
    const at = time instanceof Date ? time.getTime() : time;
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      throw new ScheduleValueError(
        `enterAbs(${show(time)}, …): the time is a valid Date or epoch ms`,
      );
    }
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      throw new ScheduleValueError(`enter…(…, ${show(priority)}, …): the priority is a number`);
    }
    if (typeof task !== 'function') {
      throw new TypeError(`enter…(…, ${show(task)}): a delayed call runs a function`);
    }
    const call = new DelayedCall(this.#host, at, priority, task, args, this.#seq++);
    const index = this.#calls.findIndex((other) => compareCalls(call, other) < 0);
    this.#calls.splice(index < 0 ? this.#calls.length : index, 0, call);
    if (this.#onKairos()) {
      this.#arm(at).catch((error: unknown) =>
        this.#kairos.logError(
          `Could not schedule the delayed calls due at ${new Date(at).toISOString()}`,
          error,
        ),
      );
    }
    return call;
  }

  /** Removes a call from the queue; false when it ran or was cancelled already. */
  cancel(call: DelayedCall): boolean {
    const index = this.#calls.indexOf(call);
    if (index < 0) return false;
    this.#calls.splice(index, 1);
    return true;
  }

  /** The calls still to run, in the order they will. */
  list(): DelayedCall[] {
    return [...this.#calls];
  }

  /** The call that runs next. */
  first(): DelayedCall | undefined {
    return this.#calls[0];
  }

  /** The calls due by `now`, in queue order. */
  due(now: number): DelayedCall[] {
    return this.#calls.filter((call) => call.time.getTime() <= now);
  }

  /** Takes a call off the queue and runs it; one cancelled by an earlier run is skipped. */
  async run(call: DelayedCall): Promise<void> {
    if (!this.cancel(call)) return;
    await (call.task as (...args: unknown[]) => unknown)(...call.args);
  }

  /** Gives every queued call an engine job that runs it: at `start()`. */
  async armAll(): Promise<void> {
    for (const time of new Set(this.#calls.map((call) => call.time.getTime()))) {
      await this.#arm(time);
    }
  }

  /** Forgets the engine jobs of the calls: at `shutdown()`, which stops them. */
  disarm(): void {
    this.#armedTimes.clear();
  }

  /** Makes sure an engine job runs the delayed calls due at `time`. */
  async #arm(time: number): Promise<void> {
    if (this.#armedTimes.has(time)) return;
    this.#armedTimes.add(time);
    const iso = new Date(time).toISOString();
    await this.#callsStore();
    await this.#kairos.addJob(() => this.#runDue(), new DateTrigger({ runDate: time }), {
      id: `${CALLS_ID}${iso}`,
      name: `Delayed calls due at ${iso}`,
      misfireGraceTime: null,
      replaceExisting: true,
      jobstore: CALLS_STORE,
    });
  }

  /**
   * Adds the calls' store to the engine unless it has it; calls made while it is being added
   * wait for that add (a second add of the alias would be refused).
   */
  async #callsStore(): Promise<void> {
    if (this.#kairos.jobstores.includes(CALLS_STORE)) return;
    this.#addingStore ??= this.#kairos
      .addJobstore(new MemoryJobStore(), CALLS_STORE)
      .finally(() => (this.#addingStore = null));
    await this.#addingStore;
  }

  /** The engine job of delayed calls: runs every call due by now, in queue order. */
  async #runDue(): Promise<void> {
    const now = this.#kairos.clock.now();
    try {
      await runInTurn(this.due(now), (call) => this.run(call), 'delayed calls');
    } finally {
      for (const time of this.#armedTimes) if (time <= now) this.#armedTimes.delete(time);
    }
  }
}
