/**
 * Reading a scheduler configuration: the nested object and APScheduler's flat prefixed keys
 * (`'kairos.job_defaults.coalesce': 'false'`), mixed freely in one object, snake_case or
 * camelCase. Every value is gathered under its canonical (camelCase) path with the key that set
 * it, so two spellings of one setting are caught before anything is parsed; then each is
 * parsed by its setting ({@link ./settings.ts}) or component spec ({@link ./components.ts}).
 */
import { camelCase, didYouMean, snakeCase } from '@kairos/triggers';
import { ConfigurationError } from '../errors.js';
import type {
  Clock,
  Executor,
  JobStore,
  Logger,
  SchedulerOptions,
  TaskFunction,
} from '../interfaces.js';
import type { Retention } from '../ledger.js';
import type { PluginRegistry } from '../registry.js';
import {
  EXECUTOR,
  JOBSTORE,
  buildComponents,
  type ComponentKind,
  type ComponentRequest,
  type Instance,
  type Spec,
} from './components.js';
import { flatPrefixOf, isPlainObject, knownKey, splitFlatKey } from './keys.js';
import {
  JOB_DEFAULTS,
  JOB_DEFAULT_KEYS,
  ROOT_KEYS,
  SETTINGS,
  TASK,
  describe,
  parseSetting,
  type JobDefaultKey,
  type Leaf,
  type ScalarKey,
  type Setting,
} from './settings.js';

/** The parsed value of each single-value setting. */
type ScalarValues = {
  [K in ScalarKey]: (typeof SETTINGS)[K] extends Setting<infer T> ? T : never;
};

/** A configuration after validation: only the keys the input set. */
export interface ParsedConfig {
  /** IANA zone for triggers given without one (`kairos.timezone`). */
  timezone?: string;
  /** Job stores by alias: instances, or `{type, …}` requests a plugin builds at `start()`. */
  jobstores?: Map<string, JobStore | ComponentRequest>;
  /** Executors by alias: instances, or `{type, …}` requests a plugin builds at `start()`. */
  executors?: Map<string, Executor | ComponentRequest>;
  /** Defaults for the job options `addJob` does not set. */
  jobDefaults?: { misfireGraceTime?: number | null; coalesce?: boolean; maxInstances?: number };
  /** Seconds to wait before asking a failing job store again. */
  jobstoreRetryInterval?: number;
  /** Longest sleep of the loop between wakeups, in seconds. */
  maxSleepTime?: number;
  /**
   * Whether the loop's timers leave the process free to exit (`BackgroundScheduler`'s `daemon`).
   */
  daemon?: boolean;
  /** Where the scheduler's log lines go. */
  logger?: Logger;
  /** The time source and timers (a `FakeClock` in tests). */
  clock?: Clock;
  /** Tasks to register by name: functions, or module references. */
  tasks?: Record<string, TaskFunction | string>;
  /** Modules stored task references may load (package names and paths); null allows any. */
  taskModules?: string[] | null;
  /** Whether stored command tasks may run: `true`, `false`, or the programs they may run. */
  commands?: boolean | string[];
  /** This scheduler's id in run records and the store's node list. */
  schedulerId?: string;
  /** Seconds a run's lease lasts in a store with a run ledger. */
  leaseSeconds?: number;
  /** How much finished-run history ledgers keep; `false` keeps none. */
  history?: Retention | false;
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
  const flatPrefix = flatPrefixOf(prefix);
  const collected = new Collected();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (key.startsWith(flatPrefix)) {
      const [first, ...rest] = splitFlatKey(key, flatPrefix);
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
        `${kind.aNoun}: give an instance (an object with a ${kind.method} method) ` +
        `or a spec, {type: '<alias>', ...options} or {class: SomeClass, ...options}`;
      descend(aliasKey, deeper, component, specWhat, (option, optionKey, below, optionValue) => {
        // `type` and `class` are kept apart from the options; options are camelCased for the schema.
        const name = option === 'type' || option === 'class' ? option : camelCase(option);
        claim(spec.entries, name, leaf(optionKey, below, optionValue));
      });
    });
  }

  /** Parses every collected value into the result. */
  build(registry: PluginRegistry): ParsedConfig {
    // Each single-value setting, in the order SETTINGS lists them (the first bad one throws).
    const scalars: Partial<ScalarValues> = {};
    for (const key of Object.keys(SETTINGS) as ScalarKey[]) {
      const entry = this.#settings.get(key);
      if (entry)
        (scalars as Record<ScalarKey, unknown>)[key] = parseSetting(
          SETTINGS[key] as Setting<unknown>,
          entry,
        );
    }
    // The compiler checks here that every setting's parsed type fits its ParsedConfig field.
    const config: ParsedConfig = { ...scalars };

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
      const tasks: Record<string, TaskFunction | string> = {};
      for (const [name, task] of this.#tasks) {
        // defineProperty: a task named __proto__ is a task, not a prototype.
        Object.defineProperty(tasks, name, {
          value: parseSetting(TASK, task),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      config.tasks = tasks;
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
  // The same spelling twice: a flat key, and the same key inside an object given above it.
  const twice =
    first === second
      ? 'set twice, as a flat key and inside the object of a key above it'
      : `same setting as ${first}`;
  return new ConfigurationError(
    second,
    `${twice}; set it once (flat and nested keys, snake_case and camelCase spellings name the ` +
      `same settings)`,
  );
}

/**
 * The camelCase name of a key among `allowed`.
 * @throws ConfigurationError suggesting the nearest key and listing the allowed ones,
 *   snake_case for flat keys
 */
function canonicalName<K extends string>(
  written: string,
  allowed: readonly K[],
  key: string,
  rest: readonly string[],
  flat: boolean,
): K {
  const found = knownKey(written, allowed);
  if (found !== undefined) return found;
  const spell = (name: string): string => (flat ? snakeCase(name) : name);
  throw new ConfigurationError(
    [key, ...rest].join('.'),
    (rest.length === 0 ? 'unknown key' : `unknown key '${written}'`) +
      didYouMean(written, allowed, spell) +
      `; allowed keys: ${allowed.map(spell).join(', ')}`,
  );
}

function jobDefaultsWhat(flat: boolean): string {
  const keys = JOB_DEFAULT_KEYS.map((name) => (flat ? snakeCase(name) : name));
  return `an object of job defaults (${keys.join(', ')})`;
}
