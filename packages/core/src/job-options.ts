/**
 * The options `addJob` and `modifyJob` take, checked with zod at the call so a bad value fails
 * there, naming the job, the option and the value.
 */
import { DateTrigger, isTrigger, show, type DateInput } from '@kairos/triggers';
import { z } from 'zod';
import { JobOptionError } from './errors.js';
import type { AddJobOptions, JobChanges } from './interfaces.js';

const grace = z
  .number()
  .refine((value) => Number.isFinite(value) && value >= 0, {
    error: (issue) => `${show(issue.input)} is not a number of seconds ≥ 0 (or null: always run)`,
  })
  .nullable();

const policyShape = {
  misfireGraceTime: grace.optional(),
  coalesce: z.boolean({ error: (issue) => `${show(issue.input)} is not a boolean` }).optional(),
  maxInstances: z
    .number()
    .refine((value) => Number.isInteger(value) && value >= 1, {
      error: (issue) => `${show(issue.input)} is not an integer ≥ 1`,
    })
    .optional(),
};

const name = z
  .string({ error: (issue) => `${show(issue.input)} is not a string` })
  .min(1, { error: 'must not be empty' });

const sharedShape = {
  ...policyShape,
  args: z
    .array(z.unknown(), { error: (issue) => `${show(issue.input)} is not an array` })
    .readonly()
    .optional(),
  name: name.optional(),
  nextRunTime: z.custom<DateInput | null>(() => true).optional(),
  executor: name.optional(),
  timeout: z
    .number()
    .refine((value) => Number.isFinite(value) && value > 0, {
      error: (issue) => `${show(issue.input)} is not a number of seconds > 0 (or null: no limit)`,
    })
    .nullable()
    .optional(),
};

const addJobSchema = z.strictObject({
  ...sharedShape,
  id: name.optional(),
  jobstore: name.optional(),
  replaceExisting: z
    .boolean({ error: (issue) => `${show(issue.input)} is not a boolean` })
    .optional(),
});

const changesSchema = z.strictObject({
  ...sharedShape,
  task: z.unknown().optional(),
  trigger: z.unknown().optional(),
});

/** The job-default policies (scheduler `jobDefaults`). */
export const jobDefaultsSchema = z.strictObject(policyShape);

/** Checks `addJob` options. @throws JobOptionError naming the option and the value */
export function checkAddJobOptions(options: unknown, job: string | (() => string)): AddJobOptions {
  return check(addJobSchema, options, job) as AddJobOptions;
}

/** Checks `modifyJob` changes. @throws JobOptionError naming the option and the value */
export function checkJobChanges(changes: unknown, job: string): JobChanges {
  if ('id' in Object(changes)) {
    throw new JobOptionError(job, 'id', (changes as { id: unknown }).id, 'a job id cannot change');
  }
  return check(changesSchema, changes, job) as JobChanges;
}

function check(schema: z.ZodObject, input: unknown, label: string | (() => string)): unknown {
  if (input === undefined) return {};
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const job = typeof label === 'string' ? label : label();
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    throw new JobOptionError(
      job,
      key,
      (input as Record<string, unknown>)[key],
      `unknown option; options are ${Object.keys(schema.shape).join(', ')}`,
    );
  }
  if (issue === undefined || issue.path.length === 0) {
    throw new JobOptionError(job, 'options', input, `${show(input)} is not an options object`);
  }
  const key = String(issue.path[0]);
  throw new JobOptionError(job, key, (input as Record<string, unknown>)[key], issue.message);
}

/**
 * A `nextRunTime` option as epoch ms: a Date, epoch ms, an ISO string (naive ones are wall
 * times in `timezone`) or a Luxon DateTime.
 */
export function instantOf(value: DateInput, timezone: string, job: string): number {
  if (isTrigger(value))
    throw new JobOptionError(job, 'nextRunTime', value, 'is a trigger, not a time');
  try {
    return new DateTrigger({ runDate: value, timezone }).runDate.getTime();
  } catch (error) {
    const problem = error instanceof Error ? error.message.replace(/^.*run_date: /, '') : '';
    throw new JobOptionError(job, 'nextRunTime', value, problem);
  }
}
