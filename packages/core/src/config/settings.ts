/**
 * The settings schema: what each scheduler setting and job default accepts, with APScheduler's
 * string coercions, and the words an error uses to say so. `addJob` options share the job
 * defaults' entries, so a policy reads the same from a config file and from code.
 */
import { canonicalTimeZone, isTimeZone, show } from '@kairos/triggers';
import { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import { DEFAULT_RETENTION } from '../jobstores/run-rows.js';
import type { Clock, Logger, SchedulerOptions, TaskFunction } from '../interfaces.js';
import { silentLogger } from '../logger.js';
import {
  booleanFromString,
  integerFromString,
  nullableNumberFromString,
  numberFromString,
} from '../options.js';

/** A setting's schema and, for error messages, what it accepts (read after "is not"). */
export interface Setting<T> {
  readonly schema: z.ZodType<T>;
  readonly allowed: string;
}

/** One value and the key it was written under. */
export interface Leaf {
  readonly kind: 'leaf';
  readonly key: string;
  readonly value: unknown;
}

/** The longest wait in seconds a Node timer can take (2^31-1 ms, rounded down). */
const MAX_TIMER_SECONDS = 2147483;

/** Whether `value` has a function under each of `names` (how instances are told from specs). */
export function hasMethods(value: unknown, names: readonly string[]): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const members = value as Record<string, unknown>;
  return names.every((name) => typeof members[name] === 'function');
}

/** A boolean, or one of APScheduler's `asbool` strings. */
export const BOOLEAN: Setting<boolean> = {
  schema: z.preprocess(booleanFromString, z.boolean()),
  allowed: `a boolean; use true/false (or 'true', 'yes', 'on', '1' / 'false', 'no', 'off', '0')`,
};

/** The scheduler's single-value settings. */
export const SETTINGS = {
  timezone: {
    // Kept in IANA's spelling, as triggers keep theirs ('europe/paris' → 'Europe/Paris').
    schema: z
      .string()
      .refine(isTimeZone)
      .transform((zone) => canonicalTimeZone(zone) ?? zone),
    allowed: `a known IANA time zone (for example 'UTC', 'Europe/Paris', 'America/New_York')`,
  },
  jobstoreRetryInterval: {
    schema: z.preprocess(numberFromString, z.number().gt(0)),
    allowed: 'a number of seconds > 0',
  },
  maxSleepTime: {
    schema: z.preprocess(numberFromString, z.number().gt(0).lte(MAX_TIMER_SECONDS)),
    allowed: `a number of seconds > 0 and ≤ ${MAX_TIMER_SECONDS} (the longest a Node timer waits)`,
  },
  daemon: BOOLEAN,
  taskModules: {
    schema: z.preprocess(
      (value) =>
        typeof value === 'string'
          ? value
              .split(',')
              .map((part) => part.trim())
              .filter((part) => part !== '')
          : value,
      z.array(z.string().min(1)).nullable(),
    ),
    allowed:
      `a list of modules stored task references may load: package names ('my-tasks') and ` +
      `paths ('./tasks/', '/srv/app/tasks.js'), as an array or a comma-separated string; ` +
      `null allows any`,
  },
  commands: {
    schema: z.preprocess(
      (value) => {
        if (typeof value !== 'string') return value;
        const asBoolean = booleanFromString(value);
        if (typeof asBoolean === 'boolean') return asBoolean;
        return value
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '');
      },
      z.union([z.boolean(), z.array(z.string().min(1))]),
    ),
    allowed:
      `true (stored command tasks may run), false, or a list of the programs they may run ` +
      `('pg_dump', '/bin/sh' for shell lines), as an array or a comma-separated string`,
  },
  schedulerId: {
    schema: z.string().regex(/^[^\s]{1,200}$/),
    allowed: 'a name of 1 to 200 characters without spaces, unique among the schedulers of a store',
  },
  leaseSeconds: {
    schema: z.preprocess(numberFromString, z.number().gte(1).lte(MAX_TIMER_SECONDS)),
    allowed: 'a number of seconds ≥ 1',
  },
  history: {
    schema: z.preprocess(
      (value) => {
        const asBoolean = typeof value === 'string' ? booleanFromString(value) : value;
        if (asBoolean === false) return false;
        if (typeof value === 'string') {
          try {
            return JSON.parse(value) as unknown;
          } catch {
            return value;
          }
        }
        return value;
      },
      z.union([
        z.literal(false),
        z
          .strictObject({
            keep: z.preprocess(integerFromString, z.number().int().min(1)).optional(),
            maxAge: z.preprocess(numberFromString, z.number().gt(0)).optional(),
            max_age: z.preprocess(numberFromString, z.number().gt(0)).optional(),
          })
          .transform(({ keep, maxAge, max_age }) => ({
            keep: keep ?? DEFAULT_RETENTION.keep,
            maxAge: maxAge ?? max_age ?? DEFAULT_RETENTION.maxAge,
          })),
      ]),
    ),
    allowed:
      'false (keep no run history), or {keep, maxAge}: the newest runs kept per job (an ' +
      'integer ≥ 1, default 100) and the age in seconds beyond which runs are dropped (default ' +
      '604800, a week)',
  },
  logger: {
    schema: z.union([
      z.custom<Logger>((value) => hasMethods(value, ['debug', 'info', 'warn', 'error'])),
      z.union([z.literal(false), z.literal('false')]).transform((): Logger => silentLogger),
    ]),
    allowed:
      'a logger: an object with debug, info, warn and error methods (pino and console work), ' +
      'or false for none',
  },
  clock: {
    schema: z.custom<Clock>((value) => hasMethods(value, ['now', 'setTimer'])),
    allowed: 'a clock: an object with now() and setTimer() methods',
  },
} satisfies { [K in keyof SchedulerOptions]?: Setting<SchedulerOptions[K]> };

