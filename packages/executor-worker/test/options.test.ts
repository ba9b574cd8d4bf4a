/**
 * The executor's options: defaults, string coercion (configuration dictionaries), errors naming
 * the option and the value, and the ways a configuration builds the executor: `{class:
 * WorkerExecutor, ...}` and the `worker` alias of `kairosPlugin`.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BackgroundScheduler,
  ConfigurationError,
  EVENT_JOB_EXECUTED,
  PluginRegistry,
  type Executor,
} from '@kairos/core';
import { waitFor } from '@kairos/testkit';
import { WorkerExecutor, kairosPlugin, workerExecutorOptions } from '../dist/index.js';
import { makeScheduler, runOnce, stopSchedulers, task } from './helpers.js';

afterEach(stopSchedulers);

/** The ConfigurationError a constructor call throws. */
function configurationError(options: Record<string, unknown>): ConfigurationError {
  try {
    new WorkerExecutor(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`new WorkerExecutor(${JSON.stringify(options)}) did not throw`);
}

describe('WorkerExecutor options', () => {
  it('default to a thread per core, none kept idle, 60 s idle time, 1 s abort grace, no queue limit', () => {
    const executor = new WorkerExecutor();
    expect(executor).toMatchObject({
      maxWorkers: availableParallelism(),
      minWorkers: 0,
      idleTimeout: 60,
      abortGrace: 1,
      resourceLimits: undefined,
      maxQueue: Infinity,
    });
  });

  it('take numbers, and strings as configuration dictionaries give them', () => {
    expect(
      new WorkerExecutor({ maxWorkers: 3, minWorkers: 1, idleTimeout: 0.5, maxQueue: 0 }),
    ).toMatchObject({ maxWorkers: 3, minWorkers: 1, idleTimeout: 0.5, maxQueue: 0 });
    const coerced = new WorkerExecutor({
      maxWorkers: '4',
      minWorkers: '2',
      idleTimeout: '1.5',
      abortGrace: '0.25',
      maxQueue: '10',
      resourceLimits: { maxOldGenerationSizeMb: '64', stackSizeMb: '8' },
    } as unknown as ConstructorParameters<typeof WorkerExecutor>[0]);
    expect(coerced).toMatchObject({
      maxWorkers: 4,
      minWorkers: 2,
      idleTimeout: 1.5,
      abortGrace: 0.25,
      maxQueue: 10,
      resourceLimits: { maxOldGenerationSizeMb: 64, stackSizeMb: 8 },
    });
  });

  it.each([
    [{ maxWorkers: 0 }, 'WorkerExecutor.maxWorkers', '0 is not an integer ≥ 1'],
    [{ maxWorkers: 'many' }, 'WorkerExecutor.maxWorkers', 'many'],
    [{ maxWorkers: 1.5 }, 'WorkerExecutor.maxWorkers', '1.5 is not an integer ≥ 1'],
    [{ minWorkers: -1 }, 'WorkerExecutor.minWorkers', '-1 is not an integer ≥ 0'],
    [{ idleTimeout: -2 }, 'WorkerExecutor.idleTimeout', '-2 is not a number of seconds ≥ 0'],
    [{ abortGrace: 'soon' }, 'WorkerExecutor.abortGrace', "'soon' is not a number of seconds ≥ 0"],
    [{ maxQueue: 'lots' }, 'WorkerExecutor.maxQueue', 'lots'],
    [
      { resourceLimits: { maxOldGenerationSizeMb: 0 } },
      'WorkerExecutor.resourceLimits.maxOldGenerationSizeMb',
      '0',
    ],
    [
      { setup: 42 },
      'WorkerExecutor.setup',
      "42 is not a module; give a path ('./worker-setup.js'), a file URL or a package name",
    ],
    [{ setup: '  ' }, 'WorkerExecutor.setup', "'  ' is not a module"],
    [
      { setup: './setup.js', captureContext: 'traceparent' },
      'WorkerExecutor.captureContext',
      "'traceparent' is not a function; give a function that returns the carrier of the " +
        "current context, such as captureContext from '@kairos/otel/worker'",
    ],
  ])('refuse %j with a ConfigurationError naming %s and the value', (options, key, text) => {
    const error = configurationError(options);
    expect(error.key).toBe(key);
    expect(error.message.startsWith(`${key}: `)).toBe(true);
    expect(error.message).toContain(text);
  });

  it('refuse minWorkers above maxWorkers', () => {
    const error = configurationError({ maxWorkers: 2, minWorkers: 3 });
    expect(error.key).toBe('WorkerExecutor.minWorkers');
    expect(error.message).toBe(
      'WorkerExecutor.minWorkers: 3 is more than maxWorkers (2); lower minWorkers or raise maxWorkers',
    );
    // Against the default too (one thread per core).
    expect(configurationError({ minWorkers: availableParallelism() + 1 }).key).toBe(
      'WorkerExecutor.minWorkers',
    );
    expect(new WorkerExecutor({ maxWorkers: 2, minWorkers: 2 }).minWorkers).toBe(2);
  });

  it('refuse captureContext without setup: nothing in the threads would take its carrier', () => {
    const error = configurationError({ captureContext: () => undefined });
    expect(error.key).toBe('WorkerExecutor.captureContext');
    expect(error.message).toBe(
      'WorkerExecutor.captureContext: is set without setup: give setup a module whose ' +
        "runInContext export takes the carrier in each thread, e.g. setup: './worker-setup.js'",
    );
  });

  it('take setup as a path (from the working directory), a file URL or a package name', () => {
    const setupOf = (setup: string | URL): string | undefined =>
      new WorkerExecutor({ setup }).setup;
    expect(setupOf('./otel/setup.mjs')).toBe(pathToFileURL(resolve('otel/setup.mjs')).href);
    expect(setupOf('/srv/app/setup.mjs')).toBe(pathToFileURL('/srv/app/setup.mjs').href);
    expect(setupOf(new URL('file:///srv/app/setup.mjs'))).toBe('file:///srv/app/setup.mjs');
    expect(setupOf('file:///srv/app/setup.mjs')).toBe('file:///srv/app/setup.mjs');
    expect(setupOf('@acme/worker-setup')).toBe('@acme/worker-setup');
    const captureContext = (): undefined => undefined;
    expect(new WorkerExecutor({ setup: './setup.mjs', captureContext })).toMatchObject({
      captureContext,
    });
    expect(new WorkerExecutor()).toMatchObject({ setup: undefined, captureContext: undefined });
  });

  it('refuse an unknown option, listing the known ones', () => {
    const error = configurationError({ maxThreads: 2 });
    expect(error.key).toBe('WorkerExecutor.maxThreads');
    expect(error.message).toContain('unknown key');
    expect(error.message).toContain('maxWorkers');
    expect(configurationError({ resourceLimits: { heapMb: 1 } }).key).toBe(
      'WorkerExecutor.resourceLimits.heapMb',
    );
  });
});

describe('configuration', () => {
  it('builds the executor from {class: WorkerExecutor, maxWorkers: "2"}', async () => {
    const built: WorkerExecutor[] = [];
    class SpiedWorkerExecutor extends WorkerExecutor {
      constructor(options: Record<string, unknown>) {
        super(options);
        built.push(this);
      }
    }
    const harness = makeScheduler(
      {},
      { executors: { cpu: { class: SpiedWorkerExecutor, maxWorkers: '2', idle_timeout: '5' } } },
    );
    await harness.scheduler.start();
    expect(built).toHaveLength(1);
    expect(built[0]).toMatchObject({ maxWorkers: 2, idleTimeout: 5 });
    const job = await harness.scheduler.addJob(task('add'), null, {
      executor: 'cpu',
      args: [2, 5],
    });
    const event = await harness.outcome(job.id);
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    expect(event.retval).toBe(7);
  });

  it('reports a bad option given with class when the executor is built', async () => {
    const scheduler = new BackgroundScheduler({
      executors: { cpu: { class: WorkerExecutor, maxWorkers: 'two' } },
    });
    await expect(scheduler.start()).rejects.toThrow(ConfigurationError);
    await expect(scheduler.start()).rejects.toThrow(/WorkerExecutor\.maxWorkers.*two/);
  });

  it('builds the executor through kairosPlugin.executors.worker, flat keys and strings included', async () => {
    const built: Executor[] = [];
    const plugin = kairosPlugin.executors.worker;
    const registry = new PluginRegistry().registerExecutor('worker', {
      ...plugin,
      create: async (options) => {
        const executor = await plugin.create(options);
        built.push(executor);
        return executor;
      },
    });
    const scheduler = new BackgroundScheduler(
      {
        'kairos.timezone': 'UTC',
        'kairos.executors.cpu.type': 'worker',
        'kairos.executors.cpu.max_workers': '2',
        'kairos.executors.cpu.max_queue': '5',
        'kairos.executors.cpu.setup': './test/fixtures/setup.mjs',
      },
      { registry },
    );
    await scheduler.start();
    try {
      expect(built).toHaveLength(1);
      expect(built[0]).toBeInstanceOf(WorkerExecutor);
      expect(built[0]).toMatchObject({
        maxWorkers: 2,
        maxQueue: 5,
        setup: pathToFileURL(resolve('test/fixtures/setup.mjs')).href,
      });
      const events: unknown[] = [];
      scheduler.on('job_executed', (event) => {
        events.push(event.retval);
      });
      await scheduler.addJob(task('add'), null, { executor: 'cpu', args: [20, 1] });
      expect(await waitFor(() => events.length > 0, 15_000)).toBe(true);
      expect(events).toEqual([21]);
    } finally {
      await scheduler.shutdown({ wait: false });
    }
  });

  it('checks jobs with an executor built by alias before start', async () => {
    const built: Executor[] = [];
    const plugin = kairosPlugin.executors.worker;
    const registry = new PluginRegistry().registerExecutor('worker', {
      ...plugin,
      create: async (options) => {
        const executor = await plugin.create(options);
        built.push(executor);
        return executor;
      },
    });
    const scheduler = new BackgroundScheduler(
      { 'kairos.executors.cpu': { type: 'worker', maxWorkers: '4' } },
      { registry },
    );
    await expect(scheduler.addJob(() => 1, null, { executor: 'cpu' })).rejects.toThrow(
      /runs on executor 'cpu', in a worker thread/,
    );
    expect(built).toHaveLength(1);
    expect(built[0]).toMatchObject({ maxWorkers: 4 });
  });

  it('refuses bad options by alias, naming the configuration key as written', () => {
    const registry = new PluginRegistry().registerExecutor('worker', kairosPlugin.executors.worker);
    expect(
      () =>
        new BackgroundScheduler(
          { 'kairos.executors.cpu.type': 'worker', 'kairos.executors.cpu.max_workers': 'lots' },
          { registry },
        ),
    ).toThrow(/^kairos\.executors\.cpu\.max_workers: .*lots/);
    expect(
      () =>
        new BackgroundScheduler(
          { executors: { cpu: { type: 'worker', maxWorkers: 2, threads: 4 } } },
          { registry },
        ),
    ).toThrow(/executors\.cpu\.threads: unknown key for executor type 'worker'/);
  });

  it('exports the schema the plugin validates with', () => {
    expect(kairosPlugin.executors.worker.options).toBe(workerExecutorOptions);
    expect(workerExecutorOptions.parse({ maxWorkers: '3' })).toEqual({ maxWorkers: 3 });
  });

  it('runs side by side with the async executor', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const onWorker = await runOnce(harness, task('threadInfo'));
    const job = await harness.scheduler.addJob(() => 'in the main thread', null, {
      executor: 'default',
    });
    expect((await harness.outcome(job.id)).retval).toBe('in the main thread');
    expect((onWorker.retval as { threadId: number }).threadId).not.toBe(threadId);
  });
});
