/**
 * APScheduler's keyword cron fields (`year, month, day, week, day_of_week, hour, minute, second`)
 * and their expression grammar, parsed into the parts of a {@link CronSchedule}. Stricter than
 * APScheduler: input its regexes silently truncate (`mon-fri/2`, `fri#3`) is rejected.
 */
import type { CronScheduleParts, DayItem, RangeItem } from './cron-schedule.js';
import { TriggerConfigError, show } from './errors.js';

/** The keyword fields, most significant first (APScheduler's order). */
export const CRON_FIELD_NAMES = [
  'year',
  'month',
  'day',
  'week',
  'day_of_week',
  'hour',
  'minute',
  'second',
] as const;

/** A keyword field name in APScheduler's spelling. */
export type CronFieldName = (typeof CRON_FIELD_NAMES)[number];

const MIN: Record<CronFieldName, number> = {
  year: 1970,
  month: 1,
  day: 1,
  week: 1,
  day_of_week: 0,
  hour: 0,
  minute: 0,
  second: 0,
};
const MAX: Record<CronFieldName, number> = {
  year: 9999,
  month: 12,
  day: 31,
  week: 53,
  day_of_week: 6,
  hour: 23,
  minute: 59,
  second: 59,
};
// APScheduler's defaults for fields less significant than the least significant given one.
const DEFAULTS: Record<CronFieldName, string> = {
  year: '*',
  month: '1',
  day: '1',
  week: '*',
  day_of_week: '*',
  hour: '0',
  minute: '0',
  second: '0',
};

/** Weekday names, index = APScheduler's number (0 = Monday). */
export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** Month names, index + 1 = month number. */
export const MONTH_NAMES = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
];
const ORDINALS = ['1st', '2nd', '3rd', '4th', '5th'];

const ALL = /^\*(?:\/(\d+))?$/;
const RANGE = /^(\d+)(?:-(\d+))?(?:\/(\d+))?$/;
const NAMES = /^([a-z]+)(?:-([a-z]+))?$/;
const POSITION = /^(1st|2nd|3rd|4th|5th|last)\s+([a-z]+)$/;

/** The expressions of the fields that were given, normalised to strings. */
export type GivenCronFields = Partial<Record<CronFieldName, string>>;

/** Normalises the raw field values (numbers become strings; null and undefined mean "not given"). */
export function normaliseCronFields(raw: Partial<Record<CronFieldName, unknown>>): GivenCronFields {
  const given: GivenCronFields = {};
  for (const name of CRON_FIELD_NAMES) {
    const value = raw[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new TriggerConfigError(
        'cron',
        name,
        value,
        `${show(value)} must be a number or an expression string`,
      );
    }
    given[name] = String(value).trim();
  }
  return given;
}

/** Builds the schedule parts for the given fields, with APScheduler's defaulting of the others. */
export function parseCronFields(given: GivenCronFields): CronScheduleParts {
  const expressions = {} as Record<CronFieldName, string>;
  let remaining = Object.keys(given).length;
  let assignDefaults = false;
  for (const name of CRON_FIELD_NAMES) {
    const value = given[name];
    if (value !== undefined) {
      expressions[name] = value;
      remaining -= 1;
      assignDefaults = remaining === 0;
    } else {
      expressions[name] = assignDefaults ? DEFAULTS[name] : '*';
    }
  }
  const years = parseField('year', expressions.year);
  const days = parseField('day', expressions.day);
  const weeks = parseField('week', expressions.week);
  return {
    years: expressions.year === '*' ? null : (years as RangeItem[]),
    months: expand('month', expressions.month),
    dayItems: days,
    weekdays: expand('day_of_week', expressions.day_of_week),
    weekdayItems: [],
    weeks: expressions.week === '*' ? null : expandItems(weeks as RangeItem[]),
    dayCombine: 'and',
    hours: expand('hour', expressions.hour),
    minutes: expand('minute', expressions.minute),
    seconds: expand('second', expressions.second),
  };
}

function expand(field: CronFieldName, expression: string): number[] {
  return expandItems(parseField(field, expression) as RangeItem[]);
}

function expandItems(items: readonly RangeItem[]): number[] {
  const values: number[] = [];
  for (const item of items)
    for (let value = item.first; value <= item.last; value += item.step) values.push(value);
  return values;
}

