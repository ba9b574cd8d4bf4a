/**
 * The test side of fixtures/worker.mjs: scheduler processes with a role (a store, jobs, a run
 * log), as {@link LineProcess}es: spawned, their JSON lines collected and waited for, commands
 * sent, stopped (SIGKILL for a crash, a `shutdown` command for a graceful stop). Every process
 * is killed by `killAllProcesses` (call it in afterEach), so no test leaves one behind.
 */
import { fileURLToPath } from 'node:url';
import { LineProcess, ProcessGroup, type WorkerEvent } from './line-process.js';

export { killAllProcesses, type WorkerEvent, type WorkerExit } from './line-process.js';

const WORKER_SCRIPT = fileURLToPath(new URL('../fixtures/worker.mjs', import.meta.url));

/** How a worker builds its job store: through the `kairos` config (`type`) or as an instance. */
export type StoreSpec =
  | { type: 'sqlite'; via?: 'config' | 'instance'; path: string; pollInterval?: number }
  | {
      type: 'postgres';
      via?: 'config' | 'instance';
      connectionString: string;
      schema?: string;
      tableName?: string;
    }
  | { type: 'redis'; via?: 'config' | 'instance'; url: string; keyPrefix?: string };

/** Where a worker appends (job id, scheduled run time, pid, start time) for each run. */
export type RunLogSpec =
  | { type: 'sqlite'; path: string }
  | { type: 'postgres'; connectionString: string; table: string }
  | { type: 'redis'; url: string; key: string };

/** A time relative to the moment the worker uses it: `{ $nowPlus: 1000 }` = 1 s from then. */
export interface RelativeTime {
  $nowPlus: number;
}

/** A job the worker adds (its task is always the registered task `record`). */
export interface JobSpec {
  id: string;
  /** A trigger spec; `{ $nowPlus }` values become ISO times when the job is added. */
  trigger?: Record<string, unknown> | null;
  /** addJob options (coalesce, misfireGraceTime, maxInstances, args, name, nextRunTime). */
  options?: Record<string, unknown>;
  /** Pause the job right after adding it (its next run time becomes null). */
  paused?: boolean;
}

/** What one worker process does. */
export interface WorkerRole {
  /** For messages. */
  name: string;
  store: StoreSpec;
  runLog?: RunLogSpec;
  /** Start the scheduler paused (it then runs nothing). */
  paused?: boolean;
  /** Jobs added after start, before `ready`. */
  jobs?: JobSpec[];
  /** Print a `jobs` event (every job in the store) before `ready`. */
  printJobs?: boolean;
  /** Print `run` and `submitted` events (default true). */
  printRuns?: boolean;
  jobstoreRetryInterval?: number;
  maxSleepTime?: number;
  maxWorkers?: number;
  /** The lowest level of scheduler/store log lines printed as `log` events (default warn). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Shut down gracefully this long after `ready`. */
  runForMs?: number;
  /**
   * The scheduler's id. A process restarted under the same id ends its earlier start's runs at
   * once; under a new one (the default) they hold their slots until their leases lapse.
   */
  schedulerId?: string;
}

/** A command sent to a worker's stdin; it answers with a `done` event carrying `tag`. */
export type WorkerCommand =
  | { cmd: 'add'; job: JobSpec; tag?: string }
  | { cmd: 'jobs'; tag?: string }
  | { cmd: 'remove'; id: string; tag?: string }
  | { cmd: 'pause'; tag?: string }
  | { cmd: 'resume'; tag?: string }
  | { cmd: 'shutdown'; tag?: string };

/** A run of the task: `at` is when it started, `scheduled` the run time it was for. */
export interface RunEvent extends WorkerEvent {
  type: 'run';
  id: string;
  scheduled: number;
}

/** A submission to the executor, with the run times it carries (one when coalesced). */
export interface SubmittedEvent extends WorkerEvent {
  type: 'submitted';
  id: string;
  runTimes: number[];
}

/** A run skipped because it would have started later than its misfire grace time. */
export interface MissedEvent extends WorkerEvent {
  type: 'missed';
  id: string;
  scheduled: number;
}

/** A job as the worker's scheduler saw it in the store. */
export interface JobSnapshot {
  id: string;
  name: string;
  task: string;
  args: unknown[];
  trigger: string;
  nextRunTime: number | null;
  coalesce: boolean;
  misfireGraceTime: number | null;
  maxInstances: number;
}

export interface JobsEvent extends WorkerEvent {
  type: 'jobs';
  jobs: JobSnapshot[];
}

export interface AddedEvent extends WorkerEvent {
  type: 'added';
  id: string;
  nextRunTime: number | null;
}

/** A failure the scheduler survived (`scheduler.on('error')`). */
export interface ErrorEvent extends WorkerEvent {
  type: 'error';
  source: string;
  alias: string | null;
  action: string;
  message: string;
}

export interface LogEvent extends WorkerEvent {
  type: 'log';
  level: string;
  message: string;
  error?: string;
}

interface EventTypes {
  run: RunEvent;
  submitted: SubmittedEvent;
  missed: MissedEvent;
  jobs: JobsEvent;
  added: AddedEvent;
  error: ErrorEvent;
  log: LogEvent;
}

/** One scheduler process running fixtures/worker.mjs. */
export class WorkerProcess extends LineProcess<WorkerRole, EventTypes> {
  private constructor(role: WorkerRole) {
    super(WORKER_SCRIPT, role, `worker ${role.name}`);
  }

  /** Spawns a worker with `role`. */
  static start(role: WorkerRole): WorkerProcess {
    return new WorkerProcess(role);
  }

  /** The runs of one job (or of all) printed so far. */
  runs(jobId?: string): RunEvent[] {
    return this.ofType('run').filter((run) => jobId === undefined || run.id === jobId);
  }

  /** Waits until `count` runs of `jobId` have been printed; resolves to the runs so far. */
  async waitForRuns(jobId: string, count: number, timeoutMs = 30_000): Promise<RunEvent[]> {
    let seen = 0;
    await this.waitFor('run', (run) => run.id === jobId && ++seen >= count, timeoutMs);
    return this.runs(jobId);
  }

  /** Sends a command and waits for its `done` answer. */
  async command(command: WorkerCommand, timeoutMs = 30_000): Promise<void> {
    await this.send(command, timeoutMs);
  }
}

/**
 * The workers of one test: concurrent tests each keep their own group and kill only their own
 * processes when they finish.
 */
export class WorkerGroup extends ProcessGroup<WorkerRole, WorkerProcess> {
  constructor() {
    super((role) => WorkerProcess.start(role), 30_000);
  }
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sleeps until the wall time `time` (epoch ms); returns at once when it has passed. */
export function sleepUntil(time: number): Promise<void> {
  return sleep(Math.max(0, time - Date.now()));
}
