import { describe, expect, it } from 'vitest';
import { CronTrigger, TriggerConfigError, triggerFromSpec } from '../src/index.js';
import { errorOf, fireTimes } from './helpers.js';

describe('CronTrigger keyword form (APScheduler fields)', () => {
  it('defaults fields after the least significant given one to their minimum, before it to *', () => {
    const trigger = new CronTrigger({ hour: 5, timezone: 'UTC' });
    expect(fireTimes(trigger, '2024-05-17T13:37:42Z', 2)).toEqual([
      '2024-05-18T05:00:00.000Z',
      '2024-05-19T05:00:00.000Z',
    ]);
    const everySecond = new CronTrigger({ timezone: 'UTC' });
    expect(fireTimes(everySecond, '2024-05-17T13:37:42.300Z', 2)).toEqual([
      '2024-05-17T13:37:43.000Z',
      '2024-05-17T13:37:44.000Z',
    ]);
  });

  it('reads day_of_week with 0 = Monday and ANDs day with day_of_week', () => {
    const trigger = new CronTrigger({ day: 13, dayOfWeek: 4, timezone: 'UTC' });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-09-13T00:00:00.000Z',
      '2024-12-13T00:00:00.000Z',
    ]);
  });

  it('supports last, last <weekday> and nth weekday in the day field', () => {
    expect(
      fireTimes(new CronTrigger({ day: 'last', timezone: 'UTC' }), '2024-02-01T00:00:00Z', 2),
    ).toEqual(['2024-02-29T00:00:00.000Z', '2024-03-31T00:00:00.000Z']);
    expect(
      fireTimes(new CronTrigger({ day: 'last fri', timezone: 'UTC' }), '2024-02-01T00:00:00Z', 1),
    ).toEqual(['2024-02-23T00:00:00.000Z']);
    expect(
      fireTimes(new CronTrigger({ day: '5th mon', timezone: 'UTC' }), '2024-02-01T00:00:00Z', 2),
    ).toEqual(['2024-04-29T00:00:00.000Z', '2024-07-29T00:00:00.000Z']);
  });

  it('steps from the range start (day */10 gives 1, 11, 21, 31; year */4 counts from 1970)', () => {
    expect(
      fireTimes(new CronTrigger({ day: '*/10', timezone: 'UTC' }), '2024-01-02T00:00:00Z', 4),
    ).toEqual([
      '2024-01-11T00:00:00.000Z',
      '2024-01-21T00:00:00.000Z',
      '2024-01-31T00:00:00.000Z',
      '2024-02-01T00:00:00.000Z',
    ]);
    expect(
      fireTimes(new CronTrigger({ year: '*/4', timezone: 'UTC' }), '2023-01-01T00:00:00Z', 1),
    ).toEqual(['2026-01-01T00:00:00.000Z']);
  });

  it('uses the ISO week', () => {
    const trigger = new CronTrigger({ year: 2021, week: 53, timezone: 'UTC' });
    expect(fireTimes(trigger, '2020-12-31T00:00:00Z', 4)).toEqual([
      '2021-01-01T00:00:00.000Z',
      '2021-01-02T00:00:00.000Z',
      '2021-01-03T00:00:00.000Z',
    ]);
  });

  it('bounds fire times by start_date and end_date (inclusive) and returns null after', () => {
    const trigger = new CronTrigger({
      hour: '*/12',
      startDate: '2024-06-01T12:00:00Z',
      endDate: '2024-06-02T12:00:00Z',
      timezone: 'UTC',
    });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 5)).toEqual([
      '2024-06-01T12:00:00.000Z',
      '2024-06-02T00:00:00.000Z',
      '2024-06-02T12:00:00.000Z',
    ]);
  });

  it('catches up missed fire times one by one when previous is behind now', () => {
    const trigger = new CronTrigger({ minute: '*/10', timezone: 'UTC' });
    const next = trigger.getNextFireTime(
      new Date('2024-01-01T00:00:00Z'),
      new Date('2024-01-01T01:00:00Z'),
    );
    expect(next?.toISOString()).toBe('2024-01-01T00:10:00.000Z');
  });

  it('returns null instead of running past the year 9999', () => {
    const trigger = new CronTrigger({
      year: 9999,
      month: 12,
      day: 31,
      hour: 23,
      minute: 59,
      second: 59,
      timezone: 'UTC',
    });
    expect(fireTimes(trigger, '9999-01-01T00:00:00Z', 3)).toEqual(['9999-12-31T23:59:59.000Z']);
    expect(
      new CronTrigger({ month: 2, day: 30, timezone: 'UTC' }).getNextFireTime(null, new Date()),
    ).toBeNull();
  });

  it('describes itself like APScheduler and round-trips through its spec', () => {
    const trigger = new CronTrigger({
      dayOfWeek: 'mon-fri',
      hour: 9,
      minute: '*/15',
      timezone: 'Europe/Paris',
      jitter: 3,
    });
    expect(trigger.toString()).toBe("cron[day_of_week='mon-fri', hour='9', minute='*/15']");
    const spec = trigger.toJSON();
    expect(spec).toEqual({
      type: 'cron',
      dayOfWeek: 'mon-fri',
      hour: '9',
      minute: '*/15',
      timezone: 'Europe/Paris',
      jitter: 3,
    });
    const copy = triggerFromSpec(JSON.parse(JSON.stringify(spec)) as typeof spec);
    expect(copy.toJSON()).toEqual(spec);
  });
});

