/**
 * The tasks the executor conformance suite runs. Every executor can run them: they are loaded
 * by module reference (this file's path and an export name), so they work in-process and in a
 * worker thread alike; they reach back to the test only through their return value, their
 * error, and a SharedArrayBuffer passed as an argument.
 */
import { currentJob } from '@kairos/core/job-context';

/** Returns its arguments' sum. */
export function add(a: number, b: number): number {
  return a + b;
}

/** Resolves to `value` after `ms`. */
export async function later(value: string, ms: number): Promise<string> {
  await sleep(ms);
  return value;
}

/** Throws a TypeError with `message`. */
export function fail(message: string): never {
  throw new TypeError(message);
}

/** Rejects with a RangeError with `message` after a turn of the event loop. */
export async function failLater(message: string): Promise<never> {
  await sleep(1);
  throw new RangeError(message);
}

/** What `currentJob()` says inside the run. */
export function whoAmI(): {
  jobId: string;
  jobName: string;
  scheduledRunTime: string;
  runId: string;
  attempt: number;
} | null {
  const job = currentJob();
  if (job === undefined) return null;
  return {
    jobId: job.jobId,
    jobName: job.jobName,
    scheduledRunTime: job.scheduledRunTime.toISOString(),
    runId: job.runId,
    attempt: job.attempt,
  };
}

/**
 * Waits until the run's signal aborts, then writes 1 into `seen[0]` (so the test knows the task
 * heard it) and resolves. Gives up after `ms`.
 */
export async function untilAborted(seen: Int32Array, ms: number): Promise<string> {
  const signal = currentJob()?.signal;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      Atomics.store(seen, 0, 1);
      resolve();
    });
  });
  return 'stopped';
}

/**
 * Counts itself in `counters[0]` while it runs for `ms`, keeping the highest count seen in
 * `counters[1]`: how many runs were in progress at once.
 */
export async function overlap(counters: Int32Array, ms: number): Promise<number> {
  const now = Atomics.add(counters, 0, 1) + 1;
  for (;;) {
    const highest = Atomics.load(counters, 1);
    if (now <= highest || Atomics.compareExchange(counters, 1, highest, now) === highest) break;
  }
  await sleep(ms);
  Atomics.sub(counters, 0, 1);
  return now;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
