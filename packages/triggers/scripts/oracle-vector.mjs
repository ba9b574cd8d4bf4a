// Runs one oracle vector against the built package; shared by scripts/oracle.mjs and the vitest suite.
import { TriggerConfigError, TriggerIterationLimitError, triggerFromSpec } from '../dist/index.js';

/** Tags whose `expect` reflects APScheduler silently truncating input that Kairos rejects. */
const STRICT_INPUT_TAGS = ['regex-quirk', 'accepted-anyway'];

const show = (value) =>
  value === null ? 'null' : value instanceof Date ? value.toISOString() : String(value);

/**
 * @returns {{status: 'pass'} | {status: 'skip', reason: string} | {status: 'fail', expected: string, got: string}}
 */
export function runVector(vector) {
  if (vector.tags?.includes('sub-millisecond')) {
    return {
      status: 'skip',
      reason:
        'input below 1 ms, which a JavaScript Date cannot hold (informational per the oracle README)',
    };
  }
  let trigger;
  try {
    trigger = triggerFromSpec(vector.trigger);
  } catch (error) {
    if (!Array.isArray(vector.expect)) return { status: 'pass' };
    if (
      error instanceof TriggerConfigError &&
      vector.tags?.some((tag) => STRICT_INPUT_TAGS.includes(tag))
    ) {
      return {
        status: 'skip',
        reason: `deliberate: Kairos rejects input APScheduler silently truncates (${error.message})`,
      };
    }
    return {
      status: 'fail',
      expected: JSON.stringify(vector.expect.slice(0, 3)),
      got: `construction error: ${error.message}`,
    };
  }
  if (!Array.isArray(vector.expect)) {
    return {
      status: 'fail',
      expected: `construction error (${vector.expect.error}: ${vector.expect.message})`,
      got: `a trigger: ${trigger}`,
    };
  }
  const noCommonTime = vector.tags?.includes('and-no-common-time');
  let previous = vector.previous ? new Date(vector.previous) : null;
  let now = new Date(vector.start);
  try {
    for (let index = 0; index < vector.expect.length; index++) {
      const want = Date.parse(vector.expect[index]);
      const got = trigger.getNextFireTime(previous, now);
      if (got === null || !(Math.abs(got.getTime() - want) < 1)) {
        return { status: 'fail', expected: `#${index} ${vector.expect[index]}`, got: show(got) };
      }
      previous = now = got;
    }
    if (vector.outcome === 'exhausted') {
      const after = trigger.getNextFireTime(previous, now);
      if (after !== null) return { status: 'fail', expected: 'null (exhausted)', got: show(after) };
    }
  } catch (error) {
    if (noCommonTime && error instanceof TriggerIterationLimitError) return { status: 'pass' };
    return {
      status: 'fail',
      expected: JSON.stringify(vector.expect.slice(0, 3)),
      got: `error: ${error.message}`,
    };
  }
  return { status: 'pass' };
}
