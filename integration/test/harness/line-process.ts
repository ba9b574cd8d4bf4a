/**
 * A fixture process that talks in lines: it gets its role as a JSON argument, prints one JSON
 * event per line on stdout and reads JSON commands on stdin (each answered by a `done` line
 * with the command's tag). The test side keeps every event, waits for given ones, sends
 * commands, kills the process (SIGKILL) or stops it (a `shutdown` command). worker.ts and
 * chaos-process.ts are this for their fixture scripts; every process started here is killed by
 * {@link killAllProcesses} (call it in afterEach or afterAll), so no test leaves one behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** KAIROS_IT_VERBOSE=1 echoes every line the processes print, for debugging a scenario. */
const VERBOSE = process.env['KAIROS_IT_VERBOSE'] === '1';

/** Any line a fixture process prints. */
export interface WorkerEvent {
  type: string;
  pid: number;
  /** Date.now() in the process when it printed the line. */
  at: number;
  [field: string]: unknown;
}

/** How a process ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What a role needs here: a name for messages. */
export interface NamedRole {
  name: string;
}

/** The event of a type: its own shape for a type in `Types`, a plain event otherwise. */
export type EventOf<Types, K> = K extends keyof Types ? Types[K] : WorkerEvent;

interface Waiter {
  predicate: (event: WorkerEvent) => boolean;
  resolve: (event: WorkerEvent) => void;
}

/** What the group and the final clean-up need of a process. */
interface Started {
  kill(): Promise<WorkerExit>;
  waitFor(type: 'ready', predicate: () => boolean, timeoutMs?: number): Promise<unknown>;
}

const live = new Set<Started>();

/** One fixture process; `Types` maps its event types to their shapes. */
export class LineProcess<Role extends NamedRole, Types extends object> {
  readonly role: Role;
  /** Every line printed so far, in order. */
  readonly events: WorkerEvent[] = [];
  /** Lines that were not JSON events (should stay empty). */
  readonly strayOutput: string[] = [];
  /** Resolves when the process has exited. */
  readonly exited: Promise<WorkerExit>;
  readonly #label: string;
  #stderr = '';
  #exit: WorkerExit | null = null;
  readonly #child: ChildProcessWithoutNullStreams;
  #waiters: Waiter[] = [];

  /**
   * Spawns `script` with `role` as its argument.
   * @param label what failure messages call it: `worker w1`
   */
  constructor(script: string, role: Role, label: string) {
    this.role = role;
    this.#label = label;
    this.#child = spawn(process.execPath, [script, JSON.stringify(role)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    live.add(this);
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    // The process may be gone when a command is written; the exit is reported separately.
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

  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`${this.#label} has no pid (spawn failed)`);
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
  ofType<K extends keyof Types>(type: K): Types[K][] {
    return this.events.filter((event) => event.type === type) as Types[K][];
  }

  /**
   * The first event of `type` (printed already or to come) that `predicate` accepts.
   * Rejects after `timeoutMs`, or when the process exits first, with what it printed.
   */
  waitFor<K extends keyof Types | 'ready' | 'done' | 'stopped'>(
    type: K,
    predicate: (event: EventOf<Types, K>) => boolean,
    timeoutMs = 30_000,
  ): Promise<EventOf<Types, K>> {
    type Result = EventOf<Types, K>;
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
            `${this.#label}: no '${String(type)}' event within ${timeoutMs} ms\n${this.describe()}`,
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
            `${this.#label} exited (${JSON.stringify(exit)}) before a '${String(type)}' event\n${this.describe()}`,
          ),
        );
      });
    });
  }

  /** Kills the process with SIGKILL (no cleanup of any kind) and waits for it to be gone. */
  async kill(): Promise<WorkerExit> {
    if (this.alive) this.#child.kill('SIGKILL');
    return this.exited;
  }

  /**
   * Stops the process gracefully (a `shutdown` command: its scheduler shuts down, waiting for
   * running jobs); kills it after `timeoutMs`. Resolves to how it exited (code 0 when the
   * shutdown went well).
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
      `  ${this.#label}, pid ${this.#child.pid ?? '?'}, exit ${JSON.stringify(this.#exit)}\n  last events:\n  ${last}` +
      (this.#stderr === '' ? '' : `\n  stderr:\n${this.#stderr.slice(-3000)}`) +
      (this.strayOutput.length === 0
        ? ''
        : `\n  stray output:\n${this.strayOutput.slice(-10).join('\n')}`)
    );
  }

  /** Sends a command (a JSON object with `cmd`) and resolves to its `done` line. */
  protected async send(command: { cmd: string }, timeoutMs: number): Promise<WorkerEvent> {
    const tag = `${command.cmd}-${Math.random().toString(36).slice(2)}`;
    this.#child.stdin.write(`${JSON.stringify({ ...command, tag })}\n`);
    const done = await this.waitFor(
      'done',
      (event) => (event as WorkerEvent)['tag'] === tag,
      timeoutMs,
    );
    return done as WorkerEvent;
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
 * The processes of one test: concurrent tests each keep their own group and kill only their
 * own processes when they finish.
 */
export class ProcessGroup<Role extends NamedRole, P extends Started> {
  readonly #start: (role: Role) => P;
  readonly #readyTimeoutMs: number;
  readonly #processes: P[] = [];

  /**
   * @param start spawns one process
   * @param readyTimeoutMs how long {@link ready} waits by default
   */
  constructor(start: (role: Role) => P, readyTimeoutMs: number) {
    this.#start = start;
    this.#readyTimeoutMs = readyTimeoutMs;
  }

  /** Spawns a process with `role`. */
  start(role: Role): P {
    const started = this.#start(role);
    this.#processes.push(started);
    return started;
  }

  /** Spawns a process and waits for its `ready` line. */
  async ready(role: Role, timeoutMs = this.#readyTimeoutMs): Promise<P> {
    const started = this.start(role);
    await started.waitFor('ready', () => true, timeoutMs);
    return started;
  }

  /** Every process the group started (killed ones included). */
  get all(): readonly P[] {
    return this.#processes;
  }

  /** Kills (SIGKILL) every process of the group still running. */
  async killAll(): Promise<void> {
    await Promise.all(this.#processes.map((started) => started.kill()));
  }
}

/** Kills (SIGKILL) every fixture process still running, whichever test started it. */
export async function killAllProcesses(): Promise<void> {
  await Promise.all([...live].map((started) => started.kill()));
}
