import { fileURLToPath } from 'node:url';
import { WorkerExecutor } from '@kairos/executor-worker';
import { describe, expect, it } from 'vitest';
import {
  BackgroundScheduler,
  ConfigurationError,
  CronTrigger,
  OPTIONAL_EXECUTORS,
  OPTIONAL_JOBSTORES,
  defaultRegistry,
  type JobExecutionEvent,
} from '../src/index.js';

/** A task module for worker threads, by absolute path (resolved the same from any directory). */
const CPU_TASK = fileURLToPath(new URL('./fixtures/cpu-task.mjs', import.meta.url));

/** How long a real thread may take to start and run a task; the CI machine is shared. */
const THREAD_RUN_MS = 15_000;

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
});

describe('the worker executor, loaded from @kairos/executor-worker', () => {
  it('builds a WorkerExecutor from {type: worker} through the package schema, strings coerced', async () => {
    const plugin = defaultRegistry.component('executor', 'worker', 'executors.cpu');
    expect(plugin.isAvailable?.()).toBe(true);
    const executor = await plugin.create({ maxWorkers: '2', idleTimeout: '5' });
    expect(executor).toBeInstanceOf(WorkerExecutor);
    expect([
      (executor as WorkerExecutor).maxWorkers,
      (executor as WorkerExecutor).idleTimeout,
    ]).toEqual([2, 5]);
  });

  it('rejects a bad option of a flat configuration, naming its key, when it builds the executor', async () => {
    const scheduler = new BackgroundScheduler({
      'kairos.executors.cpu.type': 'worker',
      'kairos.executors.cpu.maxWorkers': 0,
    });
    const failure = await scheduler.start().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as ConfigurationError).key).toBe('kairos.executors.cpu.maxWorkers');
    expect((failure as ConfigurationError).message).toBe(
      'kairos.executors.cpu.maxWorkers: 0 is not an integer ≥ 1',
    );
    expect(scheduler.state).toBe('stopped');
  });

  it(
    'runs a module-reference task in a real worker thread, end to end',
    async () => {
      const scheduler = new BackgroundScheduler({
        'kairos.executors.cpu': { type: 'worker', max_workers: '2' },
      });
      const outcome = new Promise<JobExecutionEvent>((resolve) => {
        scheduler.on('job_executed', resolve);
        scheduler.on('job_error', resolve);
      });
      await scheduler.start();
      try {
        await scheduler.addJob(`${CPU_TASK}#sumOfSquares`, null, {
          id: 'squares',
          executor: 'cpu',
          args: [1000],
        });
        const event = await outcome;
        expect(event.exception).toBeUndefined();
        expect(event.retval).toEqual({ sum: 333_833_500, inWorkerThread: true, jobId: 'squares' });
        // A function cannot go to a thread: refused at addJob, naming the executor.
        await expect(scheduler.addJob(() => 1, null, { executor: 'cpu' })).rejects.toThrow(
          /runs on executor 'cpu', in a worker thread: a function cannot be sent to another thread/,
        );
      } finally {
        await scheduler.shutdown();
      }
    },
    THREAD_RUN_MS,
  );
});
