/** Validation messages: line, column, field, value, and what to do. */
import { expect, test } from 'vitest';
import {
  CronTab,
  Schedule,
  describeExpression,
  describeSchedule,
  formatProblem,
} from '../src/index.js';

function firstProblem(line: string): string {
  const [problem] = CronTab.parse(`${line}\n`).validate();
  return problem === undefined ? '' : formatProblem(problem);
}

test.each([
  [
    '61 * * * * x',
    "line 1, column 1 (minute): '61' is out of range for minute (0-59); use a value from 0 to 59",
  ],
  [
    '0 0 * * 8 x',
    "line 1, column 9 (day-of-week): '8' is out of range for day-of-week (0-7); use a value from 0 to 7",
  ],
  [
    '0 0 32 * * x',
    "line 1, column 5 (day-of-month): '32' is out of range for day-of-month (1-31); use a value from 1 to 31",
  ],
  [
    '5/10 * * * * x',
    "line 1, column 1 (minute): a step needs a range: '5/…' is refused by cron; write '5-59/…' or '*/…'",
  ],
  [
    '*/0 * * * * x',
    "line 1, column 3 (minute): '0' is not a valid step for minute; a step is a whole number of 1 or more",
  ],
  [
    '0 0 * janu * x',
    "line 1, column 7 (month): 'janu' is not a month name; names are the first three letters (jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov, dec)",
  ],
  [
    '0 0 L * * x',
    "line 1, column 5 (day-of-month): 'L' is not a day-of-month: 'L' and 'W' (last, nearest weekday) are Quartz extensions cron does not support; write a number (1-31)",
  ],
  [
    '~ * * * * x',
    "line 1, column 1 (minute): '~' (a random value, cronie's extension) is not supported by Debian's cron; write a value, a range or '*'",
  ],
  [
    '0 0 * *',
    'line 1, column 8 (day-of-week): day-of-week is missing: a job line needs five time fields (minute hour day-of-month month day-of-week) and then the command',
  ],
  [
    // Cron: "bad minute"; not a missing field.
    '1, * * * * x',
    "line 1, column 2 (minute): the minute list '1,' ends with a comma; remove it, or add a value after it",
  ],
  [
    '@every x',
    "line 1, column 1 (special): '@every' is not a cron special; the specials are @reboot, @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly",
  ],
  [
    '@DAILY x',
    "line 1, column 1 (special): '@DAILY' is not a cron special; cron only knows the lower-case '@daily'",
  ],
  [
    '0 0 * * * * x',
    "line 1, column 11 (command): the command starts with '*', which Debian's cron refuses: this looks like a sixth time field; a schedule has five (minute hour day-of-month month day-of-week)",
  ],
])('%s', (line, message) => {
  expect(firstProblem(line)).toBe(message);
});

test('warnings for what cron accepts but ignores or never runs', () => {
  expect(firstProblem('0~30 * * * * x')).toContain(
    "cron ignores '~30': '~' random ranges are cronie's",
  );
  expect(firstProblem('0 0 * * 5#2 x')).toContain("cron ignores '#2': the nth weekday");
  expect(firstProblem('10-5 * * * * x')).toContain("the range '10-5' runs backwards");
  expect(firstProblem('4294967301 * * * * x')).toContain(
    "overflows cron's integer and is read as 5",
  );
  const tab = CronTab.parse('0 0 * * 5#2 x\n');
  expect(tab.isValid()).toBe(true);
  expect(tab.jobs[0]?.describe()).toBe('At 12:00 AM, only on Friday');
});

test('a system table line needs a user', () => {
  const problems = CronTab.parse('0 0 * * *\n', { system: true }).validate();
  expect(problems[0]).toMatchObject({ field: 'user', severity: 'error' });
});

test('line numbers follow the lines of the file', () => {
  const tab = CronTab.parse('# a\n\nA=1\n0 0 * * * ok\n0 99 * * * bad\n');
  expect(tab.validate()).toMatchObject([{ line: 5, column: 3, field: 'hour', value: '99' }]);
});

test('schedules that never run', () => {
  expect(Schedule.parse('0 0 31 2 *').isNever()).toBe(true);
  expect(Schedule.parse('0 0 * * 6-1').isNever()).toBe(true);
  expect(Schedule.parse('0 0 31 2 1').isNever()).toBe(false); // day-of-week still runs it (OR)
  expect(Schedule.parse('0 0 31 2 1').nextRun(new Date('2024-01-01T00:00:00Z'), 'UTC')).toEqual(
    new Date('2024-02-05T00:00:00Z'),
  );
  expect(Schedule.parse('0 0 31 2 *').nextRun()).toBeNull();
});

test('descriptions come from cronstrue', () => {
  expect(Schedule.parse('*/15 9-17 * * mon-fri').describe()).toBe(
    'Every 15 minutes, between 09:00 AM and 05:59 PM, Monday through Friday',
  );
  expect(Schedule.parse('30 14 * * *').describe({ use24HourTimeFormat: true })).toBe('At 14:30');
  expect(Schedule.parse('@reboot').describe()).toBe('Run once, at startup');
});

test("an expression alone is described by cron's meaning, or as written where cron refuses it", () => {
  // What cron reads as Kairos does: cron's meaning (text cron ignores left out).
  expect(describeExpression(' 30 14 * * * ', { use24HourTimeFormat: true })).toBe('At 14:30');
  expect(describeExpression('0 0 * * fri')).toBe('At 12:00 AM, only on Friday');
  // Cron ignores '#2' and runs every Friday; Kairos runs the second Friday: described as Kairos
  // runs it. Likewise Kairos's seconds field, L and ?, which Debian's cron refuses.
  expect(describeExpression('0 0 * * 5#2')).toBe('At 12:00 AM, on the second Friday of the month');
  expect(describeExpression('*/10 * * * * *')).toBe('Every 10 seconds');
  expect(describeExpression('0 0 12 L * ?', { use24HourTimeFormat: true })).toBe(
    'At 12:00, on the last day of the month',
  );
  expect(describeExpression('@reboot')).toBe('Run once, at startup');
  // What Kairos refuses is not described (cronstrue would read a trailing year field).
  expect(() => describeExpression('0 0 1 1 * 2020')).toThrow(
    /day-of-week: value 2020 is outside 0\.\.7; six fields are read as second minute hour/,
  );
});

test('describeSchedule is cronstrue as written: seconds first, a year last; nonsense throws', () => {
  expect(describeSchedule('0 30 9 * * MON-FRI')).toBe('At 09:30 AM, Monday through Friday');
  expect(describeSchedule('0 0 12 * * * 2027', { use24HourTimeFormat: true })).toBe(
    'At 12:00, only in 2027',
  );
  expect(() => describeSchedule('every day at noon')).toThrow();
});
