/**
 * Fuzzing the configuration dictionary: random flat and nested dictionaries with real, misspelt
 * and junk keys and values of every kind either parse or fail with a ConfigurationError that
 * names a key the input wrote, in Kairos's words, quickly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/builtins.js';
import { parseConfig, type SchedulerConfig } from '../src/config/index.js';
import { ConfigurationError } from '../src/errors.js';

// zod's own wording, which must never reach a user.
const ZOD_TEXT =
  /Invalid input|Too small|Too big|Unrecognized key|Invalid option|Invalid string|expected \w+, received/;
// Each input takes well under a millisecond; the bound catches a hang or a blow-up, with room
// for a GC pause while the whole suite runs in parallel.
const TIME_BOUND_MS = 250;

const settingNames = [
  'timezone',
  'jobstores',
  'executors',
  'job_defaults',
  'jobDefaults',
  'jobstore_retry_interval',
  'maxSleepTime',
  'max_sleep_time',
  'daemon',
  'logger',
  'clock',
  'tasks',
  'task_modules',
  'taskModules',
];
const jobDefaultNames = [
  'coalesce',
  'misfire_grace_time',
  'misfireGraceTime',
  'max_instances',
  'maxInstances',
  'coalesc',
  'misfireGrace',
];
const componentOptionNames = ['type', 'class', 'max_workers', 'maxWorkers', 'max_worker', 'url'];

const junkKey = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'kairos.', 'kairos..x', '.', ''),
);

/** Values as configuration files and code give them: strings of numbers and booleans too. */
const scalar = fc.oneof(
  fc.constantFrom('true', 'false', 'yes', 'off', '1', '0', '2', '-1', '2.5', '1e3', ' 4 ', 'none'),
  fc.constantFrom('UTC', 'Europe/Paris', 'europe/paris', 'Mars/Base', 'memory', 'async', 'x#y'),
  fc.string({ maxLength: 10 }),
  fc.integer({ min: -5, max: 5 }),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(null, undefined, Number.NaN, Infinity, 10n),
);

const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...componentOptionNames), junkKey), tie('value'), {
      maxKeys: 4,
    }),
    fc.constant(() => 1),
    fc.constant(console),
  ),
})).value;

const componentSpec = fc.record(
  {
    type: fc.constantFrom('memory', 'async', 'sqlite', '', 5),
    max_workers: scalar,
    maxWorkers: scalar,
    junk: scalar,
  },
  { requiredKeys: [] },
);

const nestedConfig = fc.record(
  {
    timezone: scalar,
    jobDefaults: fc.oneof(
      fc.dictionary(fc.constantFrom(...jobDefaultNames), scalar, { maxKeys: 4 }),
      scalar,
    ),
    job_defaults: fc.dictionary(fc.constantFrom(...jobDefaultNames), scalar, { maxKeys: 2 }),
    jobstores: fc.dictionary(fc.constantFrom('default', 'other'), fc.oneof(componentSpec, value), {
      maxKeys: 2,
    }),
    executors: fc.dictionary(fc.constantFrom('default', 'pool'), fc.oneof(componentSpec, value), {
      maxKeys: 2,
    }),
    tasks: fc.dictionary(junkKey, value, { maxKeys: 2 }),
    maxSleepTime: scalar,
    daemon: scalar,
    taskModules: fc.oneof(scalar, fc.array(scalar, { maxLength: 2 })),
  },
  { requiredKeys: [] },
);

const flatKey = fc.oneof(
  fc.constantFrom(...settingNames).map((name) => `kairos.${name}`),
  fc.constantFrom(...jobDefaultNames).map((name) => `kairos.job_defaults.${name}`),
  fc
    .tuple(fc.constantFrom('jobstores', 'executors'), fc.constantFrom('default', 'x'))
    .chain(([kind, alias]) =>
      fc.oneof(
        fc.constant(`kairos.${kind}.${alias}`),
        fc
          .constantFrom(...componentOptionNames)
          .map((option) => `kairos.${kind}.${alias}.${option}`),
      ),
    ),
  fc.constantFrom(...settingNames),
  junkKey,
  junkKey.map((key) => `kairos.${key}`),
);

const flatConfig = fc.dictionary(flatKey, fc.oneof(scalar, value), { maxKeys: 6 });

const anyConfig = fc.oneof(
  flatConfig,
  nestedConfig,
  fc.tuple(flatConfig, nestedConfig).map(([flat, nested]) => ({ ...nested, ...flat })),
  value,
);

/** Parses, returning the error thrown (or undefined), and fails on anything but a ConfigurationError. */
function outcome(input: unknown): ConfigurationError | undefined {
  const started = performance.now();
  try {
    parseConfig(input as SchedulerConfig, defaultRegistry);
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) {
      throw new Error(`not a ConfigurationError: ${String(error)}`, { cause: error });
    }
    return error;
  } finally {
    expect(performance.now() - started).toBeLessThan(TIME_BOUND_MS);
  }
}

describe('fuzzing the configuration dictionary', () => {
  it('parses or throws a ConfigurationError naming a key the input wrote, in Kairos terms', () => {
    fc.assert(
      fc.property(anyConfig, (input) => {
        const error = outcome(input);
        if (error === undefined) return;
        expect(error.message.startsWith(`${error.key}: `)).toBe(true);
        expect(error.message).not.toMatch(ZOD_TEXT);
        if (typeof input !== 'object' || input === null || Array.isArray(input)) return;
        const keys = Object.keys(input);
        const related = (key: string): boolean =>
          key === error.key || key.startsWith(`${error.key}.`) || error.key.startsWith(`${key}.`);
        expect(error.key === 'config' || keys.some(related), error.message).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('reads numeric and boolean strings as the values they spell', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.boolean(),
        fc.constantFrom('', ' '),
        (instances, coalesce, pad) => {
          const parsed = parseConfig(
            {
              'kairos.job_defaults.max_instances': `${pad}${instances}${pad}`,
              'kairos.job_defaults.coalesce': `${pad}${coalesce ? 'yes' : 'off'}`,
              'kairos.job_defaults.misfire_grace_time': `${instances / 4}`,
            },
            defaultRegistry,
          );
          expect(parsed.jobDefaults).toEqual({
            maxInstances: instances,
            coalesce,
            misfireGraceTime: instances / 4,
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
