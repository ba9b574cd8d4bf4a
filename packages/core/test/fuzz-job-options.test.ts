/**
 * Fuzzing job options: random `addJob` options, `modifyJob` changes and `addJob` argument
 * shapes, with real, snake_case, misspelt, trigger-field and junk keys and values of every kind,
 * either check or fail with a JobOptionError naming the job and a key or value the input gave,
 * in Kairos's words, quickly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobOptionError } from '../src/errors.js';
import {
  checkAddJobOptions,
  checkJobChanges,
  normalizeAddJobArguments,
} from '../src/job-options.js';

// zod's own wording, which must never reach a user.
const ZOD_TEXT =
  /Invalid input|Too small|Too big|Unrecognized key|Invalid option|Invalid string|expected \w+, received/;
// Each input takes well under a millisecond; the bound catches a hang or a blow-up, with room
// for a GC pause while the whole suite runs in parallel.
const TIME_BOUND_MS = 250;
const JOB = 'addJob(fuzz)';

const optionKeys = [
  'id',
  'name',
  'args',
  'jobstore',
  'executor',
  'coalesce',
  'misfireGraceTime',
  'misfire_grace_time',
  'maxInstances',
  'max_instances',
  'nextRunTime',
  'next_run_time',
  'replaceExisting',
  'replace_existing',
  'timeout',
  'task',
  'trigger',
];
const nearKeys = ['misfireGrace', 'maxInstance', 'coalesc', 'replace', 'Id', 'NAME', 'job_store'];
const triggerKeys = [
  'type',
  'seconds',
  'minutes',
  'hour',
  'day_of_week',
  'run_date',
  'expr',
  'timezone',
  'jitter',
];

const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...optionKeys) },
  fc.constantFrom(...nearKeys),
  fc.constantFrom(...triggerKeys),
  fc.string({ maxLength: 10 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', ''),
);

const scalar = fc.oneof(
  fc.constantFrom('true', 'false', 'no', '1', '0', '2', '-1', '2.5', '30', ' 4 ', 'none', 'null'),
  fc.constantFrom('interval', 'cron', 'x', '', '2030-01-01T00:00:00Z'),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -3, max: 5 }),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(null, undefined, Number.NaN, Infinity, 10n, new Date(0)),
);

const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
    fc.constant(() => 1),
  ),
})).value;

const options = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(key, fc.oneof(scalar, value), { maxKeys: 5 }) },
  value,
);

const triggerArgument = fc.oneof(
  fc.constantFrom('interval', 'cron', 'date', 'mine', '', ' '),
  fc.constantFrom(null, undefined),
  fc
    .tuple(
      fc.constantFrom('interval', 'cron', 'date', 'plugin'),
      fc.dictionary(key, scalar, { maxKeys: 4 }),
    )
    .map(([type, fields]) => ({ ...fields, type })),
  fc.dictionary(key, scalar, { maxKeys: 4 }),
  value,
);

/** Runs `fn`, returning the JobOptionError it throws, failing on any other error. */
function outcome(fn: () => unknown): JobOptionError | undefined {
  const started = performance.now();
  try {
    fn();
    return undefined;
  } catch (error) {
    if (!(error instanceof JobOptionError)) {
      throw new Error(`not a JobOptionError: ${String(error)}`, { cause: error });
    }
    return error;
  } finally {
    expect(performance.now() - started).toBeLessThan(TIME_BOUND_MS);
  }
}

/** The error names the job and an option the input gave (or the whole argument). */
function expectNamed(error: JobOptionError, ...inputs: unknown[]): void {
  expect(error.message.startsWith(`${JOB}: ${error.option}: `), error.message).toBe(true);
  expect(error.message).not.toMatch(ZOD_TEXT);
  const given = inputs.flatMap((input) =>
    typeof input === 'object' && input !== null ? Object.keys(input) : [],
  );
  const named = ['options', 'trigger', ...given].includes(error.option);
  expect(named, error.message).toBe(true);
}

describe('fuzzing job options', () => {
  it('addJob options check or fail with a JobOptionError naming the option', () => {
    fc.assert(
      fc.property(options, (input) => {
        let checked: Record<string, unknown> | undefined;
        const error = outcome(() => {
          checked = checkAddJobOptions(input, JOB) as Record<string, unknown>;
        });
        if (error !== undefined) {
          expectNamed(error, input);
          return;
        }
        // What passed is in canonical form, typed as the scheduler reads it, and stable.
        const result = checked ?? {};
        const { maxInstances, coalesce, misfireGraceTime, timeout } = result;
        if (maxInstances !== undefined) expect(Number.isInteger(maxInstances)).toBe(true);
        if (coalesce !== undefined) expect(typeof coalesce).toBe('boolean');
        if (misfireGraceTime !== undefined && misfireGraceTime !== null) {
          expect(misfireGraceTime).toBeGreaterThanOrEqual(0);
        }
        if (timeout !== undefined && timeout !== null) expect(timeout).toBeGreaterThan(0);
        for (const name of Object.keys(result)) expect(name).not.toContain('_');
        expect(checkAddJobOptions(result, JOB)).toEqual(result);
      }),
      { numRuns: 1500 },
    );
  });

  it('modifyJob changes check or fail with a JobOptionError naming the option', () => {
    fc.assert(
      fc.property(options, (input) => {
        const error = outcome(() => checkJobChanges(input, JOB));
        if (error !== undefined)
          expectNamed(error, input, (input as { trigger?: unknown })?.trigger);
      }),
      { numRuns: 800 },
    );
  });

  it('addJob argument shapes normalise or fail with a JobOptionError naming the key', () => {
    fc.assert(
      fc.property(
        triggerArgument,
        options,
        fc.option(options, { nil: undefined }),
        (trigger, second, third) => {
          const error = outcome(() =>
            normalizeAddJobArguments(
              trigger as Parameters<typeof normalizeAddJobArguments>[0],
              second,
              third,
              JOB,
            ),
          );
          if (error !== undefined) expectNamed(error, trigger, second, third);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
