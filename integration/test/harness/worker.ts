/**
 * The test side of fixtures/worker.mjs: spawns scheduler processes with a role, collects the
 * JSON lines they print, waits for given lines, sends commands, and stops them (SIGKILL for a
 * crash, a `shutdown` command for a graceful stop). Every process started here is killed by
 * {@link killAllWorkers} (call it in afterEach), so no test leaves one behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WORKER_SCRIPT = fileURLToPath(new URL('../fixtures/worker.mjs', import.meta.url));
/** KAIROS_IT_VERBOSE=1 echoes every line the workers print, for debugging a scenario. */
const VERBOSE = process.env['KAIROS_IT_VERBOSE'] === '1';

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

/** Any line a worker prints. */
export interface WorkerEvent {
  type: string;
  pid: number;
  /** Date.now() in the worker when it printed the line. */
  at: number;
  [field: string]: unknown;
}

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

/** How a worker ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Waiter {
  predicate: (event: WorkerEvent) => boolean;
  resolve: (event: WorkerEvent) => void;
}

const live = new Set<WorkerProcess>();

/** One scheduler process running fixtures/worker.mjs. */
export class WorkerProcess {
  readonly role: WorkerRole;
  /** Every line printed so far, in order. */
  readonly events: WorkerEvent[] = [];
  /** Lines that were not JSON events (should stay empty). */
  readonly strayOutput: string[] = [];
  /** Resolves when the process has exited. */
  readonly exited: Promise<WorkerExit>;
  #stderr = '';
  #exit: WorkerExit | null = null;
  readonly #child: ChildProcessWithoutNullStreams;
  #waiters: Waiter[] = [];

