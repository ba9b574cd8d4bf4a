import { compareRuns, JobStoreError, type RunPosition } from '@kairos/core';
import { describe, expect, it } from 'vitest';
import { beforeTime, memberRunId, queryRange, runMember } from '../src/run-order.js';

/** Redis orders members of equal score by their bytes (memcmp). */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Whether `member` is within a ZRANGEBYLEX bound, as Redis reads it. */
function below(member: string, max: string): boolean {
  if (max === '+') return true;
  const bound = max.slice(1);
  return max.startsWith('(') ? byBytes(member, bound) < 0 : byBytes(member, bound) <= 0;
}
function above(member: string, min: string): boolean {
  if (min === '-') return true;
  const bound = min.slice(1);
  return min.startsWith('[') ? byBytes(member, bound) >= 0 : byBytes(member, bound) > 0;
}

const TIMES = [-86_400_000, -1, 0, 1, 9, 10, 999, 1_000, 1_893_456_000_000, 2 ** 52];
const IDS = ['a', 'a:b', 'a;', 'b', 'node-1/job/10', 'node-1/job/9', 'z', 'ä'];
const positions: RunPosition[] = TIMES.flatMap((scheduledRunTime) =>
  IDS.map((id) => ({ scheduledRunTime, id })),
);

describe('the history order of members', () => {
  it('sorts members backwards exactly as compareRuns sorts runs', () => {
    const byMembers = [...positions].sort((a, b) => byBytes(runMember(b), runMember(a)));
    expect(byMembers).toEqual([...positions].sort(compareRuns));
  });

  it('gives the run id back from a member', () => {
    for (const position of positions) expect(memberRunId(runMember(position))).toBe(position.id);
  });

  it('refuses times it cannot order, naming the run', () => {
    expect(() => runMember({ scheduledRunTime: 1.5, id: 'r1' })).toThrow(JobStoreError);
    expect(() => runMember({ scheduledRunTime: 2 ** 53, id: 'r1' })).toThrow(
      /run 'r1' has scheduledRunTime 9007199254740992/,
    );
  });
});

describe('the range of a query', () => {
  /** The positions a range selects, as Redis would. */
  const selected = (range: ReturnType<typeof queryRange>) =>
    range === null
      ? []
      : positions.filter((position) => {
          const member = runMember(position);
          return below(member, range.max) && above(member, range.min);
        });

  it('reads every run without filters', () => {
    expect(selected(queryRange({}))).toHaveLength(positions.length);
  });

  it('includes both ends of since and until', () => {
    const range = queryRange({ since: 1, until: 999 });
    const times = new Set(selected(range).map((position) => position.scheduledRunTime));
    expect([...times]).toEqual([1, 9, 10, 999]);
    expect(selected(queryRange({ since: 0.5, until: 9.5 })).map((p) => p.scheduledRunTime)).toEqual(
      [...Array<number>(IDS.length).fill(1), ...Array<number>(IDS.length).fill(9)],
    );
  });

  it('starts strictly after the keyset position, in the history order', () => {
    const after = { scheduledRunTime: 10, id: 'b' };
    const expected = positions.filter((position) => compareRuns(position, after) > 0);
    expect(selected(queryRange({ after }))).toEqual(expected);
    // An until below the position is the tighter bound; one above it changes nothing.
    expect(selected(queryRange({ after, until: 9 }))).toEqual(
      positions.filter((position) => position.scheduledRunTime <= 9),
    );
    expect(selected(queryRange({ after, until: 999 }))).toEqual(expected);
  });

  it('is empty when since or until is beyond every time', () => {
    expect(queryRange({ until: -(2 ** 53) })).toBeNull();
    expect(queryRange({ since: 2 ** 53 })).toBeNull();
    expect(selected(queryRange({ since: 11, until: 998 }))).toEqual([]);
  });

  it('bounds the runs scheduled before a time, for retention', () => {
    const bound = beforeTime(10);
    const old = positions.filter((position) => below(runMember(position), bound));
    expect(new Set(old.map((position) => position.scheduledRunTime))).toEqual(
      new Set([-86_400_000, -1, 0, 1, 9]),
    );
    expect(beforeTime(2 ** 60)).toBe('+');
  });
});
