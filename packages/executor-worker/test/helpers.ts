/**
 * Shared helpers of the worker executor's tests: a BackgroundScheduler on the system clock with
 * a WorkerExecutor under the alias `worker` (the async executor stays `default`), recording its
 * events, log lines and `on('error')` reports; waits for a job's outcome; and the references of
 * the fixture tasks.
 */
import { fileURLToPath } from 'node:url';
import {
  BackgroundScheduler,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MISSED,
  EVENT_JOB_SUBMITTED,
  JobExecutionEvent,
  type AnySchedulerEvent,
  type SchedulerErrorEvent,
  type SchedulerOptions,
} from '@kairos/core';
import { RecordingLogger, waitFor } from '@kairos/testkit';
import { WorkerExecutor, type WorkerExecutorOptions } from '../dist/index.js';

/** The fixture module of ordinary tasks, as an absolute path. */
export const TASKS = fileURLToPath(new URL('./fixtures/tasks.mjs', import.meta.url));
/** The fixture module of tasks that kill their thread. */
export const CRASH = fileURLToPath(new URL('./fixtures/crash.mjs', import.meta.url));

/** The module reference of a task of `fixtures/tasks.mjs`. */
export function task(name: string): string {
  return `${TASKS}#${name}`;
}

/** The module reference of a task of `fixtures/crash.mjs`. */
export function crashTask(name: string): string {
  return `${CRASH}#${name}`;
}

/** How long a test waits for a run's outcome: long, the CI machine is shared. */
export const OUTCOME_MS = 15_000;

/** A scheduler with a worker executor, and what it reported. */
export interface Harness {
  readonly scheduler: BackgroundScheduler;
  readonly executor: WorkerExecutor;
  readonly logger: RecordingLogger;
  /** Every event, in order. */
  readonly events: AnySchedulerEvent[];
  /** What `scheduler.on('error')` received. */
  readonly errors: SchedulerErrorEvent[];
  /** The JOB_EXECUTED, JOB_ERROR and JOB_MISSED events of a job, in order. */
  outcomes(jobId: string): JobExecutionEvent[];
  /** The first outcome of a job, waited for (rejects after {@link OUTCOME_MS}). */
  outcome(jobId: string): Promise<JobExecutionEvent>;
  /** Resolves once the executor accepted a submission of the job (JOB_SUBMITTED). */
  submitted(jobId: string): Promise<void>;
  /** Resolves once the executor has logged the start of a run of the job of this name. */
  started(jobName: string): Promise<void>;
  /** Whether the executor logged the start of a run of the job of this name. */
  hasStarted(jobName: string): boolean;
}

const OUTCOME_CODES: number = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED;

const open: BackgroundScheduler[] = [];

/**
 * A BackgroundScheduler (system clock, UTC, misfire grace `null` so that queued runs are never
 * missed unless a test asks for it) with `new WorkerExecutor(options)` as executor `worker`.
 * `config` is merged in. {@link stopSchedulers} shuts it down after the test.
 */
export function makeScheduler(
  options: WorkerExecutorOptions = {},
  config: SchedulerOptions = {},
): Harness {
  const executor = new WorkerExecutor(options);
  const logger = new RecordingLogger();
  const scheduler = new BackgroundScheduler({
    timezone: 'UTC',
    logger,
    jobDefaults: { misfireGraceTime: null },
    ...config,
    executors: { worker: executor, ...config.executors },
  });
  open.push(scheduler);
  const events: AnySchedulerEvent[] = [];
  const errors: SchedulerErrorEvent[] = [];
  scheduler.addListener((event) => {
    events.push(event);
  });
  scheduler.on('error', (event) => {
    errors.push(event);
  });
  const outcomes = (jobId: string): JobExecutionEvent[] =>
    events.filter(
      (event): event is JobExecutionEvent =>
        event instanceof JobExecutionEvent &&
        event.jobId === jobId &&
        (event.code & OUTCOME_CODES) !== 0,
    );
  const hasStarted = (jobName: string): boolean =>
    logger.messages('info').some((message) => message.startsWith(`Running job "${jobName} (`));
  return {
    scheduler,
    executor,
    logger,
    events,
    errors,
    outcomes,
    async outcome(jobId) {
      if (!(await waitFor(() => outcomes(jobId).length > 0, OUTCOME_MS))) {
        throw new Error(`job ${jobId} reported no outcome within ${OUTCOME_MS} ms`);
      }
      return outcomes(jobId)[0] as JobExecutionEvent;
    },
    async submitted(jobId) {
      const seen = (): boolean =>
        events.some(
          (event) =>
            event.code === EVENT_JOB_SUBMITTED && 'jobId' in event && event.jobId === jobId,
        );
      if (!(await waitFor(seen, OUTCOME_MS))) {
        throw new Error(`job ${jobId} was not submitted within ${OUTCOME_MS} ms`);
      }
    },
    hasStarted,
    async started(jobName) {
      if (!(await waitFor(() => hasStarted(jobName), OUTCOME_MS))) {
        throw new Error(`job "${jobName}" did not start within ${OUTCOME_MS} ms`);
      }
    },
  };
}

/** Shuts down, without waiting, every scheduler {@link makeScheduler} made that still runs. */
export async function stopSchedulers(): Promise<void> {
  for (const scheduler of open.splice(0)) {
    if (scheduler.running) await scheduler.shutdown({ wait: false });
  }
}

/** Runs one job now on the worker executor and waits for its outcome. */
export async function runOnce(
  harness: Harness,
  reference: string,
  args: unknown[] = [],
  options: { name?: string; timeout?: number } = {},
): Promise<JobExecutionEvent> {
  const job = await harness.scheduler.addJob(reference, null, {
    executor: 'worker',
    args,
    ...options,
  });
  return harness.outcome(job.id);
}

/**
 * A gate shared with `blockUntilReleased` runs (fixtures/crash.mjs): they block their thread
 * until the test opens it, so a test decides when a busy thread frees up.
 */
export class Gate {
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));

  /** What to pass the task. */
  get buffer(): SharedArrayBuffer {
    return this.#flag.buffer;
  }

  /** Releases every run blocked on the gate, and those that come later. */
  open(): void {
    Atomics.store(this.#flag, 0, 1);
    Atomics.notify(this.#flag, 0);
  }
}
