/**
 * Whether a stored job's trigger and a newly given one time the same schedule: what lets a job
 * added again at each start keep its stored next run time.
 */
import type { Trigger } from '@kairos/triggers';

/**
 * Whether two triggers fire at the same times: the same spec, save the `ignored` keys (spec keys
 * that only say when the trigger was made, such as a defaulted `startDate`). A key may be a
 * path into the spec's children, `triggers.0.startDate` (an AND or OR trigger's first child).
 */
export function sameSchedule(stored: Trigger, added: Trigger, ignored: readonly string[]): boolean {
  if (stored === added) return true;
  if (typeof stored.toJSON !== 'function' || typeof added.toJSON !== 'function') return false;
  const specOf = (trigger: Trigger): string => {
    const nested = ignored.some((key) => key.includes('.'));
    // A copy to delete from: a deep one (through JSON) only when a child's key goes.
    const spec = (
      nested ? JSON.parse(JSON.stringify(trigger.toJSON())) : { ...trigger.toJSON() }
    ) as Record<string, unknown>;
    for (const key of ignored) deletePath(spec, key.split('.'));
    return JSON.stringify(spec);
  };
  return specOf(stored) === specOf(added);
}

/** Deletes the key at `path` (keys and array indexes) when it is there. */
function deletePath(spec: Record<string, unknown>, path: readonly string[]): void {
  let holder: unknown = spec;
  for (const step of path.slice(0, -1)) {
    if (typeof holder !== 'object' || holder === null) return;
    holder = (holder as Record<string, unknown>)[step];
  }
  const last = path[path.length - 1];
  if (typeof holder === 'object' && holder !== null && last !== undefined)
    delete (holder as Record<string, unknown>)[last];
}
