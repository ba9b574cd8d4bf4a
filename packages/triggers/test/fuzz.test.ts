/**
 * Fuzzing trigger specs and crontab strings: every input builds a trigger or throws a
 * TriggerConfigError naming its field, within a time bound, and an accepted trigger's fire times
 * strictly increase (also when `now` jumps back before `previous` or far ahead of it).
 *
 * CI runs a fixed seed. For a deeper search: KAIROS_FUZZ_SEED=<n> KAIROS_FUZZ_RUNS=<n>; with
 * KAIROS_FUZZ_REPORT=1 each property prints its slowest case.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Trigger,
  TriggerConfigError,
  TriggerIterationLimitError,
  triggerFromSpec,
} from '../src/index.js';
import { DST_ZONES } from './helpers.js';

const SEED = Number(process.env.KAIROS_FUZZ_SEED ?? 20261206);
const RUNS = Number(process.env.KAIROS_FUZZ_RUNS ?? 250);
/** Fire times asked of each accepted trigger. */
const STEPS = 12;
/**
 * Build + STEPS fire times of one case, at most. Measured: the slowest case of 3,000 per property
 * took under 20 ms (seed 7, 2026-12-06, on this repo's 2-core dev container).
 */
const CASE_BOUND_MS = Number(process.env.KAIROS_FUZZ_BOUND_MS ?? 100);

const MIN_NOW = Date.parse('1900-01-01T00:00:00Z');
const MAX_NOW = Date.parse('2200-01-01T00:00:00Z');

// --- building blocks --------------------------------------------------------------------------

/** Values of the wrong type or out of any range. */
const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    -0,
    1e308,
    5e-324,
    2 ** 53,
    '',
    '   ',
    'x',
    'null',
    null,
    true,
    false,
    [],
    {},
    [1, 2],
    { hour: 9 },
    10n,
    new Date(Number.NaN),
    new Date(8.64e15),
    Symbol('s'),
    () => 1,
  ),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 8 }),
);

/** Mostly a plausible value, now and then a wrong one: a spec has several fields. */
function mostly(valid: fc.Arbitrary<unknown>, wrong: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 14, arbitrary: valid }, { weight: 1, arbitrary: wrong });
}

function randomCase(name: string): fc.Arbitrary<string> {
  return fc.constantFrom(name, name.toLowerCase(), name.toUpperCase());
}

const timezone = mostly(
  fc.constantFrom('UTC', 'Etc/UTC', 'Asia/Kolkata', 'US/Eastern', ...DST_ZONES).chain(randomCase),
  fc.oneof(
    fc.constantFrom('Mars/Olympus', 'Europe/', '+05:00', 'Etc/GMT+99', 'localtime', 'Factory'),
    garbage,
  ),
);

const instant = fc.integer({ min: MIN_NOW, max: MAX_NOW });
const dateInput = mostly(
  fc.oneof(
    instant.map((ms) => new Date(ms).toISOString()),
    instant.map((ms) => new Date(ms).toISOString().slice(0, 19)), // naive wall time
    instant.map((ms) => new Date(ms).toISOString().slice(0, 10)), // a date alone
    instant,
    instant.map((ms) => new Date(ms)),
    fc.constantFrom('0001-01-01T00:00:00Z', '9999-12-31T00:00:00', '20240105', '2024-W02-3'),
  ),
  fc.oneof(
    fc.constantFrom<unknown>(
      '0000-01-01',
      '9999-12-31T23:59:59',
      '9999-W52-7',
      '2024-02-30',
      '2024-13-01',
      '2024-01-01T24:00:00',
      8.64e15,
      -8.64e15,
      1e20,
      0.5,
    ),
    garbage,
  ),
);

const unitAmount = mostly(
  fc.oneof(
    fc.integer({ min: 0, max: 500 }),
    fc.double({ min: 0, max: 1000, noNaN: true }),
    fc.constantFrom(0, 0.001, 0.0012, 1.5, 1e9),
  ),
  fc.oneof(
    fc.integer({ min: -5, max: -1 }),
    fc.constantFrom<unknown>(0.0001, 0.0009, 1e-7, 1e300),
    garbage,
  ),
);

