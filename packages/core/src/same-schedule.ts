/**
 * Whether a stored job's trigger and a newly given one time the same schedule: what lets a job
 * added again at each start keep its stored next run time.
 */
import type { Trigger } from '@kairos/triggers';

/**
 * Whether two triggers fire at the same times: the same spec, save the `ignored` keys (spec keys
 * that only say when the trigger was made, such as a defaulted `startDate`).
 */
export function sameSchedule(stored: Trigger, added: Trigger, ignored: readonly string[]): boolean {
  if (stored === added) return true;
  if (typeof stored.toJSON !== 'function' || typeof added.toJSON !== 'function') return false;
  const specOf = (trigger: Trigger): string => {
    const spec: Record<string, unknown> = { ...trigger.toJSON() };
    for (const key of ignored) delete spec[key];
    return JSON.stringify(spec);
  };
  return specOf(stored) === specOf(added);
}
