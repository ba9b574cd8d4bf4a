/**
 * Option values as configuration dictionaries deliver them: APScheduler's string coercions
 * (`asbool`, `asint`, seconds) as zod schemas, and the conversion of a failed parse into a
 * {@link ConfigurationError} naming the key and the value.
 */
import { didYouMean, show } from '@kairos/triggers';
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
  const result = schema.safeParse(input, { error: kairosIssueText });
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
    const unknown = issue.keys[0] ?? '';
    const names = (schema === undefined ? null : objectKeysAt(schema, path)) ?? [];
    const key = [where, ...path, unknown].join('.');
    return new ConfigurationError(
      key,
      `unknown key` +
        (names.length === 0
          ? ''
          : `${didYouMean(unknown, names)}; allowed keys: ${names.join(', ')}`),
    );
  }
  return new ConfigurationError([where, ...path].join('.'), issue.message);
}

/**
 * The keys of the object schema at `path` inside `schema` (through optional, nullable, default
 * and preprocessing wrappers), or null when there is no object there: an unknown key's hint
 * lists the keys of the object it was found in, not the root's.
 */
export function objectKeysAt(schema: z.ZodType, path: readonly string[]): string[] | null {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const name of path) {
    current = current instanceof z.ZodObject ? unwrap(current.shape[name] as z.ZodType) : undefined;
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : null;
}

/** A schema without its optional, nullable, default and preprocessing wrappers. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (;;) {
    const def = (current as { _zod?: { def?: { innerType?: z.ZodType; out?: z.ZodType } } })?._zod
      ?.def;
    const inner = def?.innerType ?? def?.out;
    if (inner === undefined) return current;
    current = inner;
  }
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  bigint: 'a bigint',
  array: 'an array',
  object: 'an object',
  record: 'an object',
  function: 'a function',
  date: 'a Date',
  map: 'a Map',
  set: 'a Set',
  null: 'null',
};

/**
 * A zod error map in Kairos's words, for issues a schema gives no message of its own (a
 * schema's own messages win), so zod's default text ("Invalid input: expected …") never reaches
 * a user. Pass it as `schema.safeParse(value, { error: kairosIssueText })`; the text is read
 * after the key and the value, e.g. `… 'lots' is not valid for executor type 'async': must be
 * a number`.
 */
export function kairosIssueText(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? String(issue.expected);
      return issue.input === undefined ? `required: ${expected}` : `must be ${expected}`;
    }
    case 'too_small':
      return `must be ${sizeBound(issue.origin, issue.inclusive === false ? '>' : '≥', issue.minimum)}`;
    case 'too_big':
      return `must be ${sizeBound(issue.origin, issue.inclusive === false ? '<' : '≤', issue.maximum)}`;
    case 'invalid_format':
      return issue.format === 'regex' && typeof issue.pattern === 'string'
        ? `must match ${issue.pattern}`
        : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `unknown key ${issue.keys.join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => show(value)).join(', ')}`;
    case 'invalid_union':
      return 'matches none of the accepted forms';
    case 'invalid_key':
      return 'has a key that is not accepted';
    case 'invalid_element':
      return 'has an element that is not accepted';
    default:
      return 'is not accepted';
  }
}

function sizeBound(origin: string, relation: string, bound: number | bigint): string {
  const amount = `${relation} ${String(bound)}`;
  if (origin === 'string') return `a string of length ${amount}`;
  if (origin === 'array' || origin === 'set') return `a list of length ${amount}`;
  if (origin === 'date') return `a date ${relation} ${new Date(Number(bound)).toISOString()}`;
  return amount;
}
