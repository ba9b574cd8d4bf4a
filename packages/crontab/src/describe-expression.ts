/**
 * A crontab expression in English as Kairos reads it, for every place that shows one (the
 * dashboard, `kairos explain`): one owner for the choice between cron's meaning and cronstrue's.
 */
import { CronTrigger } from '@kairos/triggers';
import { describeSchedule, type DescribeOptions } from './describe.js';
import { Schedule } from './schedule.js';

/**
 * The English description of a crontab expression that `CronTrigger.fromCrontab` reads. What
 * Debian's cron reads the same way is described by its meaning ({@link Schedule.describe}: text
 * cron ignores is left out); Kairos's extensions that cron refuses or reads differently (a
 * seconds field, `L`, `#`, `?`, `5/10`) are given to cronstrue as written, since it knows them
 * too.
 *
 * @example describeExpression('0 2 * * 1-5') // 'At 02:00 AM, Monday through Friday'
 * @throws TriggerConfigError when Kairos cannot read it (cronstrue would describe some of those,
 *   such as a trailing year field, in a way Kairos never runs them); Error (cronstrue's) when
 *   cronstrue cannot read it either
 */
export function describeExpression(expression: string, options: DescribeOptions = {}): string {
  const text = expression.trim();
  // Kairos's reading decides what the expression is; @reboot has no schedule to check.
  if (text !== '@reboot') CronTrigger.fromCrontab(text, 'UTC');
  const schedule = Schedule.parse(text);
  if (schedule.problems.length === 0) return schedule.describe(options);
  return describeSchedule(text, options);
}
