/**
 * Reading a scheduler configuration: the nested object and APScheduler's flat prefixed keys
 * (`'kairos.job_defaults.coalesce': 'false'`), mixed freely in one object, snake_case or
 * camelCase. Values are checked with zod, strings coerced like APScheduler's `asbool`/`asint`,
 * and job stores and executors validated against their plugin's options schema but not built:
 * building may be asynchronous and belongs to the scheduler.
 */
import { isTimeZone, show } from '@kairos/triggers';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import type {
  Clock,
  Executor,
  JobStore,
  Logger,
  SchedulerOptions,
  TaskFunction,
} from './interfaces.js';
import type { PluginRegistry } from './registry.js';
import {
  booleanFromString,
  integerFromString,
  nullableNumberFromString,
  numberFromString,
} from './options.js';

/** A job store or executor named in a configuration, validated but not built yet. */
export interface ComponentRequest {
  /**
   * The configuration key that named it, as the user wrote it, e.g. `kairos.jobstores.default`
   * or `jobstores.default`.
   */
  readonly key: string;
  /** The plugin alias (`type`), or undefined when built from `class`. */
  readonly type?: string;
  /** The constructor given as `class`. */
  readonly ctor?: new (options: Record<string, unknown>) => unknown;
  /**
   * Options, validated and coerced by the plugin's schema (camelCase keys). With `class` there
   * is no schema: the options are passed as written (strings from flat keys stay strings).
   */
  readonly options: Record<string, unknown>;
}

/** A configuration after validation: only the keys the input set. */
export interface ParsedConfig {
  timezone?: string;
  jobstores?: Map<string, JobStore | ComponentRequest>;
  executors?: Map<string, Executor | ComponentRequest>;
  jobDefaults?: { misfireGraceTime?: number | null; coalesce?: boolean; maxInstances?: number };
  jobstoreRetryInterval?: number;
  maxSleepTime?: number;
  daemon?: boolean;
  logger?: Logger;
  clock?: Clock;
  tasks?: Record<string, TaskFunction | string>;
  taskModules?: string[] | null;
}

/** Input accepted by configure(): the nested object, flat prefixed keys, or both mixed. */
export type SchedulerConfig = SchedulerOptions | Readonly<Record<string, unknown>>;

/**
 * Validates a configuration and returns the settings it makes, for `configure()` to merge.
 *
 * Keys starting with `prefix` are flat keys whose dotted path mirrors the nested object
 * (`'kairos.executors.default.max_workers': '20'` sets one option of one executor); keys
 * without a dot are nested settings; any other dotted key is an error. Keys whose value is
 * `undefined` count as absent, as in an options object.
 *
 * @param prefix the flat keys' prefix; a missing final `.` is added
 * @throws ConfigurationError naming the key as written, the bad value and what is allowed
 */
export function parseConfig(
  input: SchedulerConfig,
  registry: PluginRegistry,
  prefix = 'kairos.',
): ParsedConfig {
  if (!isPlainObject(input)) {
    throw new ConfigurationError('config', `${describe(input)} is not a configuration object`);
  }
  const flatPrefix = prefix === '' || prefix.endsWith('.') ? prefix : `${prefix}.`;
  const collected = new Collected();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (key.startsWith(flatPrefix)) {
      const [first = '', ...rest] = key.slice(flatPrefix.length).split('.');
      if (first === '' || rest.includes('')) {
        throw new ConfigurationError(
          key,
          `has an empty part; flat keys look like '${flatPrefix}job_defaults.coalesce'`,
        );
      }
      collected.placeSetting(first, flatPrefix + first, rest, value, true);
    } else if (key.includes('.')) {
      throw new ConfigurationError(
        key,
        `unknown key; flat keys start with '${flatPrefix}' (e.g. '${flatPrefix}timezone'), ` +
          `nested settings have no dot (e.g. {jobDefaults: {coalesce: false}})`,
      );
    } else {
      collected.placeSetting(key, key, [], value, false);
    }
  }
  return collected.build(registry);
}

/** Whether a value is a job store or executor request made by {@link parseConfig}. */
export function isComponentRequest(value: unknown): value is ComponentRequest {
  return typeof value === 'object' && value !== null && requests.has(value);
}

// Only requests made here count: a user's job store may well have `key` and `options` fields.
const requests = new WeakSet<object>();

// ─── settings and their schemas ────────────────────────────────────────────────────────────────

