/**
 * The stored form of jobs: job arguments as tagged JSON, a {@link Job} to and from its versioned
 * {@link JobState}, and the `kairos-jobs` document that `exportJobs` writes and `importJobs`
 * reads. Every failure is a {@link SerializationError} naming the job, the path and the value.
 */
import { show, type Trigger } from '@kairos/triggers';
import { z } from 'zod';
import { checkCommandTask, isCommandTask, type CommandTask } from './commands/command-task.js';
import { SerializationError } from './errors.js';
import type { JobState, TaskFunction } from './interfaces.js';
import type { Job, JobFields } from './job.js';

// ─── arguments ─────────────────────────────────────────────────────────────────────────────────

const ARGUMENT_KINDS = 'strings, numbers, booleans, null, arrays, plain objects, Dates, BigInts';

/** The job being encoded, and the arrays and objects above the current value (by their path). */
interface EncodeScope {
  readonly where: string;
  readonly ancestors: Map<object, string>;
}

/**
 * A JSON-safe copy of a job's arguments. Dates become `{"$date": "<ISO string>"}`, BigInts
 * `{"$bigint": "<decimal>"}`, and a plain object whose only key starts with `$` is wrapped as
 * `{"$object": {...}}` so that it cannot be mistaken for a tag. {@link decodeArgs} undoes this.
 *
 * @param where the job, for error messages, e.g. `job "report" (id abc)`
 * @throws SerializationError naming `where`, the path of the first value JSON cannot hold
 *   (undefined, a function, a symbol, NaN or ±Infinity, an invalid Date, a class instance such
 *   as a Map, a circular reference) and what it is
 */
export function encodeArgs(args: readonly unknown[], where: string): unknown[] {
  if (!Array.isArray(args)) {
    throw new SerializationError(`${where}: args must be an array, got ${show(args)}`);
  }
  const scope: EncodeScope = { where, ancestors: new Map() };
  // Array.from visits holes too, so a sparse array is rejected instead of gaining nulls.
  return Array.from(args, (arg, index) => encodeValue(arg, `args[${index}]`, scope));
}

function encodeValue(value: unknown, path: string, scope: EncodeScope): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      break;
    case 'bigint':
      return { $bigint: value.toString() };
    case 'object':
      return value === null ? null : encodeObject(value, path, scope);
  }
  throw unstorable(scope.where, path, describeUnstorable(value));
}

function encodeObject(value: object, path: string, scope: EncodeScope): unknown {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw unstorable(scope.where, path, 'an invalid Date');
    return { $date: value.toISOString() };
  }
  if (!Array.isArray(value) && !isPlainObject(value)) {
    throw unstorable(scope.where, path, describeUnstorable(value));
  }
  const ancestorPath = scope.ancestors.get(value);
  if (ancestorPath !== undefined) {
    throw unstorable(scope.where, path, `a circular reference to ${ancestorPath}`);
  }
  scope.ancestors.set(value, path);
  try {
    return Array.isArray(value)
      ? Array.from(value, (item, index) => encodeValue(item, `${path}[${index}]`, scope))
      : encodePlainObject(value, path, scope);
  } finally {
    scope.ancestors.delete(value);
  }
}

function encodePlainObject(value: object, path: string, scope: EncodeScope): unknown {
  const symbol = Object.getOwnPropertySymbols(value)[0];
  if (symbol !== undefined) {
    throw unstorable(scope.where, path, `an object with a symbol key (${symbol.toString()})`);
  }
  const record = value as Record<string, unknown>;
  const encoded = Object.fromEntries(
    Object.keys(record).map((key) => [key, encodeValue(record[key], childPath(path, key), scope)]),
  );
  return looksLikeTag(record) ? { $object: encoded } : encoded;
}

/** Whether an object has the prototype of `{}` or none (not a class instance, Map, Buffer, …). */
function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Whether an object has the shape of a tag: exactly one own key, starting with `$`. */
function looksLikeTag(value: object): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0]?.startsWith('$') === true;
}

