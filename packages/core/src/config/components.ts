/**
 * Job stores and executors named in a configuration: an instance passes through, a spec
 * (`{type: '<alias>', ...options}` or `{class: SomeClass, ...options}`) becomes a
 * {@link ComponentRequest}, its options validated by the plugin's schema but not built:
 * building may be asynchronous and belongs to the scheduler.
 */
import { didYouMean, snakeCase } from '@kairos/triggers';
import type { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import type { Executor, JobStore } from '../interfaces.js';
import { kairosIssueText, objectKeysAt } from '../options.js';
import type { PluginRegistry } from '../registry.js';
import {
  CONSTRUCTOR,
  PLUGIN_TYPE,
  describe,
  hasMethods,
  parseSetting,
  type Constructor,
  type Leaf,
} from './settings.js';

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
  /**
   * An option's key as the user wrote it (`kairos.jobstores.default.pool_size` for `poolSize`
   * given flat), for errors the plugin raises when it builds the component.
   */
  readonly keyOf: (option: string) => string;
  /** An option name as the user's form spells it: snake_case for flat keys, else as is. */
  readonly spell: (option: string) => string;
}

/** Whether a value is a job store or executor request made by `parseConfig`. */
export function isComponentRequest(value: unknown): value is ComponentRequest {
  return typeof value === 'object' && value !== null && requests.has(value);
}

// Only requests made here count: a user's job store may well have `key` and `options` fields.
const requests = new WeakSet<object>();

/** What differs between job stores and executors. */
export interface ComponentKind<T> {
  readonly kind: 'jobstore' | 'executor';
  readonly noun: string;
  /** The noun with its article: `a job store`, `an executor`. */
  readonly aNoun: string;
  /** The method that tells an instance from a spec. */
  readonly method: string;
  isInstance(value: unknown): value is T;
}

/** Job stores: an instance has `claimDueJobs`. */
export const JOBSTORE: ComponentKind<JobStore> = {
  kind: 'jobstore',
  noun: 'job store',
  aNoun: 'a job store',
  method: 'claimDueJobs',
  isInstance: (value): value is JobStore => hasMethods(value, ['claimDueJobs']),
};

/** Executors: an instance has `run`. */
export const EXECUTOR: ComponentKind<Executor> = {
  kind: 'executor',
  noun: 'executor',
  aNoun: 'an executor',
  method: 'run',
  isInstance: (value): value is Executor => hasMethods(value, ['run']),
};

/** A job store or executor given as an instance. */
export interface Instance<T> {
  readonly kind: 'instance';
  readonly key: string;
  readonly value: T;
}

/** A job store or executor given as `{type | class, ...options}`, possibly over several keys. */
export interface Spec {
  readonly kind: 'spec';
  readonly key: string;
  /** Whether the first key naming it was flat, so messages spell option names snake_case. */
  readonly flat: boolean;
  /** `type`, `class` and the options (camelCase), each with the key that set it. */
  readonly entries: Map<string, Leaf>;
}

/** The components by alias: instances as given, specs as requests. */
export function buildComponents<T>(
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
  let type: Leaf | undefined;
  let ctor: Leaf | undefined;
  const options: Record<string, unknown> = {};
  for (const [name, entry] of spec.entries) {
    if (name === 'type') type = entry;
    else if (name === 'class') ctor = entry;
    // defineProperty: an option named __proto__ is an option, not a prototype.
    else
      Object.defineProperty(options, name, {
        value: entry.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  const known = registry.aliases(kind.kind).join(', ');
  const choose =
    `give type, the alias of a registered ${kind.noun} (known types: ${known}), ` +
    `or class, a constructor`;
  if (type !== undefined && ctor !== undefined) {
    throw new ConfigurationError(spec.key, `has both type and class; ${choose}`);
  }
  if (ctor !== undefined) {
    const built: Constructor = parseSetting(CONSTRUCTOR, ctor);
    return request(spec, { ctor: built, options });
  }
  if (type === undefined) {
    throw new ConfigurationError(spec.key, `has neither type nor class; ${choose}`);
  }
  const alias = parseSetting(
    { ...PLUGIN_TYPE, allowed: `${kind.aNoun} type; known types: ${known}` },
    type,
  );
  const plugin =
    kind.kind === 'jobstore'
      ? registry.component('jobstore', alias, spec.key)
      : registry.component('executor', alias, spec.key);
  if (plugin.options === undefined) return request(spec, { type: alias, options });
  const result = plugin.options.safeParse(options, { error: kairosIssueText });
  if (!result.success) {
    throw optionError(kind, alias, spec, options, plugin.options, result.error.issues);
  }
  return request(spec, { type: alias, options: result.data });
}

function request(
  spec: Spec,
  fields: Pick<ComponentRequest, 'type' | 'ctor' | 'options'>,
): ComponentRequest {
  // The spelling functions are not enumerable: a request reads (and compares) as its data.
  const made = Object.freeze(
    Object.defineProperties(
      { key: spec.key, ...fields },
      { keyOf: { value: keyOfIn(spec) }, spell: { value: spellerOf(spec) } },
    ),
  ) as ComponentRequest;
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
  const spell = spellerOf(spec);
  const keyOf = keyOfIn(spec);
  const issue = issues.find((each) => each.code === 'unrecognized_keys') ?? issues[0];
  if (issue === undefined) return new ConfigurationError(spec.key, 'invalid options');
  if (issue.code === 'unrecognized_keys') {
    const unknown = issue.keys[0] ?? '';
    // Found at the top of the options (beside `type`) or inside one of them (`resourceLimits`).
    const [head, ...tail] = issue.path.map(String);
    const names = objectKeysAt(schema, issue.path.map(String));
    const allowed = head === undefined ? ['type', ...(names ?? [])] : (names ?? []);
    const hint =
      names === null
        ? ''
        : didYouMean(unknown, names, spell) + `; allowed keys: ${allowed.map(spell).join(', ')}`;
    return new ConfigurationError(
      head === undefined ? keyOf(unknown) : [keyOf(head), ...tail, spell(unknown)].join('.'),
      `unknown key for ${kind.noun} type '${alias}'${hint}`,
    );
  }
  const [head, ...tail] = issue.path.map(String);
  if (head === undefined) {
    return new ConfigurationError(
      spec.key,
      `not valid for ${kind.noun} type '${alias}': ${issue.message}`,
    );
  }
  const key = [keyOf(head), ...tail].join('.');
  const value = valueAt(options, [head, ...tail]);
  return new ConfigurationError(
    key,
    value === undefined
      ? `missing for ${kind.noun} type '${alias}': ${issue.message}`
      : `${describe(value)} is not valid for ${kind.noun} type '${alias}': ${issue.message}`,
  );
}

/** How a spec's form spells an option name: snake_case for flat keys, else as is. */
function spellerOf(spec: Spec): (name: string) => string {
  return (name) => (spec.flat ? snakeCase(name) : name);
}

/** An option's key as written in a spec, or as its form would write it when it is not given. */
function keyOfIn(spec: Spec): (name: string) => string {
  const spell = spellerOf(spec);
  return (name) => spec.entries.get(name)?.key ?? `${spec.key}.${spell(name)}`;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const name of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = Object.prototype.hasOwnProperty.call(value, name)
      ? (value as Record<string, unknown>)[name]
      : undefined;
  }
  return value;
}
