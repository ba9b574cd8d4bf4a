import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { CRON_FIELD_NAMES } from '../src/cron-fields.js';
import {
  CronTrigger,
  type Trigger,
  TriggerConfigError,
  type TriggerSpec,
  triggerFromSpec,
} from '../src/index.js';
import { DST_ZONES, run } from './helpers.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const ZONES = ['UTC', 'Asia/Kolkata', ...DST_ZONES];
const zone = fc.constantFrom(...ZONES);
const now = fc.integer({
  min: Date.parse('1990-01-01T00:00:00Z'),
  max: Date.parse('2080-01-01T00:00:00Z'),
});

// --- generators of valid specs -------------------------------------------------------------

function rangeExpression(min: number, max: number): fc.Arbitrary<string> {
  const span = max - min;
  return fc.oneof(
    fc.constant('*'),
    fc.integer({ min: 1, max: span }).map((step) => `*/${step}`),
    fc.integer({ min, max }).map(String),
    fc
      .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
      .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc
      .tuple(fc.integer({ min, max: max - 1 }), fc.integer({ min: 1, max: span }))
      .filter(([first, step]) => step <= max - first)
      .map(([first, step]) => `${first}/${step}`),
  );
}

function listOf(item: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
}

const cronSpec: fc.Arbitrary<TriggerSpec> = fc
  .record(
    {
      year: fc.oneof(
        fc.constant('*'),
        fc.integer({ min: 1990, max: 2090 }).map((y) => `${y}-2100`),
      ),
      month: fc.oneof(listOf(rangeExpression(1, 12)), fc.constantFrom('jan-jun', 'mar,sep', 'dec')),
      day: fc.oneof(
        listOf(rangeExpression(1, 31)),
        fc.constantFrom('last', 'last fri', '2nd mon', '5th sun', '1,last'),
      ),
      week: listOf(rangeExpression(1, 53)),
      dayOfWeek: fc.oneof(
        listOf(rangeExpression(0, 6)),
        fc.constantFrom('mon-fri', 'sat,sun', 'wed'),
      ),
      hour: listOf(rangeExpression(0, 23)),
      minute: listOf(rangeExpression(0, 59)),
      second: listOf(rangeExpression(0, 59)),
    },
    { requiredKeys: [] },
  )
  .chain((fields) => zone.map((timezone) => ({ type: 'cron' as const, ...fields, timezone })));

function crontabField(min: number, max: number): fc.Arbitrary<string> {
  return listOf(rangeExpression(min, max));
}

const crontabSpec: fc.Arbitrary<TriggerSpec> = fc
  .record({
    seconds: fc.option(crontabField(0, 59), { nil: undefined }),
    minute: crontabField(0, 59),
    hour: crontabField(0, 23),
    dom: fc.oneof(crontabField(1, 31), fc.constantFrom('L', '1,15,L', '?')),
    month: fc.oneof(crontabField(1, 12), fc.constantFrom('jan-jun', 'FEB')),
    dow: fc.oneof(
      crontabField(0, 7),
      fc.constantFrom('MON-FRI', '5L', 'FRI#3', 'MON#2,FRIL', '0L', '?', 'sun'),
    ),
    timezone: zone,
  })
  .map(({ seconds, minute, hour, dom, month, dow, timezone }) => ({
    type: 'crontab' as const,
    expr: [seconds, minute, hour, dom, month, dow].filter((field) => field !== undefined).join(' '),
    timezone,
  }));

const intervalSpec: fc.Arbitrary<TriggerSpec> = fc.record({
  type: fc.constant('interval' as const),
  hours: fc.integer({ min: 0, max: 50 }),
  minutes: fc.integer({ min: 1, max: 600 }),
  seconds: fc.integer({ min: 0, max: 59 }),
  startDate: now.map((ms) => new Date(ms).toISOString()),
  timezone: zone,
});

