import { describe, expect, it } from 'vitest';
import {
  AndTrigger,
  CalendarIntervalTrigger,
  CronTrigger,
  DateTrigger,
  IntervalTrigger,
  OrTrigger,
  type Trigger,
} from '../src/index.js';

const START = Date.parse('2024-03-09T00:00:00Z');

/** A chain of fire times by getNextFireTime, then by getNextFireTimeMs, from the same start. */
function chains(trigger: Trigger, steps: number): { dates: number[]; ms: number[] } {
  const dates: number[] = [];
  const ms: number[] = [];
  let previous: Date | null = null;
  let previousMs: number | null = null;
  for (let i = 0; i < steps; i++) {
    const now = new Date(START + i * 1000);
    const next: Date | null = trigger.getNextFireTime(previous, now);
    const nextMs: number | null = trigger.getNextFireTimeMs?.(previousMs, now.getTime()) ?? null;
    if (next === null || nextMs === null) {
      expect(nextMs).toBe(next?.getTime() ?? null);
      break;
    }
    dates.push(next.getTime());
    ms.push(nextMs);
    previous = next;
    previousMs = nextMs;
  }
  return { dates, ms };
}

describe('getNextFireTimeMs', () => {
  it('answers as getNextFireTime does, in epoch ms, for every built-in trigger', () => {
    const triggers: Trigger[] = [
      new DateTrigger({ runDate: START + 5000 }),
      new IntervalTrigger({ seconds: 7, startDate: START, timezone: 'America/New_York' }),
      CronTrigger.fromCrontab('30 2 * * *', 'America/New_York'),
      new CronTrigger({ hour: '*/5', minute: 15, timezone: 'Europe/Paris', endDate: '2024-04-01' }),
      new CalendarIntervalTrigger({ days: 1, hour: 2, minute: 30, timezone: 'America/New_York' }),
      new OrTrigger({
        triggers: [
          new IntervalTrigger({ hours: 5, startDate: START }),
          new DateTrigger({ runDate: START }),
        ],
      }),
      new AndTrigger({
        triggers: [
          new IntervalTrigger({ hours: 1, startDate: START }),
          CronTrigger.fromCrontab('0 */2 * * *', 'UTC'),
        ],
      }),
    ];
    for (const trigger of triggers) {
      const { dates, ms } = chains(trigger, 40);
      expect(ms).toEqual(dates);
    }
  });

  it('gives the jittered fire times of getNextFireTime, in whole milliseconds, with the same random source', () => {
    const make = (): IntervalTrigger =>
      new IntervalTrigger({ seconds: 10, startDate: START, jitter: 3 }, { random: () => 0.123456 });
    const { dates, ms } = chains(make(), 20);
    expect(ms).toEqual(dates);
    expect(ms.length).toBe(20);
    for (const value of ms) expect(Number.isInteger(value)).toBe(true);
  });

  it('asks a subclass that overrides getNextFireTime through its override', () => {
    class Shifted extends IntervalTrigger {
      override getNextFireTime(previous: Date | null, now: Date): Date | null {
        const next = super.getNextFireTime(previous, now);
        return next === null ? null : new Date(next.getTime() + 1);
      }
    }
    const trigger = new Shifted({ seconds: 10, startDate: START });
    expect(trigger.getNextFireTimeMs(null, START)).toBe(START + 1);
    expect(trigger.getNextFireTime(null, new Date(START))?.getTime()).toBe(START + 1);
  });
});
