/**
 * The run times a due job owes: every scheduled time from its next run time up to now (one
 * when it coalesces), and the run time after them — in bounded work, even after a clock jump of
 * years over a trigger that fires every second.
 */
import type { Trigger } from '@kairos/triggers';
import type { Job } from '../job.js';

/** Most run times enumerated one by one for a job in one pass of the loop. */
export const MAX_ENUMERATED_RUN_TIMES = 1000;

/** No coalesced run times (shared: the arrays of a `DueRuns` are never written to). */
const NONE: readonly number[] = Object.freeze([]);

/** Most steps taken with a trigger that cannot skip ahead (no `skipTo`). */
const MAX_STEPS_WITHOUT_SKIP = 1_000_000;

/** What a due job owes. */
export interface DueRuns {
  /** The run times to submit, earliest first (the latest one only when the job coalesces). */
  readonly runTimes: number[];
  /** The earlier run times a coalescing job folds into its one run, earliest first. */
  readonly coalesced: readonly number[];
  /** The first run time after now, or null when the trigger has no more. */
  readonly next: number | null;
  /**
   * Whether missed run times were skipped without being enumerated (more than
   * {@link MAX_ENUMERATED_RUN_TIMES} were due): `runTimes` then ends with the latest one, or, for
   * a trigger without `skipTo`, `next` is the first run time not yet handled.
   */
  readonly skippedSome: boolean;
}

/**
 * The run times of `job` due at `now` (its `nextRunTimeMs` must be ≤ now).
 * @param nowDate `now` as a Date, shared by the jobs of one pass (triggers only read it)
 * @param limit most run times to enumerate before skipping to the latest
 */
export function dueRunTimes(
  job: Job,
  now: number,
  nowDate: Date = new Date(now),
  limit = MAX_ENUMERATED_RUN_TIMES,
): DueRuns {
  const { trigger } = job;
  const first = job.nextRunTimeMs;
  if (first === null || first > now || limit < 1) {
    return dueFrom(job, first, [], [], 0, now, nowDate, limit);
  }
  const second = nextAfter(trigger, first, nowDate);
  // The usual case, one run time due: no array beyond the one it needs.
  if (second === null || second > now) {
    return { runTimes: [first], coalesced: NONE, next: second, skippedSome: false };
  }
  return dueFrom(job, second, [first], [], 1, now, nowDate, limit);
}

/** {@link dueRunTimes} on from `start`, with `steps` run times already in `runTimes`. */
function dueFrom(
  job: Job,
  start: number | null,
  runTimes: number[],
  coalesced: number[],
  steps: number,
  now: number,
  nowDate: Date,
  limit: number,
): DueRuns {
  const { trigger } = job;
  let current = start;
  while (current !== null && current <= now) {
    if (steps >= limit) {
      if (trigger.skipTo !== undefined) {
        const latest = latestFireTime(trigger, current, now);
        if (job.coalesce) fold(runTimes, coalesced, latest);
        else runTimes.push(latest);
        return {
          runTimes,
          coalesced,
          next: nextAfter(trigger, latest, nowDate),
          skippedSome: true,
        };
      }
      // A trigger that cannot skip: a batch holds at most `limit` run times, and a coalescing
      // job steps on up to a hard bound; the rest is picked up from `current` on the next pass.
      if (!job.coalesce || steps >= MAX_STEPS_WITHOUT_SKIP) {
        return { runTimes, coalesced, next: current, skippedSome: true };
      }
    }
    if (job.coalesce) fold(runTimes, coalesced, current);
    else runTimes.push(current);
    steps++;
    current = nextAfter(trigger, current, nowDate);
  }
  return { runTimes, coalesced, next: current, skippedSome: false };
}

/** Coalescing: `runTime` replaces the one run time, which joins the coalesced ones. */
function fold(runTimes: number[], coalesced: number[], runTime: number): void {
  const previous = runTimes[0];
  if (previous !== undefined) coalesced.push(previous);
  runTimes[0] = runTime;
}

function nextAfter(trigger: Trigger, previous: number, now: Date): number | null {
  // Epoch ms in and out when the trigger takes them: no Date made per due job.
  if (trigger.getNextFireTimeMs !== undefined) {
    return trigger.getNextFireTimeMs(previous, now.getTime());
  }
  const next = trigger.getNextFireTime(new Date(previous), now);
  return next === null ? null : next.getTime();
}

/**
 * The latest fire time ≤ `now` of the sequence continuing from `from` (a fire time ≤ now), by
 * binary search over `skipTo`: about 40 calls for ten years of milliseconds.
 */
function latestFireTime(trigger: Trigger, from: number, now: number): number {
  const skipTo = (target: number): number | null =>
    trigger.skipTo?.(new Date(from), new Date(target))?.getTime() ?? null;
  // Invariant: a fire time lies in [low, now]; none lies in [high, now].
  let low = from;
  let high = now + 1;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    const fire = skipTo(middle);
    if (fire !== null && fire <= now) low = fire;
    else high = middle;
  }
  return low;
}
