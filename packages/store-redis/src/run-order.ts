/**
 * The history's order as Redis keeps it: every run is a member `<time>:<id>` of sorted sets whose
 * scores are all 0, so Redis orders them by their bytes. `<time>` is the scheduled run time as 16
 * digits (shifted so that times before 1970 sort too), hence the lexical order is the order of
 * (scheduled time, id), and reading it backwards (`ZREVRANGEBYLEX`) is `compareRuns` order. A
 * query's filters on time and its keyset position become one lexical range.
 */
import { JobStoreError, type RunPosition, type RunQuery } from '@kairos/core';

/** Added to a time so that every time within ±2^52 ms (±142,000 years) is 0 … 2^53, exact. */
const TIME_OFFSET = 2 ** 52;
/** The digits of a shifted time: 2^53 has 16. */
const TIME_DIGITS = 16;
/** Where the run id starts in a member, as Lua's 1-based `string.sub` counts. */
export const MEMBER_ID_START = TIME_DIGITS + 2;

/** The least and greatest times a member can hold. */
const MIN_TIME = -TIME_OFFSET;
const MAX_TIME = TIME_OFFSET;

/** A lexical range of members (`ZRANGEBYLEX` syntax), greatest first as the history reads. */
export interface MemberRange {
  /** `+`, or `(member`: members strictly below it. */
  readonly max: string;
  /** `-`, or `[member`: members at or above it. */
  readonly min: string;
}

/** The time part of a member: an integer time, shifted and zero-padded. */
function timeKey(time: number): string {
  return String(time + TIME_OFFSET).padStart(TIME_DIGITS, '0');
}

/**
 * The member of a run in the history's sorted sets.
 * @throws JobStoreError when its scheduled time is not an integer within ±2^52 ms
 */
export function runMember(position: RunPosition): string {
  const time = position.scheduledRunTime;
  if (!Number.isInteger(time) || time < MIN_TIME || time > MAX_TIME) {
    throw new JobStoreError(
      `Redis job store: run '${position.id}' has scheduledRunTime ${String(time)}, which the ` +
        `run history cannot order; it must be whole epoch milliseconds within ±2^52`,
    );
  }
  return `${timeKey(time)}:${position.id}`;
}

/** The run id in a member from {@link runMember}. */
export function memberRunId(member: string): string {
  return member.slice(MEMBER_ID_START - 1);
}

/**
 * The upper bound of the members of runs scheduled before `time`, for `ZRANGEBYLEX key -
 * <bound>` (`+` when `time` is past every member).
 */
export function beforeTime(time: number): string {
  const bound = Math.min(Math.max(Math.ceil(time), MIN_TIME), MAX_TIME + 1);
  return bound > MAX_TIME ? '+' : `(${timeKey(bound)}:`;
}

/**
 * The range of members a query reads (its `since`, `until` and `after`); `null` when no run can
 * match. The outcome filter is not part of it (applied to the rows read).
 */
export function queryRange(query: Pick<RunQuery, 'since' | 'until' | 'after'>): MemberRange | null {
  const { since, until, after } = query;
  let max = '+';
  if (until !== undefined) {
    const last = Math.floor(until);
    if (last < MIN_TIME) return null;
    // `;` follows `:`, so every member of time `last` is below it.
    if (last < MAX_TIME) max = `(${timeKey(last)};`;
  }
  if (after !== undefined && (until === undefined || after.scheduledRunTime <= until)) {
    max = `(${runMember(after)}`;
  }
  let min = '-';
  if (since !== undefined) {
    const first = Math.ceil(since);
    if (first > MAX_TIME) return null;
    if (first > MIN_TIME) min = `[${timeKey(first)}:`;
  }
  return { max, min };
}
