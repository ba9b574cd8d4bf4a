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

/** A value for an error message: strings quoted, the rest as JavaScript shows them. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
