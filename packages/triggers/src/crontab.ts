/**
 * Crontab strings with the meaning crontab gives them (Vixie cron): 5 fields or 6 with leading
 * seconds, `@daily`-style macros, 0 and 7 = Sunday, day-of-month OR day-of-week when both are
 * restricted, plus `L`, `<weekday>L`, `<weekday>#n` and `?`. Parsed into the same
 * {@link CronScheduleParts} as the keyword form, so one engine evaluates both.
 */
import type { CronScheduleParts, DayItem, RangeItem } from './cron-schedule.js';
import { TriggerConfigError, show } from './errors.js';

/** The crontab macros and the five fields each stands for (`@reboot` has none: it is no schedule). */
export const CRONTAB_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly namesFrom?: number;
}

const SECOND: FieldRule = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldRule = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldRule = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldRule = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldRule = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  namesFrom: 1,
};
// Crontab numbers days of the week from Sunday = 0 (and 7).
const DAY_OF_WEEK: FieldRule = {
  name: 'day-of-week',
  min: 0,
  max: 7,
  names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
  namesFrom: 0,
};

const ITEM = /^(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:\/(\d+))?$/;

/** Crontab's Sunday-first weekday number (0..7) as APScheduler's Monday-first one (0..6). */
function toMondayFirst(weekday: number): number {
  return (weekday + 6) % 7;
}

function fail(expr: string, field: string, problem: string): never {
  throw new TriggerConfigError('crontab', field, expr, problem);
}

/** Parses a crontab expression into schedule parts. */
export function parseCrontab(expr: unknown): CronScheduleParts {
  if (typeof expr !== 'string') {
    throw new TriggerConfigError(
      'crontab',
      'expr',
      expr,
      `${show(expr)} must be a crontab string such as '0 9 * * 1-5'`,
    );
  }
  const text = expr.trim();
  let source = text;
  if (text.startsWith('@')) {
    const macro = CRONTAB_MACROS[text];
    if (macro === undefined) {
      fail(
        expr,
        'expr',
        `unknown crontab macro ${show(text)}; known macros are ${Object.keys(CRONTAB_MACROS).join(', ')}`,
      );
    }
    source = macro;
  }
  const fields = source.split(/\s+/).filter((field) => field !== '');
  if (fields.length !== 5 && fields.length !== 6) {
    fail(
      expr,
      'expr',
      `${show(text)} has ${fields.length} fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (with leading seconds)`,
    );
  }
  if (fields.length === 6) {
    try {
      return parseFields(expr, fields);
    } catch (error) {
      // The usual six-field mistake is a trailing year (Quartz): say how six fields are read.
      if (!(error instanceof TriggerConfigError)) throw error;
      throw new TriggerConfigError(
        'crontab',
        error.field,
        error.value,
        `${error.problem}; six fields are read as second minute hour day-of-month month ` +
          `day-of-week (there is no year field)`,
      );
    }
  }
  return parseFields(expr, ['0', ...fields]);
}

/** The schedule parts of six fields, seconds first. */
function parseFields(expr: string, fields: readonly string[]): CronScheduleParts {
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const dom = parseDayOfMonth(expr, dayOfMonth ?? '');
  const dow = parseDayOfWeek(expr, dayOfWeek ?? '');
  // Vixie: a field whose text starts with '*' (or '?') is unrestricted; only when both day
  // fields are restricted does a day match if either matches.
  const domStar = /^[*?]/.test(dayOfMonth ?? '');
  const dowStar = /^[*?]/.test(dayOfWeek ?? '');
  return {
    years: null,
    months: expand(expr, MONTH, month ?? ''),
    dayItems: dom,
    weekdays: dow.weekdays,
    weekdayItems: dow.items,
    weeks: null,
    dayCombine: domStar || dowStar ? 'and' : 'or',
    hours: expand(expr, HOUR, hour ?? ''),
    minutes: expand(expr, MINUTE, minute ?? ''),
    seconds: expand(expr, SECOND, second ?? ''),
  };
}

function expand(expr: string, rule: FieldRule, field: string): number[] {
  const values: number[] = [];
  for (const item of items(expr, rule, field)) {
    const range = parseRange(expr, rule, item);
    for (let value = range.first; value <= range.last; value += range.step) values.push(value);
  }
  return values;
}