/** What a value JSON cannot hold is, for an error message: `NaN`, `a function (build)`, … */
function describeUnstorable(value: unknown): string {
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  if (typeof value === 'symbol') return `a symbol (${value.toString()})`;
  if (typeof value !== 'object' || value === null) return String(value);
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } };
  const className = prototype.constructor?.name;
  return typeof className === 'string' && className !== ''
    ? `an instance of ${className}`
    : 'an object with a custom prototype';
}

function unstorable(where: string, path: string, what: string): SerializationError {
  return new SerializationError(
    `${where}: ${path} is ${what}, which cannot be stored as JSON; pass JSON-representable ` +
      `arguments: ${ARGUMENT_KINDS}`,
  );
}

/**
 * The arguments {@link encodeArgs} encoded: `$date` tags become Dates, `$bigint` tags BigInts,
 * and `$object` wrappers are unwrapped.
 *
 * @param where the job, for error messages
 * @throws SerializationError for a malformed or unknown `$` tag, naming its path
 */
export function decodeArgs(args: readonly unknown[], where = 'stored arguments'): unknown[] {
  return args.map((arg, index) => decodeValue(arg, `args[${index}]`, where));
}

function decodeValue(value: unknown, path: string, where: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item: unknown, index) => decodeValue(item, `${path}[${index}]`, where));
  }
  if (typeof value !== 'object' || value === null) return value;
  const [tag] = Object.keys(value);
  if (tag !== undefined && looksLikeTag(value)) {
    return decodeTag(tag, (value as Record<string, unknown>)[tag], path, where);
  }
  return decodeEntries(value, path, where);
}

function decodeTag(tag: string, payload: unknown, path: string, where: string): unknown {
  switch (tag) {
    case '$date': {
      const date = typeof payload === 'string' ? new Date(payload) : null;
      if (date !== null && !Number.isNaN(date.getTime())) return date;
      break;
    }
    case '$bigint':
      if (typeof payload === 'string' && /^-?\d+$/.test(payload)) return BigInt(payload);
      break;
    case '$object':
      if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
        return decodeEntries(payload, path, where);
      }
      break;
    default:
      throw new SerializationError(
        `${where}: ${path} has the unknown tag '${tag}' (known: $date, $bigint, $object); ` +
          `it was not written by this version of Kairos`,
      );
  }
  throw new SerializationError(
    `${where}: ${path}: ${show({ [tag]: payload })} is not a valid '${tag}' tag; expected ` +
      `{"$date": "<ISO date-time>"}, {"$bigint": "<decimal>"} or {"$object": {...}}`,
  );
}

function decodeEntries(value: object, path: string, where: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, item]: [string, unknown]) => [
      key,
      decodeValue(item, childPath(path, key), where),
    ]),
  );
}

/** `path.key`, or `path["odd key"]` when the key is not an identifier. */
function childPath(path: string, key: PropertyKey): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (typeof key === 'symbol') return `${path}[${key.toString()}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

// ─── jobs ──────────────────────────────────────────────────────────────────────────────────────

/** How error messages name a job: `job "report" (id abc)`. */
function describeJob(job: { readonly name: string; readonly id: string }): string {
  return `job "${job.name}" (id ${job.id})`;
}

/**
 * A job's stored form. A function task is stored by the name `taskName` gives it (the scheduler
 * passes the reverse lookup of its registered tasks); the trigger by its `toJSON()` spec.
 *
 * @throws SerializationError when the task is a function with no registered name, when the
 *   trigger cannot give a spec, or when an argument cannot be stored (see {@link encodeArgs})
 */
export function serializeJob(
  job: Job,
  taskName: (task: TaskFunction) => string | undefined,
): JobState {
  const where = describeJob(job);
  return {
    version: 1,
    id: job.id,
    name: job.name,
    task: storedTask(job, taskName),
    args: encodeArgs(job.args, where),
    trigger: storedTrigger(job.trigger, where),
    executor: job.executor,
    misfireGraceTime: job.misfireGraceTime,
    coalesce: job.coalesce,
    maxInstances: job.maxInstances,
    timeout: job.timeout,
    ...(job.onAbandoned === 'fail' ? {} : { onAbandoned: job.onAbandoned }),
    ...(job.maxRetries === 1 ? {} : { maxRetries: job.maxRetries }),
    nextRunTime: job.nextRunTimeMs,
  };
}

function storedTask(
  job: Job,
  taskName: (task: TaskFunction) => string | undefined,
): string | CommandTask {
  if (typeof job.task === 'string' || typeof job.task === 'object') return job.task;
  const name = taskName(job.task);
  if (name !== undefined) return name;
  const functionName = job.task.name || 'anonymous';
  const suggested = job.task.name || job.name;
  throw new SerializationError(
    `${describeJob(job)}: its task is a function (${functionName}), which cannot be stored; ` +
      `register it with scheduler.registerTask('${suggested}', fn) and pass the name, ` +
      `or pass a module reference such as './tasks.js#${suggested}'`,
  );
}

function storedTrigger(trigger: Trigger, where: string): JobState['trigger'] {
  if (typeof trigger.toJSON !== 'function') {
    throw new SerializationError(
      `${where}: its trigger ${String(trigger)} has no toJSON() method, so it cannot be stored; ` +
        `give it a toJSON() returning a spec that triggerFromSpec can rebuild`,
    );
  }
  try {
    return trigger.toJSON();
  } catch (error) {
    throw new SerializationError(
      `${where}: its trigger ${String(trigger)} cannot be turned into a spec: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
}

