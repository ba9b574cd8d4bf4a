import { describe, expect, it } from 'vitest';
import { CalendarIntervalTrigger, TriggerConfigError, triggerFromSpec } from '../src/index.js';
import { errorOf, fireTimes } from './helpers.js';

describe('CalendarIntervalTrigger', () => {
  it('keeps the day of the month: the 31st skips shorter months', () => {
    const trigger = new CalendarIntervalTrigger({
      months: 1,
      hour: 9,
      startDate: '2024-01-31',
      timezone: 'UTC',
    });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-31T09:00:00.000Z',
      '2024-03-31T09:00:00.000Z',
      '2024-05-31T09:00:00.000Z',
      '2024-07-31T09:00:00.000Z',
    ]);
  });

  it('waits for a leap year from February 29', () => {
    const trigger = new CalendarIntervalTrigger({
      years: 1,
      startDate: '2024-02-29',
      timezone: 'UTC',
    });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-02-29T00:00:00.000Z',
      '2028-02-29T00:00:00.000Z',
    ]);
  });

  it('keeps the wall-clock time across DST, skips a date whose time falls in a gap, fires an overlap once', () => {
    const daily = new CalendarIntervalTrigger({
      days: 1,
      hour: 9,
      startDate: '2024-03-09',
      timezone: 'America/New_York',
    });
    expect(fireTimes(daily, '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-03-09T14:00:00.000Z',
      '2024-03-10T13:00:00.000Z',
    ]);
    const gap = new CalendarIntervalTrigger({
      days: 1,
      hour: 2,
      minute: 30,
      startDate: '2024-03-09',
      timezone: 'America/New_York',
    });
    expect(fireTimes(gap, '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-03-09T07:30:00.000Z',
      '2024-03-11T06:30:00.000Z',
    ]);
    const overlap = new CalendarIntervalTrigger({
      days: 1,
      hour: 1,
      minute: 30,
      startDate: '2024-11-03',
      timezone: 'America/New_York',
    });
    expect(fireTimes(overlap, '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-11-03T05:30:00.000Z',
      '2024-11-04T06:30:00.000Z',
    ]);
  });

  it('moves a date Apia skipped (2011-12-30) to the same time next day, shifting the weekday for good', () => {
    const weekly = new CalendarIntervalTrigger({
      weeks: 1,
      hour: 10,
      startDate: '2011-12-16',
      timezone: 'Pacific/Apia',
    });
    expect(fireTimes(weekly, '2011-12-01T00:00:00Z', 4)).toEqual([
      '2011-12-16T20:00:00.000Z', // Fri 10:00 -10:00
      '2011-12-23T20:00:00.000Z',
      '2011-12-30T20:00:00.000Z', // Sat 2011-12-31 10:00 +14:00: Friday 30th did not exist
      '2012-01-06T20:00:00.000Z', // Sat 2012-01-07 10:00 +14:00
    ]);
  });

  it('returns start_date on the first call whatever now is, and stops after end_date', () => {
    const trigger = new CalendarIntervalTrigger({
      weeks: 1,
      startDate: '2024-01-01',
      endDate: '2024-01-15',
      timezone: 'UTC',
    });
    expect(fireTimes(trigger, '2030-01-01T00:00:00Z', 5)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-08T00:00:00.000Z',
      '2024-01-15T00:00:00.000Z',
    ]);
  });

  it('returns null instead of running past the year 9999', () => {
    const trigger = new CalendarIntervalTrigger({
      years: 5000,
      startDate: '5000-01-01',
      timezone: 'UTC',
    });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 3)).toEqual(['5000-01-01T00:00:00.000Z']);
  });

  it('reads Python 3.11 date forms and round-trips', () => {
    expect(
      new CalendarIntervalTrigger({ days: 1, startDate: '20240105', timezone: 'UTC' }).toJSON()
        .startDate,
    ).toBe('2024-01-05');
    expect(
      new CalendarIntervalTrigger({ days: 1, startDate: '2024-W01-1', timezone: 'UTC' }).toJSON()
        .startDate,
    ).toBe('2024-01-01');
    const trigger = new CalendarIntervalTrigger({
      months: 2,
      hour: 7,
      minute: 5,
      startDate: '2024-01-31',
      timezone: 'Europe/Berlin',
    });
    expect(trigger.toString()).toBe('calendarinterval[months=2, time=07:05:00]');
    expect(triggerFromSpec(trigger.toJSON()).toJSON()).toEqual(trigger.toJSON());
  });

  it.each([
    [{ hour: 9, startDate: '2024-01-01' }, 'days', /at least 1 day long/],
    [{ days: 1, hour: 24, startDate: '2024-01-01' }, 'hour', /whole number in 0\.\.23/],
    [{ days: 1, minute: 60, startDate: '2024-01-01' }, 'minute', /whole number in 0\.\.59/],
    [{ days: -1, startDate: '2024-01-01' }, 'days', /whole number ≥ 0/],
    [{ months: 1.5, startDate: '2024-01-01' }, 'months', /whole number ≥ 0/],
    [{ days: 1, startDate: '2024-02-01', endDate: '2024-01-01' }, 'end_date', /before start_date/],
    [{ days: 1, startDate: '2024-01-01T10:00:00' }, 'start_date', /not a calendar date/],
    [{ days: 1, startDate: 'not-a-date' }, 'start_date', /not a calendar date/],
  ])('rejects %j', (fields, field, message) => {
    const error = errorOf(
      () => new CalendarIntervalTrigger({ timezone: 'UTC', ...(fields as object) }),
    );
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect((error as TriggerConfigError).field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
