/**
 * A fleet of scheduler nodes on one store, as an operator's supervisor keeps it: each node is a
 * chaos-worker process; a node that is SIGKILLed is restarted at once under a new scheduler id
 * (`N2.0`, then `N2.1`, …), and a node whose start fails (its store unreachable: the scheduler's
 * `start()` rejects and the process exits 70) is started again a second later.
 */
import type { ChaosGroup, ChaosProcess, ChaosRole } from './chaos-process.js';

/** A start that failed and was tried again. */
export interface RefusedStart {
  process: ChaosProcess;
  /** When the process reported the failure. */
  at: number;
  message: string;
}

/** Delay before a failed start is tried again. */
const RESTART_DELAY_MS = 1000;

/** The nodes of one store. */
export class ChaosFleet {
  readonly #group: ChaosGroup;
  readonly #roleOf: (node: number, generation: number) => ChaosRole;
  readonly #current: ChaosProcess[] = [];
  readonly #generations: number[] = [];
  #stopped = false;
  /** Every process killed by {@link killOne}. */
  readonly killed = new Set<ChaosProcess>();
  /** Every start that failed and was tried again. */
  readonly refusedStarts: RefusedStart[] = [];
  /** The nodes still to be killed in the current turn of {@link killOne}. */
  #turn: number[] = [];

  /** Starts `size` nodes, node `n`'s generation `g` with `roleOf(n, g)`. */
  constructor(
    group: ChaosGroup,
    size: number,
    roleOf: (node: number, generation: number) => ChaosRole,
  ) {
    this.#group = group;
    this.#roleOf = roleOf;
    for (let node = 0; node < size; node++) {
      this.#generations.push(0);
      this.#current.push(this.#start(node));
    }
  }

  /** The scheduler ids of the killed processes. */
  get killedIds(): Set<string> {
    return new Set([...this.killed].map((p) => p.schedulerId));
  }

  /** The current process of each node. */
  get nodes(): readonly ChaosProcess[] {
    return this.#current;
  }

  /** Waits until every node's current process is ready (following restarts). */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pending = this.#current.filter((p) => !isReady(p));
      if (pending.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `chaos fleet: not ready within ${timeoutMs} ms\n${pending.map((p) => p.describe()).join('\n')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * SIGKILLs a ready node and restarts it; resolves to the killed process, if any. The nodes are
   * killed in turns, each turn in a random order (a node not ready yet waits for the next
   * turn): every node is killed as often as the others. Drawn at random each time, a node could
   * go unkilled through a whole CI run, and on SQLite, where the node whose clock is ahead takes
   * every run, the kills would then hit no run at all.
   */
  async killOne(): Promise<ChaosProcess | undefined> {
    if (this.#turn.length === 0) this.#turn = shuffled(this.#current.map((_, node) => node));
    const index = this.#turn.findIndex((node) => {
      const p = this.#current[node];
      return p !== undefined && p.alive && isReady(p);
    });
    const node = index < 0 ? undefined : this.#turn.splice(index, 1)[0];
    const chosen = node === undefined ? undefined : this.#current[node];
    if (node === undefined || chosen === undefined) return undefined;
    await chosen.kill();
    this.killed.add(chosen);
    this.#replace(node);
    return chosen;
  }

  /** Stops every node gracefully; resolves to how each exited. */
  async stop(): Promise<{ process: ChaosProcess; exit: Awaited<ChaosProcess['exited']> }[]> {
    this.#stopped = true;
    return Promise.all(this.#current.map(async (p) => ({ process: p, exit: await p.stop() })));
  }

  #replace(node: number): void {
    this.#generations[node] = (this.#generations[node] ?? 0) + 1;
    this.#current[node] = this.#start(node);
  }

  #start(node: number): ChaosProcess {
    const started = this.#group.start(this.#roleOf(node, this.#generations[node] ?? 0));
    void started.exited.then((exit) => {
      if (this.#stopped || this.killed.has(started) || isReady(started) || exit.code !== 70) {
        return;
      }
      const crash = started.events.find((e) => e.type === 'crash');
      this.refusedStarts.push({
        process: started,
        at: crash?.at ?? Date.now(),
        message: JSON.stringify(crash?.['message'] ?? exit),
      });
      setTimeout(() => {
        if (!this.#stopped && this.#current[node] === started) this.#replace(node);
      }, RESTART_DELAY_MS);
    });
    return started;
  }
}

function isReady(p: ChaosProcess): boolean {
  return p.events.some((e) => e.type === 'ready');
}

/** The values in a random order (Fisher–Yates). */
function shuffled<T>(values: T[]): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [values[i], values[j]] = [values[j] as T, values[i] as T];
  }
  return values;
}
