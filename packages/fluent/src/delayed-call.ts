/**
 * One-off delayed calls in the style of Python's `sched`: `enter(delay, priority, fn, ...args)`
 * queues a call; calls due at the same time run in priority order (lower first), then in the
 * order they were entered.
 */
import type { TaskFunction } from 'kairos';

/** What a delayed call needs from its scheduler. @internal */
export interface CallHost {
  cancel(call: DelayedCall): boolean;
}

/** A queued one-off call, returned by `enter()` and `enterAbs()`. */
export class DelayedCall {
  /** When the call is due. */
  readonly time: Date;
  /** Among calls due at the same time, lower priorities run first. */
  readonly priority: number;
  /** The function to call. */
  readonly task: TaskFunction;
  /** Its arguments. */
  readonly args: readonly unknown[];
  /** Entry order, the last tie-breaker. @internal */
  readonly seq: number;
  readonly #host: CallHost;

  /** @internal use `scheduler.enter()` */
  constructor(
    host: CallHost,
    time: number,
    priority: number,
    task: TaskFunction,
    args: readonly unknown[],
    seq: number,
  ) {
    this.#host = host;
    this.time = new Date(time);
    this.priority = priority;
    this.task = task;
    this.args = Object.freeze([...args]);
    this.seq = seq;
  }

  /** Removes the call from the queue; false when it ran or was cancelled already. */
  cancel(): boolean {
    return this.#host.cancel(this);
  }
}

/** Queue order: time, then priority, then entry order. */
export function compareCalls(a: DelayedCall, b: DelayedCall): number {
  return a.time.getTime() - b.time.getTime() || a.priority - b.priority || a.seq - b.seq;
}