  private constructor(role: WorkerRole) {
    this.role = role;
    this.#child = spawn(process.execPath, [WORKER_SCRIPT, JSON.stringify(role)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    live.add(this);
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    // The worker may be gone when a command is written; the exit is reported separately.
    this.#child.stdin.on('error', () => undefined);
    const lines = createInterface({ input: this.#child.stdout });
    lines.on('line', (line) => this.#received(line));
    this.exited = new Promise<WorkerExit>((resolve) => {
      this.#child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        live.delete(this);
        resolve(this.#exit);
      });
    });
  }

  /** Spawns a worker with `role`. */
  static start(role: WorkerRole): WorkerProcess {
    return new WorkerProcess(role);
  }

  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`worker ${this.role.name} has no pid (spawn failed)`);
    return pid;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.#exit === null;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The events of one type printed so far. */
  ofType<K extends keyof EventTypes>(type: K): EventTypes[K][] {
    return this.events.filter((event) => event.type === type) as EventTypes[K][];
  }

  /** The runs of one job (or of all) printed so far. */
  runs(jobId?: string): RunEvent[] {
    return this.ofType('run').filter((run) => jobId === undefined || run.id === jobId);
  }

  /**
   * The first event of `type` (printed already or to come) that `predicate` accepts.
   * Rejects after `timeoutMs`, or when the process exits first, with what it printed.
   */
  waitFor<K extends keyof EventTypes | 'ready' | 'done' | 'stopped'>(
    type: K,
    predicate: (event: K extends keyof EventTypes ? EventTypes[K] : WorkerEvent) => boolean,
    timeoutMs = 30_000,
  ): Promise<K extends keyof EventTypes ? EventTypes[K] : WorkerEvent> {
    type Result = K extends keyof EventTypes ? EventTypes[K] : WorkerEvent;
    const accepts = (event: WorkerEvent): boolean =>
      event.type === type && predicate(event as Result);
    const found = this.events.find(accepts);
    if (found !== undefined) return Promise.resolve(found as Result);
    return new Promise<Result>((resolve, reject) => {
      const waiter: Waiter = {
        predicate: accepts,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as Result);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `worker ${this.role.name}: no '${type}' event within ${timeoutMs} ms\n${this.describe()}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
      void this.exited.then((exit) => {
        if (!this.#waiters.includes(waiter)) return;
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        clearTimeout(timer);
        reject(
          new Error(
            `worker ${this.role.name} exited (${JSON.stringify(exit)}) before a '${type}' event\n${this.describe()}`,
          ),
        );
      });
    });
  }

  /** Waits until `count` runs of `jobId` have been printed; resolves to the runs so far. */
  async waitForRuns(jobId: string, count: number, timeoutMs = 30_000): Promise<RunEvent[]> {
    let seen = 0;
    await this.waitFor('run', (run) => run.id === jobId && ++seen >= count, timeoutMs);
    return this.runs(jobId);
  }

  /** Sends a command and waits for its `done` answer. */
  async command(command: WorkerCommand, timeoutMs = 30_000): Promise<void> {
    const tag = `${command.cmd}-${Math.random().toString(36).slice(2)}`;
    this.#child.stdin.write(`${JSON.stringify({ ...command, tag })}\n`);
    await this.waitFor('done', (event) => event['tag'] === tag, timeoutMs);
  }

  /** Kills the process with SIGKILL (no cleanup of any kind) and waits for it to be gone. */
  async kill(): Promise<WorkerExit> {
    if (this.alive) this.#child.kill('SIGKILL');
    return this.exited;
  }

  /**
   * Stops the process gracefully (the scheduler shuts down, waiting for running jobs); kills it
   * after `timeoutMs`. Resolves to how it exited (code 0 when the shutdown went well).
   */
  async stop(timeoutMs = 20_000): Promise<WorkerExit> {
    if (!this.alive) return this.exited;
    this.#child.stdin.write(`${JSON.stringify({ cmd: 'shutdown' })}\n`);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** The last lines and stderr, for failure messages. */
  describe(): string {
    const last = this.events
      .slice(-15)
      .map((event) => JSON.stringify(event))
      .join('\n  ');
    return (
      `  pid ${this.#child.pid ?? '?'}, exit ${JSON.stringify(this.#exit)}\n  last events:\n  ${last}` +
      (this.#stderr === '' ? '' : `\n  stderr:\n${this.#stderr.slice(-3000)}`) +
      (this.strayOutput.length === 0
        ? ''
        : `\n  stray output:\n${this.strayOutput.slice(-10).join('\n')}`)
    );
  }

  #received(line: string): void {
    let event: WorkerEvent;
    try {
      event = JSON.parse(line) as WorkerEvent;
    } catch {
      this.strayOutput.push(line);
      return;
    }
    this.events.push(event);
    if (VERBOSE) console.log(`[${this.role.name} ${event.pid}] ${line}`);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (waiter.predicate(event)) waiter.resolve(event);
      else this.#waiters.push(waiter);
    }
  }
}

/**
 * The workers of one test: concurrent tests each keep their own group and kill only their own
 * processes when they finish.
 */
export class WorkerGroup {
  readonly #workers: WorkerProcess[] = [];

  /** Spawns a worker (see {@link WorkerProcess.start}). */
  start(role: WorkerRole): WorkerProcess {
    const worker = WorkerProcess.start(role);
    this.#workers.push(worker);
    return worker;
  }

  /** Spawns a worker and waits for its `ready` line. */
  async ready(role: WorkerRole, timeoutMs = 30_000): Promise<WorkerProcess> {
    const worker = this.start(role);
    await worker.waitFor('ready', () => true, timeoutMs);
    return worker;
  }

  /** Every worker the group started. */
  get all(): readonly WorkerProcess[] {
    return this.#workers;
  }

  /** Kills (SIGKILL) every worker of the group still running. */
  async killAll(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.kill()));
  }
}

/** Kills (SIGKILL) every worker still running, whichever test started it; for afterAll. */
export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((worker) => worker.kill()));
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sleeps until the wall time `time` (epoch ms); returns at once when it has passed. */
export function sleepUntil(time: number): Promise<void> {
  return sleep(Math.max(0, time - Date.now()));
}
