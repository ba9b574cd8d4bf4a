/**
 * The built-in plugins that live in their own packages, registered under their aliases so a
 * configuration can name them. Each package is loaded only when a scheduler builds the
 * component; an alias whose package is missing fails at configure() naming the package.
 */
import {
  ConfigurationError,
  parseOptions,
  type ComponentPlugin,
  type Executor,
  type JobStore,
  type PluginRegistry,
} from '@kairos/core';

/**
 * What a plugin package exports as `kairosPlugin`: its job store and executor plugins by alias.
 */
export interface PluginPackage {
  /** Its job store plugins, by the alias configurations name them with. */
  readonly jobstores?: Readonly<Record<string, ComponentPlugin<JobStore>>>;
  /** Its executor plugins, by the alias configurations name them with. */
  readonly executors?: Readonly<Record<string, ComponentPlugin<Executor>>>;
}

/** Alias → package of the built-in job stores kept in their own packages. */
export const OPTIONAL_JOBSTORES: Readonly<Record<string, string>> = {
  sqlite: '@kairos/store-sqlite',
  postgres: '@kairos/store-postgres',
  redis: '@kairos/store-redis',
  mongodb: '@kairos/store-mongodb',
};

/** Alias → package of the built-in executors kept in their own packages. */
export const OPTIONAL_EXECUTORS: Readonly<Record<string, string>> = {
  worker: '@kairos/executor-worker',
};

/** Whether a package can be imported from here (resolved, not loaded). */
export function isInstalled(packageName: string): boolean {
  try {
    import.meta.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

/** Loads a plugin package and finds the plugin registered under `alias` in it. */
async function loadPlugin<T>(
  packageName: string,
  kind: 'jobstores' | 'executors',
  alias: string,
): Promise<ComponentPlugin<T>> {
  const loaded = (await import(packageName)) as { kairosPlugin?: PluginPackage };
  const plugin = loaded.kairosPlugin?.[kind]?.[alias] as ComponentPlugin<T> | undefined;
  if (plugin === undefined) {
    throw new ConfigurationError(
      `${kind === 'jobstores' ? 'job store' : 'executor'} type '${alias}'`,
      `${packageName} does not export a '${alias}' plugin in kairosPlugin.${kind}; its ` +
        `version may not match this version of kairos: install the versions of kairos and ` +
        `${packageName} that were released together`,
    );
  }
  return plugin;
}

/** A registry entry that loads its package when the component is built. */
function lazy<T>(
  packageName: string,
  kind: 'jobstores' | 'executors',
  alias: string,
): ComponentPlugin<T> {
  return {
    packageName,
    isAvailable: () => isInstalled(packageName),
    async create(options, key) {
      const plugin = await loadPlugin<T>(packageName, kind, alias);
      // The package's own schema checks the options once it is loaded.
      const parsed =
        plugin.options === undefined
          ? options
          : parseOptions(plugin.options, options, key ?? alias);
      return plugin.create(parsed, key);
    },
  };
}

/** Registers every optional built-in alias in `registry`. */
export function registerOptionalPlugins(registry: PluginRegistry): void {
  for (const [alias, packageName] of Object.entries(OPTIONAL_JOBSTORES)) {
    registry.registerJobStore(alias, lazy<JobStore>(packageName, 'jobstores', alias));
  }
  for (const [alias, packageName] of Object.entries(OPTIONAL_EXECUTORS)) {
    registry.registerExecutor(alias, lazy<Executor>(packageName, 'executors', alias));
  }
}
