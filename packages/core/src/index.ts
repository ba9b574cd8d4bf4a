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
  CommandFailedError,
  CommandNotAllowedError,
  CommandTimeoutError,
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
  UnrestorableJobError,
} from './errors.js';
export * from './events.js';
export { AsyncExecutor, type AsyncExecutorOptions } from './executors/async.js';
export type * from './interfaces.js';
export type * from './ledger.js';
export { Job, UnrestorableJob, type JobFields, type ListedJob } from './job.js';
export { currentJob, runInJobContext, type JobContext } from './job-context.js';
export { consoleLogger, silentLogger, type LogLevel } from './logger.js';
export { RecordingLogger, type LogEntry } from './recording-logger.js';
export {
  RUN_OUTCOMES,
  type Run,
  type RunError,
  type RunOutcome,
  type RunState,
} from './runs/run.js';
export { describeError, summarizeResult } from './runs/summary.js';
export type { RunObserver, StartRun } from './runs/observers.js';
export type { GetRunsOptions, NodeInfo, RunsPage, RunTimeInput } from './scheduler/history.js';
export {
  checkCommandTask,
  commandText,
  isCommandTask,
  type ArgvCommandTask,
  type CommandOptions,
  type CommandTask,
  type ShellCommandTask,
} from './commands/command-task.js';
export { runCommand, type CommandResult, type CommandRunOptions } from './commands/run-command.js';
export { MemoryJobStore, type MemoryJobStoreOptions } from './jobstores/memory.js';
// The store toolkit: what every persistent job store shares (see docs/stores.md).
export {
  planClaims,
  type ClaimPlan,
  type ClaimPlanning,
  type PlannedClaim,
} from './jobstores/claims.js';
export {
  compareRuns,
  decodeRunCursor,
  decodeRunRow,
  DEFAULT_RETENTION,
  encodeRunCursor,
  encodeRunRow,
  endedRow,
  NO_HISTORY,
  rowsToTrim,
  runMatches,
} from './jobstores/run-rows.js';
export { redactUrl } from './jobstores/redact-url.js';
export { checkSchemaVersion, type SchemaVersionCheck } from './jobstores/schema-version.js';
export {
  earliestRunTime,
  storedBatch,
  storedJob,
  type JobToStore,
  type StoredJob,
} from './jobstores/stored-job.js';
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
  type AddJobsEntry,
  type ImportJobsOptions,
  type PrintJobsOptions,
  type SchedulerSetup,
  type ShutdownOptions,
  type StartOptions,
} from './scheduler/index.js';
export { addJobsEntryOf } from './scheduler/entries.js';
export {
  decodeArgs,
  encodeArgs,
  restoreJobFields,
  serializeJob,
  type JobsExport,
} from './serialize.js';
export { sameSchedule } from './same-schedule.js';
export { importableSpecifier, isModuleReference } from './tasks.js';