function items(expr: string, rule: FieldRule, field: string): string[] {
  return field.split(',').map((item) => {
    if (item === '') fail(expr, rule.name, `empty item in ${show(field)}; remove the extra comma`);
    if (item === '?')
      fail(expr, rule.name, `'?' is only allowed as the whole day-of-month or day-of-week field`);
    return item.toLowerCase();
  });
}

function parseRange(expr: string, rule: FieldRule, item: string): RangeItem {
  const match = ITEM.exec(item);
  if (!match?.[1])
    fail(
      expr,
      rule.name,
      `invalid value ${show(item)}; expected *, a value, a range a-b, each with an optional /step`,
    );
  const [, firstText, lastText, stepText] = match;
  let first: number;
  let last: number;
  if (firstText === '*') {
    if (lastText !== undefined)
      fail(expr, rule.name, `invalid value ${show(item)}: '*' cannot start a range`);
    first = rule.min;
    last = rule.max;
  } else {
    first = value(expr, rule, firstText);
    // 'v/n' means v through the field's maximum, stepping n (the common crontab reading).
    last =
      lastText !== undefined
        ? value(expr, rule, lastText)
        : stepText !== undefined
          ? rule.max
          : first;
  }
  if (first > last)
    fail(
      expr,
      rule.name,
      `range ${show(item)} runs backwards; crontab ranges do not wrap around, list the values instead`,
    );
  const step = stepText === undefined ? 1 : Number(stepText);
  if (step === 0) fail(expr, rule.name, `step 0 in ${show(item)} never advances; use 1 or more`);
  return { kind: 'range', first, last, step };
}

function value(expr: string, rule: FieldRule, text: string): number {
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    if (number < rule.min || number > rule.max)
      fail(expr, rule.name, `value ${number} is outside ${rule.min}..${rule.max}`);
    return number;
  }
  const index = rule.names?.indexOf(text) ?? -1;
  if (index < 0) {
    const names = rule.names ? ` or a three-letter name (${rule.names.join(', ')})` : '';
    fail(
      expr,
      rule.name,
      `invalid value ${show(text)}; expected a number ${rule.min}..${rule.max}${names}`,
    );
  }
  return index + (rule.namesFrom ?? 0);
}

function parseDayOfMonth(expr: string, field: string): DayItem[] {
  if (field === '?') return [{ kind: 'range', first: 1, last: 31, step: 1 }];
  return items(expr, DAY_OF_MONTH, field).map((item): DayItem => {
    if (item === 'l') return { kind: 'last' };
    if (/w/.test(item))
      fail(
        expr,
        DAY_OF_MONTH.name,
        `invalid value ${show(item)}: 'W' (nearest weekday) is not supported`,
      );
    if (/^l./.test(item))
      fail(
        expr,
        DAY_OF_MONTH.name,
        `invalid value ${show(item)}: only a bare 'L' (last day of the month) is supported`,
      );
    return parseRange(expr, DAY_OF_MONTH, item);
  });
}

function parseDayOfWeek(expr: string, field: string): { weekdays: number[]; items: DayItem[] } {
  if (field === '?') return { weekdays: [0, 1, 2, 3, 4, 5, 6], items: [] };
  const weekdays = new Set<number>();
  const special: DayItem[] = [];
  for (const item of items(expr, DAY_OF_WEEK, field)) {
    const last = /^([a-z0-9]+)l$/.exec(item);
    const nth = /^([a-z0-9]+)#(\d+)$/.exec(item);
    if (item === 'l') {
      fail(
        expr,
        DAY_OF_WEEK.name,
        `invalid value 'L': in day-of-week, 'L' needs a weekday before it (for example 5L = last Friday)`,
      );
    } else if (last?.[1] !== undefined) {
      special.push({
        kind: 'weekday',
        weekday: toMondayFirst(value(expr, DAY_OF_WEEK, last[1])),
        nth: -1,
      });
    } else if (nth?.[1] !== undefined) {
      const n = Number(nth[2]);
      if (n < 1 || n > 5)
        fail(
          expr,
          DAY_OF_WEEK.name,
          `invalid value ${show(item)}: the week number after '#' must be 1..5`,
        );
      special.push({
        kind: 'weekday',
        weekday: toMondayFirst(value(expr, DAY_OF_WEEK, nth[1])),
        nth: n,
      });
    } else {
      const range = parseRange(expr, DAY_OF_WEEK, item);
      for (let day = range.first; day <= range.last; day += range.step)
        weekdays.add(toMondayFirst(day));
    }
  }
  return { weekdays: [...weekdays].sort((a, b) => a - b), items: special };
}
