/**
 * The plugin registry end to end: aliases a third party registers are usable from a scheduler's
 * configuration (job stores, executors) and from trigger specs given to `addJob`.
 */
import { IntervalTrigger } from '@kairos/triggers';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  AsyncExecutor,
  BackgroundScheduler,
  ConfigurationError,
  FakeClock,
  MemoryJobStore,
  PluginRegistry,
  parseOptions,
  registerBuiltinTriggers,
  positiveInteger,
} from '../src/index.js';

/** A job store a third party might ship: the memory store with a label. */
class LabelledStore extends MemoryJobStore {
  constructor(readonly label: string) {
    super();
  }
}

function registry(): { registry: PluginRegistry; stores: LabelledStore[] } {
  const stores: LabelledStore[] = [];
  const plugins = new PluginRegistry()
    .registerJobStore('labelled', {
      options: z.strictObject({ label: z.string() }),
      create: (options) => {
        const store = new LabelledStore(String(options.label));
        stores.push(store);
        return store;
      },
    })
    .registerExecutor('pool', {
      options: z.strictObject({ size: positiveInteger }),
      create: (options) => new AsyncExecutor({ maxWorkers: Number(options.size) }),
    })
    .registerTrigger('every-minute', (spec, options) => {
      const { type: _type, ...rest } = spec;
      if (Object.keys(rest).length > 0) throw new Error('every-minute takes no fields');
      return new IntervalTrigger({ minutes: 1 }, options);
    });
  registerBuiltinTriggers(plugins);
  return { registry: plugins, stores };
}

describe('a registry with third-party plugins', () => {
  it('builds the configured store and executor and runs jobs with the custom trigger', async () => {
    const { registry: plugins, stores } = registry();
    const clock = new FakeClock('2030-01-01T00:00:00Z');
    const scheduler = new BackgroundScheduler(
      {
        clock,
        timezone: 'UTC',
        'kairos.jobstores.default': { type: 'labelled', label: 'main' },
        'kairos.executors.default': { type: 'pool', size: '2' },
      },
      { registry: plugins },
    );
    const runs: string[] = [];
    await scheduler.addJob(() => runs.push(new Date(clock.now()).toISOString()), {
      type: 'every-minute',
    });
    await scheduler.addJob(() => runs.push('cron'), { type: 'cron', minute: 2 });
    await scheduler.start();
    expect(stores.map((store) => store.label)).toEqual(['main']);
    expect(stores[0]?.size).toBe(2);
    await clock.advance(120_000);
    // At 00:02 both are due; the cron job got that run time first, so it runs first.
    expect(runs).toEqual(['2030-01-01T00:01:00.000Z', 'cron', '2030-01-01T00:02:00.000Z']);
    await scheduler.shutdown();
  });

  it('an unknown key inside a nested option lists the keys of that option', () => {
    const nested = z.strictObject({
      size: positiveInteger.optional(),
      limits: z.strictObject({ stackSizeMb: positiveInteger.optional() }).optional(),
    });
    const plugins = new PluginRegistry().registerExecutor('nested', {
      options: nested,
      create: () => new AsyncExecutor(),
    });
    registerBuiltinTriggers(plugins);
    // Checked by the scheduler's configuration (the plugin has a schema)…
    expect(
      () =>
        new BackgroundScheduler(
          { executors: { cpu: { type: 'nested', limits: { stackSizeMB: 1 } } } },
          { registry: plugins },
        ),
    ).toThrow(
      "executors.cpu.limits.stackSizeMB: unknown key for executor type 'nested' (did you mean stackSizeMb?); allowed keys: stackSizeMb",
    );
    // …and by parseOptions, as a lazily loaded plugin's options are.
    expect(() => parseOptions(nested, { limits: { stackSizeMB: 1 } }, 'WorkerExecutor')).toThrow(
      'WorkerExecutor.limits.stackSizeMB: unknown key (did you mean stackSizeMb?); allowed keys: stackSizeMb',
    );
  });

  it("names the key as written when a plugin's create() refuses an option", async () => {
    // A plugin that checks its options only when it builds (as the lazily loaded store
    // packages do), naming the option camelCase under the key it is given.
    const plugins = new PluginRegistry().registerJobStore('checked-late', {
      create: (options, key) => {
        if (options.poolSize !== 1)
          throw new ConfigurationError(
            `${key}.poolSize`,
            `${String(options.poolSize)} is not 1 (did you mean poolSize?); allowed keys: poolSize, tableName`,
          );
        return new MemoryJobStore();
      },
    });
    registerBuiltinTriggers(plugins);
    const refusal = async (config: Record<string, unknown>): Promise<unknown> =>
      new BackgroundScheduler({ logger: false, ...config }, { registry: plugins }).start().then(
        () => new Error('started'),
        (error: unknown) => error,
      );
    const flat = await refusal({
      'kairos.jobstores.default.type': 'checked-late',
      'kairos.jobstores.default.pool_size': '2',
    });
    expect(flat).toBeInstanceOf(ConfigurationError);
    expect((flat as ConfigurationError).key).toBe('kairos.jobstores.default.pool_size');
    expect((flat as Error).message).toBe(
      'kairos.jobstores.default.pool_size: 2 is not 1 (did you mean pool_size?); allowed keys: pool_size, table_name',
    );
    const nested = await refusal({ jobstores: { default: { type: 'checked-late', poolSize: 2 } } });
    expect((nested as Error).message).toBe(
      'jobstores.default.poolSize: 2 is not 1 (did you mean poolSize?); allowed keys: poolSize, tableName',
    );
    // A constructor's error names the option under its class: re-keyed the same way.
    plugins.registerJobStore('by-class', {
      create: () => {
        throw new ConfigurationError('ClassStore.poolSize', 'is more than maxPool');
      },
    });
    const byClass = await refusal({
      'kairos.jobstores.default.type': 'by-class',
      'kairos.jobstores.default.pool_size': '2',
    });
    expect((byClass as Error).message).toBe(
      'kairos.jobstores.default.pool_size: is more than maxPool',
    );
  });

  it('checks plugin options at configure(), naming the key', () => {
    const { registry: plugins } = registry();
    expect(
      () =>
        new BackgroundScheduler(
          { 'kairos.executors.default': { type: 'pool', size: '0' } },
          { registry: plugins },
        ),
    ).toThrow(ConfigurationError);
    expect(
      () =>
        new BackgroundScheduler(
          { 'kairos.jobstores.default': { type: 'labelled', colour: 'red' } },
          { registry: plugins },
        ),
    ).toThrow(/kairos\.jobstores\.default\.colour/);
  });

  it('does not know the aliases of the shared registry', () => {
    const { registry: plugins } = registry();
    expect(
      () =>
        new BackgroundScheduler(
          { 'kairos.jobstores.default': { type: 'memory' } },
          { registry: plugins },
        ),
    ).toThrow(`'memory' is not a known job store type; known types: labelled.`);
  });
});
