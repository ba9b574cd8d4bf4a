/**
 * A job's schedule: five time fields or an `@` special, read as Debian's cron reads them, with
 * what cron actually runs (`effective`) worked out once so that next/previous run times and
 * descriptions use cron's meaning, not the text's.
 */
import { CRONTAB_MACROS } from '@kairos/triggers';
import { describeSchedule } from './describe.js';
import { CrontabSyntaxError } from './errors.js';
import { FIELD_RULES, parseField, type ParsedField } from './fields.js';
import type { CrontabProblem, FieldName, Special } from './interfaces.js';
import { nextRun, previousRun } from './timing.js';

/** Each special and the five fields it stands for (`@reboot`: none, it runs at boot). */
export const SPECIALS: Readonly<Record<Special, string | null>> = {
  '@reboot': null,
  ...(CRONTAB_MACROS as Record<Exclude<Special, '@reboot'>, string>),
};

/** True when `text` is one of cron's specials (lower case, as Debian's cron requires). */
export function isSpecial(text: string): text is Special {
  return Object.hasOwn(SPECIALS, text);
}

/**
 * An immutable schedule. Build one with {@link Schedule.parse}; jobs hold one and replace it
 * when edited.
 */
export class Schedule {
  /** The special (`@daily`), or null for five fields. */
  readonly special: Special | null;
  /** The five field texts as written (empty for a special). */
  readonly fields: readonly string[];
  /** Errors and warnings, with columns counted from the start of the line. */
  readonly problems: readonly CrontabProblem[];
  /** The cron-effective expression for the trigger, or null (`@reboot`, never runs, invalid). */
  readonly expression: string | null;
  private readonly parsed: readonly ParsedField[];

  /** @internal Use {@link Schedule.parse}. */
  constructor(
    special: Special | null,
    fields: readonly string[],
    parsed: readonly ParsedField[],
    problems: readonly CrontabProblem[],
  ) {
    this.special = special;
    this.fields = fields;
    this.parsed = parsed;
    this.problems = problems;
    const valid = !problems.some((problem) => problem.severity === 'error');
    this.expression = !valid
      ? null
      : special !== null
        ? SPECIALS[special]
        : effectiveExpression(parsed, problems);
  }

  /**
   * Reads a schedule on its own: five fields (`'*\/5 9-17 * * mon-fri'`) or a special
   * (`'@daily'`). Never throws: a bad schedule carries its {@link Schedule.problems}; use
   * {@link Schedule.strict} to throw instead.
   */
  static parse(text: string): Schedule {
    const tokens = [...text.matchAll(/[^ \t]+/g)];
    const first = tokens[0];
    if (first?.[0].startsWith('@') === true) {
      const schedule = Schedule.fromSpecial(first[0], first.index, 1);
      return tokens.length > 1 ? withExtra(schedule, tokens.slice(1), 'a special') : schedule;
    }
    const schedule = Schedule.fromFields(
      tokens.slice(0, 5).map((token) => token[0]),
      tokens.slice(0, 5).map((token) => token.index),
      1,
      text.length,
    );
    return tokens.length > 5 ? withExtra(schedule, tokens.slice(5), 'five fields') : schedule;
  }

  /** {@link Schedule.parse}, throwing {@link CrontabSyntaxError} when cron would refuse it. */
  static strict(text: string): Schedule {
    const schedule = Schedule.parse(text);
    const errors = schedule.problems.filter((problem) => problem.severity === 'error');
    if (errors.length > 0) throw new CrontabSyntaxError(errors, `schedule '${text}'`);
    return schedule;
  }

  /** @internal A special at `column` (0-based) of line `line`. */
  static fromSpecial(text: string, column: number, line: number): Schedule {
    if (isSpecial(text)) {
      const fields = SPECIALS[text]?.split(' ') ?? [];
      const parsed = FIELD_RULES.flatMap((rule, index) => {
        const field = fields[index];
        return field === undefined ? [] : [parseField(field, rule)];
      });
      return new Schedule(text, [], parsed, []);
    }
    const known = Object.keys(SPECIALS).join(', ');
    const lower = text.toLowerCase();
    const hint = isSpecial(lower)
      ? `cron only knows the lower-case '${lower}'`
      : `the specials are ${known}`;
    const problem: CrontabProblem = {
      severity: 'error',
      line,
      column: column + 1,
      field: 'special',
      value: text,
      message: `'${text}' is not a cron special; ${hint}`,
    };
    return new Schedule(null, [], [], [problem]);
  }