/** A setting's schema and, for error messages, what it accepts (read after "is not"). */
interface Setting<T> {
  readonly schema: z.ZodType<T>;
  readonly allowed: string;
}

/** The longest wait in seconds a Node timer can take (2^31-1 ms, rounded down). */
const MAX_TIMER_SECONDS = 2147483;

function hasMethods(value: unknown, names: readonly string[]): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const members = value as Record<string, unknown>;
  return names.every((name) => typeof members[name] === 'function');
}

const BOOLEAN: Setting<boolean> = {
  schema: z.preprocess(booleanFromString, z.boolean()),
  allowed: `a boolean; use true/false (or 'true', 'yes', 'on', '1' / 'false', 'no', 'off', '0')`,
};

const SETTINGS = {
  timezone: {
    schema: z.string().refine(isTimeZone),
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
  logger: {
    schema: z.custom<Logger>((value) => hasMethods(value, ['debug', 'info', 'warn', 'error'])),
    allowed: 'a logger: an object with debug, info, warn and error methods (pino and console work)',
  },
  clock: {
    schema: z.custom<Clock>((value) => hasMethods(value, ['now', 'setTimer'])),
    allowed: 'a clock: an object with now() and setTimer() methods',
  },
} satisfies { [K in keyof SchedulerOptions]?: Setting<SchedulerOptions[K]> };

const JOB_DEFAULTS = {
  coalesce: BOOLEAN,
  misfireGraceTime: {
    schema: z.preprocess(nullableNumberFromString, z.number().min(0).nullable()),
    allowed: `a number of seconds ≥ 0, or null to always run (also 'none' or 'null' as a string)`,
  },
  maxInstances: {
    schema: z.preprocess(integerFromString, z.number().int().min(1)),
    allowed: 'a whole number ≥ 1',
  },
} satisfies Record<string, Setting<unknown>>;

const TASK: Setting<TaskFunction | string> = {
  schema: z.union([
    z.custom<TaskFunction>((value) => typeof value === 'function'),
    z.string().regex(/^.+#.+$/),
  ]),
  allowed: "a function or a module reference ('./tasks.js#build'); tasks maps task names to tasks",
};

type Constructor = new (options: Record<string, unknown>) => unknown;

const CONSTRUCTOR: Setting<Constructor> = {
  schema: z.custom<Constructor>((value) => typeof value === 'function'),
  allowed: 'a constructor (class takes a class, e.g. {class: MyStore})',
};

const PLUGIN_TYPE: Setting<string> = {
  schema: z.string().min(1),
  allowed: 'a plugin alias such as {type: ...}',
};

/** Top-level keys, camelCase, in the order the "allowed keys" lists show them. */
const ROOT_KEYS = [
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
] as const satisfies readonly (keyof SchedulerOptions)[];

const JOB_DEFAULT_KEYS = ['coalesce', 'misfireGraceTime', 'maxInstances'] as const;

type ScalarKey = keyof typeof SETTINGS;
type JobDefaultKey = (typeof JOB_DEFAULT_KEYS)[number];

// ─── job stores and executors ──────────────────────────────────────────────────────────────────

/** What differs between job stores and executors. */
interface ComponentKind<T> {
  readonly kind: 'jobstore' | 'executor';
  readonly noun: string;
  /** The method that tells an instance from a spec. */
  readonly method: string;
  isInstance(value: unknown): value is T;
}

const JOBSTORE: ComponentKind<JobStore> = {
  kind: 'jobstore',
  noun: 'job store',
  method: 'getDueJobs',
  isInstance: (value): value is JobStore => hasMethods(value, ['getDueJobs']),
};

const EXECUTOR: ComponentKind<Executor> = {
  kind: 'executor',
  noun: 'executor',
  method: 'submitJob',
  isInstance: (value): value is Executor => hasMethods(value, ['submitJob']),
};

// ─── collecting keys ───────────────────────────────────────────────────────────────────────────

/** One value and the key it was written under. */
interface Leaf {
  readonly kind: 'leaf';
  readonly key: string;
  readonly value: unknown;
}

/** A job store or executor given as an instance. */
interface Instance<T> {
  readonly kind: 'instance';
  readonly key: string;
  readonly value: T;
}

/** A job store or executor given as `{type | class, ...options}`, possibly over several keys. */
interface Spec {
  readonly kind: 'spec';
  readonly key: string;
  /** Whether the first key naming it was flat, so messages spell option names snake_case. */
  readonly flat: boolean;
  /** `type`, `class` and the options (camelCase), each with the key that set it. */
  readonly entries: Map<string, Leaf>;
}

/**
 * The input's values by canonical (camelCase) path, each with the key that set it, so two
 * spellings of one setting are caught before anything is parsed.
 */
class Collected {
  readonly #settings = new Map<ScalarKey, Leaf>();
  readonly #jobDefaults = new Map<JobDefaultKey, Leaf>();
  readonly #tasks = new Map<string, Leaf>();
  readonly #jobstores = new Map<string, Instance<JobStore> | Spec>();
  readonly #executors = new Map<string, Instance<Executor> | Spec>();
  /** Containers the input named, so `jobstores: {}` still appears in the result. */
  readonly #named = new Set<'jobDefaults' | 'tasks' | 'jobstores' | 'executors'>();

  /**
   * Records a top-level setting.
   * @param rest the flat key's remaining parts below this one
   */
  placeSetting(
    written: string,
    key: string,
    rest: readonly string[],
    value: unknown,
    flat: boolean,
  ): void {
    const name = canonicalName(written, ROOT_KEYS, key, rest, flat);
    switch (name) {
      case 'jobDefaults':
        this.#named.add(name);
        descend(
          key,
          rest,
          value,
          jobDefaultsWhat(flat),
          (option, optionKey, deeper, optionValue) => {
            const known = canonicalName(option, JOB_DEFAULT_KEYS, optionKey, deeper, flat);
            claim(this.#jobDefaults, known, leaf(optionKey, deeper, optionValue));
          },
        );
        return;
      case 'tasks':
        this.#named.add(name);
        descend(
          key,
          rest,
          value,
          'an object of task functions by name',
          (task, taskKey, deeper, fn) =>
            // Task names may contain dots; only a flat key can split them.
            claim(this.#tasks, [task, ...deeper].join('.'), {
              kind: 'leaf',
              key: [taskKey, ...deeper].join('.'),
              value: fn,
            }),
        );
        return;
      case 'jobstores':
        this.#named.add(name);
        this.#placeComponents(JOBSTORE, this.#jobstores, key, rest, value, flat);
        return;
      case 'executors':
        this.#named.add(name);
        this.#placeComponents(EXECUTOR, this.#executors, key, rest, value, flat);
        return;
      default:
        claim(this.#settings, name, leaf(key, rest, value));
    }
  }

  #placeComponents<T>(
    kind: ComponentKind<T>,
    components: Map<string, Instance<T> | Spec>,
    key: string,
    rest: readonly string[],
    value: unknown,
    flat: boolean,
  ): void {
    const what = `an object of ${kind.noun}s by alias`;
    descend(key, rest, value, what, (alias, aliasKey, deeper, component) => {
      if (deeper.length === 0 && kind.isInstance(component)) {
        claim(components, alias, { kind: 'instance', key: aliasKey, value: component });
        return;
      }
      const existing = components.get(alias);
      if (existing?.kind === 'instance') {
        throw duplicate(existing.key, [aliasKey, ...deeper].join('.'));
      }
      const spec: Spec = existing ?? { kind: 'spec', key: aliasKey, flat, entries: new Map() };
      components.set(alias, spec);
      const specWhat =
        `a ${kind.noun}: give an instance (an object with a ${kind.method} method) ` +
        `or a spec, {type: '<alias>', ...options} or {class: SomeClass, ...options}`;
      descend(aliasKey, deeper, component, specWhat, (option, optionKey, below, optionValue) => {
        // `type` and `class` are kept apart from the options; options are camelCased for the schema.
        const name = option === 'type' || option === 'class' ? option : toCamelCase(option);
        claim(spec.entries, name, leaf(optionKey, below, optionValue));
      });
    });
  }

  /** Parses every collected value into the result. */
  build(registry: PluginRegistry): ParsedConfig {
    const config: ParsedConfig = {};
    const settings = this.#settings;
    const timezone = settings.get('timezone');
    if (timezone) config.timezone = parseSetting(SETTINGS.timezone, timezone);
    const retry = settings.get('jobstoreRetryInterval');
    if (retry) config.jobstoreRetryInterval = parseSetting(SETTINGS.jobstoreRetryInterval, retry);
    const maxSleep = settings.get('maxSleepTime');
    if (maxSleep) config.maxSleepTime = parseSetting(SETTINGS.maxSleepTime, maxSleep);
    const daemon = settings.get('daemon');
    if (daemon) config.daemon = parseSetting(SETTINGS.daemon, daemon);
    const taskModules = settings.get('taskModules');
    if (taskModules) config.taskModules = parseSetting(SETTINGS.taskModules, taskModules);
    const logger = settings.get('logger');
    if (logger) config.logger = parseSetting(SETTINGS.logger, logger);
    const clock = settings.get('clock');
    if (clock) config.clock = parseSetting(SETTINGS.clock, clock);

    if (this.#named.has('jobDefaults')) {
      const defaults: NonNullable<ParsedConfig['jobDefaults']> = {};
      const coalesce = this.#jobDefaults.get('coalesce');
      if (coalesce) defaults.coalesce = parseSetting(JOB_DEFAULTS.coalesce, coalesce);
      const grace = this.#jobDefaults.get('misfireGraceTime');
      if (grace) defaults.misfireGraceTime = parseSetting(JOB_DEFAULTS.misfireGraceTime, grace);
      const instances = this.#jobDefaults.get('maxInstances');
      if (instances) defaults.maxInstances = parseSetting(JOB_DEFAULTS.maxInstances, instances);
      config.jobDefaults = defaults;
    }
    if (this.#named.has('tasks')) {
      config.tasks = Object.fromEntries(
        [...this.#tasks].map(([name, task]) => [name, parseSetting(TASK, task)]),
      );
    }
    if (this.#named.has('jobstores')) {
      config.jobstores = buildComponents(JOBSTORE, this.#jobstores, registry);
    }
    if (this.#named.has('executors')) {
      config.executors = buildComponents(EXECUTOR, this.#executors, registry);
    }
    return config;
  }
}

/**
 * Calls `place` for each entry below a container key: the next part of a flat key, or each
 * entry of an object value.
 */
function descend(
  key: string,
  rest: readonly string[],
  value: unknown,
  what: string,
  place: (name: string, key: string, rest: readonly string[], value: unknown) => void,
): void {
  const [next, ...deeper] = rest;
  if (next !== undefined) {
    place(next, `${key}.${next}`, deeper, value);
    return;
  }
  if (!isPlainObject(value)) {
    throw new ConfigurationError(key, `${describe(value)} is not ${what}`);
  }
  for (const [name, entry] of Object.entries(value)) {
    if (entry !== undefined) place(name, `${key}.${name}`, [], entry);
  }
}

/** A single value; a flat key going deeper than it is an error. */
function leaf(key: string, rest: readonly string[], value: unknown): Leaf {
  if (rest.length > 0) {
    throw new ConfigurationError(
      [key, ...rest].join('.'),
      `'${key.slice(key.lastIndexOf('.') + 1)}' takes a single value, not sub-keys; set ${key} itself`,
    );
  }
  return { kind: 'leaf', key, value };
}

/** Records a value, failing when another spelling already set it. */
function claim<K, V extends { readonly key: string }>(map: Map<K, V>, name: K, entry: V): void {
  const existing = map.get(name);
  if (existing !== undefined) throw duplicate(existing.key, entry.key);
  map.set(name, entry);
}

function duplicate(first: string, second: string): ConfigurationError {
  return new ConfigurationError(
    second,
    `same setting as ${first}; set it once (flat and nested keys, snake_case and camelCase ` +
      `spellings name the same settings)`,
  );
}

/**
 * The camelCase name of a key among `allowed`.
 * @throws ConfigurationError listing the allowed keys, snake_case for flat keys
 */
function canonicalName<K extends string>(
  written: string,
  allowed: readonly K[],
  key: string,
  rest: readonly string[],
  flat: boolean,
): K {
  const camel = toCamelCase(written);
  const found = allowed.find((name) => name === camel);
  if (found !== undefined) return found;
  const loose = (name: string): string => name.replaceAll('_', '').toLowerCase();
  const near = allowed.find((name) => loose(name) === loose(written));
  const spell = (name: string): string => (flat ? toSnakeCase(name) : name);
  throw new ConfigurationError(
    [key, ...rest].join('.'),
    (rest.length === 0 ? 'unknown key' : `unknown key '${written}'`) +
      (near === undefined ? '' : ` (did you mean ${spell(near)}?)`) +
      `; allowed keys: ${allowed.map(spell).join(', ')}`,
  );
}

function jobDefaultsWhat(flat: boolean): string {
  const keys = JOB_DEFAULT_KEYS.map((name) => (flat ? toSnakeCase(name) : name));
  return `an object of job defaults (${keys.join(', ')})`;
}

// ─── parsing ───────────────────────────────────────────────────────────────────────────────────

function parseSetting<T>(setting: Setting<T>, entry: Leaf): T {
  const result = setting.schema.safeParse(entry.value);
  if (!result.success) {
    throw new ConfigurationError(entry.key, `${describe(entry.value)} is not ${setting.allowed}`);
  }
  return result.data;
}

function buildComponents<T>(
  kind: ComponentKind<T>,
  components: Map<string, Instance<T> | Spec>,
  registry: PluginRegistry,
): Map<string, T | ComponentRequest> {
  const built = new Map<string, T | ComponentRequest>();
  for (const [alias, component] of components) {
    built.set(
      alias,
      component.kind === 'instance' ? component.value : buildRequest(kind, component, registry),
    );
  }
  return built;
}

function buildRequest<T>(
  kind: ComponentKind<T>,
  spec: Spec,
  registry: PluginRegistry,
): ComponentRequest {
  const { type, class: ctor, ...optionEntries } = Object.fromEntries(spec.entries);
  const options: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(optionEntries)) options[name] = entry.value;
  const known = registry.aliases(kind.kind).join(', ');
  const choose =
    `give type, the alias of a registered ${kind.noun} (known types: ${known}), ` +
    `or class, a constructor`;
  if (type !== undefined && ctor !== undefined) {
    throw new ConfigurationError(spec.key, `has both type and class; ${choose}`);
  }
  if (ctor !== undefined) {
    return request({ key: spec.key, ctor: parseSetting(CONSTRUCTOR, ctor), options });
  }
  if (type === undefined) {
    throw new ConfigurationError(spec.key, `has neither type nor class; ${choose}`);
  }
  const alias = parseSetting(
    { ...PLUGIN_TYPE, allowed: `a ${kind.noun} type; known types: ${known}` },
    type,
  );
  const plugin =
    kind.kind === 'jobstore'
      ? registry.component('jobstore', alias, spec.key)
      : registry.component('executor', alias, spec.key);
  if (plugin.options === undefined) return request({ key: spec.key, type: alias, options });
  const result = plugin.options.safeParse(options);
  if (!result.success) {
    throw optionError(kind, alias, spec, options, plugin.options, result.error.issues);
  }
  return request({ key: spec.key, type: alias, options: result.data });
}

function request(fields: ComponentRequest): ComponentRequest {
  const made = Object.freeze(fields);
  requests.add(made);
  return made;
}

/**
 * Turns the plugin schema's issues into one error on the option's key as written. An unknown
 * key is reported first: a misspelt option usually also shows up as a missing one.
 */
function optionError<T>(
  kind: ComponentKind<T>,
  alias: string,
  spec: Spec,
  options: Record<string, unknown>,
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
): ConfigurationError {
  const spell = (name: string): string => (spec.flat ? toSnakeCase(name) : name);
  const keyOf = (name: string): string =>
    spec.entries.get(name)?.key ?? `${spec.key}.${spell(name)}`;
  const issue = issues.find((each) => each.code === 'unrecognized_keys') ?? issues[0];
  if (issue === undefined) return new ConfigurationError(spec.key, 'invalid options');
  if (issue.code === 'unrecognized_keys') {
    const allowed =
      schema instanceof z.ZodObject
        ? `; allowed keys: ${['type', ...Object.keys(schema.shape)].map(spell).join(', ')}`
        : '';
    return new ConfigurationError(
      keyOf(issue.keys[0] ?? ''),
      `unknown key for ${kind.noun} type '${alias}'${allowed}`,
    );
  }
  const [head, ...tail] = issue.path.map(String);
  if (head === undefined) return new ConfigurationError(spec.key, issue.message);
  const key = [keyOf(head), ...tail].join('.');
  const value = valueAt(options, [head, ...tail]);
  return new ConfigurationError(
    key,
    value === undefined
      ? `missing for ${kind.noun} type '${alias}': ${issue.message}`
      : `${describe(value)} is not valid for ${kind.noun} type '${alias}': ${issue.message}`,
  );
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const name of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

// ─── small helpers ─────────────────────────────────────────────────────────────────────────────

// Specs and containers are plain objects; class instances (stores, loggers) are values.
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function toSnakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A value for an error message, cut short: a logger or store can print as a long JSON. */
function describe(value: unknown): string {
  const text = show(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
