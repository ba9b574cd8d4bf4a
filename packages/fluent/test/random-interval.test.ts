/**
 * The `randominterval` trigger behind `to()`: its draws, its time of day, its end, its spec
 * round trip through the registry (how a store rebuilds it), and its validation.
 */
import { defaultRegistry, TriggerConfigError } from 'kairos';
import { describe, expect, test } from 'vitest';
import { RandomIntervalTrigger } from '../src/index.js';

const T0 = new Date('2030-01-01T00:00:00Z');

describe('RandomIntervalTrigger', () => {
  test('draws a whole number of units from min to max', () => {
    const draws = [0, 0.5, 0.9999];
    const trigger = new RandomIntervalTrigger(
      { unit: 'minutes', min: 5, max: 7 },
      { random: () => draws.shift() ?? 0 },
    );
    expect(trigger.getNextFireTime(T0, T0)?.toISOString()).toBe('2030-01-01T00:05:00.000Z');
    expect(trigger.getNextFireTime(T0, T0)?.toISOString()).toBe('2030-01-01T00:06:00.000Z');
    expect(trigger.getNextFireTime(T0, T0)?.toISOString()).toBe('2030-01-01T00:07:00.000Z');
  });

  test('days keep the wall-clock time of day across a DST change, with the time given', () => {
    const trigger = new RandomIntervalTrigger(
      {
        unit: 'days',
        min: 1,
        max: 1,
        hour: 9,
        minute: 30,
        second: 0,
        timezone: 'Europe/Amsterdam',
      },
      { random: () => 0 },
    );
    const before = new Date('2030-03-30T08:30:00Z'); // 09:30 CET
    expect(trigger.getNextFireTime(before, before)?.toISOString()).toBe('2030-03-31T07:30:00.000Z');
  });

  test('no run after the end date', () => {
    const trigger = new RandomIntervalTrigger(
      { unit: 'hours', min: 2, max: 2, endDate: '2030-01-01T03:00:00Z' },
      { random: () => 0 },
    );
    expect(trigger.getNextFireTime(T0, T0)?.toISOString()).toBe('2030-01-01T02:00:00.000Z');
    expect(trigger.getNextFireTime(new Date('2030-01-01T02:00:00Z'), T0)).toBeNull();
  });

  test('its spec rebuilds an equal trigger through the registry', () => {
    const trigger = new RandomIntervalTrigger({
      unit: 'hours',
      min: 1,
      max: 3,
      minute: 15,
      second: 0,
      endDate: '2031-01-01T00:00:00.000Z',
      timezone: 'UTC',
    });
    const spec = trigger.toJSON();
    const rebuilt = defaultRegistry.trigger(JSON.parse(JSON.stringify(spec)) as typeof spec, {});
    expect(rebuilt).toBeInstanceOf(RandomIntervalTrigger);
    expect(rebuilt.toJSON()).toEqual(spec);
    expect(String(rebuilt)).toBe(
      'randominterval[1-3 hours at xx:15:00, until 2031-01-01 00:00:00 UTC]',
    );
  });

  test.each([
    [{ unit: 'months', min: 1, max: 2 }, "unit: 'months' must be one of seconds"],
    [{ unit: 'hours', min: 0, max: 2 }, 'min: 0 must be a whole number ≥ 1'],
    [{ unit: 'hours', min: 3, max: 2 }, 'max: 2 must be a whole number ≥ min (3)'],
    [{ unit: 'seconds', min: 1, max: 2, second: 5 }, 'a job every n seconds has no second to set'],
    [{ unit: 'days', min: 1, max: 2, hour: 24 }, 'hour: 24 must be a whole number 0-23'],
    [{ unit: 'days', min: 1, max: 2, timezone: 'Nowhere' }, 'is not a known IANA time zone'],
    [{ unit: 'days', min: 1, max: 2, endDate: 'soon' }, 'must be an ISO 8601 instant'],
    [{ unit: 'days', min: 1, max: 2, every: 3 }, 'every: 3 unknown key'],
  ])('%j is refused', (spec, message) => {
    expect(() => new RandomIntervalTrigger(spec as never)).toThrow(TriggerConfigError);
    expect(() => new RandomIntervalTrigger(spec as never)).toThrow(message);
  });
});
