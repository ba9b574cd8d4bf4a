import { describe, expect, it } from 'vitest';
import {
  AndTrigger,
  CalendarIntervalTrigger,
  CronTrigger,
  DateTrigger,
  IntervalTrigger,
  OrTrigger,
  TriggerConfigError,
} from '../src/index.js';
import { errorOf } from './helpers.js';

const at = (iso: string): Date => new Date(iso);

describe('fire times strictly increase', () => {
  it('cron and crontab continue after previous when the clock was set back before it', () => {
    // APScheduler searches from min(now, previous + 1 µs) and returns 09:00 again here.
    const cron = new CronTrigger({ hour: 9, timezone: 'UTC' });
    expect(
      cron.getNextFireTime(at('2024-01-02T09:00:00Z'), at('2024-01-01T12:00:00Z'))?.toISOString(),
    ).toBe('2024-01-03T09:00:00.000Z');
    const crontab = CronTrigger.fromCrontab('*/15 * * * *', 'UTC');
    expect(
      crontab
        .getNextFireTime(at('2024-01-01T10:30:00Z'), at('2024-01-01T10:00:00Z'))
        ?.toISOString(),
    ).toBe('2024-01-01T10:45:00.000Z');
  });

  it('an OR continues after previous when the clock was set back before it', () => {
    const or = new OrTrigger({
      triggers: [
        new CronTrigger({ hour: 9, timezone: 'UTC' }),
        new CronTrigger({ hour: 17, timezone: 'UTC' }),
      ],
    });
    expect(
      or.getNextFireTime(at('2024-01-02T09:00:00Z'), at('2024-01-01T12:00:00Z'))?.toISOString(),
    ).toBe('2024-01-02T17:00:00.000Z');
  });

  it('an OR with a date child at a fraction of a millisecond does not repeat a Date', () => {
    const start = Date.parse('2024-01-01T00:00:00Z');
    const or = new OrTrigger({
      triggers: [
        new DateTrigger({ runDate: start + 4.5 }),
        new IntervalTrigger({ seconds: 0.004, startDate: start }),
      ],
    });
    const fires: number[] = [];
    let previous: Date | null = null;
    let now = new Date(start);
    for (let index = 0; index < 4; index++) {
      const next = or.getNextFireTime(previous, now);
      if (next === null) break;
      fires.push(next.getTime() - start);
      previous = now = next;
    }
    // A run date's fraction of a millisecond is cut when the trigger is built, as a Date cuts it.
    expect(fires).toEqual([0, 4, 8, 12]);
  });

  it('an AND and a calendar interval continue after previous', () => {
    const and = new AndTrigger({
      triggers: [
        new CronTrigger({ hour: '*/2', timezone: 'UTC' }),
        new CronTrigger({ hour: '*/3', timezone: 'UTC' }),
      ],
    });
    expect(
      and.getNextFireTime(at('2024-01-01T12:00:00Z'), at('2024-01-01T01:00:00Z'))?.toISOString(),
    ).toBe('2024-01-01T18:00:00.000Z');
    const daily = new CalendarIntervalTrigger({
      days: 1,
      hour: 9,
      startDate: '2024-01-01',
      timezone: 'UTC',
    });
    expect(
      daily.getNextFireTime(at('2024-01-05T09:00:00Z'), at('2024-01-01T00:00:00Z'))?.toISOString(),
    ).toBe('2024-01-06T09:00:00.000Z');
  });

  it('a huge jitter stays a valid Date within the years Kairos schedules', () => {
    const trigger = new CronTrigger(
      { hour: 9, timezone: 'UTC', jitter: 1e300 },
      { random: () => 0.5 },
    );
    const next = trigger.getNextFireTime(null, at('2024-01-01T00:00:00Z'));
    if (next === null) throw new Error('no fire time');
    expect(next.toISOString()).toBe('9999-12-31T23:59:59.999Z');
    // Nothing comes after the last instant: the trigger is exhausted, not repeating.
    expect(trigger.getNextFireTime(next, next)).toBeNull();
  });
});

describe('instants outside the years 1 to 9999', () => {
  it.each([
    [{ startDate: 8.64e15 }, 'start_date'],
    [{ startDate: -8.64e15 }, 'start_date'],
    [{ startDate: 1e20 }, 'start_date'],
    [{ startDate: '0000-06-01T00:00:00Z' }, 'start_date'],
    // A wall time of the year 9999 west of Greenwich is in the year 10000 in UTC, which an ISO
    // string cannot write with four digits: toJSON() wrote '+010000-…', which did not build again.
    [{ startDate: '9999-12-31T23:59:59', timezone: 'US/Eastern' }, 'start_date'],
    [{ startDate: '2024-01-01T00:00:00Z', endDate: new Date(8.64e15) }, 'end_date'],
  ])('are rejected by name instead of failing later (%j)', (fields, field) => {
    // 8.64e15 used to build, and then toJSON() threw a RangeError (Invalid time value).
    const error = errorOf(() => new IntervalTrigger({ timezone: 'UTC', hours: 1, ...fields }));
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect((error as TriggerConfigError).field).toBe(field);
    expect(error.message).toMatch(/outside the years 1 to 9999 \(UTC\) that Kairos schedules in/);
  });

  it('an interval whose default start would be past the year 9999 is rejected', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    const error = errorOf(() => new IntervalTrigger({ weeks: 420_000 }, { now: () => now }));
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect(error.message).toMatch(/one interval from now, would be after the year 9999/);
  });

  it('are rejected as calendar dates too', () => {
    for (const startDate of ['0000-01-01', '9999-W52-7', new Date(8.64e15)]) {
      const error = errorOf(
        () => new CalendarIntervalTrigger({ days: 1, startDate, timezone: 'Pacific/Kiritimati' }),
      );
      expect(error).toBeInstanceOf(TriggerConfigError);
      expect(error.message).toMatch(/start_date: .* is outside the years 1 to 9999/);
    }
    expect(
      new CalendarIntervalTrigger({ days: 1, startDate: '9999-12-31', timezone: 'UTC' }).toJSON()
        .startDate,
    ).toBe('9999-12-31');
  });
});