/** The stored form of a job, with the messages a bad field is reported with. */
const jobStateSchema: z.ZodType<JobState> = z.object(
  {
    version: z.literal(1, 'expected 1 (the only job format version this Kairos reads)'),
    id: z.string('expected a string').min(1, 'expected a non-empty string'),
    name: z.string('expected a string'),
    task: z.custom<string | CommandTask>(
      (value) => (typeof value === 'string' && value !== '') || isCommandTask(value),
      'expected a task name, a module reference or a command ({command} or {argv})',
    ),
    args: z.array(z.unknown(), 'expected an array'),
    trigger: z.looseObject(
      { type: z.string("expected a trigger type such as 'cron'") },
      "expected a trigger spec such as {type: 'cron', hour: 3}",
    ),
    executor: z.string('expected an executor alias').min(1, 'expected an executor alias'),
    misfireGraceTime: z
      .number('expected a number of seconds ≥ 0, or null')
      .min(0, 'expected a number of seconds ≥ 0, or null')
      .nullable(),
    coalesce: z.boolean('expected a boolean'),
    maxInstances: z.int('expected an integer ≥ 1').min(1, 'expected an integer ≥ 1'),
    timeout: z
      .number('expected a number of seconds ≥ 0, or null')
      .min(0, 'expected a number of seconds ≥ 0, or null')
      .nullable(),
    onAbandoned: z.enum(['fail', 'retry'], "expected 'fail' or 'retry'").optional(),
    maxRetries: z.int('expected an integer ≥ 0').min(0, 'expected an integer ≥ 0').optional(),
    nextRunTime: z.number('expected epoch milliseconds, or null').nullable(),
  },
  'expected a job state object',
);

/**
 * The fields of the job a stored state describes, for `new Job(fields, host)`: the state is
 * validated, its arguments decoded and its trigger rebuilt with `makeTrigger`.
 *
 * @param jobstore alias of the job store the job is kept in
 * @param makeTrigger builds a trigger from a spec (the scheduler's `triggerFromSpec` with its
 *   time zone and trigger aliases)
 * @throws SerializationError naming the job id and the field that is missing or bad
 */
