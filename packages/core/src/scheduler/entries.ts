/**
 * How errors about one entry of an `addJobs` call name it, so that a bad entry among thousands
 * can be found: `addJobs entry 3 (id 'report'): …`.
 */
import { show } from '@kairos/triggers';

/** How messages about an `addJobs` entry name it: `addJobs entry 3 (id 'report')`. */
export function entryLabel(index: number, entry: unknown): string {
  const id = (entry as { id?: unknown } | null)?.id;
  return `addJobs entry ${index}` + (typeof id === 'string' ? ` (id ${show(id)})` : '');
}

/** The `addJobs` entry each error was thrown for (see {@link addJobsEntryOf}). */
const entryOfError = new WeakMap<Error, number>();

/**
 * The index of the `addJobs` entry an error was thrown for, or undefined when it is not about
 * one entry (a store that failed while writing, say).
 *
 * @example
 * try {
 *   await scheduler.addJobs(entries);
 * } catch (error) {
 *   const index = addJobsEntryOf(error);
 *   if (index !== undefined) console.error(`entry ${index} was refused`, entries[index]);
 * }
 */
export function addJobsEntryOf(error: unknown): number | undefined {
  return error instanceof Error ? entryOfError.get(error) : undefined;
}

/**
 * Prefixes an error's message with the `addJobs` entry it is about (`label`), unless it names
 * it already, and records the entry's index for {@link addJobsEntryOf}.
 */
export function inEntry<E>(error: E, index: number, label: string): E {
  if (!(error instanceof Error)) return error;
  entryOfError.set(error, index);
  if (error.message.startsWith(label)) return error;
  const header = `${error.name}: ${error.message}`;
  error.message = `${label}: ${error.message}`;
  if (error.stack?.startsWith(header) === true) {
    error.stack = `${error.name}: ${error.message}${error.stack.slice(header.length)}`;
  }
  return error;
}
