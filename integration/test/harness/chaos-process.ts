/**
 * The test side of fixtures/chaos-worker.mjs: scheduler processes with a scheduler id, a lease,
 * a run history and maybe a clock that is off, whose task appends each run to a file. Spawns
 * them, collects the JSON lines they print, waits for given lines, sends commands and reads
 * their results, kills them (SIGKILL) or stops them (a `shutdown` command). Every process started
 * here is killed by {@link killAllChaosProcesses} (call it in afterAll).
 *
 * The shape of worker.ts's WorkerProcess for a different script and role; the event and exit
 * types are shared.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StoreSpec, WorkerEvent, WorkerExit } from './worker.js';

const CHAOS_WORKER_SCRIPT = fileURLToPath(new URL('../fixtures/chaos-worker.mjs', import.meta.url));
/** KAIROS_IT_VERBOSE=1 echoes every line the processes print, for debugging a scenario. */
const VERBOSE = process.env['KAIROS_IT_VERBOSE'] === '1';

/** A job of the task `sleepy`: it runs for `durationMs`. */
export interface ChaosJobSpec {
  id: string;
  /** A trigger spec; `{ $nowPlus }` values become ISO times when the job is added. */
  trigger: Record<string, unknown>;
  /** addJob options (onAbandoned, maxRetries, coalesce, misfireGraceTime, maxInstances, …). */
  options?: Record<string, unknown>;
  durationMs: number;
}

/** What one chaos-worker process does. */
export interface ChaosRole {
  /** For messages. */
  name: string;
  /** The scheduler id (one per process, a restarted node gets a new one). */
  schedulerId: string;
  store: StoreSpec;
  /** More options of the store's constructor (SQLite's `busyTimeout`, …). */
  storeOptions?: Record<string, unknown>;
  leaseSeconds: number;
  /** `false`, or the retention of the run history. */
  history?: false | { keep: number; maxAge: number };
  /** How far the scheduler's clock is ahead of the real one (ms; negative: behind). */
  clockOffsetMs?: number;
  /** The file every run appends its `start` and `end` lines to. */
  runFile?: string;
  /** Jobs added after start, before `ready`. */
  jobs?: ChaosJobSpec[];
  /** Print `run` and `ran` events (default true). */
  printRuns?: boolean;
  jobstoreRetryInterval?: number;
  maxSleepTime?: number;
  maxWorkers?: number;
  /** The lowest level of scheduler/store log lines printed as `log` events (default warn). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  paused?: boolean;
}

/** A run of the task as the process printed it (`run` at its start, `ran` at its end). */
export interface ChaosRunEvent extends WorkerEvent {
  type: 'run' | 'ran';
  runId: string;
  id: string;
  scheduled: number;
  attempt: number;
}

/** A `job_abandoned` event of the process's scheduler. */
export interface AbandonedEvent extends WorkerEvent {
  type: 'abandoned';
  id: string;
  scheduled: number;
  owner: string;
  retried: boolean;
  runId: string;
  attempt: number;
}

/** A run as `getRuns` gives it (the fields the checks read). */
export interface HistoryRun {
  id: string;
  jobId: string;
  scheduled: number;
  outcome: string | null;
  attempt: number;
  schedulerId: string;
}

/** A scheduler as `getNodes` gives it. */
export interface NodeEntry {
  id: string;
  pid: number;
  alive: boolean;
  lastSeen: number;
}

/** The commands of chaos-worker.mjs and what each answers. */
export interface ChaosCommands {
  add: { args: { job: ChaosJobSpec }; result: null };
  /** Every run matching `query`, paged with the cursor; to `file` when given. */
  history: {
    args: { query?: Record<string, unknown>; pageSize?: number; file?: string };
    result: { runs?: HistoryRun[]; count?: number; pages: number };
  };
  nodes: { args: Record<string, never>; result: { nodes: NodeEntry[] } };
}

interface ChaosEventTypes {
  run: ChaosRunEvent;
  ran: ChaosRunEvent;
  abandoned: AbandonedEvent;
  log: WorkerEvent & { level: string; message: string; error?: string };
  error: WorkerEvent & { source: string; action: string; message: string };
}

interface Waiter {
  predicate: (event: WorkerEvent) => boolean;
  resolve: (event: WorkerEvent) => void;
}

const live = new Set<ChaosProcess>();

/** One scheduler process running fixtures/chaos-worker.mjs. */
export class ChaosProcess {
  readonly role: ChaosRole;
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