function count(max: number): fc.Arbitrary<unknown> {
  return mostly(
    fc.integer({ min: 0, max }),
    fc.oneof(fc.constantFrom<unknown>(-1, 1.5, 1e300, max + 1), garbage),
  );
}

const jitter = mostly(
  fc.oneof(fc.double({ min: 0, max: 7200, noNaN: true }), fc.constantFrom<unknown>(0, null)),
  fc.oneof(fc.constantFrom<unknown>(1e300, -1), garbage),
);

/** Now and then a key no trigger takes, or one written both ways. */
const strayKeys = fc.oneof(
  { weight: 20, arbitrary: fc.constant({}) },
  fc.constantFrom<Record<string, unknown>>(
    { hours: 1 },
    { day_of_week: 'mon', dayOfWeek: 'mon' },
    { constructor: 1 },
    { startdate: '2024-01-01' },
  ),
);

function spec<T extends Record<string, fc.Arbitrary<unknown>>>(
  type: string,
  fields: T,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), strayKeys)
    .map(([given, stray]) => ({ type, ...given, ...stray }));
}

const bounds = {
  start_date: dateInput,
  end_date: dateInput,
  timezone,
  jitter,
};

const intervalSpec = spec('interval', {
  weeks: unitAmount,
  days: unitAmount,
  hours: unitAmount,
  minutes: unitAmount,
  seconds: unitAmount,
  ...bounds,
});

const calendarSpec = spec('calendarinterval', {
  years: count(3),
  months: count(25),
  weeks: count(10),
  days: count(40),
  hour: count(23),
  minute: count(59),
  second: count(59),
  ...bounds,
});

const dateSpec = spec('date', { run_date: dateInput, timezone });

/** A plausible expression item of a field with values min..max. */
function rangeItem(min: number, max: number): fc.Arbitrary<string> {
  const value = fc.integer({ min, max });
  return fc.oneof(
    fc.constant('*'),
    fc.integer({ min: 1, max: Math.max(1, max - min) }).map((step) => `*/${step}`),
    value.map(String),
    fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc
      .tuple(value, value, fc.integer({ min: 1, max: 10 }))
      .map(([a, b, step]) => `${Math.min(a, b)}-${Math.max(a, b)}/${step}`),
  );
}

function list(item: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
}

const junkCronItem = fc.oneof(
  fc.constantFrom(
    '*/0',
    '*/61',
    '5-1',
    ',',
    'fri#3',
    'mon-fri/2',
    'dec-jan',
    '6th mon',
    'L',
    '?',
    ' 3 ',
    '-1',
    'lastday',
    '10000',
  ),
  fc.integer({ min: -2, max: 70 }),
  garbage,
);

function cronField(min: number, max: number, extra: string[] = []): fc.Arbitrary<unknown> {
  const items =
    extra.length > 0
      ? fc.oneof(rangeItem(min, max), fc.constantFrom(...extra))
      : rangeItem(min, max);
  return mostly(fc.oneof(list(items), fc.integer({ min, max })), junkCronItem);
}

const cronSpec = spec('cron', {
  year: cronField(1970, 2300, ['*/4', '9999']),
  month: cronField(1, 12, ['jan', 'jun-aug', 'DEC']),
  day: cronField(1, 31, ['last', 'last fri', '2nd mon', '5th sun']),
  week: cronField(1, 53),
  day_of_week: cronField(0, 6, ['mon-fri', 'sat', 'Sun']),
  hour: cronField(0, 23),
  minute: cronField(0, 59),
  second: cronField(0, 59),
  ...bounds,
});

const junkCrontabItem = fc.oneof(
  fc.constantFrom(
    '*/0',
    '60',
    '5-1',
    'sat-sun',
    'l',
    '5#6',
    '#',
    '?,1',
    'W',
    '15W',
    'L-3',
    ',',
    '1,,2',
    '-',
    '*-5',
    '99999999999999999999',
    '*/99999999999999999999',
    'last',
  ),
  fc.string({ maxLength: 4 }),
);

