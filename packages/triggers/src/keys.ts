/**
 * The keys each trigger type takes, so that a misspelt or snake_case key fails at construction
 * instead of being silently ignored (`{day_of_week: 'mon'}` would otherwise fire every day).
 */
import { didYouMean } from './edit-distance.js';
import { TriggerConfigError } from './errors.js';
import type { TriggerSpec } from './interfaces.js';

const BOUNDS = ['startDate', 'endDate', 'timezone', 'jitter'];

/** The camelCase keys of each trigger type's constructor fields and spec (besides `type`). */
export const TRIGGER_KEYS: Record<TriggerSpec['type'], readonly string[]> = {
  cron: ['year', 'month', 'day', 'week', 'dayOfWeek', 'hour', 'minute', 'second', ...BOUNDS],
  crontab: ['expr', ...BOUNDS],
  interval: ['weeks', 'days', 'hours', 'minutes', 'seconds', ...BOUNDS],
  calendarinterval: ['years', 'months', 'weeks', 'days', 'hour', 'minute', 'second', ...BOUNDS],
  date: ['runDate', 'timezone'],
  and: ['triggers', 'jitter'],
  or: ['triggers', 'jitter'],
};

const camelCases = new Map<string, string>();

/**
 * `day_of_week` → `dayOfWeek`: the one spelling rule of snake_case (APScheduler's) keys, for
 * trigger specs, job options and the configuration dictionary alike. A camelCase key is
 * returned unchanged (remembered: specs repeat the same few keys).
 */
export function camelCase(key: string): string {
  let camel = camelCases.get(key);
  if (camel === undefined) {
    camel = key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
    if (camelCases.size < 1000) camelCases.set(key, camel);
  }
  return camel;
}

/** `dayOfWeek` → `day_of_week`: how error messages spell a key for snake_case input. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Throws for a constructor field that the trigger type does not take. */
export function checkFieldNames(kind: TriggerSpec['type'], fields: object): void {
  const allowed = TRIGGER_KEYS[kind];
  // for…in over own keys: no array of keys made per trigger.
  for (const key in fields) {
    if (allowed.includes(key) || !Object.hasOwn(fields, key)) continue;
    const value = (fields as Record<string, unknown>)[key];
    const camel = camelCase(key);
    const hint = allowed.includes(camel)
      ? `; write ${camel} (snake_case keys are for triggerFromSpec specs)`
      : `${didYouMean(key, allowed)}; allowed fields are ${allowed.join(', ')}`;
    throw new TriggerConfigError(kind, key, value, `unknown field for this trigger${hint}`);
  }
}

/** `a` or `an` before a trigger type's name (`an interval trigger`). */
export function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? 'an' : 'a';
}