export function restoreJobFields(
  state: JobState,
  jobstore: string,
  makeTrigger: (spec: JobState['trigger']) => Trigger,
): JobFields {
  const result = jobStateSchema.safeParse(state, { reportInput: true });
  if (!result.success) {
    throw new SerializationError(
      `stored job (id ${show(idOf(state))}) in job store '${jobstore}' cannot be restored: ` +
        describeIssues(result.error),
    );
  }
  const valid = result.data;
  const where = `${describeJob(valid)} in job store '${jobstore}'`;
  return {
    id: valid.id,
    name: valid.name,
    task: typeof valid.task === 'string' ? valid.task : restoreCommand(valid.task, where),
    args: decodeArgs(valid.args, where),
    trigger: rebuildTrigger(valid.trigger, makeTrigger, where),
    executor: valid.executor,
    jobstore,
    misfireGraceTime: valid.misfireGraceTime,
    coalesce: valid.coalesce,
    maxInstances: valid.maxInstances,
    timeout: valid.timeout,
    onAbandoned: valid.onAbandoned ?? 'fail',
    maxRetries: valid.maxRetries ?? 1,
    nextRunTimeMs: valid.nextRunTime,
  };
}

/** A stored command task, checked as `addJob` checks one. */
function restoreCommand(task: CommandTask, where: string): CommandTask {
  try {
    return checkCommandTask(task, where);
  } catch (error) {
    throw new SerializationError(
      `${where} cannot be restored: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The `id` of something that should be a job state, for naming it before it is validated. */
function idOf(state: unknown): unknown {
  return typeof state === 'object' && state !== null ? (state as { id?: unknown }).id : undefined;
}

function rebuildTrigger(
  spec: JobState['trigger'],
  makeTrigger: (spec: JobState['trigger']) => Trigger,
  where: string,
): Trigger {
  try {
    return makeTrigger(spec);
  } catch (error) {
    throw new SerializationError(
      `${where}: its stored trigger ${show(spec)} cannot be rebuilt: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
}

// ─── export documents ──────────────────────────────────────────────────────────────────────────

/** The document `exportJobs` writes and `importJobs` reads: jobs in their stored form. */
export interface JobsExport {
  /** Marks the document as Kairos jobs. */
  format: 'kairos-jobs';
  /** Document format version, for migrations. */
  version: 1;
  /** When the document was written, as an ISO 8601 UTC date-time. */
  exportedAt: string;
  /** The jobs. */
  jobs: JobState[];
}

const jobsExportSchema: z.ZodType<JobsExport> = z.object(
  {
    format: z.literal('kairos-jobs', "expected 'kairos-jobs'"),
    version: z.literal(1, 'expected 1 (the only export format version this Kairos reads)'),
    exportedAt: z.string('expected an ISO 8601 date-time string'),
    jobs: z.array(jobStateSchema, 'expected an array of job states'),
  },
  "expected a Kairos jobs export {format: 'kairos-jobs', version: 1, exportedAt, jobs}",
);

/**
 * A `kairos-jobs` document of these job states.
 * @param now the export time, epoch milliseconds
 */
export function exportDocument(states: readonly JobState[], now: number): JobsExport {
  return {
    format: 'kairos-jobs',
    version: 1,
    exportedAt: new Date(now).toISOString(),
    jobs: [...states],
  };
}

/**
 * The job states of a `kairos-jobs` document, given as JSON text or as the parsed object.
 * Their arguments stay encoded and their triggers specs: {@link restoreJobFields} finishes them.
 *
 * @throws SerializationError saying what is wrong and where, e.g.
 *   `jobs[3].maxInstances: expected an integer ≥ 1, got 0`, or quoting JSON.parse's message
 */
export function parseJobsExport(input: unknown): JobState[] {
  const document = typeof input === 'string' ? parseJsonText(input) : input;
  const result = jobsExportSchema.safeParse(document, { reportInput: true });
  if (!result.success) {
    throw new SerializationError(`Invalid Kairos jobs export: ${describeIssues(result.error)}`);
  }
  return result.data.jobs;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SerializationError(
      `Invalid Kairos jobs export: the text is not JSON (${(error as Error).message})`,
    );
  }
}

/** How many problems of a failed validation a message lists before `and N more`. */
const ISSUES_SHOWN = 3;

/** A failed validation's problems as `path: expected …, got …`, joined with `; `. */
function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, ISSUES_SHOWN).map(describeIssue);
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.reduce<string>(childPath, '');
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  const problem = missing
    ? `missing, ${issue.message}`
    : `${issue.message}, got ${show(issue.input)}`;
  return path === '' ? problem : `${path}: ${problem}`;
}
