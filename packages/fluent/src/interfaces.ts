/**
 * The public shapes of @kairos/fluent: units, weekdays, the inputs `at()` and `until()` take, and
 * the options of a job and of the scheduler.
 */
import type { DateTime, Duration } from 'luxon';
import type { TaskFunction } from 'kairos';

/** The units `every(n)` counts in, as `schedule` names them. */
export type Unit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks';

/** The weekdays `every().monday` … `every().sunday` name. */
export type Weekday =
  'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

/** A wall-clock time of day, like Python's `datetime.time(11, 33, 42)`. */
export interface TimeOfDay {
  /** 0..23. */
  hour: number;
  /** 0..59 (default 0). */
  minute?: number;
  /** 0..59 (default 0). */
  second?: number;
}

/** A length of time, like Python's `timedelta(hours=8)`. At least one field. */
export interface DurationFields {
  /** Weeks in the length (≥ 0). */
  weeks?: number;
  /** Days in the length (≥ 0). */
  days?: number;
  /** Hours in the length (≥ 0). */
  hours?: number;
  /** Minutes in the length (≥ 0). */
  minutes?: number;
  /** Seconds in the length (≥ 0). */
  seconds?: number;
  /** Milliseconds in the length (≥ 0). */
  milliseconds?: number;
}

/**
 * What `until()` takes: an instant (`Date` or Luxon `DateTime`); a string `'YYYY-MM-DD HH:MM:SS'`,
 * `'YYYY-MM-DD HH:MM'`, `'YYYY-MM-DD'`, `'HH:MM:SS'` or `'HH:MM'` (a time alone means today) in
 * the scheduler's time zone; a duration from now (`{hours: 8}` or a Luxon `Duration`); or a time
 * of day today (`{hour: 18, minute: 30}`).
 */
export type UntilInput = Date | DateTime | string | DurationFields | Duration | TimeOfDay;

/** What a job runs: a function, or the name of a registered task or a module reference. */
export type FluentTask = TaskFunction | string;

/**
 * Kairos job options a fluent job can set with `.with()` before `.do()`; they apply when the
 * scheduler runs on Kairos (`start()`). The defaults are `schedule`'s behaviour: a late run still
 * runs (`misfireGraceTime: null`), missed runs collapse into one (`coalesce: true`), and a job
 * never overlaps itself (`maxInstances: 1`).
 */
export interface FluentJobOptions {
  /**
   * The Kairos job id. Default: `fluent:` and the call, e.g. `fluent:report('daily')` (with ` #2`,
   * ` #3` for repeats), the same at each start so a persistent store's job is found again.
   */
  id?: string;
  /** The executor alias, e.g. a `worker` executor for CPU-bound tasks. Default `'default'`. */
  executor?: string;
  /** The job store alias. Default `'default'`. */
  jobstore?: string;
  /** Seconds a run may start late; `null` runs it however late. Default `null`. */
  misfireGraceTime?: number | null;
  /** Concurrent runs of this job allowed. Default 1. */
  maxInstances?: number;
  /** Seconds a run may take before it is cancelled. Default: no limit. */
  timeout?: number | null;
}

/** Options of a fluent {@link Scheduler} besides its Kairos configuration. */
export interface FluentOptions {
  /** Random source in [0, 1) for `.to()` intervals. Default `Math.random`. */
  random?: () => number;
}

/** Options of `runAll()`. */
export interface RunAllOptions {
  /** Seconds to wait between one job and the next. Default 0. */
  delaySeconds?: number;
}
