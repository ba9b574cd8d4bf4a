// Runs one oracle vector against an implementation of @kairos/triggers (the built package for
// scripts/oracle.mjs, the sources for the vitest suite).

/**
 * Where Kairos rejects at construction what APScheduler accepts (the "bad input" rule):
 * such a vector is skipped with its reason, never counted as passed.
 */
function deliberateRejection(vector, error) {
  const tags = vector.tags ?? [];
  // APScheduler's unanchored regexes read `mon-fri/2` as `mon-fri`, `fri#3` as `fri`, `lastday` as `last`.
  const truncated = String(error.value)
    .split(',')
    .some(
      (item) => /^[a-z]+(?:-[a-z]+)?[^a-z]/i.test(item.trim()) || /^last[a-z]+$/i.test(item.trim()),
    );
  if ((tags.includes('regex-quirk') || tags.includes('accepted-anyway')) && truncated) {
    return `Kairos rejects input APScheduler silently truncates (${error.message})`;
  }
  if (
    error.field === 'end_date' &&
    vector.expect.length === 0 &&
    /before start_date/.test(error.message)
  ) {
    return `Kairos rejects start_date after end_date; APScheduler builds a trigger that never fires (${error.message})`;
  }
  return null;
}

const show = (value) =>
  value === null ? 'null' : value instanceof Date ? value.toISOString() : String(value);

/**
 * @returns {{status: 'pass'} | {status: 'skip', reason: string} | {status: 'fail', expected: string, got: string}}
 */
export function runVector(vector, api) {
  const { TriggerConfigError, TriggerIterationLimitError, triggerFromSpec } = api;
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
    const reason = error instanceof TriggerConfigError ? deliberateRejection(vector, error) : null;
    if (reason) return { status: 'skip', reason: `deliberate: ${reason}` };
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
