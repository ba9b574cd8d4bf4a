/**
 * When jobs run: `schedule`'s next-run rules for every unit, `at()` form, weekday, `to()` and
 * `until()`, ported from its documentation and test suite (times as `schedule` computes them,
 * in UTC on a fake clock).
 */
import { describe, expect, test } from 'vitest';
import type { Scheduler } from '../src/index.js';
import { fakeScheduler, iso, loop, recorder } from './helpers.js';

// 2010-01-06 is a Wednesday (schedule's tests use this date).
const WED_12_15 = '2010-01-06T12:15:00Z';

function job(): void {}

describe('intervals: the first run is one interval after the job is made', () => {
  test.each([
    [(s: Scheduler) => s.every().second, '2010-01-06T12:15:01.000Z'],
    [(s: Scheduler) => s.every(3).seconds, '2010-01-06T12:15:03.000Z'],
    [(s: Scheduler) => s.every().minute, '2010-01-06T12:16:00.000Z'],
    [(s: Scheduler) => s.every(5).minutes, '2010-01-06T12:20:00.000Z'],
    [(s: Scheduler) => s.every().hour, '2010-01-06T13:15:00.000Z'],
    [(s: Scheduler) => s.every(3).hours, '2010-01-06T15:15:00.000Z'],
    [(s: Scheduler) => s.every().day, '2010-01-07T12:15:00.000Z'],
    [(s: Scheduler) => s.every(3).days, '2010-01-09T12:15:00.000Z'],
    [(s: Scheduler) => s.every().week, '2010-01-13T12:15:00.000Z'],
    [(s: Scheduler) => s.every(3).weeks, '2010-01-27T12:15:00.000Z'],
  ])('%#', (make, expected) => {
    const { scheduler } = fakeScheduler(WED_12_15);
    expect(iso(make(scheduler).do(job).nextRun)).toBe(expected);
  });

  test('every(3).seconds runs every 3 seconds in the manual loop', async () => {
    const { clock, scheduler } = fakeScheduler(WED_12_15);
    const task = recorder(clock);
    scheduler.every(3).seconds.do(task);
    await loop(clock, scheduler, 10);
    expect(task.calls.map((call) => call.at)).toEqual([
      '2010-01-06T12:15:03.000Z',
      '2010-01-06T12:15:06.000Z',
      '2010-01-06T12:15:09.000Z',
    ]);
  });

  test('a job missed many times runs once, then keeps its grid (run_pending does not run missed jobs)', async () => {
    const { clock, scheduler } = fakeScheduler(WED_12_15);
    const task = recorder(clock);
    const minutely = scheduler.every().minute.do(task);
    clock.jump(60 * 60_000 + 30_000); // an hour and a half minute later
    await scheduler.runPending();
    expect(task.calls).toHaveLength(1);
    expect(iso(minutely.nextRun)).toBe('2010-01-06T13:16:00.000Z');
    expect(iso(minutely.lastRun)).toBe('2010-01-06T13:15:30.000Z');
  });

  test('a slow job does not shift the schedule (a fixed grid, unlike schedule’s drift)', async () => {
    const { clock, scheduler } = fakeScheduler(WED_12_15);
    const runs: string[] = [];
    scheduler.every(10).seconds.do(() => {
      runs.push(new Date(clock.now()).toISOString());
      clock.jump(4_000); // the run takes 4 s
    });
    await loop(clock, scheduler, 30);
    // Each run starts on the 10-second grid although each one ends 4 s past it.
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const run of runs) expect((Date.parse(run) - Date.parse(WED_12_15)) % 10_000).toBe(0);
  });
});

