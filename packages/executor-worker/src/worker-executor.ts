/**
 * WorkerExecutor (alias `worker`): runs jobs on a piscina pool of worker threads, so CPU-bound
 * tasks keep off the scheduler's event loop. Runs wait in this executor's queue until a thread
 * is free, so the misfire check and the timeout start when the run starts, and queued runs
 * can be dropped at shutdown without touching the pool.
 */
import { randomUUID } from 'node:crypto';
import { deserialize } from 'node:v8';
import { BroadcastChannel } from 'node:worker_threads';
import {
  ExecutorNotStartedError,
  JobOptionError,
  TaskLookupError,
  type ClockTimer,
  type Executor,
  type ExecutorContext,
  type Job,
  type RunControl,
  type Task,
  type TaskLocation,
} from '@kairos/core';
import { Piscina } from 'piscina';
import { captureCarrier } from './context-propagation.js';
import { messageOf, WorkerCrashedError } from './errors.js';
import type { CaptureContext, ContextCarrier } from './interfaces.js';
import {
  resolveOptions,
  type WorkerExecutorOptions,
  type WorkerResourceLimits,
} from './options.js';
import {
  describeError,
  reviveError,
  type AbortMessage,
  type RunOutcome,
  type RunRequest,
} from './protocol.js';

/** Slots of the cancelled-runs table the threads read (recent cancellations, by run id). */
const CANCELLED_SLOTS = 1024;

/** The worker threads' entry, next to this file in `dist/`. */
const WORKER_FILE = new URL('./worker.js', import.meta.url).href;

/** A run handed to the pool, which a timeout or a shutdown may cancel. */
interface ActiveRun {
  /** Aborting it makes the pool terminate the run's thread. */
  readonly controller: AbortController;
  /** Names the run in the abort message that reaches the task's `currentJob().signal`. */
  readonly runId: number;
  /** Terminates the thread when the task has not stopped within `abortGrace`. */
  grace: ClockTimer | null;
}

/**
 * Runs tasks in worker threads. Tasks are module references (`'./tasks/report.js#build'`,
 * `'some-package#cleanup'`) or names registered for them (`registerTask('build',
 * './tasks/report.js#build')`); a thread imports a module once and keeps it. Arguments and
 * return values cross by structured clone. A run past its job's `timeout` has its
 * `currentJob().signal` aborted and, unless it stops within `abortGrace`, its thread
 * terminated; a thread that dies (`process.exit()`, out of memory) fails only its run, and the
 * pool replaces it.
 *
 * @example
 * const scheduler = new BackgroundScheduler({ executors: { cpu: new WorkerExecutor({ maxWorkers: 2 }) } });
 * await scheduler.addJob('./tasks/report.js#build', { type: 'cron', hour: 3 }, { executor: 'cpu', timeout: 600 });
 */
export class WorkerExecutor implements Executor {
  /** Threads, and so runs, at most at once. */
  readonly maxWorkers: number;
  /** Threads kept alive when idle. */
  readonly minWorkers: number;
  /** Seconds an idle thread above `minWorkers` lives. */
  readonly idleTimeout: number;
  /** Seconds a cancelled run's task has to stop before its thread is terminated. */
  readonly abortGrace: number;
  /** Heap and stack caps of each thread. */
  readonly resourceLimits: WorkerResourceLimits | undefined;
  /** Runs that may wait for a thread (Infinity: no limit). */
  readonly maxQueue: number;
  /** The module each thread imports before its first run, as `import()` takes it. */
  readonly setup: string | undefined;
  /** Returns the carrier of the context a run starts in, sent to the setup's `runInContext`. */
  readonly captureContext: CaptureContext | undefined;
  #context: ExecutorContext | null = null;
  #pool: Piscina | null = null;
  /** Where cancelled runs are announced to the threads. */
  readonly #abortChannelName = `kairos-worker-abort-${randomUUID()}`;
  #abortChannel: BroadcastChannel | null = null;
  /** Run ids of cancelled runs, shared with the threads; -1 = none. */
  readonly #cancelled = new Int32Array(new SharedArrayBuffer(4 * CANCELLED_SLOTS)).fill(-1);
  #nextRunId = 0;

  /** @throws ConfigurationError naming the bad option */
  constructor(options: WorkerExecutorOptions = {}) {
    const resolved = resolveOptions(options);
    this.maxWorkers = resolved.maxWorkers;
    this.minWorkers = resolved.minWorkers;
    this.idleTimeout = resolved.idleTimeout;
    this.abortGrace = resolved.abortGrace;
    this.resourceLimits = resolved.resourceLimits;
    this.maxQueue = resolved.maxQueue;
    this.setup = resolved.setup;
    this.captureContext = resolved.captureContext;
  }

