/**
 * The options `addJob` and `modifyJob` take, checked at the call so a bad value fails there,
 * naming the job, the option and the value, and saying what is allowed. Keys are spelt as the
 * configuration dictionary spells them (snake_case or camelCase, one normalisation:
 * `config/keys.ts`) and the job policies are read by the same settings as `jobDefaults`
 * (`'2'` → 2, `'false'` → false). A key that is a trigger field, or a job option inside a
 * trigger spec, is named as such with where it belongs.
 */
import { DateTrigger, didYouMean, isTrigger, triggerKeys, type DateInput } from '@kairos/triggers';
import { isPlainObject, knownKey } from './config/keys.js';
import { BOOLEAN, JOB_DEFAULTS, describe, type Setting } from './config/settings.js';
import { JobOptionError } from './errors.js';
import type { AddJobOptions, JobChanges, TriggerInput } from './interfaces.js';
import { nullableNumberFromString } from './options.js';
import {
  isBuiltinTriggerType,
  triggerTypesTaking,
  type BuiltinTriggerType,
} from './trigger-fields.js';

/** The job a message is about: a label, or a function making one (only called on failure). */
export type JobLabel = string | (() => string);

/** A checked option value, or what is wrong with it (read after the option's name). */
type Reading =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/** Reads one option's value. */
type Reader = (value: unknown) => Reading;

const accept: Reader = (value) => ({ ok: true, value });

function fromSetting<T>(setting: Setting<T>): Reader {
  return (value) => {
    const result = setting.schema.safeParse(value);
    return result.success
      ? { ok: true, value: result.data }
      : { ok: false, problem: `${describe(value)} is not ${setting.allowed}` };
  };
}

const name: Reader = (value) => {
  if (typeof value !== 'string')
    return { ok: false, problem: `${describe(value)} is not a string` };
  if (value === '') return { ok: false, problem: 'must not be empty' };
  return { ok: true, value };
};

/** A job id: a name that is not `.` or `..`, which no URL path (the HTTP API's) can hold. */
const id: Reader = (value) => {
  const read = name(value);
  if (read.ok && (value === '.' || value === '..')) {
    return {
      ok: false,
      problem: `'${value}' cannot be a job id (a URL path could not name the job); choose another`,
    };
  }
  return read;
};

const args: Reader = (value) =>
  Array.isArray(value)
    ? { ok: true, value }
    : { ok: false, problem: `${describe(value)} is not an array of arguments for the task` };

const timeout: Reader = (value) => {
  const read = nullableNumberFromString(value);
  if (read === null || (typeof read === 'number' && Number.isFinite(read) && read > 0)) {
    return { ok: true, value: read };
  }
  return {
    ok: false,
    problem:
      `${describe(value)} is not a number of seconds > 0, or null for no limit ` +
      `(also 'none' or 'null' as a string)`,
  };
};

const onAbandoned: Reader = (value) =>
  value === 'fail' || value === 'retry'
    ? { ok: true, value }
    : {
        ok: false,
        problem:
          `${describe(value)} is not 'fail' (record the abandoned run, run nothing again) or ` +
          `'retry' (run it again, up to maxRetries times)`,
      };

const maxRetries: Reader = (value) => {
  const read = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof read === 'number' && Number.isInteger(read) && read >= 0
    ? { ok: true, value: read }
    : { ok: false, problem: `${describe(value)} is not an integer ≥ 0` };
};

/** Options both `addJob` and `modifyJob` take, in the order messages list them. */
const SHARED: Readonly<Record<string, Reader>> = {
  misfireGraceTime: fromSetting(JOB_DEFAULTS.misfireGraceTime),
  coalesce: fromSetting(JOB_DEFAULTS.coalesce),
  maxInstances: fromSetting(JOB_DEFAULTS.maxInstances),
  args,
  name,
  // Checked by instantOf, which needs the scheduler's time zone.
  nextRunTime: accept,
  executor: name,
  timeout,
  onAbandoned,
  maxRetries,
};

const ADD_JOB: Readonly<Record<string, Reader>> = {
  ...SHARED,
  id,
  jobstore: name,
  replaceExisting: fromSetting(BOOLEAN),
};

const CHANGES: Readonly<Record<string, Reader>> = {
  ...SHARED,
  // Checked by the scheduler (task registry, trigger registry).
  task: accept,
  trigger: accept,
};

const ADD_JOB_KEYS = Object.keys(ADD_JOB);

/**
 * Checks `addJob` options: snake_case keys are camelCased, the job policies and
 * `replaceExisting`/`timeout` coerced from strings as the configuration dictionary does.
 * Checking options this function returned again returns equal options.
 *
 * @param job the job for messages, e.g. `() => 'addJob(report)'`
 * @throws JobOptionError naming the job, the option as written, the value and what is allowed;
 *   for a trigger field among the options, saying which keys are trigger fields and which are
 *   job options
 */