  /**
   * @internal Five (or fewer, when the line ended early) field texts with their 0-based columns;
   * `end` is where a missing field would start.
   */
  static fromFields(
    texts: readonly string[],
    starts: readonly number[],
    line: number,
    end: number,
  ): Schedule {
    const parsed: ParsedField[] = [];
    const problems: CrontabProblem[] = [];
    for (const [index, rule] of FIELD_RULES.entries()) {
      const text = texts[index];
      const field = parseField(text ?? '', rule, starts[index] ?? end, line);
      parsed.push(field);
      problems.push(...field.problems);
      if (text === undefined) break;
      if (field.problems.some((problem) => problem.severity === 'error')) break;
    }
    return new Schedule(null, texts.slice(0, 5), parsed, problems);
  }

  /** True when cron accepts the schedule (warnings allowed). */
  isValid(): boolean {
    return !this.problems.some((problem) => problem.severity === 'error');
  }

  /** True for `@reboot`. */
  isReboot(): boolean {
    return this.special === '@reboot';
  }

  /** True when cron accepts the schedule but it can never match a minute (e.g. `0 0 31 2 *`). */
  isNever(): boolean {
    return this.isValid() && !this.isReboot() && this.expression === null;
  }

  /** The values cron sets for a field, ascending (day-of-week Sunday is 0); [] for specials. */
  values(field: FieldName): number[] {
    const index = FIELD_RULES.findIndex((rule) => rule.name === field);
    return [...(this.parsed[index]?.values ?? [])];
  }

  /**
   * The first run strictly after `from` in `timezone` (default: the host's), as
   * `CronTrigger.fromCrontab` computes it; null for `@reboot`, a schedule that never runs, or an
   * invalid one.
   */
  nextRun(from: Date = new Date(), timezone?: string): Date | null {
    return this.expression === null ? null : nextRun(this.expression, from, timezone);
  }

  /** The last run strictly before `from` in `timezone`; null as for {@link Schedule.nextRun}. */
  previousRun(from: Date = new Date(), timezone?: string): Date | null {
    return this.expression === null ? null : previousRun(this.expression, from, timezone);
  }

  /**
   * The schedule in English from cronstrue, e.g. `'At 02:00 AM, Monday through Friday'`, for what
   * cron runs (text cron ignores is left out).
   */
  describe(options: { use24HourTimeFormat?: boolean } = {}): string {
    if (!this.isValid()) return 'Invalid schedule';
    if (this.isReboot()) return describeSchedule('@reboot', options);
    if (this.expression === null) return 'Never (no date or time matches the fields)';
    return describeSchedule(this.expression, options);
  }

  /** The schedule as written: the special, or the five fields separated by one space. */
  toString(): string {
    return this.special ?? this.fields.join(' ');
  }
}

/**
 * The expression to give `CronTrigger.fromCrontab` for what cron runs: fields in numbers, with
 * cron's day rule kept (day-of-month OR day-of-week when both are restricted, AND when either
 * starts with `*`), or null when nothing can ever match.
 */
function effectiveExpression(
  parsed: readonly ParsedField[],
  problems: readonly CrontabProblem[],
): string | null {
  if (parsed.length < 5 || problems.some((problem) => problem.severity === 'error')) return null;
  const [minute, hour, dom, month, dow] = parsed;
  if (minute === undefined || hour === undefined || dom === undefined) return null;
  if (month === undefined || dow === undefined) return null;
  if ([minute, hour, month].some((field) => field.values.length === 0)) return null;
  let domText = dom.effective;
  let dowText = dow.effective;
  if (dom.star || dow.star) {
    if (dom.values.length === 0 || dow.values.length === 0) return null;
  } else if (dom.values.length === 0 && dow.values.length === 0) {
    return null;
  } else if (dom.values.length === 0) {
    domText = '*'; // OR with no day of month is the days of the week alone
  } else if (dow.values.length === 0) {
    dowText = '*';
  }
  if (!canMatchDayOfMonth(dom, month, dow)) return null;
  return [minute.effective, hour.effective, domText, month.effective, dowText].join(' ');
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** False when only days of the month are wanted and none exists in the wanted months (`31 2`). */
function canMatchDayOfMonth(dom: ParsedField, month: ParsedField, dow: ParsedField): boolean {
  const daysOnly = dow.star && !dom.star;
  const orWithoutWeekdays = !dom.star && !dow.star && dow.values.length === 0;
  if (!daysOnly && !orWithoutWeekdays) return true;
  const firstDay = dom.values[0] ?? 32;
  return month.values.some((value) => (DAYS_IN_MONTH[value - 1] ?? 0) >= firstDay);
}

/** A schedule with an error for the tokens after its end. */
function withExtra(schedule: Schedule, extra: RegExpMatchArray[], what: string): Schedule {
  const first = extra[0];
  const text = extra.map((token) => token[0]).join(' ');
  const problem: CrontabProblem = {
    severity: 'error',
    line: 1,
    column: (first?.index ?? 0) + 1,
    field: null,
    value: text,
    message: `unexpected '${text}' after ${what}: a schedule is five fields or one special, without the command`,
  };
  return new Schedule(schedule.special, schedule.fields, [], [...schedule.problems, problem]);
}
