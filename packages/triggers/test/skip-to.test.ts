import { describe, expect, it } from 'vitest';
import {
  CalendarIntervalTrigger,
  CronTrigger,
  DateTrigger,
  IntervalTrigger,
  OrTrigger,
  type Trigger,
} from '../src/index.js';

/** The first fire time ≥ target, found by stepping the call protocol one fire at a time. */
function stepTo(trigger: Trigger, previous: Date, target: Date): Date | null {
  let value: Date | null = previous;
  while (value !== null && value < target) value = trigger.getNextFireTime(value, value);
  return value;
}

describe('skipTo', () => {
  const from = new Date('2024-01-01T00:00:00Z');
  const target = new Date('2024-03-17T13:14:15.500Z');
  const triggers: Trigger[] = [
    new IntervalTrigger({ minutes: 7, startDate: from, timezone: 'UTC' }),
    new CronTrigger({ minute: '*/13', hour: '9-17', timezone: 'Europe/Paris' }),
    new CalendarIntervalTrigger({ days: 3, hour: 4, startDate: '2024-01-01', timezone: 'UTC' }),
    new CalendarIntervalTrigger({ months: 1, hour: 4, startDate: '2024-01-01', timezone: 'UTC' }),
    new OrTrigger({
      triggers: [
        new CronTrigger({ hour: 5, timezone: 'UTC' }),
        new IntervalTrigger({ hours: 11, startDate: from, timezone: 'UTC' }),
      ],
    }),
  ];

  it.each(triggers.map((trigger) => [trigger.toString(), trigger] as const))(
    '%s jumps to the same fire time as stepping',
    (_, trigger) => {
      const first = trigger.getNextFireTime(null, from);
      expect(first).not.toBeNull();
      if (first === null) return;
      expect(trigger.skipTo?.(first, target)).toEqual(stepTo(trigger, first, target));
    },
  );

  it('returns previous itself when it is already at or after the target', () => {
    const trigger = new IntervalTrigger({ minutes: 7, startDate: from, timezone: 'UTC' });
    expect(trigger.skipTo(target, from)).toEqual(target);
  });

  it('returns null when the trigger ends before the target', () => {
    const date = new DateTrigger({ runDate: from });
    expect(date.skipTo(from, target)).toBeNull();
    const bounded = new IntervalTrigger({ hours: 1, startDate: from, endDate: '2024-01-02' });
    expect(bounded.skipTo(from, target)).toBeNull();
  });

  it('jumps ten years of seconds without stepping each one', () => {
    const trigger = new IntervalTrigger({ seconds: 1, startDate: from, timezone: 'UTC' });
    const later = new Date('2034-01-01T00:00:00.250Z');
    expect(trigger.skipTo(from, later)).toEqual(new Date('2034-01-01T00:00:01Z'));
  });
});