export function checkAddJobOptions(options: unknown, job: JobLabel): AddJobOptions {
  return check(ADD_JOB, options, job, 'addJob');
}

/**
 * Checks `modifyJob` changes, like {@link checkAddJobOptions}; a trigger spec among them must
 * not hold job options (see {@link checkTriggerSpecHasNoJobOptions}).
 * @throws JobOptionError naming the job, the option and the value; `id` cannot change
 */
export function checkJobChanges(changes: unknown, job: JobLabel): JobChanges {
  if (typeof changes === 'object' && changes !== null && Object.hasOwn(changes, 'id')) {
    throw new JobOptionError(
      labelOf(job),
      'id',
      (changes as { id: unknown }).id,
      'a job id cannot change',
    );
  }
  const checked = check(CHANGES, changes, job, 'modifyJob') as JobChanges;
  if (checked.trigger !== undefined) checkTriggerSpecHasNoJobOptions(checked.trigger, job);
  return checked;
}

/**
 * Throws when a built-in trigger's spec holds job options, e.g. `{type: 'interval', seconds:
 * 5, id: 'x', maxInstances: 2}`: the message names the job options (`id, maxInstances`) and the
 * trigger fields (`seconds`) and shows the call with each in its place. Trigger instances,
 * plugin trigger types (whose fields Kairos cannot know) and values that are not specs pass:
 * the trigger registry reports those.
 *
 * @throws JobOptionError naming the first job option found and its value
 */
export function checkTriggerSpecHasNoJobOptions(spec: unknown, job: JobLabel): void {
  if (!isPlainObject(spec) || isTrigger(spec) || !isBuiltinTriggerType(spec.type)) return;
  const type = spec.type;
  const jobOptions: string[] = [];
  const triggerFields: string[] = [];
  // for…in over own keys: no array of keys made per call.
  for (const key in spec) {
    if (key === 'type' || !Object.hasOwn(spec, key)) continue;
    const isField = triggerTypesTaking(key).includes(type);
    if (!isField && knownKey(key, ADD_JOB_KEYS) !== undefined) jobOptions.push(key);
    else triggerFields.push(key);
  }
  const [first] = jobOptions;
  if (first === undefined) return;
  throw new JobOptionError(
    labelOf(job),
    first,
    spec[first],
    `${plural(jobOptions, 'is a job option', 'are job options')} inside the ${type} trigger ` +
      `spec; job options (${jobOptions.join(', ')}) go in the options and trigger fields ` +
      `(${triggerFields.join(', ') || 'none given'}) stay in the trigger: ` +
      `addJob(task, ${objectText(spec, ['type', ...triggerFields])}, ` +
      `${objectText(spec, jobOptions)})`,
  );
}

/** What {@link normalizeAddJobArguments} makes of a call. */
export interface AddJobArguments {
  /** The trigger: as given, a spec built from an alias and its fields, or none. */
  readonly trigger: TriggerInput | null | undefined;
  /** The job options, checked by {@link checkAddJobOptions}. */
  readonly options: AddJobOptions;
}

/**
 * Reads `addJob`'s arguments after the task in both call shapes:
 *
 * - Kairos's `addJob(task, trigger?, options?)`, the trigger a Trigger instance, a spec
 *   (`{type: 'interval', seconds: 5}`) or null/undefined (run once, now). A spec must not hold
 *   job options ({@link checkTriggerSpecHasNoJobOptions}); a trigger argument without `type`
 *   made only of job options is taken for misplaced options and refused, saying so.
 * - APScheduler's `addJob(task, 'interval', {seconds: 5}, {id: 'x'})`: a trigger alias, its
 *   fields, then the job options. **Decision:** as in APScheduler, where `add_job(f, 'cron',
 *   hour=3, id='x')` mixes trigger fields and job options in one set of keyword arguments, the
 *   fields object may hold job options too (`addJob(task, 'cron', {hour: 3, id: 'x'})`): keys
 *   naming a job option (any spelling) are split out into the options, unless the built-in
 *   trigger type takes that key itself. No built-in trigger field has a job option's name, so
 *   the split is unambiguous; a plugin trigger whose field shares a job option's name must be
 *   given as a spec (`{type: 'mine', name: …}`). An option given both among the fields and in
 *   the options is refused.
 *
 * @param trigger the second argument of `addJob`
 * @param second the third: options, or the trigger's fields after an alias
 * @param third the fourth: options after an alias and its fields
 * @param job the job for messages, e.g. `() => 'addJob(report)'`
 * @throws JobOptionError naming the job, the misplaced or bad key and where it belongs
 */
