/** The scheduler: its public class and the types of its options. */
export { BaseScheduler } from './base.js';
export type { AddJobsEntry, SchedulerSetup, ShutdownOptions, StartOptions } from './options.js';
export type { ImportJobsOptions, PrintJobsOptions } from './transfer.js';
