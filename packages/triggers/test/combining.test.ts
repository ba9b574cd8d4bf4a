import { describe, expect, it } from 'vitest';
import {
  AndTrigger,
  CronTrigger,
  DateTrigger,
  IntervalTrigger,
  OrTrigger,
  type Trigger,
  TriggerConfigError,
  TriggerIterationLimitError,
  triggerFromSpec,
} from '../src/index.js';
import { errorOf, fireTimes } from './helpers.js';

describe('AndTrigger', () => {
  it('fires at the intersection of the children own sequences (Friday the 13th)', () => {
    const trigger = triggerFromSpec({
      type: 'and',
      triggers: [
        { type: 'cron', day_of_week: 'fri', timezone: 'UTC' },
        { type: 'cron', day: 13, timezone: 'UTC' },
      ],
    });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 3)).toEqual([
      '2024-09-13T00:00:00.000Z',
      '2024-12-13T00:00:00.000Z',
      '2025-06-13T00:00:00.000Z',
    ]);
  });

  it('keeps an interval child on its own grid', () => {
    const trigger = new AndTrigger({
      triggers: [
        new IntervalTrigger({ hours: 5, startDate: '2024-01-01T00:00:00Z' }),
        new CronTrigger({ minute: 0, timezone: 'UTC' }),
      ],
    });
    expect(fireTimes(trigger, '2024-01-01T01:00:00Z', 3)).toEqual([
      '2024-01-01T05:00:00.000Z',
      '2024-01-01T10:00:00.000Z',
      '2024-01-01T15:00:00.000Z',
    ]);
  });

  it('throws a clear error past its iteration bound instead of hanging, and null past 100 years', () => {
    const never = new AndTrigger(
      {
        triggers: [
          new CronTrigger({ hour: 0, timezone: 'UTC' }),
          new CronTrigger({ hour: 7, timezone: 'UTC' }),
        ],
      },
      { maxIterations: 50 },
    );
    const error = errorOf(() => never.getNextFireTime(null, new Date('2024-01-01T00:00:00Z')));
    expect(error).toBeInstanceOf(TriggerIterationLimitError);
    expect(error.message).toMatch(/no common fire time found after 50 iterations/);
    const beyond = new AndTrigger({
      triggers: [
        new CronTrigger({ year: 2200, timezone: 'UTC' }),
        new CronTrigger({ month: 6, timezone: 'UTC' }),
      ],
    });
    expect(beyond.getNextFireTime(null, new Date('2024-01-01T00:00:00Z'))).toBeNull();
  });

  it('is exhausted when a child is', () => {
    const trigger = new AndTrigger({
      triggers: [
        new DateTrigger({ runDate: '2024-01-05T00:00:00Z' }),
        new CronTrigger({ hour: 0, timezone: 'UTC' }),
      ],
    });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 3)).toEqual(['2024-01-05T00:00:00.000Z']);
  });
});

describe('OrTrigger', () => {
  it('fires at the union of the children own sequences, equal instants once', () => {
    const trigger = new OrTrigger({
      triggers: [
        new CronTrigger({ hour: '9,17', timezone: 'UTC' }),
        new CronTrigger({ hour: 17, minute: '0,30', timezone: 'UTC' }),
      ],
    });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-01T09:00:00.000Z',
      '2024-01-01T17:00:00.000Z',
      '2024-01-01T17:30:00.000Z',
      '2024-01-02T09:00:00.000Z',
    ]);
  });

  it('does not re-phase an interval child or drop a date child (APScheduler 3 does both)', () => {
    const trigger = new OrTrigger({
      triggers: [
        new DateTrigger({ runDate: '2024-01-01T06:30:00Z' }),
        new IntervalTrigger({ hours: 8, startDate: '2024-01-01T00:00:00Z' }),
        new CronTrigger({ hour: 7, minute: 15, timezone: 'UTC' }),
      ],
    });
    expect(fireTimes(trigger, '2024-01-01T00:00:00Z', 5)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T06:30:00.000Z',
      '2024-01-01T07:15:00.000Z',
      '2024-01-01T08:00:00.000Z',
      '2024-01-01T16:00:00.000Z',
    ]);
  });

  it('works with a third-party trigger that only has getNextFireTime', () => {
    const everyHalfDay: Trigger = {
      type: 'interval',
      getNextFireTime: (previous, now) => {
        const from = previous ? previous.getTime() + 1 : now.getTime();
        return new Date(Math.ceil(from / 43_200_000) * 43_200_000);
      },
      toJSON: () => ({ type: 'interval', hours: 12 }),
      toString: () => 'halfday[]',
    };
    const trigger = new OrTrigger({
      triggers: [everyHalfDay, new CronTrigger({ hour: 6, timezone: 'UTC' })],
    });
    expect(fireTimes(trigger, '2024-01-01T01:00:00Z', 3)).toEqual([
      '2024-01-01T06:00:00.000Z',
      '2024-01-01T12:00:00.000Z',
      '2024-01-02T00:00:00.000Z',
    ]);
  });
});

describe('combining triggers: specs and bad input', () => {
  it('round-trips nested specs', () => {
    const spec = {
      type: 'or' as const,
      triggers: [
        { type: 'crontab' as const, expr: '0 9 * * 1-5', timezone: 'UTC' },
        {
          type: 'and' as const,
          triggers: [
            { type: 'cron' as const, day: 13, timezone: 'UTC' },
            { type: 'cron' as const, dayOfWeek: 'fri', timezone: 'UTC' },
          ],
        },
      ],
      jitter: 5,
    };
    const trigger = triggerFromSpec(spec);
    expect(trigger.toString()).toBe(
      "or[crontab['0 9 * * 1-5'], and[cron[day='13'], cron[day_of_week='fri']]]",
    );
    expect(triggerFromSpec(trigger.toJSON()).toJSON()).toEqual(trigger.toJSON());
  });

  it.each([
    [{ type: 'and', triggers: [] }, 'triggers', /non-empty array/],
    [{ type: 'or', triggers: 'cron' }, 'triggers', /must be an array/],
    [
      { type: 'and', triggers: [{ type: 'cron', hour: 9, jitter: 5 }] },
      'triggers[0].jitter',
      /set jitter on the and trigger itself/,
    ],
    [
      { type: 'or', triggers: [{ type: 'cron', minute: 99 }] },
      'triggers[0].minute',
      /99 is outside 0\.\.59/,
    ],
  ])('rejects %j', (spec, field, message) => {
    const error = errorOf(() => triggerFromSpec(spec));
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect((error as TriggerConfigError).field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
