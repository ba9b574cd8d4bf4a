/**
 * Which built-in trigger types take a key, asked of `triggerFromSpec` itself so that the list
 * of trigger fields lives once, in @kairos/triggers. Used only on error paths, to tell a user
 * which of their keys are trigger fields and which are job options.
 */
import { TRIGGER_TYPES, TriggerConfigError, triggerFromSpec } from '@kairos/triggers';

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
    types = TRIGGER_TYPES.filter((type) => takes(type, key));
    if (answers.size < 1000) answers.set(key, types);
  }
  return types;
}

/**
 * Whether a spec of `type` with only `key` (set to undefined, which every trigger reads as
 * absent) passes `triggerFromSpec`'s key check. The key check comes before any field is read,
 * so any other outcome, an error about another field included, means the key is known.
 */
function takes(type: BuiltinTriggerType, key: string): boolean {
  const spec: Record<string, unknown> = { type };
  Object.defineProperty(spec, key, { value: undefined, enumerable: true });
  try {
    triggerFromSpec(spec);
  } catch (error) {
    return !(
      error instanceof TriggerConfigError &&
      error.field === key &&
      error.problem.startsWith('unknown')
    );
  }
  return true;
}
