/**
 * The test side of fixtures/chaos-worker.mjs: scheduler processes with a scheduler id, a lease,
 * a run history and maybe a clock that is off, whose task appends each run to a file, as
 * {@link LineProcess}es (spawned, their JSON lines collected and waited for, killed or stopped),
 * whose commands answer with a result. Every process is killed by `killAllProcesses` (call it in
 * afterAll).
 */
import { fileURLToPath } from 'node:url';
import { LineProcess, ProcessGroup, type WorkerEvent, type WorkerExit } from './line-process.js';
import type { StoreSpec } from './worker.js';

export { killAllProcesses } from './line-process.js';

const CHAOS_WORKER_SCRIPT = fileURLToPath(new URL('../fixtures/chaos-worker.mjs', import.meta.url));

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

/** One scheduler process running fixtures/chaos-worker.mjs. */
export class ChaosProcess extends LineProcess<ChaosRole, ChaosEventTypes> {
  constructor(role: ChaosRole) {
    super(CHAOS_WORKER_SCRIPT, role, `chaos process ${role.name} (${role.schedulerId})`);
  }

  /** The scheduler id it runs with. */
  get schedulerId(): string {
    return this.role.schedulerId;
  }

  /** The warnings it logged. */
  warnings(): string[] {
    return this.ofType('log')
      .filter((line) => line.level === 'warn')
      .map((line) => line.message);
  }

  /** Sends a command and resolves to its result (the `done` line's). */
  async command<C extends keyof ChaosCommands>(
    cmd: C,
    args: ChaosCommands[C]['args'],
    timeoutMs = 60_000,
  ): Promise<ChaosCommands[C]['result']> {
    const done = await this.send({ ...args, cmd }, timeoutMs);
    return done['result'] as ChaosCommands[C]['result'];
  }

  /**
   * Stops the process gracefully (running jobs finish, their outcomes are written, the node
   * leaves); kills it after `timeoutMs`. Resolves to how it exited (code 0 when all went well).
   */
  override stop(timeoutMs = 30_000): Promise<WorkerExit> {
    return super.stop(timeoutMs);
  }
}

/** The processes of one test, all killed when it finishes. */
export class ChaosGroup extends ProcessGroup<ChaosRole, ChaosProcess> {
  constructor() {
    super((role) => new ChaosProcess(role), 60_000);
  }
}
