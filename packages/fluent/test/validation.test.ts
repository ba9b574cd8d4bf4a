/**
 * The checks `schedule` makes, each failing at the call with a message that names the call and
 * the value: units against the interval, `at()` against the unit and its format, weekdays,
 * `to()`, `until()`, and jobs that are incomplete or would never run.
 */
import { describe, expect, test } from 'vitest';
import { IntervalError, ScheduleError, ScheduleValueError } from '../src/index.js';
import { fakeScheduler } from './helpers.js';

const { scheduler } = fakeScheduler('2020-01-01T10:30:00Z');
function job(): void {}

describe('units', () => {
  test.each(['second', 'minute', 'hour', 'day', 'week'] as const)(
    'every(2).%s is an IntervalError: the singular means every(1)',
    (unit) => {
      expect(() => scheduler.every(2)[unit]).toThrow(IntervalError);
      expect(() => scheduler.every(2)[unit]).toThrow(`every(2).${unit}: use .${unit}s`);
    },
  );

  test('singular and plural units are the same for every(1)', () => {
    expect(scheduler.every().second.unit).toBe('seconds');
    expect(scheduler.every(1).seconds.unit).toBe('seconds');
    expect(scheduler.every().week.unit).toBe('weeks');
  });

  test.each([0, -1, 1.5, Number.NaN, '2'])('every(%s) is refused', (interval) => {
    expect(() => scheduler.every(interval as number)).toThrow(ScheduleValueError);
    expect(() => scheduler.every(interval as number)).toThrow('whole number of units ≥ 1');
  });

  test('a second unit is refused', () => {
    expect(() => scheduler.every().day.hours).toThrow(
      'every().day.hours: the job has a unit already (days)',
    );
  });

  test('do() without a unit says what to add', () => {
    expect(() => scheduler.every(10).do(job)).toThrow(ScheduleError);
    expect(() => scheduler.every(10).do(job)).toThrow('every(10).do(job): the job has no unit');
  });
});

describe('weekdays', () => {
  test.each([
    'monday',
    'tuesday',
    'wednesday',
    'thursday',
    'friday',
    'saturday',
    'sunday',
  ] as const)('every(2).%s is an IntervalError', (day) => {
    expect(() => scheduler.every(2)[day]).toThrow(IntervalError);
    expect(() => scheduler.every(2)[day]).toThrow(`use every().${day}`);
  });

  test('a weekday job has no random interval', () => {
    expect(() => scheduler.every(1).to(3).monday).toThrow(IntervalError);
    expect(() => scheduler.every().monday.to(3)).toThrow(IntervalError);
  });
});

describe('at()', () => {
  test.each([
    ['every(10).seconds', () => scheduler.every(10).seconds],
    ['every().week', () => scheduler.every().week],
    ['every(2).weeks', () => scheduler.every(2).weeks],
    ['every()', () => scheduler.every()],
  ])('%s has no time of day', (_name, make) => {
    expect(() => make().at('10:30')).toThrow(ScheduleValueError);
    expect(() => make().at('10:30')).toThrow(
      'at() goes after .day(s), .hour(s), .minute(s) or a weekday',
    );
  });

  test.each([
    'invalid',
    '2:30:000001',
    '::2',
    '.2',
    '2',
    ':2',
    ' 2',
    '25:00:00',
    '24:00',
    '24:61:00',
    '23:59:60',
    '10:3',
    '1030',
  ])('a daily job refuses %j', (time) => {
    expect(() => scheduler.every().day.at(time)).toThrow(ScheduleValueError);
    expect(() => scheduler.every().day.at(time)).toThrow('"HH:MM" or "HH:MM:SS"');
  });

  test.each(['10:30:00', '61:00', ':61', '1:00', '00:00:00', ':5'])(
    'an hourly job refuses %j',
    (time) => {
      expect(() => scheduler.every().hour.at(time)).toThrow('an hourly job takes "MM:SS" or ":MM"');
    },
  );

  test.each(['10:30', ':61', '00', ':5', '00:30'])('a minutely job refuses %j', (time) => {
    expect(() => scheduler.every().minute.at(time)).toThrow('a minutely job takes ":SS"');
  });

  test('a weekday job takes a daily time', () => {
    expect(() => scheduler.every().monday.at(':30')).toThrow('"HH:MM" or "HH:MM:SS"');
    expect(scheduler.every().monday.at('23:59:59').atTime).toBe('23:59:59');
  });

  test('an unknown time zone', () => {
    expect(() => scheduler.every().day.at('10:30', 'Mars/Olympus_Mons')).toThrow(
      "every().day.at('10:30', 'Mars/Olympus_Mons'): 'Mars/Olympus_Mons' is not a known time zone",
    );
  });

  test('a time that is not a string', () => {
    expect(() => scheduler.every().day.at(1030 as unknown as string)).toThrow(TypeError);
  });
});