export function normalizeAddJobArguments(
  trigger: TriggerInput | string | null | undefined,
  second: unknown,
  third: unknown,
  job: JobLabel,
): AddJobArguments {
  if (typeof trigger === 'string') return fromAlias(trigger, second, third, job);
  if (third !== undefined) {
    throw new JobOptionError(
      labelOf(job),
      'options',
      third,
      `a fourth argument is taken only after a trigger alias, as in addJob(task, 'interval', ` +
        `{seconds: 5}, {id: 'x'}); after a trigger spec or instance the options are the third`,
    );
  }
  if (isPlainObject(trigger) && !isTrigger(trigger)) {
    if (trigger.type === undefined) refuseOptionsAsTrigger(trigger, job);
    checkTriggerSpecHasNoJobOptions(trigger, job);
  }
  return {
    trigger: trigger,
    options: checkAddJobOptions(second, job),
  };
}

/**
 * A `nextRunTime` option as epoch ms: a Date, epoch ms, an ISO string (naive ones are wall
 * times in `timezone`) or a Luxon DateTime.
 */
export function instantOf(value: DateInput, timezone: string, job: string): number {
  const instant = readInstant(value, timezone);
  if (typeof instant !== 'number')
    throw new JobOptionError(job, 'nextRunTime', value, instant.problem);
  return instant;
}

/**
 * An instant as epoch ms (a Date, epoch ms, an ISO string, naive ones being wall times in
 * `timezone`, or a Luxon DateTime), or what is wrong with it, in words that quote the value.
 */
export function readInstant(value: unknown, timezone: string): number | { problem: string } {
  if (isTrigger(value)) return { problem: 'is a trigger, not a time' };
  try {
    return new DateTrigger({ runDate: value as DateInput, timezone }).runDate.getTime();
  } catch (error) {
    return { problem: error instanceof Error ? error.message.replace(/^.*run_date: /, '') : '' };
  }
}

// ─── internals ─────────────────────────────────────────────────────────────────────────────────

function check(
  readers: Readonly<Record<string, Reader>>,
  input: unknown,
  job: JobLabel,
  call: 'addJob' | 'modifyJob',
): Record<string, unknown> {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input) || isTrigger(input)) {
    throw new JobOptionError(
      labelOf(job),
      'options',
      input,
      `${describe(input)} is not an options object such as {id: 'report', maxInstances: 2}`,
    );
  }
  const allowed = Object.keys(readers);
  const given = input as Record<string, unknown>;
  const checked: Record<string, unknown> = {};
  const writtenAs = new Map<string, string>();
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const option = knownKey(key, allowed);
    if (option === undefined) {
      unknown.push(key);
      continue;
    }
    const earlier = writtenAs.get(option);
    if (earlier !== undefined) {
      throw new JobOptionError(
        labelOf(job),
        key,
        value,
        `same option as ${earlier}; give it once (snake_case and camelCase name the same option)`,
      );
    }
    writtenAs.set(option, key);
    const reading = (readers[option] ?? accept)(value);
    if (!reading.ok) throw new JobOptionError(labelOf(job), key, value, reading.problem);
    checked[option] = reading.value;
  }
  if (unknown.length > 0) throw unknownOption(unknown, given, allowed, job, call);
  return checked;
}

function unknownOption(
  unknown: readonly string[],
  given: Record<string, unknown>,
  allowed: readonly string[],
  job: JobLabel,
  call: 'addJob' | 'modifyJob',
): JobOptionError {
  const triggerFields = unknown.filter((key) => triggerTypesTaking(key).length > 0);
  const [field] = triggerFields;
  if (field !== undefined) {
    const options = Object.keys(given).filter((key) => !triggerFields.includes(key));
    const type = exampleType(triggerFields);
    const spec = objectText(given, triggerFields, type);
    const where =
      call === 'addJob'
        ? `addJob(task, ${spec}, ${objectText(given, options)})`
        : `modifyJob(id, {trigger: ${spec}${options.length > 0 ? ', …' : ''}})`;
    return new JobOptionError(
      labelOf(job),
      field,
      given[field],
      `${plural(triggerFields, 'is a trigger field', 'are trigger fields')}, not a job option; ` +
        `trigger fields (${triggerFields.join(', ')}) go in the trigger and job options ` +
        `(${options.join(', ') || 'none given'}) in the options: ${where}`,
    );
  }
  const [key = ''] = unknown;
  return new JobOptionError(
    labelOf(job),
    key,
    given[key],
    `unknown option${didYouMean(key, allowed)}; options are ${allowed.join(', ')}` +
      ` (snake_case spellings such as max_instances work too)`,
  );
}

