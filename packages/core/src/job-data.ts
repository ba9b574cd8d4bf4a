/**
 * The plain data of jobs: what a task is, how a trigger is given, job options and changes, and
 * a job's stored form. Part of the public contracts (`interfaces.ts` re-exports it); kept apart
 * so that `job.ts` and `interfaces.ts` need not import each other.
 */
import type { DateInput, Trigger, TriggerSpec } from '@kairos/triggers';
import type { CommandTask } from './commands/command-task.js';
import type { AbandonedPolicy } from './ledger.js';

/** A task function. Its arguments are the job's `args`; it may return a promise. */
// Any parameter list is accepted: args are checked by the caller, not the scheduler.
export type TaskFunction = (...args: never[]) => unknown;

/**
 * What a job runs: a function (memory store and async executor only), the name of a task
 * registered with `scheduler.registerTask(name, fn)`, a module reference such as
 * `'./tasks/report.js#build'` or `'some-package#cleanup'`, or a command
 * (`{ command: 'pg_dump app > /backup/app.sql' }` or `{ argv: ['pg_dump', 'app'] }`).
 */
export type Task = TaskFunction | string | CommandTask;

/** A trigger as `addJob` takes it: an instance, or a spec whose `type` is a registered alias. */
export type TriggerInput = Trigger | TriggerSpec | ({ type: string } & Record<string, unknown>);

/** Per-job policies, with APScheduler's defaults. */
export interface JobDefaults {
  /** Seconds a run may start late and still run; null = always run. Default 1. */
  misfireGraceTime?: number | null;
  /** Run once instead of once per missed run time when several are due. Default true. */
  coalesce?: boolean;
  /** How many runs of the job may be in progress at once. Default 1. */
  maxInstances?: number;
}

/** Options of `addJob`. */
export interface AddJobOptions extends JobDefaults {
  /** Arguments passed to the task. */
  args?: readonly unknown[];
  /** The job id. Default: a random UUID. */
  id?: string;
  /** A readable name. Default: the task's name. */
  name?: string;
  /**
   * When to run first. Default: the trigger's first fire time (computed at `start()` for jobs
   * added before it). `null` adds the job paused.
   */
  nextRunTime?: DateInput | null;
  /** Alias of the job store to keep the job in. Default `'default'`. */
  jobstore?: string;
  /** Alias of the executor to run it in. Default `'default'`. */
  executor?: string;
  /** Replace a job with the same id instead of failing with `ConflictingIdError`. */
  replaceExisting?: boolean;
  /** Seconds a run may take before it is aborted and reported as an error; null = no limit. */
  timeout?: number | null;
  /**
   * When a run is found abandoned (its scheduler died during it; stores with a run ledger):
   * `'fail'` (default) records it and runs nothing again, `'retry'` runs it again.
   */
  onAbandoned?: AbandonedPolicy;
  /** With `onAbandoned: 'retry'`, how many times an abandoned run is retried. Default 1. */
  maxRetries?: number;
}

/** What `modifyJob` can change. */
export interface JobChanges extends JobDefaults {
  /** A new task: a function, a registered name, a module reference or a command. */
  task?: Task;
  /** New arguments for the task. */
  args?: readonly unknown[];
  /** A new readable name. */
  name?: string;
  /** A new trigger; the next run time is recomputed from it. */
  trigger?: TriggerInput;
  /** Alias of another executor to run the job in. */
  executor?: string;
  /** A new next run time; `null` pauses the job. */
  nextRunTime?: DateInput | null;
  /** Seconds a run may take before it is aborted; null = no limit. */
  timeout?: number | null;
  /** What happens to a run found abandoned: `'fail'` or `'retry'`. */
  onAbandoned?: AbandonedPolicy;
  /** With `onAbandoned: 'retry'`, how many times an abandoned run is retried. */
  maxRetries?: number;
}

/**
 * A job in its stored JSON form: what persistent stores keep and `exportJobs` writes.
 * `nextRunTime` is UTC epoch milliseconds so stores can index it.
 */
export interface JobState {
  /** Format version, for migrations. */
  version: 1;
  /** The job id. */
  id: string;
  /** The job's readable name. */
  name: string;
  /** A registered task name, a module reference or a command. */
  task: string | CommandTask;
  /** The arguments, with Dates and BigInts tagged (see `serialize.ts`). */
  args: unknown[];
  /** The trigger's spec (`trigger.toJSON()`), rebuilt through the trigger registry. */
  trigger: TriggerSpec | ({ type: string } & Record<string, unknown>);
  /** Alias of the executor that runs the job. */
  executor: string;
  /** Seconds a run may start late and still run; null = always run. */
  misfireGraceTime: number | null;
  /** Whether several due run times collapse into one run. */
  coalesce: boolean;
  /** How many runs may be in progress at once. */
  maxInstances: number;
  /** Seconds a run may take before it is aborted; null = no limit. */
  timeout: number | null;
  /** Absent in documents written before run leases: `'fail'`. */
  onAbandoned?: AbandonedPolicy;
  /** Absent in documents written before run leases: 1. */
  maxRetries?: number;
  /** The next run time in UTC epoch ms; null when the job is paused. */
  nextRunTime: number | null;
}