describe('CronTrigger bad input', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ minute: 60 }, 'minute', /minute: 60 is outside 0\.\.59/],
    [{ hour: '0-24' }, 'hour', /24 is outside 0\.\.23/],
    [{ day: 0 }, 'day', /0 is outside 1\.\.31/],
    [{ hour: '*/0' }, 'hour', /step of 0/],
    [{ minute: '5/55' }, 'minute', /step 55 is larger than the range/],
    [{ month: '*/12' }, 'month', /step 12 is larger/],
    [{ hour: '' }, 'hour', /'' is not a valid expression/],
    [{ minute: '1,,2' }, 'minute', /'' is not a valid expression/],
    [{ minute: 1.5 }, 'minute', /'1.5' is not a valid expression/],
    [{ minute: -1 }, 'minute', /'-1' is not a valid expression/],
    [{ day_of_week: 'sun-sat' }, 'day_of_week', /runs backwards/],
    [{ day_of_week: 'foo' }, 'day_of_week', /'foo' is not a weekday name/],
    [{ month: 'foo' }, 'month', /'foo' is not a month name/],
    [{ day: '6th mon' }, 'day', /'6th mon' is not a valid expression/],
    [{ day: 'L' }, 'day', /'l' is not a valid expression/],
    [{ day_of_week: 'mon-fri/2' }, 'day_of_week', /a step cannot follow names/],
    [
      { month: 'jan/2' },
      'month',
      /a step cannot follow names; list the values instead \(for example feb,apr\)/,
    ],
    [{ day_of_week: 'fri#3' }, 'day_of_week', /'#' is crontab syntax/],
    [{ day_of_week: 'mon fri' }, 'day_of_week', /not a valid expression/],
    [{ day_of_week: 'mon-5' }, 'day_of_week', /not a valid expression/],
    [{ day: 'lastday' }, 'day', /not a valid expression/],
    [{ day: '1st monday' }, 'day', /'monday' is not a weekday name/],
    [
      { hour: 1, timezone: 'Mars/Olympus' },
      'timezone',
      /'Mars\/Olympus' is not a known IANA time zone/,
    ],
    [{ hour: 1, start_date: 'not-a-date' }, 'start_date', /is not a date-time/],
    [{ hour: 1, start_date: '2024-06-01T00:00+00:00' }, 'start_date', /is not a date-time/],
    [{ hour: 1, start_date: '2024-02-30' }, 'start_date', /not a real calendar date/],
    [
      { hour: 1, start_date: '2024-06-02', end_date: '2024-06-01' },
      'end_date',
      /is before start_date/,
    ],
    [{ hour: 1, jitter: -1 }, 'jitter', /must be a number of seconds ≥ 0/],
    [{ hour: { x: 1 } }, 'hour', /must be a number or an expression string/],
  ];

  it.each(cases)('%j fails on %s', (fields, field, message) => {
    const error = errorOf(() => triggerFromSpec({ type: 'cron', timezone: 'UTC', ...fields }));
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect((error as TriggerConfigError).field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('CronTrigger across DST (the wall-clock model)', () => {
  it('shifts a wall time inside a spring-forward gap forward by the gap', () => {
    const trigger = new CronTrigger({ hour: 2, minute: 30, timezone: 'America/New_York' });
    expect(fireTimes(trigger, '2024-03-09T12:00:00Z', 3)).toEqual([
      '2024-03-10T07:30:00.000Z', // 03:30 EDT: 02:30 does not exist that day
      '2024-03-11T06:30:00.000Z',
      '2024-03-12T06:30:00.000Z',
    ]);
  });

  it('fires a wall time repeated by a fall-back at both instants', () => {
    const trigger = new CronTrigger({ hour: 1, minute: 30, timezone: 'America/New_York' });
    expect(fireTimes(trigger, '2024-11-02T12:00:00Z', 3)).toEqual([
      '2024-11-03T05:30:00.000Z', // 01:30 EDT
      '2024-11-03T06:30:00.000Z', // 01:30 EST
      '2024-11-04T06:30:00.000Z',
    ]);
  });

  it('does not skip the day after a spring-forward (APScheduler 3 skips 2024-03-11)', () => {
    const trigger = new CronTrigger({ hour: 0, timezone: 'America/New_York' });
    expect(fireTimes(trigger, '2024-03-09T12:00:00Z', 3)).toEqual([
      '2024-03-10T05:00:00.000Z',
      '2024-03-11T04:00:00.000Z',
      '2024-03-12T04:00:00.000Z',
    ]);
  });

  it('counts an instant reached twice once (every 15 minutes through a gap)', () => {
    const trigger = new CronTrigger({ minute: '*/15', timezone: 'America/New_York' });
    expect(fireTimes(trigger, '2024-03-10T06:40:00Z', 3)).toEqual([
      '2024-03-10T06:45:00.000Z', // 01:45 EST
      '2024-03-10T07:00:00.000Z', // 03:00 EDT (02:00, 02:15, … shift onto 03:00 … and count once)
      '2024-03-10T07:15:00.000Z',
    ]);
  });

  it('handles half-hour transitions (Lord Howe) and midnight gaps (Santiago)', () => {
    const lordHowe = new CronTrigger({ hour: 2, minute: 15, timezone: 'Australia/Lord_Howe' });
    expect(fireTimes(lordHowe, '2024-10-05T12:00:00Z', 1)).toEqual(['2024-10-05T15:45:00.000Z']); // 02:45 +11:00
    const santiago = new CronTrigger({ hour: 0, timezone: 'America/Santiago' });
    expect(fireTimes(santiago, '2024-09-07T12:00:00Z', 2)).toEqual([
      '2024-09-08T04:00:00.000Z',
      '2024-09-09T03:00:00.000Z',
    ]); // 01:00 -03
  });

  it('maps the day Apia skipped in 2011 onto the next one, counted once', () => {
    // 2011-12-30 did not exist: its noon shifts by the 24 h gap onto 2011-12-31 noon (+14:00).
    const trigger = new CronTrigger({ hour: 12, timezone: 'Pacific/Apia' });
    expect(fireTimes(trigger, '2011-12-29T12:00:00Z', 3)).toEqual([
      '2011-12-29T22:00:00.000Z',
      '2011-12-30T22:00:00.000Z',
      '2011-12-31T22:00:00.000Z',
    ]);
  });
});

describe('CronTrigger.fromCrontab (standard crontab meaning)', () => {
  const at = (expr: string, start: string, count = 3, zone = 'UTC'): string[] =>
    fireTimes(CronTrigger.fromCrontab(expr, zone), start, count);

  it('numbers Sunday 0 and 7, Monday 1', () => {
    expect(at('0 0 * * 7', '2024-06-01T00:00:00Z', 1)).toEqual(['2024-06-02T00:00:00.000Z']);
    expect(at('0 0 * * 0', '2024-06-01T00:00:00Z', 1)).toEqual(['2024-06-02T00:00:00.000Z']);
    expect(at('0 9 * * 1-5', '2024-06-01T00:00:00Z', 1)).toEqual(['2024-06-03T09:00:00.000Z']);
    expect(at('0 0 * * 5-7', '2024-06-01T00:00:00Z', 3)).toEqual([
      '2024-06-01T00:00:00.000Z',
      '2024-06-02T00:00:00.000Z',
      '2024-06-07T00:00:00.000Z',
    ]);
  });

  it('matches day-of-month OR day-of-week when both are restricted, AND when one starts with * or ?', () => {
    expect(at('0 0 13 * 5', '2024-09-01T00:00:00Z', 3)).toEqual([
      '2024-09-06T00:00:00.000Z',
      '2024-09-13T00:00:00.000Z',
      '2024-09-20T00:00:00.000Z',
    ]);
    expect(at('0 0 */2 * 1', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-15T00:00:00.000Z',
    ]);
    expect(at('0 0 13 * ?', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-13T00:00:00.000Z',
      '2024-02-13T00:00:00.000Z',
    ]);
    expect(at('0 0 1-31 * 1', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-02T00:00:00.000Z',
    ]);
  });

  it('supports L, <weekday>L, <weekday>#n, a seconds field and macros', () => {
    expect(at('0 12 L 2 *', '2023-01-01T00:00:00Z', 2)).toEqual([
      '2023-02-28T12:00:00.000Z',
      '2024-02-29T12:00:00.000Z',
    ]);
    expect(at('0 9 * * FRIL', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-26T09:00:00.000Z']);
    expect(at('0 9 * * MON#2,FRIL', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-08T09:00:00.000Z',
      '2024-01-26T09:00:00.000Z',
    ]);
    expect(at('0 10 * * fri#5', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-03-29T10:00:00.000Z',
      '2024-05-31T10:00:00.000Z',
    ]);
    expect(at('*/20 * * * * *', '2024-01-01T00:00:01Z', 2)).toEqual([
      '2024-01-01T00:00:20.000Z',
      '2024-01-01T00:00:40.000Z',
    ]);
    expect(at('@weekly', '2024-06-01T00:00:00Z', 1)).toEqual(['2024-06-02T00:00:00.000Z']);
    expect(at('*/90 * * * *', '2024-06-01T00:00:30Z', 2)).toEqual([
      '2024-06-01T01:00:00.000Z',
      '2024-06-01T02:00:00.000Z',
    ]);
    expect(at('50/5 * * * *', '2024-06-01T00:00:00Z', 3)).toEqual([
      '2024-06-01T00:50:00.000Z',
      '2024-06-01T00:55:00.000Z',
      '2024-06-01T01:50:00.000Z',
    ]);
  });

  it.each([
    ['* * * *', /has 4 fields; expected 5/],
    ['* * * * * * *', /has 7 fields/],
    ['60 * * * *', /minute: value 60 is outside 0\.\.59/],
    ['0 9 * * 8', /day-of-week: value 8 is outside 0\.\.7/],
    ['0 9 * * monday', /invalid value 'monday'/],
    ['0 0 15W * *', /'W' \(nearest weekday\) is not supported/],
    ['0 0 LW * *', /'W' \(nearest weekday\) is not supported/],
    ['0 0 L-3 * *', /only a bare 'L'/],
    ['0 0 * * L', /'L' needs a weekday before it/],
    ['0 0 * * 5#6', /must be 1\.\.5/],
    ['? 0 * * *', /'\?' is only allowed as the whole day-of-month or day-of-week field/],
    ['0 0 ?,1 * *', /'\?' is only allowed/],
    ['*/0 * * * *', /step 0/],
    [',0 * * * *', /empty item/],
    ['0 0 * * sat-sun', /runs backwards/],
    ['@reboot', /unknown crontab macro '@reboot'/],
    ['0 0 last * *', /invalid value 'last'/],
    // A trailing year (Quartz) is the usual six-field mistake: the message says how six read.
    [
      '0 0 1 1 * 2020',
      /^crontab trigger: day-of-week: value 2020 is outside 0\.\.7; six fields are read as second minute hour day-of-month month day-of-week \(there is no year field\)$/,
    ],
  ])('rejects %s', (expr, message) => {
    const error = errorOf(() => CronTrigger.fromCrontab(expr, 'UTC'));
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect(error.message).toMatch(message);
  });

  it('round-trips through a crontab spec', () => {
    const trigger = CronTrigger.fromCrontab('0 9 * * 1-5', 'America/New_York', {
      startDate: '2024-01-01',
      jitter: 2,
    });
    expect(trigger.toString()).toBe("crontab['0 9 * * 1-5']");
    const spec = trigger.toJSON();
    expect(spec).toEqual({
      type: 'crontab',
      expr: '0 9 * * 1-5',
      timezone: 'America/New_York',
      startDate: '2024-01-01T05:00:00.000Z',
      jitter: 2,
    });
    expect(triggerFromSpec(spec).toJSON()).toEqual(spec);
  });
});

describe('jitter', () => {
  it('adds uniform(0, jitter) seconds from the injected random source', () => {
    const trigger = new CronTrigger(
      { hour: 9, timezone: 'UTC', jitter: 10 },
      { random: () => 0.25 },
    );
    expect(trigger.getNextFireTime(null, new Date('2024-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2024-01-01T09:00:02.500Z',
    );
  });

  it('never pushes a fire time past end_date', () => {
    const trigger = new CronTrigger(
      { hour: 9, timezone: 'UTC', jitter: 60, endDate: '2024-01-01T09:00:30Z' },
      { random: () => 0.99 },
    );
    expect(trigger.getNextFireTime(null, new Date('2024-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2024-01-01T09:00:30.000Z',
    );
  });
});

describe('CronTrigger: a schedule that never matches', () => {
  /** The fastest of five searches, each on a new trigger (a trigger remembers its last search). */
  function fastestSearchMs(fields: Record<string, unknown>, from: string): number {
    let fastest = Infinity;
    for (let run = 0; run < 5; run++) {
      const trigger = triggerFromSpec({ type: 'cron', timezone: 'UTC', ...fields });
      const started = performance.now();
      expect(trigger.getNextFireTime(null, new Date(from))).toBeNull();
      fastest = Math.min(fastest, performance.now() - started);
    }
    return fastest;
  }

  // Found by the fuzzer: February is never in ISO week 1, and the search went on day by day to
  // the year 9999 (tens of ms, hundreds cold), even past an end_date in 1988.
  it('stops at end_date instead of searching to the year 9999', () => {
    fastestSearchMs({ month: 2, week: 1 }, '1970-01-01T00:00:00Z'); // warm up
    expect(
      fastestSearchMs({ month: 2, week: 1, end_date: '1988-01-01' }, '1970-01-01T00:00:00Z'),
    ).toBeLessThan(5);
  });

  it('stops after one 400-year Gregorian cycle when no year is given', () => {
    expect(fastestSearchMs({ month: 2, week: 1 }, '1970-01-01T00:00:00Z')).toBeLessThan(8);
    // A year rule breaks the cycle: the search still finds a far match.
    const trigger = new CronTrigger({ year: 9000, month: 12, week: 1, timezone: 'UTC' });
    expect(trigger.getNextFireTime(null, new Date('2024-01-01T00:00:00Z'))?.toISOString()).toBe(
      '9000-12-29T00:00:00.000Z', // Monday of ISO week 9001-W01 (Python's isocalendar agrees)
    );
  });
});