  /** Starts the pool (and its `minWorkers` threads). */
  start(context: ExecutorContext, alias: string): Promise<void> {
    this.#context = context;
    this.#abortChannel = new BroadcastChannel(this.#abortChannelName);
    this.#abortChannel.unref();
    this.#pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: this.minWorkers,
      maxThreads: this.maxWorkers,
      idleTimeout: this.idleTimeout * 1000,
      // The run layer queues; the pool only ever gets as many runs as it has threads.
      maxQueue: Infinity,
      // Let a thread's event loop turn between runs (timers a task left behind, abort messages).
      atomics: 'async',
      ...(this.resourceLimits === undefined ? {} : { resourceLimits: this.resourceLimits }),
    });
    // A thread that dies between runs (a timer its task left behind threw) has no run to fail;
    // piscina emits it on the pool, where an unheard 'error' would crash this process.
    this.#pool.on('error', (error: unknown) => {
      try {
        context.logger.error(
          { err: error },
          `A worker thread of executor "${alias}" died outside a job run; the thread was replaced`,
        );
      } finally {
        context.reportError(error, 'running a worker thread between job runs');
      }
    });
    return Promise.resolve();
  }

  /** Closes the pool; every run it was given has settled by then. */
  async shutdown(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.destroy();
    this.#abortChannel?.close();
    this.#abortChannel = null;
  }

  /**
   * Refuses, at `addJob`, a job no worker thread could run: a function task (or a name
   * registered for a function), or arguments structured clone cannot copy.
   * @throws TaskLookupError or JobOptionError saying what to change
   */
  checkJob(job: Job, locateTask: (task: Task) => TaskLocation): void {
    try {
      locateTask(job.task);
    } catch (error) {
      if (!(error instanceof TaskLookupError)) throw error;
      throw new TaskLookupError(
        error.task,
        `job "${job.name}" runs on executor '${job.executor}', in a worker thread: ${error.problem}`,
      );
    }
    try {
      structuredClone(job.args);
    } catch (error) {
      throw new JobOptionError(
        `job "${job.name}"`,
        'args',
        job.args,
        `cannot be sent to a worker thread of executor '${job.executor}' ` +
          `(${error instanceof Error ? error.message : String(error)}); pass data that ` +
          `structured clone can copy: no functions, symbols or handles`,
      );
    }
  }

  /**
   * Runs the task in a thread. When the run is cancelled (its timeout, a shutdown without
   * waiting), the task's signal aborts in the thread, and the thread is terminated unless the
   * task stops within `abortGrace`.
   */
  async run(job: Job, runTime: number, control: RunControl): Promise<unknown> {
    const pool = this.#pool;
    const context = this.#context;
    if (pool === null || context === null) throw new ExecutorNotStartedError('WorkerExecutor');
    // Before any await: the context to carry is the one this call was made in.
    const carrier = this.#carrierOf(job, context);
    const location = context.locateTask(job.task);
    const run: ActiveRun = {
      controller: new AbortController(),
      runId: this.#takeRunId(),
      grace: null,
    };
    const request: RunRequest = {
      module: location.module,
      exportName: location.exportName,
      reference: location.reference,
      args: job.args,
      jobId: job.id,
      jobName: job.name,
      jobstore: job.jobstore,
      runTime,
      recordId: control.runId,
      attempt: control.attempt,
      runId: run.runId,
      abortChannel: this.#abortChannelName,
      cancelled: this.#cancelled,
      setup: this.setup ?? null,
      carrier,
    };
    control.onAbort((reason) => this.#cancel(run, reason));
    let outcome: RunOutcome;
    try {
      outcome = (await pool.run(request, { signal: run.controller.signal })) as RunOutcome;
    } catch (error) {
      throw this.#failure(job, control, error);
    } finally {
      run.grace?.cancel();
    }
    if (outcome.contextProblem !== undefined) {
      const problem = reviveError(outcome.contextProblem);
      context.logger.warn(
        { err: problem },
        `Job "${job.name}" (id ${job.id}) ran without its caller's context in its worker ` +
          `thread: ${messageOf(problem)} (WorkerExecutor setup module '${this.setup}')`,
      );
    }
    if (outcome.ok) return deserialize(outcome.value);
    throw reviveError(outcome.error);
  }

  /** What `captureContext` gives now, or null (none, or it failed: logged, the run goes on). */
  #carrierOf(job: Job, context: ExecutorContext): ContextCarrier | null {
    if (this.captureContext === undefined) return null;
    const { carrier, problem } = captureCarrier(this.captureContext);
    if (problem !== null) {
      context.logger.warn(
        { err: problem },
        `Job "${job.name}" (id ${job.id}) runs without its caller's context in its worker ` +
          `thread: WorkerExecutor ${problem.message}`,
      );
    }
    return carrier;
  }

  /**
   * Aborts the task's signal, and terminates its thread (the pool replaces it) when the task
   * has not stopped `abortGrace` seconds later.
   */
  #cancel(run: ActiveRun, reason: Error): void {
    // The table first: a thread that has not yet subscribed to the channel finds it there.
    Atomics.store(this.#cancelled, run.runId % CANCELLED_SLOTS, run.runId);
    const message: AbortMessage = { runId: run.runId, abort: describeError(reason) };
    this.#abortChannel?.postMessage(message);
    if (this.abortGrace === 0 || this.#context === null) {
      run.controller.abort(reason);
    } else {
      run.grace = this.#context.clock.setTimer(() => {
        run.controller.abort(reason);
      }, this.abortGrace * 1000);
    }
  }

  /** The next run id, an Int32 (the cancelled-runs table holds them). */
  #takeRunId(): number {
    const id = this.#nextRunId;
    this.#nextRunId = id === 0x7fffffff ? 0 : id + 1;
    return id;
  }

  /** What a rejected run is reported as: its cancellation, or the death of its thread. */
  #failure(job: Job, control: RunControl, error: unknown): unknown {
    if (control.abortReason !== undefined) return control.abortReason;
    if (error instanceof Error && error.name === 'DataCloneError') {
      return new JobOptionError(
        `job "${job.name}"`,
        'args',
        job.args,
        `cannot be sent to a worker thread (${error.message}); pass data that structured ` +
          `clone can copy`,
      );
    }
    return new WorkerCrashedError(job.name, job.id, error);
  }
}
