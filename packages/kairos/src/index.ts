/**
 * kairos: the batteries-included entry point. Everything from @kairos/core and
 * @kairos/triggers, with every built-in alias registered: `memory` and `async` from the core,
 * and `sqlite`, `postgres`, `redis`, `mongodb` and `worker` from their packages, loaded when a
 * scheduler first needs them.
 *
 * @example
 * import { BackgroundScheduler } from 'kairos';
 * const scheduler = new BackgroundScheduler({ 'kairos.timezone': 'UTC' });
 */
import { defaultRegistry } from '@kairos/core';
import { registerOptionalPlugins } from './optional-plugins.js';

registerOptionalPlugins(defaultRegistry);

export * from '@kairos/core';
export * from '@kairos/triggers';
export { OPTIONAL_EXECUTORS, OPTIONAL_JOBSTORES, type PluginPackage } from './optional-plugins.js';