const calendarSpec: fc.Arbitrary<TriggerSpec> = fc.record({
  type: fc.constant('calendarinterval' as const),
  months: fc.integer({ min: 0, max: 14 }),
  days: fc.integer({ min: 1, max: 40 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  startDate: now.map((ms) => new Date(ms).toISOString().slice(0, 10)),
  timezone: zone,
});

const forwardSpec = fc.oneof(cronSpec, crontabSpec, intervalSpec);

describe('trigger properties (fast-check)', () => {
  it('valid cron, crontab and interval specs: results never before now, strictly increasing, no throw', () => {
    fc.assert(
      fc.property(forwardSpec, now, (spec, start) => {
        const times = run(triggerFromSpec(spec), start, null, 8);
        if (times[0] !== undefined) expect(times[0]).toBeGreaterThanOrEqual(start);
        for (let i = 1; i < times.length; i++)
          expect(times[i]).toBeGreaterThan(times[i - 1] ?? -Infinity);
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it('calendar-interval specs: strictly increasing, and AND/OR of valid children do not throw', () => {
    fc.assert(
      fc.property(calendarSpec, forwardSpec, now, (calendar, other, start) => {
        const times = run(triggerFromSpec(calendar), start, null, 6);
        for (let i = 1; i < times.length; i++)
          expect(times[i]).toBeGreaterThan(times[i - 1] ?? -Infinity);
        const union = run(
          triggerFromSpec({ type: 'or', triggers: [calendar, other] }),
          start,
          null,
          6,
        );
        for (let i = 1; i < union.length; i++)
          expect(union[i]).toBeGreaterThan(union[i - 1] ?? -Infinity);
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('every spec round-trips through toJSON and JSON text to a trigger with the same fire times', () => {
    fc.assert(
      fc.property(fc.oneof(forwardSpec, calendarSpec), now, (spec, start) => {
        const trigger = triggerFromSpec(spec);
        const copy = triggerFromSpec(JSON.parse(JSON.stringify(trigger.toJSON())) as TriggerSpec);
        expect(copy.toJSON()).toEqual(trigger.toJSON());
        expect(copy.toString()).toBe(trigger.toString());
        expect(run(copy, start, null, 4)).toEqual(run(trigger, start, null, 4));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('random strings never crash anything but the constructor, and that with a TriggerConfigError', () => {
    const field = fc.constantFrom(...CRON_FIELD_NAMES);
    const junk = fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-z*/,#?L -]{0,12}$/));
    fc.assert(
      fc.property(field, junk, junk, now, (name, value, expr, start) => {
        for (const build of [
          () => triggerFromSpec({ type: 'cron', [name]: value, timezone: 'UTC' }),
          () => CronTrigger.fromCrontab(expr, 'UTC'),
        ]) {
          let trigger: Trigger;
          try {
            trigger = build();
          } catch (error) {
            expect(error).toBeInstanceOf(TriggerConfigError);
            continue;
          }
          run(trigger, start, null, 3);
        }
      }),
      { numRuns: 1000 },
    );
  }, 60_000);
});

// --- the wall-clock model, checked against an independent brute force on Luxon ---------------

/** Offset transitions (epoch ms) of a zone in a year, found with Luxon to the minute. */
function transitions(name: string, year: number): number[] {
  const out: number[] = [];
  const offset = (ms: number): number => DateTime.fromMillis(ms, { zone: name }).offset;
  let day = Date.UTC(year, 0, 1);
  while (day < Date.UTC(year + 1, 0, 1)) {
    if (offset(day) !== offset(day + DAY)) {
      let lo = day;
      let hi = day + DAY;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (offset(mid) === offset(lo)) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
    day += DAY;
  }
  return out;
}

/** Every instant in [from, to] whose wall time matches, plus gap wall times shifted forward. */
function bruteForce(
  name: string,
  matches: (wall: Date) => boolean,
  from: number,
  to: number,
): number[] {
  const out = new Set<number>();
  let previousWall: number | null = null;
  for (let at = Math.floor(from / MINUTE) * MINUTE - MINUTE; at <= to; at += MINUTE) {
    const wall = at + DateTime.fromMillis(at, { zone: name }).offset * MINUTE;
    if (matches(new Date(wall))) out.add(at);
    if (previousWall !== null && wall - previousWall > MINUTE) {
      // Wall times skipped by a spring-forward fire shifted by the gap (pre-transition offset).
      for (let skipped = previousWall + MINUTE; skipped < wall; skipped += MINUTE) {
        if (matches(new Date(skipped))) out.add(at - MINUTE + (skipped - previousWall));
      }
    }
    previousWall = wall;
  }
  return [...out].filter((at) => at >= from && at <= to).sort((a, b) => a - b);
}

describe('wall-clock model across real DST transitions', () => {
  const cases = DST_ZONES.flatMap((name) =>
    [2024, 2041].flatMap((year) => transitions(name, year).map((at) => ({ name, at }))),
  );

  it('has transitions to test', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it('fires exactly at the brute-force instants near each transition', () => {
    const values = (max: number): fc.Arbitrary<number[]> =>
      fc
        .uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 4 })
        .map((list) => list.sort((a, b) => a - b));
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.integer({ min: -36, max: 12 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
        values(23),
        fc.uniqueArray(fc.constantFrom<number>(0, 15, 30, 45, 59), { minLength: 1, maxLength: 3 }),
        fc.option(values(6), { nil: null }),
        ({ name, at }, hoursBefore, lowHours, moreHours, minutes, weekdays) => {
          const hours = [...new Set([...lowHours, ...moreHours])].sort((a, b) => a - b);
          const trigger = new CronTrigger({
            dayOfWeek: weekdays?.join(','),
            hour: hours.join(','),
            minute: minutes.join(','),
            second: 0,
            timezone: name,
          });
          const start = at + hoursBefore * 3_600_000;
          const end = start + 2 * DAY;
          const matches = (wall: Date): boolean =>
            hours.includes(wall.getUTCHours()) &&
            minutes.includes(wall.getUTCMinutes()) &&
            (weekdays === null || weekdays.includes((wall.getUTCDay() + 6) % 7));
          const expected = bruteForce(name, matches, start, end);
          const got = run(trigger, start, null, expected.length + 1).filter((fire) => fire <= end);
          expect(got.map((ms) => new Date(ms).toISOString())).toEqual(
            expected.map((ms) => new Date(ms).toISOString()),
          );
        },
      ),
      { numRuns: 120 },
    );
  }, 60_000);
});

describe('sparse schedules far ahead', () => {
  it('match the wall times found in UTC, placed in the zone by Luxon', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'America/New_York',
          'Europe/London',
          'Australia/Lord_Howe',
          'America/Santiago',
          'Pacific/Chatham',
        ),
        fc.integer({ min: 2030, max: 2400 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 10, max: 14 }), // midday: never inside a DST transition
        now,
        (timezone, firstYear, span, month, day, hour, start) => {
          const fields = { year: `${firstYear}-${firstYear + span}`, month, day, hour };
          const inZone = new CronTrigger({ ...fields, timezone });
          const walls = run(
            new CronTrigger({ ...fields, timezone: 'UTC' }),
            start - 2 * DAY,
            null,
            6,
          );
          const expected = walls
            .map((wall) => {
              const w = new Date(wall);
              return DateTime.fromObject(
                {
                  year: w.getUTCFullYear(),
                  month: w.getUTCMonth() + 1,
                  day: w.getUTCDate(),
                  hour: w.getUTCHours(),
                },
                { zone: timezone },
              ).toMillis();
            })
            .filter((at) => at >= start)
            .slice(0, 3);
          expect(run(inZone, start, null, expected.length)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);
});
