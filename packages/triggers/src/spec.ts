/**
 * `triggerFromSpec`: any trigger from a plain spec object, accepting APScheduler's snake_case
 * keyword names and their camelCase forms, rejecting unknown keys by name.
 */
import { CalendarIntervalTrigger } from './calendar-interval.js';
import { isTrigger } from './base.js';
import { AndTrigger, OrTrigger } from './combining.js';
import { CronTrigger } from './cron.js';
import { DateTrigger } from './date.js';
import { TriggerConfigError, show } from './errors.js';
import type { Trigger, TriggerOptions, TriggerSpec } from './interfaces.js';
import { IntervalTrigger } from './interval.js';
import { didYouMean } from './edit-distance.js';
import { TRIGGER_KEYS, article, camelCase, snakeCase } from './keys.js';

/** The spec `type`s `triggerFromSpec` understands. */
export const TRIGGER_TYPES = Object.keys(TRIGGER_KEYS) as readonly TriggerSpec['type'][];

/**
 * The keys a built-in trigger type's spec takes besides `type`, in camelCase (each may be
 * written in snake_case too): `triggerKeys('interval')` → `['weeks', 'days', …, 'jitter']`.
 */
export function triggerKeys(type: TriggerSpec['type']): readonly string[] {
  return TRIGGER_KEYS[type];
}

/**
 * Whether a spec of a built-in trigger type takes `key`, spelt as {@link triggerFromSpec} reads
 * it (snake_case or camelCase): `triggerTakes('cron', 'day_of_week')` → true.
 */
export function triggerTakes(type: TriggerSpec['type'], key: string): boolean {
  return TRIGGER_KEYS[type].includes(camelCase(key));
}

/**
 * Builds a trigger from a spec such as `{type: 'cron', day_of_week: 'mon-fri', hour: 9}`.
 * Keys may be snake_case (APScheduler) or camelCase; a trigger instance is returned as is.
 *
 * @param options defaults (time zone, random source, clock) for the trigger and its children
 * @throws TriggerConfigError naming the key and the bad value
 */
export function triggerFromSpec(
  spec: TriggerSpec | Trigger | Record<string, unknown>,
  options: TriggerOptions = {},
): Trigger {
  if (isTrigger(spec)) return spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new TriggerConfigError(
      'unknown',
      'spec',
      spec,
      `${show(spec)} is not a trigger spec object such as {type: 'cron', hour: 9}`,
    );
  }
  const type = (spec as { type?: unknown }).type;
  // Own keys only: `constructor` or `toString` is no trigger type.
  if (typeof type !== 'string' || !Object.hasOwn(TRIGGER_KEYS, type)) {
    throw new TriggerConfigError(
      'unknown',
      'type',
      type,
      `${show(type)} is not a trigger type; known types are ${TRIGGER_TYPES.join(', ')}`,
    );
  }
  const kind = type as TriggerSpec['type'];
  const allowed = TRIGGER_KEYS[kind];
  const fields: Record<string, unknown> = {};
  const given = spec as Record<string, unknown>;
  // for…in over own keys: no array of keys or [key, value] pairs made per spec.
  for (const key in given) {
    if (key === 'type' || !Object.hasOwn(given, key)) continue;
    const value = given[key];
    const name = camelCase(key);
    if (!allowed.includes(name)) {
      throw new TriggerConfigError(
        kind,
        key,
        value,
        `unknown key for ${article(kind)} ${kind} trigger${didYouMean(key, allowed, snakeCase)}; ` +
          `allowed keys are ${allowed.map(snakeCase).join(', ')} (or their camelCase forms)`,
      );
    }
    if (name in fields)
      throw new TriggerConfigError(
        kind,
        key,
        value,
        `given twice (as ${snakeCase(name)} and ${name}); keep one`,
      );
    fields[name] = value;
  }
  switch (kind) {
    case 'cron':
      return new CronTrigger(fields, options);
    case 'crontab': {
      const { expr, timezone, startDate, endDate, jitter } = fields;
      return CronTrigger.fromCrontab(
        expr as string,
        timezone as string | undefined,
        { ...options, startDate, endDate, jitter } as never,
      );
    }
    case 'interval':
      return new IntervalTrigger(fields, options);
    case 'calendarinterval':
      return new CalendarIntervalTrigger(fields, options);
    case 'date':
      return new DateTrigger(fields, options);
    case 'and':
    case 'or': {
      const children: unknown = fields.triggers;
      if (!Array.isArray(children)) {
        throw new TriggerConfigError(
          kind,
          'triggers',
          children,
          'must be an array of trigger specs or triggers',
        );
      }
      const built = children.map((child: unknown, index) => {
        try {
          return triggerFromSpec(child as TriggerSpec, options);
        } catch (error) {
          if (error instanceof TriggerConfigError) {
            throw new TriggerConfigError(
              kind,
              `triggers[${index}].${error.field}`,
              error.value,
              error.problem,
            );
          }
          throw error;
        }
      });
      const combined = { triggers: built, jitter: fields.jitter as number | null | undefined };
      return kind === 'and' ? new AndTrigger(combined, options) : new OrTrigger(combined, options);
    }
  }
}
