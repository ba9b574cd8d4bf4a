/**
 * The errors of @kairos/fluent, named after `schedule`'s so ported code catches the same ones.
 * Each message names the call and the value, and says what to write instead.
 */

/** Base of the fluent API's errors: a job that cannot be built or a call at the wrong time. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A value the fluent API cannot use: a malformed time, an unknown time zone, a past `until`. */
export class ScheduleValueError extends ScheduleError {}

/** An interval that does not fit the unit: `every(2).minute`, `every(2).monday`. */
export class IntervalError extends ScheduleValueError {}
