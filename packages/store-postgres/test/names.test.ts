import { describe, expect, it } from 'vitest';
import { fitIdentifier, jobLockKey, quoteIdentifier, storeNames } from '../src/names.js';

describe('SQL names', () => {
  it('quotes the schema and table as written and derives the others from them', () => {
    const names = storeNames('Scheduling', 'Jobs');
    expect(names.table).toBe('"Scheduling"."Jobs"');
    expect(names.metaTable).toBe('"Scheduling"."Jobs_meta"');
    expect(names.nextRunTimeIndex).toBe('"Jobs_next_run_time_idx"');
    expect(names.runsTable).toBe('"Scheduling"."Jobs_runs"');
    expect(names.nodesTable).toBe('"Scheduling"."Jobs_nodes"');
    expect(names.runsJobIndex).toBe('"Jobs_runs_job_idx"');
    expect(names.runsTimeIndex).toBe('"Jobs_runs_time_idx"');
    expect(names.runsLeaseIndex).toBe('"Jobs_runs_lease_idx"');
    expect(names.runsFinishedIndex).toBe('"Jobs_runs_finished_idx"');
    expect(names.channel).toBe('kairos.Scheduling.Jobs');
    expect(names.lockKey).toMatch(/^-?\d+$/);
    expect(BigInt(names.lockKey)).toBe(BigInt.asIntN(64, BigInt(names.lockKey)));
  });

  it('doubles quotes inside an identifier', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });

  it('keeps derived names within 63 bytes, distinct for names that share a long prefix', () => {
    const first = storeNames('s'.repeat(63), `${'t'.repeat(60)}abc`);
    const second = storeNames('s'.repeat(63), `${'t'.repeat(60)}abd`);
    for (const names of [first, second]) {
      expect(names.channel.length).toBeLessThanOrEqual(63);
      expect(names.nextRunTimeIndex.length - 2).toBeLessThanOrEqual(63);
      expect(names.metaTable.split('.')[1]?.length).toBeLessThanOrEqual(63 + 2);
    }
    expect(first.metaTable).not.toBe(second.metaTable);
    expect(first.nextRunTimeIndex).not.toBe(second.nextRunTimeIndex);
    expect(first.channel).not.toBe(second.channel);
    expect(first.lockKey).not.toBe(second.lockKey);
    expect(first.runsTable).not.toBe(second.runsTable);
    expect(first.runsJobIndex).not.toBe(second.runsJobIndex);
    expect(fitIdentifier('short', '_meta')).toBe('short_meta');
    expect(fitIdentifier('x'.repeat(63), '_meta')).toMatch(/^x{49}_[0-9a-f]{8}_meta$/);
  });

  it('gives every schema and table pair its own channel and locks', () => {
    // With '_' as separator these two would collide.
    const first = storeNames('a_b', 'c');
    const second = storeNames('a', 'b_c');
    expect(first.channel).not.toBe(second.channel);
    expect(first.lockKey).not.toBe(second.lockKey);
    expect(first.runsLockSpace).not.toBe(second.runsLockSpace);
  });

  it('keys the advisory lock of a job by its id, as a PostgreSQL int4', () => {
    const keys = ['a', 'b', 'job-1', 'job-2', 'é', ''].map(jobLockKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(jobLockKey('a')).toBe(jobLockKey('a'));
    for (const key of [...keys, storeNames('s', 't').runsLockSpace]) {
      expect(Number.isInteger(key)).toBe(true);
      expect(key).toBeGreaterThanOrEqual(-(2 ** 31));
      expect(key).toBeLessThan(2 ** 31);
    }
  });
});
