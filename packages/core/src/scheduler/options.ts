/** The options of the scheduler's constructor, lifecycle and `addJobs`. */
import type { AddJobOptions, Task, TriggerInput } from '../interfaces.js';
import type { PluginRegistry } from '../registry.js';

/** Options of `start()`. */
export interface StartOptions {
  /** Start with job processing paused; `resume()` starts it. Default false. */
  paused?: boolean;
}

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** Wait for running jobs to finish. Default true. */
  wait?: boolean;
}

/** Options of the scheduler constructor besides its configuration. */
export interface SchedulerSetup {
  /** The plugin registry aliases are looked up in. Default: the shared registry. */
  registry?: PluginRegistry;
}

/**
 * One job of an `addJobs` call: what `addJob(task, trigger, options)` takes, in one object.
 *
 * @example
 * { task: 'report', trigger: { type: 'cron', hour: 9 }, id: 'report-9', args: ['sales'] }
 */
export interface AddJobsEntry extends AddJobOptions {
  /** What runs: a function, a registered task name or a module reference. */
  readonly task: Task;
  /** When it runs: a Trigger, a spec such as `{type: 'cron', hour: 3}`, or none to run once now. */
  readonly trigger?: TriggerInput | null;
}
