/**
 * The public shapes of @kairos/triggers: the {@link Trigger} contract every trigger implements,
 * the plain specs they serialise to, and the options shared by all constructors.
 */
import type { DateTime } from 'luxon';

/**
 * An instant given to a trigger: a `Date`, epoch milliseconds, a Luxon `DateTime`, or a string.
 * Strings are `YYYY-MM-DD` or `YYYY-MM-DD[ T]HH:MM:SS[.fraction][Z|±HH:MM]`; without an offset
 * they are wall times in the trigger's time zone (the earlier one when a fall-back repeats it,
 * shifted forward by the gap when a spring-forward skips it).
 */
export type DateInput = Date | number | string | DateTime;

/**
 * Scheduling logic: "given the previous fire time and now, when next?". Triggers are immutable
 * after construction and serialise to a plain spec with {@link Trigger.toJSON}.
 */
export interface Trigger {
  /**
   * The spec `type` of this trigger: a built-in one (`'cron'`, `'interval'`, …) or the alias a
   * plugin registers its trigger under.
   */
  readonly type: string;
  /**
   * The next fire time, or null when the trigger will never fire again.
   * @param previous the previous fire time, or null on the first call
   * @param now the current time
   */
  getNextFireTime(previous: Date | null, now: Date): Date | null;
  /**
   * Optional: {@link Trigger.getNextFireTime} in epoch milliseconds, which a scheduler calls
   * instead when present (no `Date` made per call). It must answer as `getNextFireTime` does.
   * @param previousMs the previous fire time, or null on the first call
   * @param nowMs the current time
   */
  getNextFireTimeMs?(previousMs: number | null, nowMs: number): number | null;
  /**
   * Optional: the first fire time at or after `target` (without jitter) of the sequence that
   * continues from `previous`, or null when the trigger ends first. Lets a scheduler skip a long
   * gap, such as a clock jump of years, without stepping through every missed fire time; a
   * trigger without it is stepped with {@link Trigger.getNextFireTime}.
   */
  skipTo?(previous: Date, target: Date): Date | null;
  /**
   * A plain spec that {@link triggerFromSpec} (or, for a plugin's trigger, the scheduler's
   * registry) turns back into an equal trigger.
   */
  toJSON(): TriggerSpec | PluginTriggerSpec;
  /** APScheduler-style description, e.g. `cron[hour='9', minute='0']` or `interval[0:05:00]`. */
  toString(): string;
}

/** Options every trigger constructor and `triggerFromSpec` accept. */
export interface TriggerOptions {
  /** Time zone used when the spec names none. Default: the host's zone. */
  timezone?: string;
  /** Random source for jitter, returning a number in [0, 1). Default: `Math.random`. */
  random?: () => number;
  /** Clock for defaults that depend on "now" (interval start, date run time). Default: `Date.now`. */
  now?: () => number;
  /** AND triggers: how many search steps before giving up with an error. Default: 10,000. */
  maxIterations?: number;
}

/** Fields shared by triggers that have a time zone, bounds and jitter. */
export interface BoundedSpecFields {
  /** Earliest fire time (inclusive). */
  startDate?: DateInput;
  /** Latest fire time (inclusive). */
  endDate?: DateInput;
  /** IANA time zone name, e.g. `Europe/Paris`. */
  timezone?: string;
  /** Delay each fire time by up to this many seconds, chosen uniformly. */
  jitter?: number | null;
}

/** A cron field value: a number or an expression string such as `'*\/5'` or `'mon-fri'`. */
export type CronFieldValue = number | string;

/** APScheduler's keyword cron fields. */
export interface CronFields {
  /** 4-digit year. */
  year?: CronFieldValue;
  /** Month 1..12, or names `jan`..`dec`. */
  month?: CronFieldValue;
  /** Day of the month 1..31, or `last`, `last fri`, `2nd mon`. */
  day?: CronFieldValue;
  /** ISO week of the year 1..53. */
  week?: CronFieldValue;
  /** 0 = Monday … 6 = Sunday, or names `mon`..`sun`. */
  dayOfWeek?: CronFieldValue;
  /** Hour 0..23. */
  hour?: CronFieldValue;
  /** Minute 0..59. */
  minute?: CronFieldValue;
  /** Second 0..59. */
  second?: CronFieldValue;
}

/** Spec of a {@link CronTrigger} in APScheduler's keyword form. */
export interface CronTriggerSpec extends CronFields, BoundedSpecFields {
  /** The trigger alias. */
  type: 'cron';
}

