/**
 * A keyword cron trigger (APScheduler's `{hour: 9, dayOfWeek: 'mon-fri'}`) as the crontab
 * expression that means the same, for cronstrue to put into words: APScheduler's defaulting of
 * the fields below the least significant given one, its weekdays (0 = Monday, where cron's 0 is
 * Sunday) as names, and its `last`, `2nd fri`, `last fri` days as cron's `L`, `FRI#2`, `FRIL`.
 * Null for what cron cannot say (an ISO week, a day AND a weekday, several positions).
 */
import type { CronTriggerSpec } from 'kairos';

/** APScheduler's field order, most significant first, with the defaults it gives. */
const FIELDS = [
  ['year', '*'],
  ['month', '1'],
  ['day', '1'],
  ['week', '*'],
  ['dayOfWeek', '*'],
  ['hour', '0'],
  ['minute', '0'],
  ['second', '0'],
] as const;

type FieldName = (typeof FIELDS)[number][0];

/** Weekday names, index = APScheduler's number (0 = Monday), as cron (and cronstrue) spell them. */
const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
const ORDINALS: Record<string, number> = { '1st': 1, '2nd': 2, '3rd': 3, '4th': 4, '5th': 5 };

/**
 * The seven-field expression (`second minute hour day month weekday year`) of a keyword cron
 * spec, or null when cron's grammar cannot say the same thing.
 */
export function keywordCronExpression(spec: CronTriggerSpec): string | null {
  const fields = defaulted(spec);
  if (fields.week !== '*') return null;
  // APScheduler's `last` (day of the month) is cron's `L`.
  let day = fields.day
    .split(',')
    .map((item) => (item.trim() === 'last' ? 'L' : item))
    .join(',');
  let weekday = weekdayField(fields.dayOfWeek);
  if (weekday === null) return null;
  const position = dayPosition(day);
  if (position === null) return null;
  if (position !== undefined) {
    // `2nd fri` is a day in APScheduler and a weekday in cron: it moves when cron can hold it.
    if (weekday !== '*') return null;
    day = '*';
    weekday = position;
  } else if (day !== '*' && weekday !== '*') {
    // APScheduler fires when the day AND the weekday match; cron (and its words) mean OR.
    return null;
  }
  const year = fields.year === '*' ? [] : [fields.year];
  return [fields.second, fields.minute, fields.hour, day, fields.month, weekday, ...year].join(' ');
}

/** Each field's expression, with APScheduler's defaults for the ones not given. */
function defaulted(spec: CronTriggerSpec): Record<FieldName, string> {
  const given = FIELDS.filter(([name]) => spec[name] !== undefined && spec[name] !== null);
  const last = given[given.length - 1]?.[0];
  const lastIndex = FIELDS.findIndex(([name]) => name === last);
  const result = {} as Record<FieldName, string>;
  FIELDS.forEach(([name, fallback], index) => {
    const value = spec[name];
    if (value !== undefined && value !== null) result[name] = String(value).trim().toLowerCase();
    // With no field given, APScheduler's cron[] fires every second: every field is `*`.
    else result[name] = lastIndex >= 0 && index > lastIndex ? fallback : '*';
  });
  return result;
}

/**
 * The `day` field's position form as cron's weekday (`FRI#2`, `FRIL`); `L` stays a day;
 * undefined when the field holds no position, null when it mixes one with other items.
 */
function dayPosition(day: string): string | null | undefined {
  const items = day.split(',').map((item) => item.trim());
  const positional = items.filter((item) => /^(1st|2nd|3rd|4th|5th|last)\s+[a-z]+$/.test(item));
  if (positional.length === 0) return undefined;
  const match = /^(\S+)\s+([a-z]+)$/.exec(positional[0] ?? '');
  if (items.length > 1 || match?.[1] === undefined || match[2] === undefined) return null;
  const name = match[2].slice(0, 3).toUpperCase();
  if (!WEEKDAYS.includes(name)) return null;
  return match[1] === 'last' ? `${name}L` : `${name}#${ORDINALS[match[1]] ?? 1}`;
}

/**
 * APScheduler's weekday expression as a cron weekday list by name (`mon-fri` → `MON-FRI`,
 * `5,6` → `SAT,SUN`, `*\/2` → `MON,WED,FRI,SUN`); null when an item cannot be read.
 */
function weekdayField(expression: string): string | null {
  if (expression === '*') return '*';
  const days = new Set<number>();
  for (const item of expression.split(',')) {
    const expanded = expandWeekdays(item.trim());
    if (expanded === null) return null;
    for (const day of expanded) days.add(day);
  }
  if (days.size === 7) return '*';
  return runsOf([...days].sort((a, b) => a - b))
    .map(([first, last]) =>
      first === last
        ? WEEKDAYS[first]
        : last === first + 1
          ? `${WEEKDAYS[first]},${WEEKDAYS[last]}`
          : `${WEEKDAYS[first]}-${WEEKDAYS[last]}`,
    )
    .join(',');
}

/** The weekday numbers (0 = Monday) of one APScheduler item: `*\/2`, `1-3`, `2/2`, `fri`, `mon-wed`. */
function expandWeekdays(item: string): number[] | null {
  const numeric = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(item);
  const named = /^([a-z]+)(?:-([a-z]+))?$/.exec(item);
  let first: number;
  let last: number;
  let step = 1;
  if (numeric?.[1] !== undefined) {
    first = numeric[1] === '*' ? 0 : Number(numeric[1]);
    last =
      numeric[2] !== undefined
        ? Number(numeric[2])
        : numeric[1] === '*' || numeric[3] !== undefined
          ? 6
          : first;
    if (numeric[3] !== undefined) step = Number(numeric[3]);
  } else if (named?.[1] !== undefined) {
    first = WEEKDAYS.indexOf(named[1].slice(0, 3).toUpperCase());
    last = named[2] === undefined ? first : WEEKDAYS.indexOf(named[2].slice(0, 3).toUpperCase());
  } else {
    return null;
  }
  if (first < 0 || last > 6 || first > last || step < 1) return null;
  const days: number[] = [];
  for (let day = first; day <= last; day += step) days.push(day);
  return days;
}

/** Sorted numbers as runs of consecutive values: `[0,1,2,4]` → `[[0,2],[4,4]]`. */
function runsOf(sorted: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const value of sorted) {
    const run = runs[runs.length - 1];
    if (run !== undefined && run[1] === value - 1) run[1] = value;
    else runs.push([value, value]);
  }
  return runs;
}