describe('to()', () => {
  test('below the interval, or not whole', () => {
    expect(() => scheduler.every(5).to(4)).toThrow(
      'every(5).to(4): the upper bound must be a whole number ≥ the interval (5)',
    );
    expect(() => scheduler.every(5).to(7.5)).toThrow(ScheduleValueError);
  });
});

describe('until()', () => {
  test.each([
    ['a past Date', new Date('2019-12-31T00:00:00Z')],
    ['a past time today', '10:29'],
    ['a past date', '2019-06-01 10:00'],
    ['a past time of day', { hour: 9 }],
  ])('%s is in the past', (_name, input) => {
    expect(() => scheduler.every().hour.until(input)).toThrow(ScheduleValueError);
    expect(() => scheduler.every().hour.until(input)).toThrow('is in the past');
  });

  test.each([
    '10:35:90',
    '2030-13-01',
    '2030-02-30 10:00',
    'tomorrow',
    '10h30',
    '2030-01-01T10:00',
  ])('a malformed string %j', (input) => {
    expect(() => scheduler.every().hour.until(input)).toThrow(ScheduleValueError);
  });

  test('objects that are neither a duration nor a time of day', () => {
    expect(() => scheduler.every().hour.until({ hours: 1, minute: 3 })).toThrow(
      'an object is a duration with keys weeks, days, hours, minutes, seconds, milliseconds or a time of day',
    );
    expect(() => scheduler.every().hour.until({ hour: 25 })).toThrow('hour 0-23');
    expect(() => scheduler.every().hour.until({ hours: -1 })).toThrow('cannot be negative');
    expect(() => scheduler.every().hour.until(3600 as never)).toThrow(TypeError);
  });

  test('a first run after the deadline: the job would never run', () => {
    expect(() => scheduler.every().hour.until({ minutes: 30 }).do(job)).toThrow(
      'every().hour.until({"minutes":30}).do(job): the job would never run',
    );
    const { scheduler: fresh } = fakeScheduler('2020-01-01T10:30:00Z');
    expect(() => fresh.every(5).to(10).hours.until({ hours: 4 }).do(job)).toThrow(
      'would never run',
    );
    expect(fresh.getJobs()).toEqual([]);
  });

  test('a random interval drawn past the deadline ends the job unrun; it never throws', () => {
    // 5 to 10 s until 7 s from now: a draw of 5 to 7 s runs once, a longer one ends the job.
    for (const [draw, runs] of [
      [0, true],
      [0.9, false],
    ] as const) {
      const { scheduler: drawn } = fakeScheduler('2020-01-01T10:30:00Z', {}, () => draw);
      const made = drawn.every(5).to(10).seconds.until({ seconds: 7 }).do(job);
      expect(made.nextRun !== null, String(draw)).toBe(runs);
      expect(drawn.getJobs().length).toBe(runs ? 1 : 0);
    }
  });
});

describe('do(), tag() and with()', () => {
  test('a job is scheduled once; schedule changes after do() are refused, tags are not', () => {
    const daily = scheduler.every().day.do(job);
    expect(() => daily.at('10:00')).toThrow(
      'the job is scheduled already; make a new one with every()',
    );
    expect(() => daily.do(job)).toThrow(ScheduleError);
    expect(daily.tag('late').tags.has('late')).toBe(true);
  });

  test('a task name that is not registered fails at do()', () => {
    expect(() => scheduler.every().day.do('nightly-report')).toThrow(
      "Task 'nightly-report': is neither a registered task name",
    );
  });

  test('a task that is neither a function nor a string', () => {
    expect(() => scheduler.every().day.do(42 as never)).toThrow(TypeError);
    for (const [task, shown] of [
      [undefined, 'undefined'],
      [null, 'null'],
      [42, '42'],
    ] as const) {
      expect(() => scheduler.every().hour.do(task as never)).toThrow(
        `every().hour.do(${shown}): a task is a function, a registered task name or a module reference such as './tasks.js#report'; got ${shown}`,
      );
    }
  });

  test('tags are strings', () => {
    expect(() => scheduler.every().day.tag(1 as never)).toThrow('tags are strings; got 1');
  });

  test('with() checks names and values', () => {
    expect(() => scheduler.every().day.with({ executr: 'cpu' } as never)).toThrow(
      "unknown option 'executr'",
    );
    expect(() => scheduler.every().day.with({ maxInstances: 0 })).toThrow(
      'maxInstances must be a whole number ≥ 1; got 0',
    );
    expect(() => scheduler.every().day.with({ timeout: -1 })).toThrow(
      'timeout must be a number of seconds > 0, or null',
    );
  });

  test('an incomplete job is never added (schedule’s misconfigured job does not break the scheduler)', async () => {
    const { scheduler: fresh } = fakeScheduler('2020-01-01T10:30:00Z');
    void fresh.every(3).seconds; // no do()
    expect(fresh.getJobs()).toEqual([]);
    await fresh.runPending();
  });
});
