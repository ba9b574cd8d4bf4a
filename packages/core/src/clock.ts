/**
 * Clocks: the system clock, and a fake clock that tests move by hand so scheduling logic runs
 * deterministically and without sleeping.
 */
import type { Clock, ClockTimer } from './interfaces.js';

/** Node's limit for a timer delay; longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timer longer than twice this is set this much short of its end and finished by a second
 * timer for what is left on the wall clock: Node's long timers fire late in proportion to their
 * length on some machines (about 1 ms per second measured on a 2-core VM, 60 ms for a minute;
 * see benchmarks/cli), a short one does not.
 */
const FINAL_STEP_MS = 1000;

/**
 * Node fires a timer on the event loop's millisecond tick, anywhere up to about 1 ms after its
 * time. So the last timer is set this much short of the end, and the rest is waited out by
 * reading the wall clock between turns of the event loop (`setImmediate`, which lets I/O run):
 * a run starts within microseconds of its millisecond instead of up to one later, for at most
 * this much busy polling per wake-up.
 */
const POLL_MS = 1;

/** The real clock: `Date.now()` and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    return new WallTimer(Date.now() + Math.min(Math.max(delayMs, 0), MAX_TIMER_MS), callback);
  },
};

/**
 * A system clock timer: Node timers while the end is more than {@link POLL_MS} away (a long one
 * in two steps, see {@link FINAL_STEP_MS}), then polling until `Date.now()` reaches it.
 */
class WallTimer implements ClockTimer {
  readonly #due: number;
  readonly #callback: () => void;
  #timeout: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #unref = false;
  #stepped = false;

  constructor(due: number, callback: () => void) {
    this.#due = due;
    this.#callback = callback;
    this.#step();
  }

  cancel(): void {
    if (this.#timeout !== null) clearTimeout(this.#timeout);
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    this.#timeout = null;
    this.#immediate = null;
  }

  unref(): void {
    this.#unref = true;
    this.#timeout?.unref();
  }

  readonly #next = (): void => {
    this.#timeout = null;
    this.#immediate = null;
    this.#step();
  };

  #step(): void {
    const rest = this.#due - Date.now();
    // Never from setTimer itself (a timer due now fires on the next turn), and at once when the
    // wall clock jumped back since the first step: the caller works out its time again.
    if (this.#stepped && (rest <= 0 || rest > 2 * FINAL_STEP_MS)) return this.#callback();
    this.#stepped = true;
    if (rest <= POLL_MS) {
      // Never unref'd: with only unref'd immediates pending, Node's event loop blocks in its
      // poll phase until some other timer or I/O wakes it. Polling holds the process for at
      // most POLL_MS.
      this.#immediate = setImmediate(this.#next);
      return;
    }
    const wait = rest > 2 * FINAL_STEP_MS ? rest - FINAL_STEP_MS : rest - POLL_MS;
    this.#timeout = setTimeout(this.#next, wait);
    if (this.#unref) this.#timeout.unref();
  }
}

interface FakeTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock that only moves when told. Timers run on its monotonic time; `advance` moves wall and
 * monotonic time together and fires the timers it passes, letting pending promises settle after
 * each one; `jump` changes only the wall time, like a system clock change or a laptop waking
 * from suspend, so the timers already set fire when their own delay is up.
 *
 * @example
 * const clock = new FakeClock('2030-01-01T00:00:00Z');
 * const scheduler = new BackgroundScheduler({ clock });
 * await clock.advance(5_000); // five seconds pass, every timer due fires
 */
export class FakeClock implements Clock {
  #wall: number;
  #monotonic = 0;
  #seq = 0;
  #timers: FakeTimer[] = [];

  /** @param start the initial wall time (default 2030-01-01T00:00:00Z) */
  constructor(start: Date | number | string = '2030-01-01T00:00:00Z') {
    this.#wall = new Date(start).getTime();
    if (Number.isNaN(this.#wall)) throw new RangeError(`FakeClock: invalid start ${String(start)}`);
  }

  /** {@inheritDoc Clock.now} */
  now(): number {
    return this.#wall;
  }

  /** {@inheritDoc Clock.setTimer} */
  setTimer(callback: () => void, delayMs: number): ClockTimer {
    const timer: FakeTimer = {
      at: this.#monotonic + Math.min(Math.max(delayMs, 0), MAX_TIMER_MS),
      seq: this.#seq++,
      callback,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        const index = this.#timers.indexOf(timer);
        if (index >= 0) this.#timers.splice(index, 1);
      },
      unref: () => undefined,
    };
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** The delays (ms from now) of the pending timers, soonest first. */
  get timerDelays(): number[] {
    return this.#timers.map((timer) => timer.at - this.#monotonic).sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`, firing each timer at its own time, in order, and letting the
   * promises it starts settle before the next one.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#monotonic + ms;
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > target) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#wall += next.at - this.#monotonic;
      this.#monotonic = next.at;
      next.callback();
      await settle();
    }
    this.#wall += target - this.#monotonic;
    this.#monotonic = target;
    await settle();
  }

  /** Moves to a wall time (forward) by {@link FakeClock.advance}. */
  async advanceTo(time: Date | number | string): Promise<void> {
    await this.advance(Math.max(0, new Date(time).getTime() - this.#wall));
  }

  /** Changes the wall time by `ms` (may be negative) without moving timers: a clock change. */
  jump(ms: number): void {
    this.#wall += ms;
  }

  /** Lets pending promises and immediates settle without moving time. */
  async settle(): Promise<void> {
    await settle();
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.#timers) {
      if (
        best === undefined ||
        timer.at < best.at ||
        (timer.at === best.at && timer.seq < best.seq)
      )
        best = timer;
    }
    return best;
  }
}

/** Several macrotask turns, so chains of awaits started by a timer run to their end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