/** Spec of a {@link CronTrigger} built from a crontab string. */
export interface CrontabTriggerSpec extends BoundedSpecFields {
  /** The trigger alias: a {@link CronTrigger} read from a crontab expression. */
  type: 'crontab';
  /** A crontab expression: 5 fields, or 6 with leading seconds, or a macro such as `@daily`. */
  expr: string;
}

/** Spec of an {@link IntervalTrigger}. */
export interface IntervalTriggerSpec extends BoundedSpecFields {
  /** The trigger alias. */
  type: 'interval';
  /** Weeks in the interval. */
  weeks?: number;
  /** Days in the interval. */
  days?: number;
  /** Hours in the interval. */
  hours?: number;
  /** Minutes in the interval. */
  minutes?: number;
  /** Seconds in the interval. */
  seconds?: number;
}

/**
 * Spec of a {@link CalendarIntervalTrigger}: every `years/months/weeks/days` at `hour:minute:second`
 * wall time. Its `startDate` (default: today) and `endDate` are calendar dates (`YYYY-MM-DD`).
 */
export interface CalendarIntervalTriggerSpec extends BoundedSpecFields {
  /** The trigger alias. */
  type: 'calendarinterval';
  /** Years between fire times. */
  years?: number;
  /** Months between fire times. */
  months?: number;
  /** Weeks between fire times. */
  weeks?: number;
  /** Days between fire times. */
  days?: number;
  /** Time of day: hour 0..23 (default 0). */
  hour?: number;
  /** Minute 0..59 (default 0). */
  minute?: number;
  /** Second 0..59 (default 0). */
  second?: number;
}

/** Spec of a {@link DateTrigger}. */
export interface DateTriggerSpec {
  /** The trigger alias. */
  type: 'date';
  /** When to fire (default: now). Naive strings are wall times in `timezone`. */
  runDate?: DateInput;
  /** IANA time zone of a naive `runDate`. Default: the scheduler's. */
  timezone?: string;
}

/** Spec of an {@link AndTrigger} or {@link OrTrigger}. */
export interface CombiningTriggerSpec {
  /** `and`: fire when every child fires at once; `or`: fire when any child does. */
  type: 'and' | 'or';
  /** The children: specs, plugin specs or trigger instances. */
  triggers: (TriggerSpec | PluginTriggerSpec | Trigger)[];
  /** Delay each fire time by up to this many seconds, chosen uniformly. */
  jitter?: number | null;
}

/** Options of {@link CronTrigger.fromCrontab} besides the expression and time zone. */
export interface CrontabOptions extends TriggerOptions {
  /** Earliest fire time (inclusive). */
  startDate?: DateInput;
  /** Latest fire time (inclusive). */
  endDate?: DateInput;
  /** Delay each fire time by up to this many seconds, chosen uniformly. */
  jitter?: number | null;
}

/** Constructor fields of a {@link CronTrigger} (keyword form): its spec without `type`. */
export type CronTriggerFields = Omit<CronTriggerSpec, 'type'>;
/** Constructor fields of an {@link IntervalTrigger}. */
export type IntervalTriggerFields = Omit<IntervalTriggerSpec, 'type'>;
/** Constructor fields of a {@link CalendarIntervalTrigger}. */
export type CalendarIntervalTriggerFields = Omit<CalendarIntervalTriggerSpec, 'type'>;
/** Constructor fields of a {@link DateTrigger}. */
export type DateTriggerFields = Omit<DateTriggerSpec, 'type'>;

/** Fields of an {@link AndTrigger} or {@link OrTrigger}. */
export interface CombiningTriggerFields {
  /** The children: trigger instances (a third party's too). Use `triggerFromSpec` for specs. */
  triggers: Trigger[];
  /** Delay each fire time by up to this many seconds, chosen uniformly. */
  jitter?: number | null;
}

/** The spec of a trigger a plugin registers under its own `type` alias. */
export interface PluginTriggerSpec {
  /** The alias the plugin registered its trigger under. */
  type: string;
  [key: string]: unknown;
}

/** Any trigger spec, discriminated by `type`. */
export type TriggerSpec =
  | CronTriggerSpec
  | CrontabTriggerSpec
  | IntervalTriggerSpec
  | CalendarIntervalTriggerSpec
  | DateTriggerSpec
  | CombiningTriggerSpec;
