/**
 * Option values as configuration dictionaries deliver them: APScheduler's string coercions
 * (`asbool`, `asint`, seconds) as zod schemas, and the conversion of a failed parse into a
 * {@link ConfigurationError} naming the key and the value.
 */
import { z } from 'zod';
import { ConfigurationError, show } from './errors.js';

const TRUE_STRINGS = ['true', 'yes', 'on', 'y', 't', '1'];
const FALSE_STRINGS = ['false', 'no', 'off', 'n', 'f', '0'];

/** A boolean, or one of APScheduler's `asbool` strings (`'true'`, `'yes'`, `'on'`, `'1'`, …). */
export const booleanLike = z.union([
  z.boolean(),
  z.string().transform((value, ctx) => {
    const lower = value.trim().toLowerCase();
    if (TRUE_STRINGS.includes(lower)) return true;
    if (FALSE_STRINGS.includes(lower)) return false;
    ctx.addIssue({
      code: 'custom',
      message: `${show(value)} is not a boolean; use true/false (or 'true', 'yes', 'on', '1' / 'false', 'no', 'off', '0')`,
    });
    return z.NEVER;
  }),
]);

/** A number, or a string holding one (APScheduler's `asint` for integers). */
const numberLike = z.union([
  z.number(),
  z.string().transform((value, ctx) => {
    const parsed = value.trim() === '' ? Number.NaN : Number(value);
    if (Number.isFinite(parsed)) return parsed;
    ctx.addIssue({ code: 'custom', message: `${show(value)} is not a number` });
    return z.NEVER;
  }),
]);

/** An integer ≥ 1 (or a string of one). */
export const positiveInteger = numberLike.pipe(
  z.number().refine((value) => Number.isInteger(value) && value >= 1, {
    error: (issue) => `${show(issue.input)} is not an integer ≥ 1`,
  }),
);

/** A number of seconds ≥ 0 (or a string of one). */
export const seconds = numberLike.pipe(
  z.number().refine((value) => Number.isFinite(value) && value >= 0, {
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
export function configurationErrorOf(
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
