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
 * cronstrue's description of an expression as written, with no reading of cron's own: five
 * fields, six with seconds, seven with a year, `@reboot`, `L`, `#` and `?`. The one place
 * Kairos calls cronstrue, so every description has the same options. For a crontab expression
 * as Kairos runs it, use {@link describeExpression}, which says cron's meaning where cron
 * reads it the same way.
 *
 * @example describeSchedule('0 30 9 * * MON-FRI') // 'At 09:30 AM, Monday through Friday'
 * @throws Error (cronstrue's) when cronstrue cannot read the expression
 */
export function describeSchedule(expression: string, options: DescribeOptions = {}): string {
  return cronstrue.toString(expression, {
    use24HourTimeFormat: options.use24HourTimeFormat ?? false,
    throwExceptionOnParseError: true,
  });
}