/**
 * Refuses a key after a built-in trigger alias that is neither one of its fields nor a job
 * option (`addJob(task, 'interval', {seconds: 5, misfireGrace: 3})`), suggesting the nearest.
 */
function refuseUnknownField(
  alias: BuiltinTriggerType,
  key: string,
  value: unknown,
  job: JobLabel,
): never {
  const fields = triggerKeys(alias);
  throw new JobOptionError(
    labelOf(job),
    key,
    value,
    `neither a field of the ${alias} trigger nor a job option` +
      `${didYouMean(key, [...fields, ...ADD_JOB_KEYS])}; ${alias} trigger fields are ` +
      `${fields.join(', ')}; job options are ${ADD_JOB_KEYS.join(', ')}`,
  );
}

function fromAlias(alias: string, second: unknown, third: unknown, job: JobLabel): AddJobArguments {
  if (alias.trim() === '') {
    throw new JobOptionError(
      labelOf(job),
      'trigger',
      alias,
      `'' is not a trigger alias; use one such as 'interval', 'cron' or 'date'`,
    );
  }
  if (second !== undefined && second !== null && !isPlainObject(second)) {
    throw new JobOptionError(
      labelOf(job),
      'trigger',
      second,
      `${describe(second)} is not an object of ${alias} trigger fields; write ` +
        `addJob(task, '${alias}', {…fields}, {…options})`,
    );
  }
  const fields: Record<string, unknown> = { type: alias };
  const split: Record<string, unknown> = {};
  const builtin = isBuiltinTriggerType(alias);
  for (const [key, value] of Object.entries(second ?? {})) {
    if (key === 'type') {
      if (value === alias) continue;
      throw new JobOptionError(
        labelOf(job),
        'type',
        value,
        `the trigger alias is given already ('${alias}'); leave type out of its fields`,
      );
    }
    const isField = builtin && triggerTypesTaking(key).includes(alias);
    const isOption = !isField && knownKey(key, ADD_JOB_KEYS) !== undefined;
    if (builtin && !isField && !isOption) refuseUnknownField(alias, key, value, job);
    const target = isOption ? split : fields;
    Object.defineProperty(target, key, { value, enumerable: true, writable: true });
  }
  if (third !== undefined) checkAddJobOptions(third, job);
  const later = (third ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(split)) {
    const option = knownKey(key, ADD_JOB_KEYS);
    const twice = Object.keys(later).find((other) => knownKey(other, ADD_JOB_KEYS) === option);
    if (twice !== undefined && later[twice] !== undefined) {
      throw new JobOptionError(
        labelOf(job),
        key,
        split[key],
        `given both among the trigger fields and in the options (as ${twice}); give it once`,
      );
    }
  }
  const options = checkAddJobOptions({ ...split, ...later }, job);
  return { trigger: fields as TriggerInput, options };
}

/** A trigger argument with no `type` that holds job options: the options are misplaced. */
function refuseOptionsAsTrigger(trigger: Record<string, unknown>, job: JobLabel): void {
  const keys = Object.keys(trigger);
  const jobOptions = keys.filter((key) => knownKey(key, ADD_JOB_KEYS) !== undefined);
  const [first] = jobOptions;
  if (first === undefined) return;
  const triggerFields = keys.filter((key) => !jobOptions.includes(key));
  const spec =
    triggerFields.length === 0
      ? 'null'
      : objectText(trigger, triggerFields, exampleType(triggerFields));
  throw new JobOptionError(
    labelOf(job),
    first,
    trigger[first],
    `the trigger argument holds job options (${jobOptions.join(', ')}) and no trigger type; ` +
      `options are the argument after the trigger: addJob(task, ${spec}, ` +
      `${objectText(trigger, jobOptions)})`,
  );
}

/** A built-in trigger type taking every one of `fields`, for an example spec. */
function exampleType(fields: readonly string[]): string {
  const [first = ''] = fields;
  const type = triggerTypesTaking(first).find((candidate) =>
    fields.every((field) => triggerTypesTaking(field).includes(candidate)),
  );
  return type ?? '<type>';
}

/** `{seconds: 5, id: 'x'}` from some keys of an object, for messages; long values cut short. */
function objectText(
  source: Record<string, unknown>,
  keys: readonly string[],
  type?: string,
): string {
  const parts = keys.map((key) => `${key}: ${describe(source[key])}`);
  if (type !== undefined) parts.unshift(`type: '${type}'`);
  return `{${parts.join(', ')}}`;
}

function plural(items: readonly string[], one: string, many: string): string {
  return items.length === 1 ? one : many;
}

function labelOf(job: JobLabel): string {
  return typeof job === 'string' ? job : job();
}
