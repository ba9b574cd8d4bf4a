import { describe, expect, it } from 'vitest';
import {
  BackgroundScheduler,
  ConfigurationError,
  CronTrigger,
  OPTIONAL_EXECUTORS,
  OPTIONAL_JOBSTORES,
  defaultRegistry,
} from '../src/index.js';

describe('kairos', () => {
  it('re-exports the core and the triggers', () => {
    expect(typeof BackgroundScheduler).toBe('function');
    expect(typeof CronTrigger).toBe('function');
  });

  it('registers every built-in alias', () => {
    expect(defaultRegistry.aliases('jobstore').sort()).toEqual(
      ['memory', ...Object.keys(OPTIONAL_JOBSTORES)].sort(),
    );
    expect(defaultRegistry.aliases('executor').sort()).toEqual(
      ['async', ...Object.keys(OPTIONAL_EXECUTORS)].sort(),
    );
  });

  // Options that build a store without reaching a server (stores connect at start()).
  const offline: Record<string, Record<string, unknown>> = {
    sqlite: { path: ':memory:' },
    postgres: { connectionString: 'postgres://nobody@127.0.0.1:1/none' },
    redis: { url: 'redis://127.0.0.1:1/0' },
    mongodb: { url: 'mongodb://127.0.0.1:1' },
  };

  it.each(Object.entries(OPTIONAL_JOBSTORES))(
    'builds the %s job store from its package, %s, when it is installed',
    async (alias, packageName) => {
      const loaded = (await import(packageName)) as Record<string, unknown>;
      const storeClass = Object.values(loaded).find(
        (value) => typeof value === 'function' && /JobStore$/.test(value.name),
      ) as (new (...args: never[]) => unknown) | undefined;
      const plugin = defaultRegistry.component('jobstore', alias, `jobstores.${alias}`);
      expect(plugin.isAvailable?.()).toBe(true);
      expect(await plugin.create(offline[alias] ?? {})).toBeInstanceOf(storeClass);
    },
  );

  it('checks the options of a lazily loaded store with the schema of its package', async () => {
    const plugin = defaultRegistry.component('jobstore', 'sqlite', 'jobstores.default');
    const failure = await Promise.resolve(plugin.create({ tableName: 'jobs; DROP TABLE x' })).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect(String(failure)).toMatch(/tableName/);
  });

  it('a configuration naming the worker executor without its package says what to install', () => {
    expect(() => new BackgroundScheduler({ executors: { cpu: { type: 'worker' } } })).toThrow(
      `needs @kairos/executor-worker, which is not installed`,
    );
  });
});
