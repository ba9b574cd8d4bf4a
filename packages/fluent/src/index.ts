/**
 * @kairos/fluent: Python `schedule`'s human-friendly API, with Kairos underneath.
 *
 * @example
 * import { every, runPending } from '@kairos/fluent';
 * every(10).minutes.do(job);
 * every().day.at('10:30').do(job);
 * for (;;) {
 *   await runPending().catch((error: unknown) => console.error(error)); // a job threw
 *   await sleep(1000); // setTimeout of node:timers/promises
 * }
 */
import { defaultRegistry, type StartOptions, type ShutdownOptions } from 'kairos';
import type { DelayedCall } from './delayed-call.js';
import type { FluentTask, RunAllOptions } from './interfaces.js';
import type { Job } from './job.js';
import { registerRandomIntervalTrigger } from './random-interval.js';
import { Scheduler } from './scheduler.js';

registerRandomIntervalTrigger(defaultRegistry);

export { CancelJob, isCancelJob } from './cancel-job.js';
export { DelayedCall } from './delayed-call.js';
export { FluentEngine } from './engine.js';
export { IntervalError, ScheduleError, ScheduleValueError } from './errors.js';
export type {
  DurationFields,
  FluentJobOptions,
  FluentOptions,
  FluentTask,
  RunAllOptions,
  TimeOfDay,
  UntilInput,
  Unit,
  Weekday,
} from './interfaces.js';
export { Job } from './job.js';
export {
  RandomIntervalTrigger,
  registerRandomIntervalTrigger,
  type RandomIntervalTriggerSpec,
} from './random-interval.js';
export { Scheduler } from './scheduler.js';

/** The scheduler the module-level functions use, like `schedule`'s default one. */
export const schedule = new Scheduler();

/** `schedule.every(interval)` on the default scheduler. */
export function every(interval = 1): Job {
  return schedule.every(interval);
}

/** `runPending()` on the default scheduler. */
export function runPending(): Promise<void> {
  return schedule.runPending();
}

/** `runAll()` on the default scheduler. */
export function runAll(options?: RunAllOptions): Promise<void> {
  return schedule.runAll(options);
}

/** `getJobs(tag)` on the default scheduler. */
export function getJobs(tag?: string): Job[] {
  return schedule.getJobs(tag);
}

/** `clear(tag)` on the default scheduler. */
export function clear(tag?: string): void {
  schedule.clear(tag);
}

/** `cancelJob(job)` on the default scheduler. */
export function cancelJob(job: Job): void {
  schedule.cancelJob(job);
}

/** `nextRun(tag)` on the default scheduler. */
export function nextRun(tag?: string): Date | null {
  return schedule.nextRun(tag);
}

/** `idleSeconds()` on the default scheduler. */
export function idleSeconds(): number | null {
  return schedule.idleSeconds();
}

/** `enter(delaySeconds, priority, task, ...args)` on the default scheduler. */
export function enter<A extends unknown[]>(
  delaySeconds: number,
  priority: number,
  task: (...args: A) => unknown,
  ...args: A
): DelayedCall {
  return schedule.enter(delaySeconds, priority, task, ...args);
}

/** `start()` on the default scheduler: Kairos runs its jobs from now on. */
export function start(options?: StartOptions): Promise<void> {
  return schedule.start(options);
}

/** `shutdown()` on the default scheduler. */
export function shutdown(options?: ShutdownOptions): Promise<void> {
  return schedule.shutdown(options);
}

/**
 * `schedule`'s `@repeat(job, ...args)` decorator as a function: `repeat(every().day)(task)`
 * schedules `task` with `args` and returns it, so it can wrap a function where it is defined.
 *
 * @example
 * const hello = repeat(every().second, 'World')((planet: string) => console.log('Hello', planet));
 */
export function repeat(job: Job, ...args: unknown[]) {
  return <F extends FluentTask>(task: F): F => {
    (job.do as (task: FluentTask, ...args: unknown[]) => Job)(task, ...args);
    return task;
  };
}