/** The job policies: scheduler `jobDefaults`, and the same options of `addJob`/`modifyJob`. */
export const JOB_DEFAULTS = {
  coalesce: BOOLEAN,
  misfireGraceTime: {
    schema: z.preprocess(nullableNumberFromString, z.number().gt(0).nullable()),
    allowed:
      `a number of seconds > 0 (a run always starts a little after its time: 0 would find most ` +
      `runs missed), or null to always run (also 'none' or 'null' as a string)`,
  },
  maxInstances: {
    schema: z.preprocess(integerFromString, z.number().int().min(1)),
    allowed: 'an integer ≥ 1',
  },
} satisfies Record<string, Setting<unknown>>;

/** A task in `tasks`: a function or a module reference. */
export const TASK: Setting<TaskFunction | string> = {
  schema: z.union([
    z.custom<TaskFunction>((value) => typeof value === 'function'),
    z.string().regex(/^.+#.+$/),
  ]),
  allowed: "a function or a module reference ('./tasks.js#build'); tasks maps task names to tasks",
};

/** A constructor a component spec names as `class`. */
export type Constructor = new (options: Record<string, unknown>) => unknown;

/** The `class` of a component spec. */
export const CONSTRUCTOR: Setting<Constructor> = {
  schema: z.custom<Constructor>((value) => typeof value === 'function'),
  allowed: 'a constructor (class takes a class, e.g. {class: MyStore})',
};

/** The `type` of a component spec. */
export const PLUGIN_TYPE: Setting<string> = {
  schema: z.string().min(1),
  allowed: 'a plugin alias such as {type: ...}',
};

/** Top-level keys, camelCase, in the order the "allowed keys" lists show them. */
export const ROOT_KEYS = [
  'timezone',
  'jobstores',
  'executors',
  'jobDefaults',
  'jobstoreRetryInterval',
  'maxSleepTime',
  'daemon',
  'logger',
  'clock',
  'tasks',
  'taskModules',
  'commands',
  'schedulerId',
  'leaseSeconds',
  'history',
] as const satisfies readonly (keyof SchedulerOptions)[];

/** The keys of `jobDefaults`, camelCase. */
export const JOB_DEFAULT_KEYS = ['coalesce', 'misfireGraceTime', 'maxInstances'] as const;

/** A single-value setting's name. */
export type ScalarKey = keyof typeof SETTINGS;
/** A job default's name. */
export type JobDefaultKey = (typeof JOB_DEFAULT_KEYS)[number];

/**
 * A value parsed by its setting.
 * @throws ConfigurationError naming the key as written, the value and what is allowed
 */
export function parseSetting<T>(setting: Setting<T>, entry: Leaf): T {
  const result = setting.schema.safeParse(entry.value);
  if (!result.success) {
    throw new ConfigurationError(entry.key, `${describe(entry.value)} is not ${setting.allowed}`);
  }
  return result.data;
}

/** A value for an error message, cut short: a logger or store can print as a long JSON. */
export function describe(value: unknown): string {
  const text = show(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
