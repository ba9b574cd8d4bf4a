/**
 * @kairos/core: APScheduler's scheduler for TypeScript. A scheduler binds job stores,
 * executors and triggers, runs jobs at the right times with misfire grace, coalescing and max
 * instances, and reports what happens as events.
 */
export { BackgroundScheduler } from './background.js';
export { BlockingScheduler } from './blocking.js';
export { defaultRegistry } from './builtins.js';
export { FakeClock, MAX_TIMER_MS, systemClock } from './clock.js';
export type { ComponentRequest, ParsedConfig, SchedulerConfig } from './config/index.js';
export {
  ComponentLookupError,
  ConfigurationError,
  ConflictingIdError,
  ExecutorNotStartedError,
  ExecutorQueueFullError,
  JobLookupError,
  JobOptionError,
  JobStoreError,
  JobTimeoutError,
  MaxInstancesReachedError,
  RunCancelledError,
  SchedulerAlreadyRunningError,
  SchedulerNotRunningError,
  SchemaVersionError,
  SerializationError,
  StoreNotStartedError,
  TaskLookupError,
} from './errors.js';
export * from './events.js';
export { AsyncExecutor, type AsyncExecutorOptions } from './executors/async.js';
export type * from './interfaces.js';
export { Job, UnrestorableJob, type JobFields, type ListedJob } from './job.js';
export { currentJob, runInJobContext, type JobContext } from './job-context.js';
export { consoleLogger, silentLogger, type LogLevel } from './logger.js';
export type { Run, RunError, RunOutcome, RunState } from './runs/run.js';
export { MemoryJobStore } from './jobstores/memory.js';
export { UnrestorableJobs } from './jobstores/unrestorable.js';
export { decodeWakeup, encodeWakeup, type Wakeup } from './jobstores/wakeups.js';
export {
  booleanLike,
  nonNegativeInteger,
  parseOptions,
  positiveInteger,
  positiveNumber,
  seconds,
} from './options.js';
export {
  PluginRegistry,
  registerBuiltinTriggers,
  type ComponentPlugin,
  type PluginKind,
  type TriggerPlugin,
} from './registry.js';
export {
  BaseScheduler,
  type PrintJobsOptions,
  type SchedulerSetup,
  type ShutdownOptions,
  type StartOptions,
} from './scheduler.js';
export {
  decodeArgs,
  encodeArgs,
  restoreJobFields,
  serializeJob,
  type JobsExport,
} from './serialize.js';
export { sameSchedule } from './same-schedule.js';
export { isModuleReference } from './tasks.js';
