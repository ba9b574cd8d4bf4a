import { describe, expect, it } from 'vitest';
import {
  CronTrigger,
  IntervalTrigger,
  TRIGGER_TYPES,
  TriggerConfigError,
  triggerFromSpec,
  triggerTakes,
} from '../src/index.js';
import { ZoneRules } from '../src/zone.js';
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

  it('makes constructors reject fields they do not take, with the camelCase name to use', () => {
    const snake = errorOf(() => new CronTrigger({ day_of_week: 'mon', hour: 9 } as never));
    expect(snake).toBeInstanceOf(TriggerConfigError);
    expect(snake.message).toBe(
      'cron trigger: day_of_week: unknown field for this trigger; write dayOfWeek (snake_case keys are for triggerFromSpec specs)',
    );
    const typo = errorOf(() => new IntervalTrigger({ minute: 5 } as never));
    expect(typo.message).toMatch(
      /interval trigger: minute: unknown field for this trigger \(did you mean minutes\?\); allowed fields are weeks, days/,
    );
  });

  it('names the nested field once in a child trigger error', () => {
    const error = errorOf(() =>
      triggerFromSpec({ type: 'or', triggers: [{ type: 'cron', hour: 25, timezone: 'UTC' }] }),
    );
    expect(error.message).toBe('or trigger: triggers[0].hour: 25 is outside 0..23');
  });

  it('falls back to UTC when the host TZ is blank or unknown', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['', 'Foo/Bar']) {
        process.env.TZ = tz;
        expect(ZoneRules.hostZoneName()).toBe('UTC');
        expect(new CronTrigger({ hour: 9 }).timezone).toBe('UTC');
      }
      process.env.TZ = 'Asia/Tokyo';
      expect(new CronTrigger({ hour: 9 }).timezone).toBe('Asia/Tokyo');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
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
      /unknown key for a cron trigger \(did you mean minute\?\); allowed keys are year, month, day/,
    ],
    [
      { type: 'interval', seconds: 5, misfire_grace_time: 3 },
      'misfire_grace_time',
      /unknown key for an interval trigger; allowed keys are weeks, days/,
    ],
    [{ type: 'cron', day_of_week: 1, dayOfWeek: 2 }, 'dayOfWeek', /given twice/],
    [{ type: 'weekly' }, 'type', /'weekly' is not a trigger type; known types are cron/],
    [{ hour: 9 }, 'type', /undefined is not a trigger type/],
    // Names every object has are no trigger types.
    [{ type: 'constructor' }, 'type', /'constructor' is not a trigger type/],
    [{ type: 'toString' }, 'type', /'toString' is not a trigger type/],
    [{ type: '__proto__' }, 'type', /'__proto__' is not a trigger type/],
    [null, 'spec', /is not a trigger spec object/],
    [{ type: 'crontab', expr: 5 }, 'expr', /must be a crontab string/],
    // Without its expression a crontab trigger is refused, not read as an empty cron[].
    [{ type: 'crontab' }, 'expr', /undefined must be a crontab string/],
    [{ type: 'crontab', timezone: 'UTC' }, 'expr', /undefined must be a crontab string/],
  ])('rejects %j', (spec, field, message) => {
    const error = errorOf(() => triggerFromSpec(spec as never));
    expect(error).toBeInstanceOf(TriggerConfigError);
    expect((error as TriggerConfigError).field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('triggerTakes', () => {
  it("answers as triggerFromSpec's key check does, in either spelling", () => {
    expect(triggerTakes('cron', 'day_of_week')).toBe(true);
    expect(triggerTakes('cron', 'dayOfWeek')).toBe(true);
    expect(triggerTakes('cron', 'minutes')).toBe(false);
    expect(triggerTakes('interval', 'minutes')).toBe(true);
    expect(triggerTakes('date', 'run_date')).toBe(true);
    expect(triggerTakes('and', 'timezone')).toBe(false);
  });
});
