/**
 * Run observers: code outside the run layer (tracing, metrics) that is told when each run's
 * task starts, and may run the task inside a context of its own (a tracing span's), and when
 * each run has its outcome. The run layer calls them; they change nothing about the run.
 */
import type { Job } from '../job.js';
import type { Run } from './run.js';

/**
 * Starts a run's task through its executor and returns what the executor returned (the task's
 * result, or a promise of it); it throws what the task threw synchronously.
 */
export type StartRun = (run: Run) => unknown;

/**
 * Watches a scheduler's runs from inside its run layer (`scheduler.observeRuns(observer)`),
 * e.g. `@kairos/otel`, which opens a span when a task starts and runs the task inside it.
 * Both methods are called synchronously on the scheduler's hot path: keep them cheap.
 */
export interface RunObserver {
  /**
   * A run's task starts now (`run.startedAt` is set): call `start(run)` exactly once,
   * synchronously (for example inside `context.with(...)`), and return what it returns. What
   * it throws is the task's error; a throw before calling `start` ends the run as an error.
   */
  runStarting?(run: Run, job: Job, start: StartRun): unknown;
  /**
   * A run has its outcome (`run.outcome` and `run.finishedAt` are set): every run, whether its
   * task started or not (executed, error, timeout, cancelled, missed, skipped). A throw is
   * logged and reported to `on('error')` listeners; the run is unaffected.
   */
  runFinished?(run: Run, job: Job): void;
}

type StartHook = (run: Run, job: Job, start: StartRun) => unknown;

/** @internal The observers of one run layer, with their `runStarting` hooks composed once. */
export class RunObservers {
  #observers: readonly RunObserver[] = [];
  #starting: StartHook | null = null;
  #finishing: readonly RunObserver[] = [];

  /** Whether any observer watches starts (when none does, the run layer calls the executor directly). */
  get watchStarts(): boolean {
    return this.#starting !== null;
  }

  /** Whether any observer watches outcomes. */
  get watchOutcomes(): boolean {
    return this.#finishing.length > 0;
  }

  /** Adds an observer; the returned function removes it. */
  add(observer: RunObserver): () => void {
    this.#observers = [...this.#observers, observer];
    this.#compose();
    return () => {
      this.#observers = this.#observers.filter((each) => each !== observer);
      this.#compose();
    };
  }

  /** Starts `run` through the observers' `runStarting` hooks (the first one outermost). */
  start(run: Run, job: Job, start: StartRun): unknown {
    return this.#starting === null ? start(run) : this.#starting(run, job, start);
  }

  /**
   * Tells every observer that `run` has its outcome.
   * @param failed called with what an observer threw
   */
  finished(run: Run, job: Job, failed: (error: unknown) => void): void {
    for (const observer of this.#finishing) {
      try {
        observer.runFinished?.(run, job);
      } catch (error) {
        failed(error);
      }
    }
  }

  #compose(): void {
    this.#finishing = this.#observers.filter((each) => each.runFinished !== undefined);
    const hooks: StartHook[] = [];
    for (const observer of this.#observers) {
      if (observer.runStarting !== undefined) hooks.push(observer.runStarting.bind(observer));
    }
    // One observer (the usual case) costs no closure per run; each further one costs one.
    this.#starting = hooks.reduceRight<StartHook | null>(
      (inner, hook) =>
        inner === null
          ? hook
          : (run, job, start) => hook(run, job, (same) => inner(same, job, start)),
      null,
    );
  }
}
