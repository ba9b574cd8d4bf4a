/**
 * The schedule in English (`describeTrigger`): every trigger kind against the words expected,
 * with APScheduler's weekday numbering (0 = Monday) and its field defaulting, and the
 * APScheduler form where words would be wrong.
 */
import {
  AndTrigger,
  CalendarIntervalTrigger,
  CronTrigger,
  DateTrigger,
  IntervalTrigger,
  OrTrigger,
  type Trigger,
} from 'kairos';
import { describe, expect, test } from 'vitest';
import { describeTrigger } from '../src/describe.js';

const UTC = { timezone: 'UTC' };
const cron = (fields: ConstructorParameters<typeof CronTrigger>[0]): Trigger =>
  new CronTrigger({ ...fields, timezone: 'UTC' });

describe('cron, keyword form', () => {
  test.each([
    [{ hour: 9 }, 'At 09:00 AM'],
    // No field given: APScheduler's cron[] fires every second.
    [{}, 'Every second'],
    [{ hour: 9, dayOfWeek: 'mon-fri' }, 'At 09:00 AM, Monday through Friday'],
    // APScheduler numbers weekdays from Monday: 0-4 is Monday to Friday, not Sunday to Thursday.
    [{ hour: 9, dayOfWeek: '0-4' }, 'At 09:00 AM, Monday through Friday'],
    [{ hour: 9, dayOfWeek: 0 }, 'At 09:00 AM, only on Monday'],
    [{ hour: 9, dayOfWeek: 6 }, 'At 09:00 AM, only on Sunday'],
    [{ hour: 9, dayOfWeek: '5,6' }, 'At 09:00 AM, only on Saturday and Sunday'],
    [{ hour: 9, dayOfWeek: 'sat,sun' }, 'At 09:00 AM, only on Saturday and Sunday'],
    [{ hour: 9, dayOfWeek: '*/2' }, 'At 09:00 AM, only on Monday, Wednesday, Friday, and Sunday'],
    [{ hour: 9, dayOfWeek: '0-6' }, 'At 09:00 AM'],
    [{ minute: '*/5' }, 'Every 5 minutes'],
    [{ second: '*/10' }, 'Every 10 seconds'],
    [{ hour: 9, minute: 30 }, 'At 09:30 AM'],
    [{ hour: '9-17', minute: 0 }, 'Every hour, between 09:00 AM and 05:00 PM'],
    [{ minute: 15 }, 'At 15 minutes past the hour'],
    [{ day: 1 }, 'At 12:00 AM, on day 1 of the month'],
    [{ month: 'jan', day: 1 }, 'At 12:00 AM, on day 1 of the month, only in January'],
    [{ day: 'last' }, 'At 12:00 AM, on the last day of the month'],
    [{ day: '2nd fri', hour: 18 }, 'At 06:00 PM, on the second Friday of the month'],
    [{ day: 'last fri' }, 'At 12:00 AM, on the last Friday of the month'],
    [
      { year: 2031, month: 6, day: 15, hour: 12 },
      'At 12:00 PM, on day 15 of the month, only in June, only in 2031',
    ],
  ] as const)('%j → %s', (fields, words) => {
    expect(describeTrigger(cron(fields))).toBe(words);
  });

  test('the 24-hour form on request', () => {
    expect(describeTrigger(cron({ hour: 21, minute: 5 }), { use24HourTimeFormat: true })).toBe(
      'At 21:05',
    );
  });

  test('what cron cannot say comes back in the APScheduler form', () => {
    // An ISO week; a day AND a weekday (cron would read OR); two positions in one field.
    expect(describeTrigger(cron({ week: 1, hour: 9 }))).toBe("cron[week='1', hour='9']");
    expect(describeTrigger(cron({ day: 13, dayOfWeek: 'fri' }))).toBe(
      "cron[day='13', day_of_week='fri']",
    );
    expect(describeTrigger(cron({ day: '1st mon,last fri' }))).toMatch(/^cron\[day=/);
  });
});

describe('cron, crontab form', () => {
  test.each([
    ['0 9 * * 1-5', 'At 09:00 AM, Monday through Friday'],
    // Cron's own numbering: 0 is Sunday here.
    ['0 9 * * 0', 'At 09:00 AM, only on Sunday'],
    ['*/5 * * * *', 'Every 5 minutes'],
    ['@daily', 'At 12:00 AM'],
    ['@hourly', 'Every hour'],
    ['30 2 1 * *', 'At 02:30 AM, on day 1 of the month'],
    // Kairos's extensions, which Debian's cron would refuse.
    ['*/10 * * * * *', 'Every 10 seconds'],
    ['0 0 L * *', 'At 12:00 AM, on the last day of the month'],
    ['0 0 * * 5#2', 'At 12:00 AM, on the second Friday of the month'],
  ])('%s → %s', (expression, words) => {
    expect(describeTrigger(CronTrigger.fromCrontab(expression, 'UTC'))).toBe(words);
  });
});

describe('interval', () => {
  test.each([
    [{ minutes: 5 }, 'Every 5 minutes'],
    [{ hours: 1 }, 'Every hour'],
    [{ seconds: 1 }, 'Every second'],
    [{ weeks: 2 }, 'Every 2 weeks'],
    [{ days: 1, hours: 12 }, 'Every 1 day and 12 hours'],
    [{ hours: 1, minutes: 30, seconds: 15 }, 'Every 1 hour, 30 minutes and 15 seconds'],
    [{ seconds: 0.5 }, 'Every 0.5 seconds'],
  ])('%j → %s', (fields, words) => {
    expect(describeTrigger(new IntervalTrigger({ ...fields, ...UTC }))).toBe(words);
  });
});

describe('date', () => {
  test('once, in the trigger zone', () => {
    const trigger = new DateTrigger({ runDate: '2026-12-07 09:00:00', timezone: 'Europe/Paris' });
    expect(describeTrigger(trigger)).toBe('Once, at 2026-12-07 09:00 (Europe/Paris)');
  });

  test('with seconds when it has some', () => {
    const trigger = new DateTrigger({ runDate: '2030-01-01T08:30:15Z', timezone: 'UTC' });
    expect(describeTrigger(trigger)).toBe('Once, at 2030-01-01 08:30:15 (UTC)');
  });
});

describe('calendar interval', () => {
  test.each([
    [{ months: 1, hour: 9 }, 'Every month, at 09:00 AM'],
    [{ weeks: 2, hour: 18, minute: 30, second: 15 }, 'Every 2 weeks, at 06:30:15 PM'],
    [{ years: 1, months: 6 }, 'Every 1 year and 6 months, at 12:00 AM'],
    [{ days: 1 }, 'Every day, at 12:00 AM'],
  ])('%j → %s', (fields, words) => {
    expect(describeTrigger(new CalendarIntervalTrigger({ ...fields, ...UTC }))).toBe(words);
  });

  test('in the 24-hour form', () => {
    const trigger = new CalendarIntervalTrigger({ days: 3, hour: 21, ...UTC });
    expect(describeTrigger(trigger, { use24HourTimeFormat: true })).toBe('Every 3 days, at 21:00');
  });
});

describe('and / or', () => {
  test('each child in words', () => {
    const or = new OrTrigger({
      triggers: [
        cron({ hour: 9, dayOfWeek: 'mon-fri' }),
        new IntervalTrigger({ hours: 6, ...UTC }),
      ],
    });
    expect(describeTrigger(or)).toBe(
      'Whenever any of these fires: (At 09:00 AM, Monday through Friday) or (Every 6 hours)',
    );
    const and = new AndTrigger({ triggers: [cron({ dayOfWeek: 'fri' }), cron({ day: 13 })] });
    expect(describeTrigger(and)).toBe(
      'Whenever all of these fire at once: (At 12:00 AM, only on Friday) and (At 12:00 AM, on day 13 of the month)',
    );
  });
});

test("a plugin's trigger in its own words", () => {
  const custom: Trigger = {
    type: 'custom',
    getNextFireTime: () => null,
    toJSON: () => ({ type: 'custom' }),
    toString: () => 'custom[every full moon]',
  };
  expect(describeTrigger(custom)).toBe('custom[every full moon]');
});