function crontabField(min: number, max: number, extra: string[] = []): fc.Arbitrary<string> {
  const items =
    extra.length > 0
      ? fc.oneof(rangeItem(min, max), fc.constantFrom(...extra))
      : rangeItem(min, max);
  return fc.oneof(
    { weight: 30, arbitrary: list(items) },
    { weight: 1, arbitrary: junkCrontabItem },
  );
}

const crontabFields = fc
  .tuple(
    fc.option(crontabField(0, 59), { nil: undefined }),
    crontabField(0, 59),
    crontabField(0, 23),
    crontabField(1, 31, ['L', '1,15,L', '?']),
    crontabField(1, 12, ['jan', 'MAR-may', 'Dec']),
    crontabField(0, 7, ['MON-FRI', 'sun', '5L', 'FRIL', '5#3', 'mon#1', '?']),
  )
  .map((fields) => fields.filter((field) => field !== undefined).join(' '));

/** Crontab strings: 5 or 6 plausible fields, the wrong count, macros, junk. */
const crontab: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: crontabFields },
  fc.array(crontabField(0, 59), { minLength: 3, maxLength: 8 }).map((fields) => fields.join('  ')),
  fc.constantFrom(
    '@yearly',
    '@annually',
    '@monthly',
    '@weekly',
    '@daily',
    '@midnight',
    '@hourly',
    '@reboot',
    '@every 5m',
    '@',
    ' @daily ',
    '@DAILY',
  ),
  fc.string({ maxLength: 20 }),
  garbage,
);

const crontabSpec = fc
  .tuple(crontab, fc.record(bounds, { requiredKeys: [] }))
  .map(([expr, rest]) => ({ type: 'crontab', expr, ...rest }));

const leafSpec = fc.oneof(intervalSpec, calendarSpec, dateSpec, cronSpec, crontabSpec);

const combiningSpec = fc.letrec<{ combo: Record<string, unknown>; child: unknown }>((tie) => ({
  combo: fc.record(
    {
      type: fc.constantFrom('and', 'or'),
      triggers: mostly(fc.array(tie('child'), { minLength: 1, maxLength: 3 }), garbage),
      jitter,
    },
    { requiredKeys: ['type', 'triggers'] },
  ),
  child: fc.oneof(
    { depthSize: 'small' },
    { weight: 8, arbitrary: leafSpec },
    { weight: 2, arbitrary: tie('combo') },
    { weight: 1, arbitrary: garbage },
  ),
})).combo;

// --- the property ---------------------------------------------------------------------------

/**
 * How `now` moves between calls: with the fire time (the oracle's protocol), set back before it,
 * or jumped ahead of it (a scheduler catching up).
 */
const nowMoves = fc.array(fc.integer({ min: -3, max: 3 }), { minLength: STEPS, maxLength: STEPS });
const NOW_STEP_MS = [0, 1, 1000, 3_600_000, 86_400_000 * 40];

const slowest = new Map<string, { ms: number; spec: string }>();
/** Accepted specs, per property (a generator that is all garbage tests nothing). */
const accepted = new Map<string, { built: number; cases: number }>();

function describeSpec(value: unknown): string {
  try {
    return JSON.stringify(value, (_, v: unknown) =>
      typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function' ? String(v) : v,
    );
  } catch {
    return String(value);
  }
}

function checkRejection(error: unknown, input: unknown): void {
  if (!(error instanceof TriggerConfigError)) {
    throw new Error(
      `${describeSpec(input)} threw ${String(error)} instead of a TriggerConfigError`,
    );
  }
  // `<type> trigger: <field>: <problem>`: the field is named, and so is what is wrong.
  expect(error.field).not.toBe('');
  expect(error.message).toContain(` trigger: ${error.field}: `);
  expect(error.problem.length).toBeGreaterThan(8);
}

