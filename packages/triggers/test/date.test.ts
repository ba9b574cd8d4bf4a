import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DateTrigger, TriggerConfigError, triggerFromSpec } from '../src/index.js';
import { errorOf } from './helpers.js';

describe('DateTrigger', () => {
  it('fires once at run_date, even when it is already past, then never', () => {
    const trigger = new DateTrigger({ runDate: '2024-06-01T12:00:00Z' });
    const first = trigger.getNextFireTime(null, new Date('2025-01-01T00:00:00Z'));
    expect(first?.toISOString()).toBe('2024-06-01T12:00:00.000Z');
    expect(first && trigger.getNextFireTime(first, first)).toBeNull();
  });

  it('accepts Date, epoch ms, Luxon DateTime and ISO strings; naive strings are wall times in its zone', () => {
    const instant = '2024-06-01T10:00:00.000Z';
    const inputs = [
      new Date(instant),
      Date.parse(instant),
      DateTime.fromISO(instant),
      '2024-06-01 12:00:00',
      '2024-06-01T12:00:00+02:00',
    ];
    for (const runDate of inputs) {
      expect(new DateTrigger({ runDate, timezone: 'Europe/Paris' }).runDate.toISOString()).toBe(
        instant,
      );
    }
    expect(
      new DateTrigger({ runDate: '2024-06-01', timezone: 'Europe/Paris' }).runDate.toISOString(),
    ).toBe('2024-05-31T22:00:00.000Z');
  });

  it('refuses UTC offsets of a day or more, as Python does', () => {
    for (const runDate of ['2030-01-01T00:00:00+24:00', '2030-01-01T00:00:00-99:59']) {
      const error = errorOf(() => triggerFromSpec({ type: 'date', runDate, timezone: 'UTC' }));
      expect(error).toBeInstanceOf(TriggerConfigError);
      expect(error.message).toContain(
        `has the UTC offset ${runDate.slice(-6)}, which is not a real one`,
      );
    }
    expect(new DateTrigger({ runDate: '2030-01-01T00:00:00-23:59' }).runDate.toISOString()).toBe(
      '2030-01-01T23:59:00.000Z',
    );
  });

  it('resolves naive wall times in a gap forward and in an overlap to the earlier instant', () => {
    expect(
      new DateTrigger({
        runDate: '2024-03-10 02:30:00',
        timezone: 'America/New_York',
      }).runDate.toISOString(),
    ).toBe('2024-03-10T07:30:00.000Z');
    expect(
      new DateTrigger({
        runDate: '2024-11-03 01:30:00',
        timezone: 'America/New_York',
      }).runDate.toISOString(),
    ).toBe('2024-11-03T05:30:00.000Z');
  });

  it('defaults run_date to now from the injected clock', () => {
    expect(new DateTrigger({}, { now: () => 42 }).runDate.getTime()).toBe(42);
  });

  it('describes itself like APScheduler and round-trips', () => {
    const trigger = new DateTrigger({ runDate: '2030-01-01T09:00:00', timezone: 'Europe/Paris' });
    expect(trigger.toString()).toBe('date[2030-01-01 09:00:00 Europe/Paris]');
    expect(triggerFromSpec(trigger.toJSON()).toJSON()).toEqual({
      type: 'date',
      runDate: '2030-01-01T08:00:00.000Z',
      timezone: 'Europe/Paris',
    });
  });

  it.each([
    new Date(Number.NaN),
    Number.POSITIVE_INFINITY,
    DateTime.invalid('test'),
    '2024-13-01',
    { when: 'soon' },
  ])('rejects %s', (runDate) => {
    const error = errorOf(() => new DateTrigger({ runDate: runDate as never, timezone: 'UTC' }));
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect((error as TriggerConfigError).field).toBe('run_date');
  });
});
