/**
 * A job line: schedule, optional user (system tables), command, standard input after `%`,
 * python-crontab's trailing `# comment`, and whether it is enabled (a disabled job is the line
 * commented out). An unedited job renders as the exact text it was read from.
 */
import { FieldBuilder, type FieldTarget } from './builder.js';
import { firstUnescapedPercent, joinCommand, splitCommand, splitComment } from './command.js';
import { CrontabValueError } from './errors.js';
import { FIELD_RULES } from './fields.js';
import type { CrontabProblem, FieldName } from './interfaces.js';
import { Schedule, SPECIALS } from './schedule.js';
import type { DescribeOptions } from './describe.js';

/** Options of `new CronJob(command, options)` and `CronTab.new`. */
export interface CronJobOptions {
  /**
   * python-crontab's job id: the text after `#` at the end of the line. One line, with no
   * unescaped `%`, and not with `stdin`.
   */
  comment?: string | null;
  /** Five fields or a special. Default `'* * * * *'` (every minute, as python-crontab). */
  schedule?: string;
  /** Text cron feeds to the command's standard input (written after `%`). */
  stdin?: string | null;
  /** The user to run as, for system tables (`/etc/crontab`, `/etc/cron.d`). */
  user?: string | null;
  /** False writes the job commented out. Default true. */
  enabled?: boolean;
}

/** @internal What a job asks of the crontab it belongs to. */
export interface JobContext {
  /** True for system tables (a user field). */
  readonly system: boolean;
  lineNumberOf(job: CronJob): number;
  timezoneOf(job: CronJob): string | undefined;
  environmentOf(job: CronJob): Record<string, string>;
}

const BLANKS = /^[ \t]*/;
const TOKEN = /^[^ \t]*/;

/** One job line of a crontab. */
export class CronJob implements FieldTarget {
  /** The kind of line. */
  readonly kind = 'job';
  /** @internal The crontab this job belongs to, if any. */
  context: JobContext | null = null;
  private raw: string | null = null;
  private eol = '';
  private prefix = '';
  /** What disabling puts in front of the line: `# `, or the `#` it had when read disabled. */
  private disabledPrefix = '# ';
  private scheduleValue: Schedule;
  private commandValue: string;
  private stdinValue: string | null;
  private commentValue: string | null;
  private userValue: string | null;
  private enabledValue: boolean;
  private otherProblems: CrontabProblem[] = [];

  /**
   * A new job. `schedule` is checked: a schedule cron would refuse throws `CrontabSyntaxError`.
   */
  constructor(command: string, options: CronJobOptions = {}) {
    this.scheduleValue = Schedule.strict(options.schedule ?? '* * * * *');
    this.commandValue = command;
    this.stdinValue = options.stdin ?? null;
    this.commentValue = options.comment ?? null;
    this.userValue = options.user ?? null;
    this.enabledValue = options.enabled ?? true;
    this.checkComment(this.commentValue);
  }

  /**
   * @internal Reads a job line as cron does. `start` is where the schedule begins (after a
   * disabling `#`), `system` whether a user field follows the schedule.
   */
  static read(raw: string, start: number, system: boolean): CronJob {
    const job = Object.create(CronJob.prototype) as CronJob;
    Object.assign(job, {
      kind: 'job',
      context: null,
      eol: '',
      otherProblems: [],
      disabledPrefix: '# ',
    });
    job.raw = raw;
    job.prefix = raw.slice(0, start);
    job.enabledValue = start === 0;
    let at = start + (BLANKS.exec(raw.slice(start))?.[0].length ?? 0);
    if (raw[at] === '@') {
      const token = TOKEN.exec(raw.slice(at))?.[0] ?? '';
      job.scheduleValue = Schedule.fromSpecial(token, at, 1);
      at += token.length;
    } else {
      const texts: string[] = [];
      const starts: number[] = [];
      for (let index = 0; index < 5 && at < raw.length; index += 1) {
        const token = TOKEN.exec(raw.slice(at))?.[0] ?? '';
        texts.push(token);
        starts.push(at);
        at += token.length;
        at += BLANKS.exec(raw.slice(at))?.[0].length ?? 0;
      }
      job.scheduleValue = Schedule.fromFields(texts, starts, 1, at);
    }
    at += BLANKS.exec(raw.slice(at))?.[0].length ?? 0;
    job.userValue = null;
    if (system && job.scheduleValue.isValid()) {
      const user = TOKEN.exec(raw.slice(at))?.[0] ?? '';
      if (user === '' || user === '\r')
        job.otherProblems.push(problem('error', at, 'user', user, MISSING_USER));
      job.userValue = user;
      at += user.length;
      at += BLANKS.exec(raw.slice(at))?.[0].length ?? 0;
    }
    let rest = raw.slice(at);
    if (rest.endsWith('\r')) {
      job.eol = '\r';
      rest = rest.slice(0, -1);
      job.otherProblems.push(problem('warning', raw.length - 1, null, '\r', CARRIAGE_RETURN));
    }
    if (job.scheduleValue.isValid() && rest.startsWith('*'))
      job.otherProblems.push(problem('error', at, 'command', rest, STAR_COMMAND));
    if (job.scheduleValue.isValid() && rest === '')
      job.otherProblems.push(problem('warning', at, 'command', '', EMPTY_COMMAND));
    const { body, comment } = splitComment(rest);
    const { command, stdin } = splitCommand(body);
    job.commandValue = command;
    job.stdinValue = stdin;
    job.commentValue = comment;
    return job;
  }

