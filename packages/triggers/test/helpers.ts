import type { Trigger } from '../src/index.js';

/** Zones with DST quirks: half-hour and 45-minute offsets, midnight gaps, negative DST. */
export const DST_ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/Santiago',
  'America/Havana',
  'Europe/Dublin',
  'America/St_Johns',
];

/** Up to `count` fire times of the call protocol, in epoch ms (stops at null). */
export function run(
  trigger: Trigger,
  start: number,
  previous: number | null,
  count: number,
): number[] {
  const out: number[] = [];
  let prev = previous === null ? null : new Date(previous);
  let now = new Date(start);
  for (let i = 0; i < count; i++) {
    const next = trigger.getNextFireTime(prev, now);
    if (next === null) break;
    out.push(next.getTime());
    prev = now = next;
  }
  return out;
}

/** The first `count` fire times of the call protocol, as ISO strings. */
export function fireTimes(
  trigger: Trigger,
  start: string,
  count = 5,
  previous: string | null = null,
): string[] {
  const fires = run(
    trigger,
    Date.parse(start),
    previous === null ? null : Date.parse(previous),
    count,
  );
  return fires.map((ms) => new Date(ms).toISOString());
}

/** The error `fn` throws. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('did not throw');
}
