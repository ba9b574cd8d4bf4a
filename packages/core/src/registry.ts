/**
 * The plugin registry: maps aliases (`'memory'`, `'async'`, `'cron'`, …) to the job stores,
 * executors and triggers they build. The core registers its own built-ins; the `kairos`
 * package registers the ones in optional packages; third parties register theirs the same way.
 */
import {
  triggerFromSpec,
  TRIGGER_TYPES,
  type Trigger,
  type TriggerOptions,
} from '@kairos/triggers';
import type { z } from 'zod';
import { ConfigurationError } from './errors.js';
import type { Executor, JobStore } from './interfaces.js';

/** The kinds of plugin the registry holds. */
export type PluginKind = 'jobstore' | 'executor' | 'trigger';

/** How to build one job store or executor from its options. */
export interface ComponentPlugin<T> {
  /**
   * Schema of the options (camelCase keys; snake_case keys are converted before parsing).
   * Strings from flat config dictionaries arrive as strings: coerce them here.
   */
  readonly options?: z.ZodType<Record<string, unknown>>;
  /**
   * The npm package the plugin lives in, when it is not built into the package that registers
   * it; named in the error when it is not installed.
   */
  readonly packageName?: string;
  /** Whether the plugin's package can be loaded; checked when a configuration names the alias. */
  isAvailable?(): boolean;
  /**
   * Builds the component (may load its package first).
   * @param key the configuration key that named it (`kairos.executors.cpu`), for error messages
   */
  create(options: Record<string, unknown>, key?: string): T | Promise<T>;
}

/** How to build a trigger from a spec whose `type` is the alias. */
export type TriggerPlugin = (
  spec: { type: string } & Record<string, unknown>,
  options: TriggerOptions,
) => Trigger;

/** Aliases → plugins, one table per kind. */
export class PluginRegistry {
  readonly #jobstores = new Map<string, ComponentPlugin<JobStore>>();
  readonly #executors = new Map<string, ComponentPlugin<Executor>>();
  readonly #triggers = new Map<string, TriggerPlugin>();

  /** Registers (or replaces) a job store alias. */
  registerJobStore(alias: string, plugin: ComponentPlugin<JobStore>): this {
    this.#jobstores.set(alias, plugin);
    return this;
  }

  /** Registers (or replaces) an executor alias. */
  registerExecutor(alias: string, plugin: ComponentPlugin<Executor>): this {
    this.#executors.set(alias, plugin);
    return this;
  }

  /** Registers (or replaces) a trigger alias. */
  registerTrigger(alias: string, plugin: TriggerPlugin): this {
    this.#triggers.set(alias, plugin);
    return this;
  }

  /** The registered aliases of a kind. */
  aliases(kind: PluginKind): string[] {
    return [...this.#table(kind).keys()];
  }

  /**
   * The plugin behind a job store or executor alias.
   * @param key the configuration key that named it, for the error message
   * @throws ConfigurationError when the alias is unknown or its package is not installed
   */
  component(kind: 'jobstore', alias: string, key: string): ComponentPlugin<JobStore>;
  component(kind: 'executor', alias: string, key: string): ComponentPlugin<Executor>;
  component(
    kind: 'jobstore' | 'executor',
    alias: string,
    key: string,
  ): ComponentPlugin<JobStore> | ComponentPlugin<Executor> {
    const plugin = kind === 'jobstore' ? this.#jobstores.get(alias) : this.#executors.get(alias);
    if (plugin === undefined) {
      const noun = kind === 'jobstore' ? 'job store' : 'executor';
      throw new ConfigurationError(
        key,
        `'${alias}' is not a known ${noun} type; ` +
          (this.aliases(kind).length === 0
            ? 'none is registered. '
            : `known types: ${this.aliases(kind).join(', ')}. `) +
          `${kind === 'jobstore' ? 'A' : 'An'} ${noun} from another package must be registered ` +
          `first (the 'kairos' package registers every built-in one).`,
      );
    }
    if (plugin.isAvailable !== undefined && !plugin.isAvailable()) {
      const name = plugin.packageName ?? 'the package that provides it';
      throw new ConfigurationError(
        key,
        `type '${alias}' needs ${name}, which is not installed; install it with ` +
          `'npm install ${name}'`,
      );
    }
    return plugin;
  }

  /** Builds a trigger from a spec by its `type`. */
  trigger(spec: { type: string } & Record<string, unknown>, options: TriggerOptions): Trigger {
    const plugin = this.#triggers.get(spec.type);
    // Unknown types go to triggerFromSpec, whose error lists the built-in types.
    return plugin === undefined ? triggerFromSpec(spec, options) : plugin(spec, options);
  }

  #table(kind: PluginKind): Map<string, unknown> {
    if (kind === 'jobstore') return this.#jobstores;
    if (kind === 'executor') return this.#executors;
    return this.#triggers;
  }
}

/** Registers the triggers of @kairos/triggers under their spec types. */
export function registerBuiltinTriggers(registry: PluginRegistry): void {
  for (const type of TRIGGER_TYPES) registry.registerTrigger(type, triggerFromSpec);
}