describe('at(): a time of day, of the hour or of the minute', () => {
  test('every().day.at() is today when the time is still ahead, tomorrow otherwise', () => {
    const { scheduler } = fakeScheduler(WED_12_15);
    expect(iso(scheduler.every().day.at('12:30').do(job).nextRun)).toBe('2010-01-06T12:30:00.000Z');
    expect(iso(scheduler.every().day.at('09:00').do(job).nextRun)).toBe('2010-01-07T09:00:00.000Z');
    expect(iso(scheduler.every().day.at('10:30:42').do(job).nextRun)).toBe(
      '2010-01-07T10:30:42.000Z',
    );
    // The very same second is not "ahead".
    expect(iso(scheduler.every().day.at('12:15').do(job).nextRun)).toBe('2010-01-07T12:15:00.000Z');
  });

  test('every(n).days.at() first runs n days from now, at the time', () => {
    const { scheduler } = fakeScheduler(WED_12_15);
    expect(iso(scheduler.every(3).days.at('12:30').do(job).nextRun)).toBe(
      '2010-01-09T12:30:00.000Z',
    );
    expect(iso(scheduler.every(2).days.at('09:00').do(job).nextRun)).toBe(
      '2010-01-08T09:00:00.000Z',
    );
  });

  test('every().day.at() runs once a day (this loop looks once a day, at 12:15)', async () => {
    const { clock, scheduler } = fakeScheduler(WED_12_15);
    const task = recorder(clock);
    scheduler.every().day.at('10:30').do(task);
    for (let day = 0; day < 3; day++) {
      clock.jump(24 * 3_600_000);
      await scheduler.runPending();
    }
    expect(task.calls.map((call) => call.at)).toEqual([
      '2010-01-07T12:15:00.000Z',
      '2010-01-08T12:15:00.000Z',
      '2010-01-09T12:15:00.000Z',
    ]);
  });

  test('every().hour.at(":MM") and at("MM:SS") (schedule’s test_at_time_hour, at 12:20)', () => {
    const { scheduler } = fakeScheduler('2010-01-06T12:20:00Z');
    expect(iso(scheduler.every().hour.at(':30').do(job).nextRun)).toBe('2010-01-06T12:30:00.000Z');
    expect(iso(scheduler.every().hour.at(':10').do(job).nextRun)).toBe('2010-01-06T13:10:00.000Z');
    expect(iso(scheduler.every().hour.at(':00').do(job).nextRun)).toBe('2010-01-06T13:00:00.000Z');
    expect(iso(scheduler.every().hour.at('20:30').do(job).nextRun)).toBe(
      '2010-01-06T12:20:30.000Z',
    );
    expect(iso(scheduler.every(2).hours.at(':30').do(job).nextRun)).toBe(
      '2010-01-06T13:30:00.000Z',
    );
    expect(iso(scheduler.every(2).hours.at(':10').do(job).nextRun)).toBe(
      '2010-01-06T14:10:00.000Z',
    );
  });

  test('every(5).hours.at("20:30"): at 02:00, first at 06:20:30, then every 5 hours (the docs’ example)', async () => {
    const { clock, scheduler } = fakeScheduler('2010-01-06T02:00:00Z');
    const task = recorder(clock);
    const fiveHourly = scheduler.every(5).hours.at('20:30').do(task);
    expect(iso(fiveHourly.nextRun)).toBe('2010-01-06T06:20:30.000Z');
    await clock.advanceTo('2010-01-06T06:20:30Z');
    await scheduler.runPending();
    expect(iso(fiveHourly.nextRun)).toBe('2010-01-06T11:20:30.000Z');
  });

  test('every().minute.at(":SS") (schedule’s test_at_time_minute, at 12:20:30)', () => {
    const { scheduler } = fakeScheduler('2010-01-06T12:20:30Z');
    expect(iso(scheduler.every().minute.at(':40').do(job).nextRun)).toBe(
      '2010-01-06T12:20:40.000Z',
    );
    expect(iso(scheduler.every().minute.at(':10').do(job).nextRun)).toBe(
      '2010-01-06T12:21:10.000Z',
    );
    expect(iso(scheduler.every(2).minutes.at(':40').do(job).nextRun)).toBe(
      '2010-01-06T12:21:40.000Z',
    );
    expect(iso(scheduler.every(2).minutes.at(':10').do(job).nextRun)).toBe(
      '2010-01-06T12:22:10.000Z',
    );
  });

  test('every().minute.at(":17") runs at second 17 of each minute', async () => {
    const { clock, scheduler } = fakeScheduler('2010-01-06T12:20:30Z');
    const task = recorder(clock);
    scheduler.every().minute.at(':17').do(task);
    await loop(clock, scheduler, 150);
    expect(task.calls.map((call) => call.at)).toEqual([
      '2010-01-06T12:21:17.000Z',
      '2010-01-06T12:22:17.000Z',
    ]);
  });

  test('at() with a time zone: 12:42 in Amsterdam is 11:42 UTC in winter and 10:42 UTC in summer', async () => {
    const { clock, scheduler } = fakeScheduler('2010-03-26T12:00:00Z');
    const task = recorder(clock);
    const amsterdam = scheduler.every().day.at('12:42', 'Europe/Amsterdam').do(task);
    expect(iso(amsterdam.nextRun)).toBe('2010-03-27T11:42:00.000Z');
    await clock.advanceTo('2010-03-27T11:42:00Z');
    await scheduler.runPending();
    // Summer time starts on 28 March 2010.
    expect(iso(amsterdam.nextRun)).toBe('2010-03-28T10:42:00.000Z');
    expect(amsterdam.atTimeZone).toBe('Europe/Amsterdam');
  });

  test('at() without a zone uses the scheduler’s time zone', () => {
    const { scheduler } = fakeScheduler(WED_12_15, { timezone: 'America/New_York' });
    // 12:15 UTC is 07:15 in New York.
    expect(iso(scheduler.every().day.at('08:00').do(job).nextRun)).toBe('2010-01-06T13:00:00.000Z');
  });
});

