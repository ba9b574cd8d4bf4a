/** What the store tests share: reading a recording logger, and waiting in real time. */
import type { LogEntry } from '@kairos/testkit';

/** The entries of a recording logger as `level message` strings, for plain assertions. */
export function textOf(entries: readonly LogEntry[]): string[] {
  return entries.map((entry) => `${entry.level} ${entry.message}`);
}

/** Waits `ms` milliseconds of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
