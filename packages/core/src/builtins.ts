/**
 * The registry every scheduler uses unless given another, holding the core's own plugins: the
 * `memory` job store, the `async` executor and the triggers of @kairos/triggers.
 */
import { z } from 'zod';
import { AsyncExecutor, asyncExecutorOptions } from './executors/async.js';
import { MemoryJobStore } from './jobstores/memory.js';
import { integerFromString } from './options.js';
import { PluginRegistry, registerBuiltinTriggers } from './registry.js';

/** The shared plugin registry; the `kairos` package and third parties add their aliases here. */
export const defaultRegistry = new PluginRegistry();

defaultRegistry
  .registerJobStore('memory', {
    options: z.strictObject({
      maxRuns: z.preprocess(integerFromString, z.number().int().min(0)).optional(),
    }),
    create: (options) => new MemoryJobStore(options),
  })
  .registerExecutor('async', {
    options: asyncExecutorOptions,
    create: (options) => new AsyncExecutor(options),
  });
registerBuiltinTriggers(defaultRegistry);
