/**
 * Option values as configuration dictionaries deliver them: APScheduler's string coercions
 * (`asbool`, `asint`, seconds) as zod schemas, and the conversion of a failed parse into a
 * {@link ConfigurationError} naming the key and the value.
 */
import { show } from '@kairos/triggers';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';

const TRUE_STRINGS = new Set(['true', 'yes', 'on', 'y', 't', '1']);
const FALSE_STRINGS = new Set(['false', 'no', 'off', 'n', 'f', '0']);
// Flat configurations come from files and environment variables, where null cannot be written.
const NULL_STRINGS = new Set(['none', 'null']);
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

// Strings are coerced only when they spell a value; anything else reaches the schema unchanged
// so its error shows the value as given.

/** APScheduler's `asbool`: `'true'`, `'yes'`, `'on'`, `'y'`, `'t'`, `'1'` and their opposites. */
export function booleanFromString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (TRUE_STRINGS.has(word)) return true;
  if (FALSE_STRINGS.has(word)) return false;
  return value;
}

/** APScheduler's `asint`: a string of a whole number. */
export function integerFromString(value: unknown): unknown {
  return typeof value === 'string' && INTEGER.test(value.trim()) ? Number(value.trim()) : value;
}

/** A string of a decimal number. */
export function numberFromString(value: unknown): unknown {
  return typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value.trim()) : value;
}

/** A string of a decimal number, or `'none'`/`'null'` for null. */
export function nullableNumberFromString(value: unknown): unknown {
  if (typeof value === 'string' && NULL_STRINGS.has(value.trim().toLowerCase())) return null;
  return numberFromString(value);
}

/** A boolean, or one of APScheduler's `asbool` strings. */
export const booleanLike = z.preprocess(
  booleanFromString,
  z.boolean({
    error: (issue) =>
      `${show(issue.input)} is not a boolean; use true/false (or 'true', 'yes', 'on', '1' / 'false', 'no', 'off', '0')`,
  }),
);

/** An integer ≥ 1 (or a string of one). */
export const positiveInteger = z.preprocess(
  integerFromString,
  z
    .number({ error: (issue) => `${show(issue.input)} is not an integer ≥ 1` })
    .refine((value) => Number.isInteger(value) && value >= 1, {
      error: (issue) => `${show(issue.input)} is not an integer ≥ 1`,
    }),
);

/** An integer ≥ 0 (or a string of one). */
export const nonNegativeInteger = z.preprocess(
  integerFromString,
  z
    .number({ error: (issue) => `${show(issue.input)} is not an integer ≥ 0` })
    .refine((value) => Number.isInteger(value) && value >= 0, {
      error: (issue) => `${show(issue.input)} is not an integer ≥ 0`,
    }),
);

/** A finite number > 0 (or a string of one). */
export const positiveNumber = z.preprocess(
  numberFromString,
  z
    .number({ error: (issue) => `${show(issue.input)} is not a number > 0` })
    .refine((value) => Number.isFinite(value) && value > 0, {
      error: (issue) => `${show(issue.input)} is not a number > 0`,
    }),
);

/** A number of seconds ≥ 0 (or a string of one). */
export const seconds = z.preprocess(
  numberFromString,
  z
    .number({ error: (issue) => `${show(issue.input)} is not a number of seconds ≥ 0` })
    .refine((value) => Number.isFinite(value) && value >= 0, {
      error: (issue) => `${show(issue.input)} is not a number of seconds ≥ 0`,
    }),
);

/**
 * Parses options with a schema; a failure becomes a ConfigurationError naming `where.key` and
 * the problem, and an unknown key lists the allowed ones.
 */
export function parseOptions<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw configurationErrorOf(result.error, where, schema);
}

/** The first problem of a zod error as a ConfigurationError. */
function configurationErrorOf(
  error: z.ZodError,
  where: string,
  schema?: z.ZodType,
): ConfigurationError {
  const issue = error.issues[0];
  if (issue === undefined) return new ConfigurationError(where, 'invalid value');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const allowed = schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : '';
    const key = [where, ...path, issue.keys[0] ?? ''].join('.');
    return new ConfigurationError(
      key,
      `unknown key` + (allowed === '' ? '' : `; allowed keys: ${allowed}`),
    );
  }
  return new ConfigurationError([where, ...path].join('.'), issue.message);
}
