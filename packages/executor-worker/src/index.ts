/**
 * @kairos/executor-worker: the Kairos executor on a piscina pool of worker threads, for
 * CPU-bound jobs. Tasks are module references; a run past its timeout has its thread
 * terminated, and a thread that dies fails only its own run. A `setup` module prepares each
 * thread, and `captureContext` carries the caller's context (a trace's) into the runs.
 */
export { RunCancelledBeforeStartError, WorkerCrashedError } from './errors.js';
export type { CaptureContext, ContextCarrier, RunInContext } from './interfaces.js';
export {
  workerExecutorOptions,
  type WorkerExecutorOptions,
  type WorkerResourceLimits,
} from './options.js';
export { kairosPlugin } from './plugin.js';
export { WorkerExecutor } from './worker-executor.js';