/**
 * Builds a trigger and walks its fire times, checking every promise; returns the time taken and
 * whether the spec was accepted.
 */
function exercise(
  input: unknown,
  now: number,
  random: number,
  moves: number[],
): { ms: number; built: boolean } {
  const started = performance.now();
  let trigger: Trigger;
  try {
    trigger = triggerFromSpec(input as Record<string, unknown>, {
      now: () => now,
      random: () => random,
      timezone: 'UTC',
    });
  } catch (error) {
    checkRejection(error, input);
    return { ms: performance.now() - started, built: false };
  }
  // Whatever was accepted serialises to a spec that builds again.
  const copy = triggerFromSpec(
    JSON.parse(JSON.stringify(trigger.toJSON())) as Record<string, unknown>,
  );
  expect(copy.toJSON()).toEqual(trigger.toJSON());
  expect(typeof trigger.toString()).toBe('string');

  let previous: Date | null = null;
  let current = new Date(now);
  for (const move of moves) {
    let next: Date | null;
    try {
      next = trigger.getNextFireTime(previous, current);
    } catch (error) {
      // The one error a fire-time query may throw: an AND that found no common time in its bound.
      if (error instanceof TriggerIterationLimitError) break;
      throw new Error(`${describeSpec(input)}: getNextFireTime threw ${String(error)}`);
    }
    if (next === null) break;
    expect(Number.isNaN(next.getTime())).toBe(false);
    if (previous !== null && !(next.getTime() > previous.getTime())) {
      throw new Error(
        `${String(trigger)}: ${next.toISOString()} after previous ${previous.toISOString()} (now ${current.toISOString()})`,
      );
    }
    previous = next;
    const shift = Math.sign(move) * (NOW_STEP_MS[Math.abs(move)] ?? 0);
    current = new Date(Math.min(Math.max(next.getTime() + shift, -8.64e15), 8.64e15));
  }
  return { ms: performance.now() - started, built: true };
}

function fuzz(name: string, input: fc.Arbitrary<unknown>, runs = RUNS): void {
  it(name, () => {
    fc.assert(
      fc.property(
        input,
        instant,
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        nowMoves,
        (value, now, random, moves) => {
          const result = exercise(value, now, random, moves);
          let ms = result.ms;
          // A garbage collection or a busy CI core can stall any one case: a slow case is timed
          // again, and only one slow every time counts.
          for (let retry = 0; retry < 2 && ms >= CASE_BOUND_MS; retry++)
            ms = Math.min(ms, exercise(value, now, random, moves).ms);
          const count = accepted.get(name) ?? { built: 0, cases: 0 };
          accepted.set(name, {
            built: count.built + (result.built ? 1 : 0),
            cases: count.cases + 1,
          });
          const worst = slowest.get(name);
          if (worst === undefined || ms > worst.ms)
            slowest.set(name, { ms, spec: describeSpec(value) });
          expect(ms, describeSpec(value)).toBeLessThan(CASE_BOUND_MS);
        },
      ),
      { seed: SEED, numRuns: runs },
    );
  });
}

describe('fuzzing trigger specs', () => {
  fuzz('interval specs', intervalSpec);
  fuzz('calendar-interval specs', calendarSpec);
  fuzz('date specs', dateSpec);
  fuzz('cron keyword specs', cronSpec, RUNS * 2);
  fuzz('crontab strings and specs', crontabSpec, RUNS * 2);
  fuzz('and / or combinations', combiningSpec, RUNS * 2);
  fuzz('anything at all', fc.oneof(garbage, fc.anything()), RUNS / 2);

  afterAll(() => {
    if (process.env.KAIROS_FUZZ_REPORT === undefined) return;
    for (const [name, { ms, spec: given }] of slowest) {
      const count = accepted.get(name);
      console.log(
        `${name}: ${count?.built ?? 0}/${count?.cases ?? 0} accepted; slowest case ${ms.toFixed(1)} ms: ${given.slice(0, 200)}`,
      );
    }
  });
});