  /** The schedule. Replace it with {@link CronJob.setAll} or the field builders. */
  get schedule(): Schedule {
    return this.scheduleValue;
  }

  /** The shell command, without the `%` input and the trailing comment (`\%` shown as `%`). */
  get command(): string {
    return this.commandValue;
  }

  set command(command: string) {
    this.commandValue = command;
    this.edited();
  }

  /** What cron feeds the command's standard input (the text after `%`), or null. */
  get stdin(): string | null {
    return this.stdinValue;
  }

  set stdin(stdin: string | null) {
    if (stdin !== null && this.commentValue !== null) this.checkComment(this.commentValue, stdin);
    this.stdinValue = stdin;
    this.edited();
  }

  /**
   * python-crontab's job id or note: the text after ` # ` at the end of the command, up to any
   * `%` input (cron ends the shell's text there), or null.
   */
  get comment(): string | null {
    return this.commentValue;
  }

  set comment(comment: string | null) {
    this.checkComment(comment);
    this.commentValue = comment;
    this.edited();
  }

  /** The user field of a system-table job, or null. */
  get user(): string | null {
    return this.userValue;
  }

  set user(user: string | null) {
    if (user !== null && !/^[^\s#]+$/.test(user))
      throw new CrontabValueError(
        'user',
        user,
        `'${user}' is not a user name: it must be one word`,
      );
    this.userValue = user;
    this.edited();
  }

  /** True unless the job is commented out. */
  get enabled(): boolean {
    return this.enabledValue;
  }

  /**
   * Enables (default) or disables the job: a disabled job is written as `# <line>`. A line read
   * from a crontab keeps its spacing both ways, so disabling and enabling again gives back the
   * same bytes.
   */
  enable(enabled = true): this {
    if (enabled === this.enabledValue) return this;
    if (this.raw === null) {
      this.enabledValue = enabled;
      this.prefix = enabled ? '' : '# ';
      return this;
    }
    // A line read from a crontab keeps its text: `# ` is added in front (or the `#` it had when
    // it was read disabled), or the `#` is removed.
    if (enabled) this.disabledPrefix = this.prefix;
    const text = enabled ? this.raw.slice(this.prefix.length) : `${this.disabledPrefix}${this.raw}`;
    const start = enabled ? 0 : this.disabledPrefix.length;
    const again = CronJob.read(text, start, this.context?.system ?? false);
    this.raw = again.raw;
    this.prefix = again.prefix;
    this.enabledValue = enabled;
    this.eol = again.eol;
    this.otherProblems = again.otherProblems;
    this.scheduleValue = again.scheduleValue;
    this.userValue = again.userValue;
    this.commandValue = again.commandValue;
    this.stdinValue = again.stdinValue;
    this.commentValue = again.commentValue;
    return this;
  }

  /** Comments the job out. */
  disable(): this {
    return this.enable(false);
  }

  /** True when cron accepts the line (warnings allowed). */
  isValid(): boolean {
    return !this.problems().some((found) => found.severity === 'error');
  }

  /** Errors and warnings of this line, with its line number in the crontab (1 on its own). */
  problems(): CrontabProblem[] {
    const line = this.context?.lineNumberOf(this) ?? 1;
    // An edited job is judged by the text it will be written as, read back as cron reads it.
    const read =
      this.raw === null
        ? CronJob.read(this.render(), this.prefix.length, this.context?.system ?? false)
        : this;
    const found = [...read.scheduleValue.problems, ...read.otherProblems];
    return found.map((item) => ({ ...item, line }));
  }

  /** Sets the whole schedule: `'0 2 * * 1-5'` or `'@daily'`; throws `CrontabSyntaxError`. */
  setAll(schedule: string): this {
    this.scheduleValue = Schedule.strict(schedule);
    this.edited();
    return this;
  }

  /** Runs at boot: `@reboot`. */
  everyReboot(): this {
    return this.setAll('@reboot');
  }

  /** Every minute (`* * * * *`). */
  clear(): this {
    return this.setAll('* * * * *');
  }

  /** The minute field's builder: `job.minute.every(5)`. */
  get minute(): FieldBuilder {
    return new FieldBuilder(this, 'minute');
  }

  /** The hour field's builder: `job.hour.on(2)`. */
  get hour(): FieldBuilder {
    return new FieldBuilder(this, 'hour');
  }

  /** The day-of-month field's builder: `job.dom.on(1, 15)`. */
  get dom(): FieldBuilder {
    return new FieldBuilder(this, 'dom');
  }

  /** The month field's builder: `job.month.during('JAN', 'MAR')`. */
  get month(): FieldBuilder {
    return new FieldBuilder(this, 'month');
  }

  /** The day-of-week field's builder: `job.dow.during('MON', 'FRI')`. */
  get dow(): FieldBuilder {
    return new FieldBuilder(this, 'dow');
  }

  /** @internal {@link FieldTarget}: a special becomes its five fields first. */
  getField(field: FieldName): string {
    const index = FIELD_RULES.findIndex((rule) => rule.name === field);
    return this.fieldTexts()[index] ?? '*';
  }

  /** @internal {@link FieldTarget}. */
  setField(field: FieldName, text: string): void {
    const texts = this.fieldTexts();
    texts[FIELD_RULES.findIndex((rule) => rule.name === field)] = text;
    this.setAll(texts.join(' '));
  }

  /** The IANA zone of run times: the last `CRON_TZ` above the job, else the crontab's option. */
  get timezone(): string | undefined {
    return this.context?.timezoneOf(this);
  }

  /**
   * The environment cron gives the command: cron's defaults (`SHELL=/bin/sh`,
   * `PATH=/usr/bin:/bin`, `HOME` and `LOGNAME` of the user when known), then every
   * environment line above the job in order, the later winning; `LOGNAME` cannot be changed.
   */
  environment(): Record<string, string> {
    return this.context?.environmentOf(this) ?? { SHELL: '/bin/sh', PATH: '/usr/bin:/bin' };
  }

  /** The first run strictly after `from` (default now); null for `@reboot` or never. */
  nextRun(from: Date = new Date()): Date | null {
    return this.scheduleValue.nextRun(from, this.timezone);
  }

  /** The last run strictly before `from` (default now); null for `@reboot` or never. */
  previousRun(from: Date = new Date()): Date | null {
    return this.scheduleValue.previousRun(from, this.timezone);
  }

  /** The next `count` runs after `from`. */
  nextRuns(count: number, from: Date = new Date()): Date[] {
    const runs: Date[] = [];
    let current = from;
    for (let index = 0; index < count; index += 1) {
      const run = this.nextRun(current);
      if (run === null) break;
      runs.push(run);
      current = run;
    }
    return runs;
  }

  /** The schedule in English (cronstrue), e.g. `'At 02:00 AM, Monday through Friday'`. */
  describe(options: DescribeOptions = {}): string {
    return this.scheduleValue.describe(options);
  }

  /** The line's text: exactly as read when unedited. */
  render(): string {
    if (this.raw !== null) return this.raw;
    const user = this.userValue === null ? '' : `${this.userValue} `;
    const command = joinCommand(this.commandValue, null);
    const comment = this.commentValue === null ? '' : ` # ${this.commentValue}`;
    // The comment goes before the `%` input, where it was read from: after the `%`, cron would
    // feed it to the command.
    const input = this.stdinValue === null ? '' : joinCommand('', this.stdinValue);
    return `${this.prefix}${this.scheduleValue.toString()} ${user}${command}${comment}${input}${this.eol}`;
  }

  /** Same as {@link CronJob.render}. */
  toString(): string {
    return this.render();
  }

  private fieldTexts(): string[] {
    const schedule = this.scheduleValue;
    const text = schedule.special === null ? schedule.toString() : SPECIALS[schedule.special];
    return (text ?? '* * * * *').split(' ');
  }

  private edited(): void {
    this.raw = null;
  }

  private checkComment(comment: string | null, stdin = this.stdinValue): void {
    if (comment !== null && /[\r\n]/.test(comment))
      throw new CrontabValueError(
        'comment',
        comment,
        'a comment must fit on one line: remove the line breaks',
      );
    if (comment !== null && firstUnescapedPercent(comment) >= 0)
      throw new CrontabValueError(
        'comment',
        comment,
        `cron would end the command at the '%' of the comment '${comment}' and feed the rest to the command as input; write '\\%' for a percent sign`,
      );
    // python-crontab's model: a new comment goes on a job without input. A line read with both
    // (`cat # note%input`) keeps them; python-crontab reads `note%input` as its comment.
    if (comment !== null && stdin !== null)
      throw new CrontabValueError(
        'comment',
        comment,
        'this job has % input, and python-crontab would read that input as part of a comment before it; put the note on a comment line above the job instead',
      );
  }
}

const MISSING_USER =
  'a system crontab line needs a user name between the schedule and the command (for example: 0 2 * * * root /usr/bin/backup)';
const CARRIAGE_RETURN =
  'the line ends with a carriage return (a Windows line ending): cron passes it to the shell as the last character of the command; save the file with Unix (LF) line endings';
const STAR_COMMAND =
  "the command starts with '*', which Debian's cron refuses: this looks like a sixth time field; a schedule has five (minute hour day-of-month month day-of-week)";
const EMPTY_COMMAND = 'no command after the schedule: cron accepts the line but has nothing to run';

function problem(
  severity: 'error' | 'warning',
  index: number,
  field: string | null,
  value: string,
  message: string,
): CrontabProblem {
  return { severity, line: 1, column: index + 1, field, value, message };
}
