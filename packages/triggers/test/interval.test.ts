import { describe, expect, it } from 'vitest';
import { IntervalTrigger, TriggerConfigError, triggerFromSpec } from '../src/index.js';
import { errorOf, fireTimes } from './helpers.js';

describe('IntervalTrigger', () => {
  it('fires on the grid anchored at start_date (APScheduler first-fire rule)', () => {
    const trigger = new IntervalTrigger({ minutes: 10, startDate: '2024-01-01T00:03:00Z' });
    expect(fireTimes(trigger, '2024-01-01T01:00:00Z', 3)).toEqual([
      '2024-01-01T01:03:00.000Z',
      '2024-01-01T01:13:00.000Z',
      '2024-01-01T01:23:00.000Z',
    ]);
    // Before the start: the start itself.
    expect(fireTimes(trigger, '2023-12-31T00:00:00Z', 1)).toEqual(['2024-01-01T00:03:00.000Z']);
    // Exactly on a grid point: that point.
    expect(fireTimes(trigger, '2024-01-01T00:13:00Z', 1)).toEqual(['2024-01-01T00:13:00.000Z']);
  });

  it('adds the interval to an off-grid previous fire time', () => {
    const trigger = new IntervalTrigger({ hours: 1, startDate: '2024-01-01T00:00:00Z' });
    expect(
      trigger
        .getNextFireTime(new Date('2024-01-01T05:17:00Z'), new Date('2024-01-01T05:17:00Z'))
        ?.toISOString(),
    ).toBe('2024-01-01T06:17:00.000Z');
  });

  it('counts elapsed time: a daily interval moves by an hour of wall time across DST', () => {
    const trigger = new IntervalTrigger({
      days: 1,
      startDate: '2024-03-09T12:00:00',
      timezone: 'America/New_York',
    });
    expect(fireTimes(trigger, '2024-03-09T00:00:00Z', 2)).toEqual([
      '2024-03-09T17:00:00.000Z',
      '2024-03-10T17:00:00.000Z',
    ]);
  });

  it('defaults the start to now + interval from the injected clock, and no unit to one second', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    const trigger = new IntervalTrigger({ minutes: 5 }, { now: () => now });
    expect(trigger.startDate.toISOString()).toBe('2024-01-01T00:05:00.000Z');
    const everySecond = new IntervalTrigger({ startDate: '2024-01-01T00:00:00Z' });
    expect(everySecond.intervalMs).toBe(1000);
    expect(everySecond.toString()).toBe('interval[0:00:01]');
  });

  it('stops after end_date (inclusive)', () => {
    const trigger = new IntervalTrigger({
      hours: 12,
      startDate: '2024-01-01T00:00:00Z',
      endDate: '2024-01-02T00:00:00Z',
    });
    expect(fireTimes(trigger, '2023-01-01T00:00:00Z', 5)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T12:00:00.000Z',
      '2024-01-02T00:00:00.000Z',
    ]);
  });

  it('does not drift when the interval has a fraction of a millisecond', () => {
    const trigger = new IntervalTrigger({ seconds: 0.0015, startDate: '2024-01-01T00:00:00Z' });
    const fires = fireTimes(trigger, '2024-01-01T00:00:00Z', 9);
    // 0, 1.5, 3, 4.5, … ms: each Date holds the grid point cut to the millisecond.
    expect(fires.map((iso) => Date.parse(iso) - Date.parse('2024-01-01T00:00:00Z'))).toEqual([
      0, 1, 3, 4, 6, 7, 9, 10, 12,
    ]);
  });

  it('returns null instead of running past the year 9999', () => {
    const trigger = new IntervalTrigger({ weeks: 60_000, startDate: '9000-01-01T00:00:00Z' });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 3)).toEqual(['9000-01-01T00:00:00.000Z']);
  });

  it('describes itself like a Python timedelta and round-trips', () => {
    expect(new IntervalTrigger({ minutes: 5, startDate: 0 }).toString()).toBe('interval[0:05:00]');
    expect(new IntervalTrigger({ days: 2, hours: 3, startDate: 0 }).toString()).toBe(
      'interval[2 days, 3:00:00]',
    );
    expect(new IntervalTrigger({ seconds: 0.5, startDate: 0 }).toString()).toBe(
      'interval[0:00:00.500000]',
    );
    const trigger = new IntervalTrigger({
      hours: 2,
      startDate: '2024-01-01T00:00:00Z',
      timezone: 'UTC',
      jitter: 1,
    });
    expect(trigger.toJSON()).toEqual({
      type: 'interval',
      hours: 2,
      startDate: '2024-01-01T00:00:00.000Z',
      timezone: 'UTC',
      jitter: 1,
    });
    expect(triggerFromSpec(trigger.toJSON()).toJSON()).toEqual(trigger.toJSON());
  });

  it('keeps rejecting an explicit zero (APScheduler 3 would make it one second)', () => {
    for (const zero of [{ seconds: 0 }, { minutes: 0, hours: 0 }, { seconds: -0 }]) {
      const error = errorOf(() => new IntervalTrigger({ timezone: 'UTC', ...zero }));
      expect(error).toBeInstanceOf(TriggerConfigError);
      expect(error.message).toMatch(/adds up to 0; give at least one non-zero unit/);
    }
    // No unit at all is still APScheduler's one second.
    expect(new IntervalTrigger({ timezone: 'UTC' }).intervalMs).toBe(1000);
  });

  it('writes -0 as 0, so that its spec read back from JSON is equal (found by the fuzzer)', () => {
    const trigger = new IntervalTrigger({ days: -0, minutes: 1, startDate: 0, timezone: 'UTC' });
    expect(Object.is(trigger.toJSON().days, 0)).toBe(true);
    const stored = JSON.parse(JSON.stringify(trigger)) as Record<string, unknown>;
    expect(triggerFromSpec(stored).toJSON()).toEqual(trigger.toJSON());
  });

  it('accepts 1 ms, the shortest interval whose fire times can increase', () => {
    const trigger = new IntervalTrigger({ seconds: 0.001, startDate: '2024-01-01T00:00:00Z' });
    const fires = fireTimes(trigger, '2024-01-01T00:00:00Z', 4).map((iso) => Date.parse(iso));
    expect(fires.map((ms) => ms - Date.parse('2024-01-01T00:00:00Z'))).toEqual([0, 1, 2, 3]);
  });

  it('gives increasing times for a fractional interval even from a previous off its Dates', () => {
    // Grid 0, 1.2, 2.4, 3.6, 4.8 ms: 4 is not a cut grid point (3.6 was cut to 3). It used to be
    // snapped to the nearest point 3.6, and 3.6 + 1.2 = 4.8 came back as 4 again.
    const start = Date.parse('2024-01-01T00:00:00Z');
    const trigger = new IntervalTrigger({ seconds: 0.0012, startDate: start });
    const next = trigger.getNextFireTime(new Date(start + 4), new Date(start + 4));
    expect(next?.getTime()).toBe(start + 6);
    expect(
      fireTimes(trigger, '2024-01-01T00:00:00Z', 6).map((iso) => Date.parse(iso) - start),
    ).toEqual([0, 1, 2, 3, 4, 6]);
  });

  it.each([
    [{ seconds: 0 }, 'interval', /adds up to 0/],
    [{ hours: 1, minutes: -60 }, 'minutes', /-60 is negative; .*give minutes ≥ 0/],
    [{ seconds: -5 }, 'seconds', /-5 is negative; an interval counts forward/],
    [{ seconds: 0.0001 }, 'interval', /adds up to 0\.1 ms; .*give at least \{seconds: 0\.001\}/],
    [{ seconds: 0.0009 }, 'interval', /under 1 ms/],
    [{ weeks: 1e300 }, 'interval', /longer than 10,000 years/],
    [{ weeks: Number.POSITIVE_INFINITY }, 'weeks', /must be a finite number/],
    [{ weeks: 'x' }, 'weeks', /must be a finite number/],
    [{ hours: Number.NaN }, 'hours', /must be a finite number/],
    [{ hours: 1, startDate: 'yesterday' }, 'start_date', /not a date-time/],
    [{ hours: 1, startDate: '2024-01-02', endDate: '2024-01-01' }, 'end_date', /before start_date/],
  ])('rejects %j', (fields, field, message) => {
    const error = errorOf(() => new IntervalTrigger({ timezone: 'UTC', ...(fields as object) }));
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect((error as TriggerConfigError).field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
