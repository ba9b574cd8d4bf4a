import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronTrigger } from '../src/index.js';

// cron-parser as an independent reference, on the part of the crontab grammar where its meaning
// and the oracle's agree (no '?', no '#'/'L' lists, day-of-month or day-of-week left as '*').
// Where they differ (Vixie's star flag on '*/2', 'MON#2,FRIL', '?' in minutes) the oracle decides,
// and those cases are covered by the oracle vectors and cron.test.ts.

function item(min: number, max: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min, max }).map(String),
    fc
      .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
      .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc
      .tuple(
        fc.integer({ min, max }),
        fc.integer({ min, max }),
        fc.integer({ min: 1, max: max - min }),
      )
      .map(([a, b, step]) => `${Math.min(a, b)}-${Math.max(a, b)}/${step}`),
    fc.integer({ min: 1, max: max - min }).map((step) => `*/${step}`),
  );
}

function field(min: number, max: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant('*'),
    fc
      .array(item(min, max), { minLength: 1, maxLength: 3 })
      .map((items) => [...new Set(items)].join(',')),
  );
}

const expression = fc
  .tuple(field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 7), fc.boolean())
  .map(
    ([minute, hour, dom, month, dow, keepDom]) =>
      `${minute} ${hour} ${keepDom ? dom : '*'} ${month} ${keepDom ? '*' : dow}`,
  );

describe('crontab against cron-parser (UTC, the shared grammar)', () => {
  it('gives the same fire times', () => {
    fc.assert(
      fc.property(
        expression,
        fc.integer({
          min: Date.parse('2000-01-01T00:00:00Z'),
          max: Date.parse('2050-01-01T00:00:00Z'),
        }),
        (expr, start) => {
          const from = new Date(Math.floor(start / 1000) * 1000 + 500); // off the second: both start strictly after
          let reference: ReturnType<typeof CronExpressionParser.parse>;
          try {
            reference = CronExpressionParser.parse(expr, { currentDate: from, tz: 'UTC' });
          } catch {
            // cron-parser refuses overlapping list items ('*/1,*/2'); compare only what both accept.
            fc.pre(false);
            return;
          }
          const trigger = CronTrigger.fromCrontab(expr, 'UTC');
          let previous: Date | null = null;
          let now = from;
          for (let i = 0; i < 4; i++) {
            const expected = reference.next().toISOString();
            const got: Date | null = trigger.getNextFireTime(previous, now);
            expect(got?.toISOString(), `${expr} from ${from.toISOString()}, fire #${i}`).toBe(
              expected,
            );
            if (got === null) return;
            previous = now = got;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
