/**
 * The lines of a crontab other than jobs (comments, blank lines, environment settings), and the
 * reader that tells them apart the way cron does: blank and `#` lines are skipped (a `#` line
 * that reads as a complete job is python-crontab's disabled job), then an environment setting
 * is tried, and anything else is a job line.
 */
import { isTimeZone } from '@kairos/triggers';
import { parseEnvSetting, renderEnvSetting } from './env.js';
import type { CrontabProblem } from './interfaces.js';
import { CronJob } from './job.js';

/** Any line of a crontab. */
export type CronLine = CronJob | CronEnv | CronComment;

/** A comment line or a blank line (`kind` says which). */
export class CronComment {
  /** `'comment'` for a `#` line, `'blank'` for an empty or blank one. */
  readonly kind: 'comment' | 'blank';
  private readonly raw: string;

  /** A comment line `# text`, or the exact text of a line read from a crontab. */
  constructor(text: string, options: { raw?: boolean } = {}) {
    this.raw = options.raw === true ? text : `# ${text}`;
    this.kind = /^[ \t]*$/.test(this.raw) ? 'blank' : 'comment';
  }

  /** The comment without its `#` and the blanks after it ('' for a blank line). */
  get text(): string {
    return this.raw.replace(/^[ \t]*#[ \t]?/, '').replace(/\r$/, '');
  }

  /** Comment lines have nothing cron would refuse. */
  problems(): CrontabProblem[] {
    return [];
  }

  /** The line exactly as read. */
  render(): string {
    return this.raw;
  }
}

/** An environment setting, `NAME=value`; cron applies it to the jobs below it. */
export class CronEnv {
  /** The kind of line. */
  readonly kind = 'env';
  /** @internal Line number lookup, set by the crontab. */
  lineNumber: () => number = () => 1;
  private raw: string | null;
  private nameValue: string;
  private valueValue: string;
  private readonly eol: string;

  /** A new setting; `raw` keeps the exact text of a line read from a crontab. */
  constructor(name: string, value: string, raw: string | null = null) {
    this.nameValue = name;
    this.valueValue = value;
    this.raw = raw;
    this.eol = raw?.endsWith('\r') === true ? '\r' : '';
  }

  /** The variable's name. */
  get name(): string {
    return this.nameValue;
  }

  set name(name: string) {
    this.nameValue = name;
    this.raw = null;
  }

  /** Its value, with cron's quotes removed. */
  get value(): string {
    return this.valueValue;
  }

  set value(value: string) {
    this.valueValue = value;
    this.raw = null;
  }

  /**
   * Warnings: an empty name, a `CRON_TZ` that is not a time zone, and any other `CRON_TZ`, which
   * is not portable (field `'portability'`): Kairos honours it as cronie does, Debian's cron
   * ignores it.
   */
  problems(): CrontabProblem[] {
    const line = this.lineNumber();
    const found: CrontabProblem[] = [];
    const at = (field: string, message: string, value: string): void => {
      found.push({ severity: 'warning', line, column: 1, field, value, message });
    };
    if (this.nameValue === '')
      at('environment', 'this sets a variable with an empty name; write NAME=value', this.render());
    if (this.nameValue === 'CRON_TZ' && !isTimeZone(this.valueValue))
      at(
        'environment',
        `CRON_TZ '${this.valueValue}' is not an IANA time zone (for example Europe/Paris); run times below it cannot be computed`,
        this.valueValue,
      );
    else if (this.nameValue === 'CRON_TZ')
      at(
        'portability',
        `not portable: Kairos (like cronie) runs the jobs below CRON_TZ=${this.valueValue} in ${this.valueValue}, but Debian's cron ignores CRON_TZ and runs them in the host's time zone; where Debian's cron runs this file, write the times in the host's zone instead`,
        this.valueValue,
      );
    return found;
  }

  /** The line: exactly as read when unedited. */
  render(): string {
    return this.raw ?? renderEnvSetting(this.nameValue, this.valueValue) + this.eol;
  }
}

/** Reads one line (without its `\n`) as cron would. */
export function readLine(raw: string, system: boolean): CronLine {
  if (/^[ \t]*$/.test(raw)) return new CronComment(raw, { raw: true });
  const comment = /^[ \t]*#[ \t]*/.exec(raw);
  if (comment !== null) {
    const job = CronJob.read(raw, comment[0].length, system);
    const looksLikeJob =
      job.isValid() &&
      job.command.trim() !== '' &&
      parseEnvSetting(raw.slice(comment[0].length)) === null;
    return looksLikeJob ? job : new CronComment(raw, { raw: true });
  }
  const env = parseEnvSetting(raw);
  if (env !== null) return new CronEnv(env.name, env.value, raw);
  return CronJob.read(raw, 0, system);
}
