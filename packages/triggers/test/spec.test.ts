import { describe, expect, it } from 'vitest';
import { CronTrigger, TRIGGER_TYPES, TriggerConfigError, triggerFromSpec } from '../src/index.js';
import { errorOf } from './helpers.js';

describe('triggerFromSpec', () => {
  it('accepts snake_case and camelCase keys alike', () => {
    const snake = triggerFromSpec({
      type: 'cron',
      day_of_week: 'mon',
      start_date: '2024-01-01',
      timezone: 'UTC',
    });
    const camel = triggerFromSpec({
      type: 'cron',
      dayOfWeek: 'mon',
      startDate: '2024-01-01',
      timezone: 'UTC',
    });
    expect(snake.toJSON()).toEqual(camel.toJSON());
  });

  it('returns a trigger instance as it is', () => {
    const trigger = new CronTrigger({ hour: 1, timezone: 'UTC' });
    expect(triggerFromSpec(trigger)).toBe(trigger);
  });

  it('takes the default time zone from the options (a scheduler passes its own)', () => {
    expect(
      triggerFromSpec({ type: 'cron', hour: 9 }, { timezone: 'Asia/Tokyo' }).toJSON(),
    ).toMatchObject({ timezone: 'Asia/Tokyo' });
    expect(
      triggerFromSpec(
        { type: 'cron', hour: 9, timezone: 'UTC' },
        { timezone: 'Asia/Tokyo' },
      ).toJSON(),
    ).toMatchObject({ timezone: 'UTC' });
  });

  it('knows every built-in type', () => {
    expect([...TRIGGER_TYPES].sort()).toEqual([
      'and',
      'calendarinterval',
      'cron',
      'crontab',
      'date',
      'interval',
      'or',
    ]);
  });

  it.each([
    [
      { type: 'cron', hour: 9, minutes: 5 },
      'minutes',
      /unknown key for a cron trigger; allowed keys are year, month, day/,
    ],
    [{ type: 'cron', day_of_week: 1, dayOfWeek: 2 }, 'dayOfWeek', /given twice/],
    [{ type: 'weekly' }, 'type', /'weekly' is not a trigger type; known types are cron/],
    [{ hour: 9 }, 'type', /undefined is not a trigger type/],
    [null, 'spec', /is not a trigger spec object/],
    [{ type: 'crontab', expr: 5 }, 'expr', /must be a crontab string/],
  ])('rejects %j', (spec, field, message) => {
    const error = errorOf(() => triggerFromSpec(spec as never));
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect((error as TriggerConfigError).field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
