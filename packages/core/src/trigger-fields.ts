/**
 * Which built-in trigger types take a key, asked of @kairos/triggers (`triggerTakes`), where the
 * list of trigger fields and their spellings live once. Used to tell a user which of their keys
 * are trigger fields and which are job options.
 */
import { TRIGGER_TYPES, triggerTakes } from '@kairos/triggers';

/** A built-in trigger `type` (`'cron'`, `'interval'`, …). */
export type BuiltinTriggerType = (typeof TRIGGER_TYPES)[number];

/** Whether `type` is a trigger type of @kairos/triggers (not a plugin's alias). */
export function isBuiltinTriggerType(type: unknown): type is BuiltinTriggerType {
  return typeof type === 'string' && (TRIGGER_TYPES as readonly string[]).includes(type);
}

const answers = new Map<string, readonly BuiltinTriggerType[]>();

/**
 * The built-in trigger types that take `key` as a field (snake_case or camelCase), e.g.
 * `seconds` → `['interval']`, `hour` → `['cron', 'calendarinterval']`; empty for any other key.
 */
export function triggerTypesTaking(key: string): readonly BuiltinTriggerType[] {
  if (key === 'type') return [];
  let types = answers.get(key);
  if (types === undefined) {
    types = TRIGGER_TYPES.filter((type) => triggerTakes(type, key));
    if (answers.size < 1000) answers.set(key, types);
  }
  return types;
}