describe('weekdays', () => {
  test.each([
    ['monday', '2010-01-11'],
    ['tuesday', '2010-01-12'],
    ['wednesday', '2010-01-13'],
    ['thursday', '2010-01-07'],
    ['friday', '2010-01-08'],
    ['saturday', '2010-01-09'],
    ['sunday', '2010-01-10'],
  ] as const)(
    'every().%s without at() runs on the next such day at the time it was made',
    (day, date) => {
      const { scheduler } = fakeScheduler(WED_12_15);
      expect(iso(scheduler.every()[day].do(job).nextRun)).toBe(`${date}T12:15:00.000Z`);
    },
  );

  test('every().wednesday.at() is today when the time is still ahead (a Wednesday), else next week', () => {
    const { scheduler } = fakeScheduler(WED_12_15);
    expect(iso(scheduler.every().wednesday.at('13:15').do(job).nextRun)).toBe(
      '2010-01-06T13:15:00.000Z',
    );
    expect(iso(scheduler.every().wednesday.at('11:00').do(job).nextRun)).toBe(
      '2010-01-13T11:00:00.000Z',
    );
    expect(iso(scheduler.every().monday.at('22:00').do(job).nextRun)).toBe(
      '2010-01-11T22:00:00.000Z',
    );
  });

  test('a weekday job runs weekly', async () => {
    const { clock, scheduler } = fakeScheduler(WED_12_15);
    const task = recorder(clock);
    scheduler.every().friday.at('09:30:15').do(task);
    for (let day = 0; day < 15; day++) {
      clock.jump(24 * 3_600_000);
      await scheduler.runPending();
    }
    expect(task.calls.map((call) => call.at)).toEqual([
      '2010-01-08T12:15:00.000Z',
      '2010-01-15T12:15:00.000Z',
    ]);
    expect(iso(scheduler.getJobs()[0]?.nextRun ?? null)).toBe('2010-01-22T09:30:15.000Z');
  });
});