function parseField(field: CronFieldName, expression: string): DayItem[] {
  return expression
    .split(',')
    .map((item) => parseItem(field, item.trim().toLowerCase(), expression));
}

function fail(field: CronFieldName, expression: string, problem: string): never {
  throw new TriggerConfigError('cron', field, expression, problem);
}

function parseItem(field: CronFieldName, item: string, expression: string): DayItem {
  let match = ALL.exec(item);
  if (match) return range(field, expression, MIN[field], MAX[field], match[1], true);
  match = RANGE.exec(item);
  if (match) {
    const first = Number(match[1]);
    const last =
      match[2] === undefined ? (match[3] === undefined ? first : MAX[field]) : Number(match[2]);
    // APScheduler validates `a-0/n` against the field maximum (0 is falsy there); only 0 fires.
    return range(field, expression, first, last, match[3], false, match[2] === '0');
  }
  if (field === 'month' || field === 'day_of_week') {
    match = NAMES.exec(item);
    if (match?.[1] !== undefined) {
      const names = field === 'month' ? MONTH_NAMES : WEEKDAY_NAMES;
      const offset = field === 'month' ? 1 : 0;
      const first = nameIndex(field, names, match[1], expression) + offset;
      const last =
        match[2] === undefined ? first : nameIndex(field, names, match[2], expression) + offset;
      if (first > last) {
        fail(
          field,
          expression,
          `range '${item}' runs backwards; wrap-around ranges are not supported, list the values instead (for example 'sat,sun')`,
        );
      }
      return { kind: 'range', first, last, step: 1 };
    }
  }
  if (field === 'day') {
    if (item === 'last') return { kind: 'last' };
    match = POSITION.exec(item);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      const weekday = nameIndex(field, WEEKDAY_NAMES, match[2], expression);
      return {
        kind: 'weekday',
        weekday,
        nth: match[1] === 'last' ? -1 : ORDINALS.indexOf(match[1]) + 1,
      };
    }
  }
  fail(field, expression, `${show(item)} is not a valid expression; ${grammarHint(field, item)}`);
}

function grammarHint(field: CronFieldName, item: string): string {
  if (item.includes('#'))
    return `'#' is crontab syntax: use CronTrigger.fromCrontab(), or write day='3rd fri' here`;
  if (/^[a-z]+(?:-[a-z]+)?\//.test(item))
    return `a step cannot follow names; list the values instead (for example ${field === 'month' ? 'feb,apr' : 'mon,wed,fri'})`;
  const forms = '*, */n, a, a-b, a-b/n, a/n, or a comma-separated list of those';
  if (field === 'month') return `expected ${forms}, with month names jan..dec`;
  if (field === 'day_of_week') return `expected ${forms}, with 0 = Monday or names mon..sun`;
  if (field === 'day')
    return `expected ${forms}, 'last', or '1st'..'5th'/'last' followed by a weekday name (for example '2nd mon')`;
  return `expected ${forms}`;
}

function nameIndex(
  field: CronFieldName,
  names: string[],
  name: string,
  expression: string,
): number {
  const index = names.indexOf(name);
  if (index < 0) {
    const kind = names === MONTH_NAMES ? 'month' : 'weekday';
    fail(field, expression, `'${name}' is not a ${kind} name (${names.join(', ')})`);
  }
  return index;
}

function range(
  field: CronFieldName,
  expression: string,
  first: number,
  last: number,
  stepText: string | undefined,
  all: boolean,
  validateAgainstMax = false,
): RangeItem {
  const min = MIN[field];
  const max = MAX[field];
  const bounds =
    field === 'day' ? `${min}..${max} (days past a month's end never match)` : `${min}..${max}`;
  if (first < min) fail(field, expression, `${first} is outside ${bounds}`);
  if (last > max) fail(field, expression, `${last} is outside ${bounds}`);
  if (first > last)
    fail(
      field,
      expression,
      `range ${first}-${last} runs backwards; the first value must not exceed the last`,
    );
  let step = 1;
  if (stepText !== undefined) {
    step = Number(stepText);
    if (step === 0) fail(field, expression, `a step of 0 never advances; use 1 or more`);
    const span = (all || validateAgainstMax ? max : last) - first;
    if (step > span) {
      fail(
        field,
        expression,
        `step ${step} is larger than the range it steps through (${first}..${all || validateAgainstMax ? max : last}); it would match only once`,
      );
    }
  }
  return { kind: 'range', first, last, step };
}
