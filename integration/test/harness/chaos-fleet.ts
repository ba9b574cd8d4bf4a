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

  /** SIGKILLs a random ready node and restarts it; resolves to the killed process, if any. */
  async killOne(): Promise<ChaosProcess | undefined> {
    const candidates = this.#current
      .map((p, node) => ({ p, node }))
      .filter(({ p }) => p.alive && isReady(p));
    const chosen = candidates[Math.floor(Math.random() * candidates.length)];
    if (chosen === undefined) return undefined;
    await chosen.p.kill();
    this.killed.add(chosen.p);
    this.#replace(chosen.node);
    return chosen.p;
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