describe('to(): a random interval', () => {
  test('every(5).to(10).seconds waits 5 to 10 whole seconds, both ends included', async () => {
    const { clock, scheduler } = fakeScheduler(WED_12_15);
    const task = recorder(clock);
    scheduler.every(5).to(10).seconds.do(task);
    await loop(clock, scheduler, 2000);
    const times = task.calls.map((call) => Date.parse(call.at));
    const gaps = times.slice(1).map((time, index) => (time - (times[index] ?? 0)) / 1000);
    expect(new Set(gaps)).toEqual(new Set([5, 6, 7, 8, 9, 10]));
  });

  test('the draw comes from the scheduler’s random source', () => {
    const low = fakeScheduler(WED_12_15, {}, () => 0).scheduler;
    const high = fakeScheduler(WED_12_15, {}, () => 0.999).scheduler;
    expect(iso(low.every(5).to(30).minutes.do(job).nextRun)).toBe('2010-01-06T12:20:00.000Z');
    expect(iso(high.every(5).to(30).minutes.do(job).nextRun)).toBe('2010-01-06T12:45:00.000Z');
  });

  test('with at(): random days, at the time', () => {
    const { scheduler } = fakeScheduler(WED_12_15, {}, () => 0.5);
    expect(iso(scheduler.every(1).to(3).days.at('10:00').do(job).nextRun)).toBe(
      '2010-01-08T10:00:00.000Z',
    );
  });
});

describe('until(): a deadline', () => {
  const NOW = '2020-01-01T10:30:00Z';

  test.each([
    ['a Date', new Date('2020-01-01T18:30:00Z'), '2020-01-01T18:30:00.000Z'],
    ['"HH:MM" (today)', '18:30', '2020-01-01T18:30:00.000Z'],
    ['"HH:MM:SS" (today)', '11:33:42', '2020-01-01T11:33:42.000Z'],
    ['"YYYY-MM-DD HH:MM"', '2030-01-01 18:33', '2030-01-01T18:33:00.000Z'],
    ['"YYYY-MM-DD HH:MM:SS"', '2030-01-01 18:33:20', '2030-01-01T18:33:20.000Z'],
    ['"YYYY-MM-DD"', '2030-01-01', '2030-01-01T00:00:00.000Z'],
    ['a duration', { hours: 8 }, '2020-01-01T18:30:00.000Z'],
    ['a time of day', { hour: 11, minute: 33, second: 42 }, '2020-01-01T11:33:42.000Z'],
  ])('%s', (_form, input, expected) => {
    const { scheduler } = fakeScheduler(NOW);
    expect(iso(scheduler.every(1).hours.until(input).do(job).cancelAfter)).toBe(expected);
  });

  test('the job runs until its deadline, then is cancelled', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    const hourly = scheduler.every(1).hours.until('13:45').do(task);
    for (let hour = 0; hour < 6; hour++) {
      clock.jump(3_600_000);
      await scheduler.runPending();
    }
    expect(task.calls.map((call) => call.at)).toEqual([
      '2020-01-01T11:30:00.000Z',
      '2020-01-01T12:30:00.000Z',
      '2020-01-01T13:30:00.000Z',
    ]);
    expect(scheduler.getJobs()).toEqual([]);
    expect(hourly.nextRun).toBeNull();
  });

  test('a run that comes due before the deadline but starts after it does not run', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const task = recorder(clock);
    scheduler.every(10).minutes.until({ minutes: 15 }).do(task);
    clock.jump(20 * 60_000); // the 10:40 run is only looked at 10:50, past 10:45
    await scheduler.runPending();
    expect(task.calls).toEqual([]);
    expect(scheduler.getJobs()).toEqual([]);
  });

  test('the deadline is in the scheduler’s time zone', () => {
    const { scheduler } = fakeScheduler(NOW, { timezone: 'Asia/Tokyo' });
    // 10:30 UTC is 19:30 in Tokyo; 23:00 Tokyo is 14:00 UTC.
    expect(iso(scheduler.every().hour.until('23:00').do(job).cancelAfter)).toBe(
      '2020-01-01T14:00:00.000Z',
    );
  });
});
