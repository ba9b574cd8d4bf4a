/** What the store tests share: reading a recording logger, and waiting in real time. */
import type { LogEntry } from '@kairos/testkit';

/** The entries of a recording logger as `level message` strings, for plain assertions. */
export function textOf(entries: readonly LogEntry[]): string[] {
  return entries.map((entry) => `${entry.level} ${entry.message}`);
}

/** Polls `condition` every 5 ms (real time) until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(5);
  }
  return condition();
}

/** Waits `ms` milliseconds of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
