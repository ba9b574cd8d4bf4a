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

/** Prefixes an error's message with the `addJobs` entry it is about, unless it names it already. */
export function inEntry<E>(error: E, label: string): E {
  if (!(error instanceof Error) || error.message.startsWith(label)) return error;
  const header = `${error.name}: ${error.message}`;
  error.message = `${label}: ${error.message}`;
  if (error.stack?.startsWith(header) === true) {
    error.stack = `${error.name}: ${error.message}${error.stack.slice(header.length)}`;
  }
  return error;
}
