import type { Trigger } from '../src/index.js';

/** The first `count` fire times of the call protocol, as ISO strings. */
export function fireTimes(
  trigger: Trigger,
  start: string,
  count = 5,
  previous: string | null = null,
): string[] {
  const out: string[] = [];
  let prev = previous === null ? null : new Date(previous);
  let now = new Date(start);
  for (let i = 0; i < count; i++) {
    const next = trigger.getNextFireTime(prev, now);
    if (next === null) break;
    out.push(next.toISOString());
    prev = now = next;
  }
  return out;
}

/** The message of the error `fn` throws. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('did not throw');
}
