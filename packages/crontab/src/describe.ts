/**
 * English descriptions of schedules, from cronstrue (it is given the cron-effective expression,
 * so text cron ignores never shows up in a description).
 */
import cronstrue from 'cronstrue';

/** Options of a description. */
export interface DescribeOptions {
  /** `14:00` rather than `02:00 PM`. Default false (cronstrue's default). */
  use24HourTimeFormat?: boolean;
}

/**
 * cronstrue's description of an expression as written: five fields or `@reboot` (cronstrue also
 * reads a seconds field, `L`, `#` and `?`).
 */
export function describeSchedule(expression: string, options: DescribeOptions = {}): string {
  return cronstrue.toString(expression, {
    use24HourTimeFormat: options.use24HourTimeFormat ?? false,
    throwExceptionOnParseError: true,
  });
}
