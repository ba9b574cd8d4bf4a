/**
 * The `worker` executor alias, as the `kairos` package loads it from this package's
 * `kairosPlugin` export when a configuration names `{type: 'worker'}`.
 */
import type { ComponentPlugin, Executor } from '@kairos/core';
import { workerExecutorOptions } from './options.js';
import { WorkerExecutor } from './worker-executor.js';

/** This package's plugins: the executor alias `worker`. */
export const kairosPlugin: {
  readonly executors: { readonly worker: ComponentPlugin<Executor> };
} = {
  executors: {
    worker: {
      options: workerExecutorOptions,
      // The constructor parses the options again: the plugin may be called with unparsed ones.
      create: (options) => new WorkerExecutor(options),
    },
  },
};
