/**
 * The public shapes of @kairos/crontab: field names, the specials, validation findings and the
 * options of the readers.
 */

/** The five time fields of a crontab line, in order (python-crontab's names: day of month `dom`, day of week `dow`). */
export type FieldName = 'minute' | 'hour' | 'dom' | 'month' | 'dow';

/** The `@` shortcuts cron knows (Debian's cron: lower case only). */
export type Special =
  '@reboot' | '@yearly' | '@annually' | '@monthly' | '@weekly' | '@daily' | '@midnight' | '@hourly';

/**
 * One validation finding. An `error` is something cron refuses (`crontab` will not install the
 * file); a `warning` is something cron accepts but that probably does not do what it says
 * (trailing text cron ignores, a range that runs backwards, a Windows line ending).
 */
export interface CrontabProblem {
  /**
   * `error`: cron refuses it; `warning`: cron accepts it but it probably does not do what it says.
   */
  severity: 'error' | 'warning';
  /** 1-based line number in the crontab (1 for a schedule given on its own). */
  line: number;
  /** 1-based column of the offending text. */
  column: number;
  /**
   * Cron's name of the field (`'minute'`, `'day-of-week'`, `'command'`, …); `'portability'` for
   * what Kairos honours but Debian's cron ignores (`CRON_TZ`); or null.
   */
  field: string | null;
  /** The offending text. */
  value: string;
  /** What is wrong and what to do, in words. */
  message: string;
}

/** Options of {@link CronTab} readers. */
export interface CronTabOptions {
  /**
   * System-table format (`/etc/crontab`, `/etc/cron.d/*`): a user name between the schedule and
   * the command. Default false.
   */
  system?: boolean;
  /**
   * IANA time zone for next/previous run times of jobs with no `CRON_TZ` line above them.
   * Default: the host's zone (cron uses local time).
   */
  timezone?: string;
}

/** Where a {@link CronTab} came from, and so where {@link CronTab.write} puts it back. */
export type CronTabSource =
  { kind: 'text' } | { kind: 'file'; path: string } | { kind: 'user'; user: string | null };
