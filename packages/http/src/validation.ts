/**
 * Every input of the API checked with zod before use: the query of each read and the body of
 * `reschedule`. A bad one is a 400 whose message names the parameter and the value and says
 * what to send instead.
 */
import { RUN_OUTCOMES } from 'kairos';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { HttpError } from './errors.js';

/** The run outcomes a query may name, `inflight` for runs without one yet. */
const OUTCOMES = [...RUN_OUTCOMES, 'inflight'] as const;

/** A whole number from `min` to `max`, given as query text. */
function wholeNumber(min: number, max: number) {
  return z
    .string()
    .refine((value) => /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max, {
      error: `is not a whole number from ${min} to ${max}`,
    })
    .transform(Number);
}

const text = (what: string) =>
  z.string().min(1, { error: `is empty; give ${what} or leave the parameter out` });

/** Outcomes as a comma-separated list, `inflight` standing for the runs still going. */
const outcomeList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()))
  .pipe(
    z.array(z.enum(OUTCOMES, { error: `is not a list of outcomes from ${OUTCOMES.join(', ')}` })),
  )
  .transform((items) => items.map((item) => (item === 'inflight' ? null : item)));

const instant = z.string().refine((value) => DateTime.fromISO(value, { setZone: true }).isValid, {
  error: 'is not an ISO 8601 time (for example 2030-01-01T09:00:00Z)',
});

/** The query of `GET api/jobs`. */
export const jobsQuery = z.strictObject({
  state: z
    .enum(['scheduled', 'paused', 'pending', 'unrestorable'], {
      error: 'is not a job state; use scheduled, paused, pending or unrestorable',
    })
    .optional(),
  jobstore: text('a job store alias').optional(),
  executor: text('an executor alias').optional(),
  q: z.string().max(200, { error: 'is longer than 200 characters' }).optional(),
  limit: wholeNumber(1, 500).optional(),
  offset: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
});

/** The query of `GET api/jobs/:id/runs`. */
export const jobRunsQuery = z.strictObject({
  limit: wholeNumber(1, 1000).optional(),
  cursor: text('the nextCursor of the previous page').optional(),
  outcome: outcomeList.optional(),
});

/** The query of `GET api/runs`. */
export const runsQuery = jobRunsQuery.extend({
  jobId: text('a job id').optional(),
  since: instant.optional(),
  until: instant.optional(),
});

/** A query with no parameters. */
export const emptyQuery = z.strictObject({});

/** The body of `POST api/jobs/:id/reschedule`. */
export const rescheduleBody = z.strictObject(
  {
    trigger: z.looseObject(
      { type: z.string({ error: 'needs a string type, for example "cron"' }) },
      { error: 'is not a trigger spec; send for example {"type": "cron", "hour": 9}' },
    ),
  },
  { error: 'is not a JSON object such as {"trigger": {"type": "cron", "hour": 9}}' },
);

/**
 * The parsed value, or a 400 naming the first bad parameter (`where` is `query parameter` or
 * `body field`) and its value.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  input: unknown,
  where: 'query parameter' | 'body field',
): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new HttpError(400, `bad ${where}`);
  if (issue.code === 'unrecognized_keys') {
    const allowed = schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : '';
    const known = allowed === '' ? `this route takes no ${where}s` : `use ${allowed}`;
    throw new HttpError(
      400,
      `unknown ${where} ${issue.keys.map((key) => `'${key}'`).join(', ')}; ${known}`,
    );
  }
  // The parameter itself, not an item of it (`outcome`, not `outcome.1`), and its whole value.
  const name = issue.path
    .slice(0, where === 'query parameter' ? 1 : 2)
    .map(String)
    .join('.');
  if (name === '') throw new HttpError(400, `the request body ${issue.message}`);
  const value = valueAt(input, issue.path.slice(0, where === 'query parameter' ? 1 : 2));
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  throw new HttpError(400, `${where} '${name}' ${shown} ${issue.message}`);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
