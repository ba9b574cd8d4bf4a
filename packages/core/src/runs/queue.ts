/**
 * The waiting line in front of an executor: submissions start in order, at most `limit` at a
 * time, from a microtask (so nothing starts inside the call that submits); queued ones can be
 * dropped at shutdown, and `whenIdle` waits for the last one to finish.
 */

/**
 * Starts one submission; returns a promise when it finishes later, or undefined when it
 * already finished (a sync task), which spares a promise per run. A run's failure is recorded
 * on the run: the promise is not expected to reject.
 */
export type StartSubmission<T> = (submission: T) => Promise<void> | undefined;

/** Submissions waiting for, and holding, one of `limit` slots. */
export class SubmissionQueue<T> {
  readonly #limit: number;
  readonly #start: StartSubmission<T>;
  readonly #finished: (submission: T) => void;
  readonly #drained: () => void;
  #waiting: (T | undefined)[] = [];
  #head = 0;
  #active = 0;
  #drainScheduled = false;
  #idle: (() => void)[] = [];

  /**
   * @param limit submissions that may run at once
   * @param start starts one
   * @param finished called once per started submission when it is done
   * @param drained called at the end of each turn that started waiting submissions
   */
  constructor(
    limit: number,
    start: StartSubmission<T>,
    finished: (submission: T) => void,
    drained: () => void = () => undefined,
  ) {
    this.#limit = limit;
    this.#start = start;
    this.#finished = finished;
    this.#drained = drained;
  }

  /** Submissions waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  /** Submissions started and not yet done. */
  get active(): number {
    return this.#active;
  }

  /** Queues a submission; it starts from a microtask once a slot is free. */
  push(submission: T): void {
    this.#waiting.push(submission);
    this.#scheduleDrain();
  }

  /** Removes the waiting submissions and returns them, in order. */
  drop(): T[] {
    const dropped = this.#waiting.slice(this.#head) as T[];
    this.#waiting = [];
    this.#head = 0;
    this.#checkIdle();
    return dropped;
  }

  /** Resolves once nothing waits and nothing runs. */
  whenIdle(): Promise<void> {
    if (this.#active === 0 && this.waiting === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle.push(resolve);
    });
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    queueMicrotask(() => this.#drain());
  }

  #drain(): void {
    this.#drainScheduled = false;
    while (this.#active < this.#limit && this.#head < this.#waiting.length) {
      const submission = this.#waiting[this.#head];
      this.#waiting[this.#head++] = undefined;
      if (submission === undefined) continue;
      this.#active++;
      const pending = this.#start(submission);
      if (pending === undefined) this.#done(submission);
      else {
        const done = (): void => this.#done(submission);
        pending.then(done, done);
      }
    }
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    }
    this.#drained();
    this.#checkIdle();
  }

  #done(submission: T): void {
    this.#active--;
    this.#finished(submission);
    if (this.#head < this.#waiting.length) this.#scheduleDrain();
    else this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#idle.length === 0 || this.#active > 0 || this.waiting > 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const resolve of waiters) resolve();
  }
}
