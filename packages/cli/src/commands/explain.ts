/**
 * `kairos explain EXPR`: a crontab expression in English (@kairos/crontab's
 * `describeExpression`), whether Debian's cron reads it as Kairos does, and its next runs.
 */
import { describeExpression, Schedule } from '@kairos/crontab';
import { CronTrigger, TriggerConfigError } from 'kairos';
import { EXIT, UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { kairosFeatures } from '../crontab-lines.js';
import { formatRunTime, nextFireTimes } from '../times.js';

/** Options of `kairos explain`, already read. */
export interface ExplainOptions {
  count: number;
  zone: string;
  from: number;
  use24HourTimeFormat: boolean;
}

/** What `explain` says about an expression. */
export interface Explanation {
  /** The expression in words, e.g. "At 02:00 AM, Monday through Friday". */
  description: string;
  /** Null when Debian's cron reads the expression as Kairos does; else why not. */
  notPortable: string | null;
}

/**
 * The English description of a crontab expression Kairos reads, and whether Debian's cron reads
 * it the same way.
 * @throws UsageError when Kairos cannot read it
 */
export function explainExpression(expression: string, use24HourTimeFormat = false): Explanation {
  return explain(expression, 'UTC', use24HourTimeFormat).explanation;
}

/** Runs `kairos explain`; resolves to the exit code. */
export function runExplain(expression: string, options: ExplainOptions, io: CommandIO): number {
  if (expression.trim() === '')
    throw new UsageError('give a crontab expression, quoted: kairos explain "0 9 * * 1-5"');
  const { explanation, trigger } = explain(expression, options.zone, options.use24HourTimeFormat);
  io.out(`${explanation.description}\n`);
  if (explanation.notPortable !== null) io.out(`Not portable: ${explanation.notPortable}\n`);
  if (trigger === null) return EXIT.ok;
  const times = nextFireTimes(trigger, options.from, options.count);
  io.out(times.length === 0 ? 'No run time left.\n' : `Next runs (${options.zone}):\n`);
  for (const time of times) io.out(`  ${formatRunTime(time, options.zone)}\n`);
  return EXIT.ok;
}

/**
 * An expression read once: its explanation and its trigger in `zone` (null for `@reboot`, which
 * has no run times).
 */
function explain(
  expression: string,
  zone: string,
  use24HourTimeFormat: boolean,
): { explanation: Explanation; trigger: CronTrigger | null } {
  const text = expression.trim();
  let trigger: CronTrigger | null = null;
  if (text !== '@reboot') {
    try {
      trigger = CronTrigger.fromCrontab(text, zone);
    } catch (error) {
      if (error instanceof TriggerConfigError)
        throw new UsageError(`'${expression}' is not a crontab expression: ${error.message}`);
      throw error;
    }
  }
  const cronProblem = Schedule.parse(text).problems[0];
  const cronSays =
    cronProblem === undefined
      ? null
      : `Debian's cron ${cronProblem.severity === 'error' ? 'refuses this expression' : 'reads this expression differently'}: ${cronProblem.message}`;
  // Why they differ, when Kairos reads something cron does not (as `kairos check` says it).
  const features = text.startsWith('@') ? [] : kairosFeatures(text, text.split(/\s+/).length);
  const explanation = {
    description: describeExpression(text, { use24HourTimeFormat }),
    notPortable:
      cronSays === null
        ? null
        : features.length === 0
          ? cronSays
          : `Kairos reads it with ${features.join(', ')}; ${cronSays}`,
  };
  return { explanation, trigger };
}
