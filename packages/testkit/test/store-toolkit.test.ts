// The store toolkit in @kairos/core, the logic every persistent store shares: stored jobs and
// batches, claim planning, the schema-version check, restoring rows.
import {
  checkSchemaVersion,
  ConflictingIdError,
  earliestRunTime,
  planClaims,
  SchemaVersionError,
  SerializationError,
  storedBatch,
  storedJob,
  UnrestorableJobs,
  type StoredJob,
} from '@kairos/core';
import { describe, expect, it } from 'vitest';
import { oneMinuteLater, TestStoreContext } from '../src/index.js';

function setup() {
  const context = new TestStoreContext();
  return {
    context,
    now: context.clock.now(),
    unrestorable: new UnrestorableJobs(context, 'default'),
  };
}

/** A row as a store reads it, for a job the context builds. */
function row(context: TestStoreContext, id: string, nextRunTime: number | null): StoredJob {
  return storedJob(context, context.job({ id, nextRunTime }));
}

describe('storedJob and storedBatch', () => {
  it('gives the id, the next run time and the stored form as JSON text', () => {
    const { context, now } = setup();
    const job = context.job({ id: 'a', nextRunTime: now + 5, args: [1] });
    const stored = storedJob(context, job);
    expect(stored).toMatchObject({ id: 'a', nextRunTime: now + 5 });
    expect(JSON.parse(stored.document)).toEqual(context.serializeJob(job));
  });

  it('turns what JSON cannot hold into a SerializationError naming the job', () => {
    const { context } = setup();
    const bigint = { ...context, serializeJob: () => ({ id: 'x', name: 'X', big: 5n }) };
    expect(() => storedJob(bigint as never, context.job({ id: 'x' }))).toThrow(SerializationError);
    expect(() => storedJob(bigint as never, context.job({ id: 'x' }))).toThrow(
      /job "X" \(id x\).*BigInt/,
    );
  });

  it('refuses an id given twice in a batch, naming it, before serialising any', () => {
    const { context } = setup();
    const batch = ['a', 'b', 'a'].map((id) => context.job({ id }));
    expect(() => storedBatch(context, batch, 'main')).toThrow(ConflictingIdError);
    expect(() => storedBatch(context, batch, 'main')).toThrow(/'a'.*job store 'main'/);
    expect(storedBatch(context, batch.slice(0, 2), 'main').map((job) => job.id)).toEqual([
      'a',
      'b',
    ]);
  });

  it('finds the earliest next run time of a batch, ignoring paused jobs', () => {
    const times = [{ nextRunTime: null }, { nextRunTime: 30 }, { nextRunTime: 10 }];
    expect(earliestRunTime(times)).toBe(10);
    expect(earliestRunTime([{ nextRunTime: null }])).toBeNull();
    expect(earliestRunTime([])).toBeNull();
  });
});

describe('planClaims', () => {
  it('plans a successor (or a delete) per due row, up to the limit, and counts the rest', () => {
    const { context, now, unrestorable } = setup();
    const rows = ['a', 'b', 'c', 'd'].map((id, index) => row(context, id, now - 10 + index));
    const advance = oneMinuteLater(context);
    const plan = planClaims(rows, {
      claim: {
        now,
        limit: 2,
        advance: (job) => (job.id === 'a' ? undefined : job.id === 'b' ? null : advance(job)),
      },
      context,
      unrestorable,
    });
    expect(plan.claims.map((claim) => [claim.row.id, claim.successor?.nextRunTime])).toEqual([
      ['b', undefined],
      ['c', now - 8 + 60_000],
    ]);
    expect(plan.claims[0]?.successor).toBeNull();
    expect(plan.passedOver).toBe(1);
  });

  it('passes over rows seen before and jobs that cannot be restored', () => {
    const { context, now, unrestorable } = setup();
    const seen = new Set(['a']);
    const rows = [row(context, 'a', now), { id: 'bad', nextRunTime: now, document: '{' }];
    const plan = planClaims([...rows, row(context, 'c', now)], {
      claim: { now, limit: 10, advance: () => null },
      context,
      unrestorable,
      seen,
    });
    expect(plan.claims.map((claim) => claim.job.id)).toEqual(['c']);
    expect(plan.passedOver).toBe(2);
    expect([...seen]).toEqual(['a', 'bad', 'c']);
    expect(context.reported.map((report) => report.id)).toEqual(['bad']);
  });

  it('plans nothing for a limit of zero', () => {
    const { context, now, unrestorable } = setup();
    const claim = { now, limit: 0, advance: () => null };
    expect(planClaims([row(context, 'a', now)], { claim, context, unrestorable })).toEqual({
      claims: [],
      passedOver: 0,
    });
  });
});

describe('UnrestorableJobs on rows', () => {
  it('restores every row it can, in order, with the row run time winning', () => {
    const { context, now, unrestorable } = setup();
    const rows = [
      { ...row(context, 'a', now), nextRunTime: now + 7 },
      { id: 'x', nextRunTime: null, document: 'nope' },
    ];
    const jobs = unrestorable.restoreAll(rows);
    expect(jobs.map((job) => [job.id, job.nextRunTimeMs])).toEqual([['a', now + 7]]);
    expect(unrestorable.list().map((job) => job.id)).toEqual(['x']);
  });

  it('gives the next run time of the first row it does not skip', () => {
    const { context, now, unrestorable } = setup();
    unrestorable.restoreAll([{ id: 'x', nextRunTime: now, document: 'nope' }]);
    expect(
      unrestorable.nextRunTime([
        { id: 'x', nextRunTime: now },
        { id: 'y', nextRunTime: now + 1 },
      ]),
    ).toBe(now + 1);
    expect(unrestorable.nextRunTime([{ id: 'x', nextRunTime: now }])).toBeNull();
    expect(context.reported).toHaveLength(1);
  });
});

describe('checkSchemaVersion', () => {
  const check = (found: unknown) =>
    checkSchemaVersion({
      found,
      expected: 1,
      where: 'Store \'default\': table "jobs_meta"',
      packageName: '@kairos/store-x',
      otherwise: 'use another tableName',
    });

  it('accepts the version this code writes, as a number or as text', () => {
    expect(() => check(1)).not.toThrow();
    expect(() => check('1')).not.toThrow();
  });

  it('refuses a newer version, saying to upgrade', () => {
    expect(() => check('2')).toThrow(SchemaVersionError);
    expect(() => check(2)).toThrow(
      'Store \'default\': table "jobs_meta" records schema version 2, newer than version 1 that ' +
        'this @kairos/store-x knows; upgrade @kairos/store-x in this application, or use another ' +
        'tableName (the jobs were left untouched)',
    );
  });

  it.each([null, undefined, 'one', 0, 1.5, '01x'])('refuses %j, which it never writes', (found) => {
    expect(() => check(found)).toThrow(/never writes \(this version writes 1\); fix or remove/);
    try {
      check(found);
    } catch (error) {
      expect(error).toMatchObject({ expected: 1, found: found ?? null });
    }
  });
});
