/**
 * What every scenario starts with: a store of its own and a group of workers, both removed when
 * the test finishes (whether it passed or not).
 */
import type { ExpectStatic, TestContext } from 'vitest';
import { createTestStore, type StoreKind, type TestStore } from './stores.js';
import { WorkerGroup, type WorkerProcess } from './worker.js';

export interface Scenario {
  readonly store: TestStore;
  readonly workers: WorkerGroup;
}

/** A fresh store of `kind` and a worker group, cleaned up at the end of the current test. */
export async function scenario(
  kind: StoreKind,
  label: string,
  onTestFinished: TestContext['onTestFinished'],
): Promise<Scenario> {
  const store = await createTestStore(kind, label);
  const workers = new WorkerGroup();
  onTestFinished(async () => {
    await workers.killAll();
    await store.cleanup();
  });
  return { store, workers };
}

/** The times `first`, `first + step`, … up to `last` (inclusive). */
export function gridTimes(first: number, last: number, step = 1000): number[] {
  const times: number[] = [];
  for (let time = first; time <= last; time += step) times.push(time);
  return times;
}

/** The next whole second at least `leadMs` from now (epoch ms). */
export function wholeSecondAfter(leadMs: number): number {
  return Math.ceil((Date.now() + leadMs) / 1000) * 1000;
}

/** Values that occur more than once. */
export function duplicates<T>(values: Iterable<T>): T[] {
  const seen = new Set<T>();
  const repeated = new Set<T>();
  for (const value of values) {
    if (seen.has(value)) repeated.add(value);
    seen.add(value);
  }
  return [...repeated];
}

/** Prints one line of figures for the run's record (lateness, counts), tagged with the store. */
export function report(kind: string, text: string): void {
  console.log(`[integration:${kind}] ${text}`);
}

/**
 * Checks that workers printed nothing unexpected: no stderr (warnings, stack traces), no
 * non-JSON output, no uncaught error (`crash`), no failed command.
 */
export function expectClean(expect: ExpectStatic, workers: Iterable<WorkerProcess>): void {
  for (const worker of workers) {
    expect(worker.stderr, `stderr of ${worker.role.name}`).toBe('');
    expect(worker.strayOutput, `output of ${worker.role.name}`).toEqual([]);
    const failures = worker.events.filter((e) => e.type === 'crash' || e.type === 'command_error');
    expect(failures, worker.describe()).toEqual([]);
  }
}