  constructor(role: ChaosRole) {
    this.role = role;
    this.#child = spawn(process.execPath, [CHAOS_WORKER_SCRIPT, JSON.stringify(role)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    live.add(this);
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
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

  /** The scheduler id it runs with. */
  get schedulerId(): string {
    return this.role.schedulerId;
  }

  get alive(): boolean {
    return this.#exit === null;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The events of one type printed so far. */
  ofType<K extends keyof ChaosEventTypes>(type: K): ChaosEventTypes[K][] {
    return this.events.filter((event) => event.type === type) as ChaosEventTypes[K][];
  }

  /** The warnings it logged. */
  warnings(): string[] {
    return this.ofType('log')
      .filter((line) => line.level === 'warn')
      .map((line) => line.message);
  }

  /**
   * The first event of `type` (printed already or to come) that `predicate` accepts. Rejects
   * after `timeoutMs`, or when the process exits first, with what it printed.
   */
  waitFor<K extends keyof ChaosEventTypes | 'ready' | 'done' | 'stopped'>(
    type: K,
    predicate: (
      event: K extends keyof ChaosEventTypes ? ChaosEventTypes[K] : WorkerEvent,
    ) => boolean,
    timeoutMs = 30_000,
  ): Promise<K extends keyof ChaosEventTypes ? ChaosEventTypes[K] : WorkerEvent> {
    type Result = K extends keyof ChaosEventTypes ? ChaosEventTypes[K] : WorkerEvent;
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
            `chaos process ${this.role.name}: no '${type}' event within ${timeoutMs} ms\n${this.describe()}`,
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
            `chaos process ${this.role.name} exited (${JSON.stringify(exit)}) before a '${type}' event\n${this.describe()}`,
          ),
        );
      });
    });
  }

  /** Sends a command and resolves to its result (the `done` line's). */
  async command<C extends keyof ChaosCommands>(
    cmd: C,
    args: ChaosCommands[C]['args'],
    timeoutMs = 60_000,
  ): Promise<ChaosCommands[C]['result']> {
    const tag = `${cmd}-${Math.random().toString(36).slice(2)}`;
    this.#child.stdin.write(`${JSON.stringify({ ...args, cmd, tag })}\n`);
    const done = await this.waitFor('done', (event) => event['tag'] === tag, timeoutMs);
    return done['result'] as ChaosCommands[C]['result'];
  }

  /** Kills the process with SIGKILL (no cleanup of any kind) and waits for it to be gone. */
  async kill(): Promise<WorkerExit> {
    if (this.alive) this.#child.kill('SIGKILL');
    return this.exited;
  }

  /**
   * Stops the process gracefully (running jobs finish, their outcomes are written, the node
   * leaves); kills it after `timeoutMs`. Resolves to how it exited (code 0 when all went well).
   */
  async stop(timeoutMs = 30_000): Promise<WorkerExit> {
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
      `  ${this.role.name} (${this.schedulerId}), pid ${this.#child.pid ?? '?'}, exit ${JSON.stringify(this.#exit)}\n  last events:\n  ${last}` +
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

/** The processes of one test, all killed when it finishes. */
export class ChaosGroup {
  readonly #processes: ChaosProcess[] = [];

  /** Spawns a process with `role`. */
  start(role: ChaosRole): ChaosProcess {
    const process = new ChaosProcess(role);
    this.#processes.push(process);
    return process;
  }

  /** Spawns a process and waits for its `ready` line. */
  async ready(role: ChaosRole, timeoutMs = 60_000): Promise<ChaosProcess> {
    const started = this.start(role);
    await started.waitFor('ready', () => true, timeoutMs);
    return started;
  }

  /** Every process the group started (killed ones included). */
  get all(): readonly ChaosProcess[] {
    return this.#processes;
  }

  /** Kills (SIGKILL) every process of the group still running. */
  async killAll(): Promise<void> {
    await Promise.all(this.#processes.map((p) => p.kill()));
  }
}

/** Kills (SIGKILL) every chaos process still running, whichever test started it; for afterAll. */
export async function killAllChaosProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}
