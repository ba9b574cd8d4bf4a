/**
 * The check of the Kairos job options a fluent job takes with `.with()`: each known option and
 * the values it takes, so a wrong key or value fails at the call that gave it.
 */
import { show } from 'kairos';
import { ScheduleValueError } from './errors.js';
import type { FluentJobOptions } from './interfaces.js';

interface OptionCheck {
  test(value: unknown): boolean;
  expected: string;
}
const NAME: OptionCheck = {
  test: (value) => typeof value === 'string' && value !== '',
  expected: 'a non-empty string',
};
const SECONDS_OR_NULL: OptionCheck = {
  test: (value) => value === null || (typeof value === 'number' && value > 0),
  expected: 'a number of seconds > 0, or null',
};
/** What `with()` takes, and the check of each value. */
const OPTION_CHECKS: Record<keyof FluentJobOptions, OptionCheck> = {
  id: NAME,
  executor: NAME,
  jobstore: NAME,
  misfireGraceTime: SECONDS_OR_NULL,
  maxInstances: {
    test: (value) => Number.isInteger(value) && (value as number) >= 1,
    expected: 'a whole number ≥ 1',
  },
  timeout: SECONDS_OR_NULL,
};

/**
 * Checks the options given to `with()`.
 * @param call the chain as the user wrote it, for messages
 * @throws ScheduleValueError naming an unknown option, or a known one with a bad value
 */
export function checkOptions(options: FluentJobOptions, call: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${call}: options are an object such as {executor: 'worker'}`);
  }
  for (const [key, value] of Object.entries(options) as [string, unknown][]) {
    const check = OPTION_CHECKS[key as keyof FluentJobOptions] as OptionCheck | undefined;
    if (check === undefined) {
      throw new ScheduleValueError(
        `${call}: unknown option ${show(key)}; known: ${Object.keys(OPTION_CHECKS).join(', ')}`,
      );
    }
    if (!check.test(value)) {
      throw new ScheduleValueError(`${call}: ${key} must be ${check.expected}; got ${show(value)}`);
    }
  }
}
