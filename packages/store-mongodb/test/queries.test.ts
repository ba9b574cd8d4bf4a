import type { JobState } from '@kairos/core';
import { MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  claimFilter,
  dueFilter,
  jobDocument,
  SCHEDULED,
  TIME_ORDER,
  wakeupPipeline,
} from '../src/queries.js';
import { failedWriteIndex, isDuplicateKeyError } from '../src/schema.js';
import { isChangeStreamUnsupported } from '../src/wakeups.js';
import { matches } from './simulated-server.js';

const STATE: JobState = {
  version: 1,
  id: 'report',
  name: 'Nightly report',
  task: 'report',
  args: [{ $date: '2030-01-01T00:00:00.000Z' }, { 'dotted.key': 1, $object: 2 }],
  trigger: { type: 'cron', hour: 3, timezone: 'UTC' },
  executor: 'default',
  misfireGraceTime: 1,
  coalesce: true,
  maxInstances: 1,
  timeout: null,
  nextRunTime: 1_900_000_000_000,
};

describe('jobDocument', () => {
  const stored = { id: 'report', nextRunTime: STATE.nextRunTime, document: JSON.stringify(STATE) };

  it('stores the state as JSON text, its next run time beside it and who wrote it', () => {
    const document = jobDocument(stored, 'me');
    expect(document).toEqual({
      _id: 'report',
      nextRunTime: 1_900_000_000_000,
      state: stored.document,
      writtenBy: 'me',
    });
    // $-tags and dotted keys stay inside the text, out of MongoDB's field names.
    expect(JSON.parse(document.state)).toEqual(STATE);
  });

  it('keeps null for a paused job, and marks the quiet jobs of a batch', () => {
    expect(jobDocument({ ...stored, nextRunTime: null }, 'me').nextRunTime).toBeNull();
    expect(jobDocument(stored, 'me', true).quiet).toBe(true);
  });
});

describe('queries', () => {
  const at = (nextRunTime: unknown) => ({ _id: 'x', nextRunTime });

  it('finds due jobs by next run time ≤ now, never paused ones', () => {
    const filter = dueFilter(1000);
    expect(filter).toEqual({ nextRunTime: { $lte: 1000 } });
    expect(matches(at(999), filter)).toBe(true);
    expect(matches(at(1000), filter)).toBe(true);
    expect(matches(at(1001), filter)).toBe(false);
    expect(matches(at(null), filter)).toBe(false);
  });

  it('tells scheduled jobs from paused ones', () => {
    expect(matches(at(5), SCHEDULED)).toBe(true);
    expect(matches(at(null), SCHEDULED)).toBe(false);
    expect(matches({ _id: 'x' }, SCHEDULED)).toBe(false);
  });

  it('claims with a compare-and-set on the next run time and state that were read', () => {
    const filter = claimFilter('a', 1000, '{"v":1}');
    expect(filter).toEqual({ _id: 'a', nextRunTime: 1000, state: '{"v":1}' });
    expect(matches({ _id: 'a', nextRunTime: 1000, state: '{"v":1}' }, filter)).toBe(true);
    expect(matches({ _id: 'a', nextRunTime: 61000, state: '{"v":1}' }, filter)).toBe(false);
    expect(matches({ _id: 'a', nextRunTime: 1000, state: '{"v":2}' }, filter)).toBe(false);
    expect(matches({ _id: 'b', nextRunTime: 1000, state: '{"v":1}' }, filter)).toBe(false);
  });

  it('sorts by next run time then id, the order of the index', () => {
    expect(Object.entries(TIME_ORDER)).toEqual([
      ['nextRunTime', 1],
      ['_id', 1],
    ]);
  });
});

describe('wakeupPipeline', () => {
  const [stage] = wakeupPipeline('me');
  const match = (stage?.['$match'] ?? {}) as Record<string, unknown>;
  const change = (operationType: string, fullDocument?: Record<string, unknown>) => ({
    _id: { token: 1 },
    operationType,
    ...(fullDocument === undefined ? {} : { fullDocument }),
  });

  it('passes jobs other instances add or replace with a next run time', () => {
    expect(matches(change('insert', { nextRunTime: 5, writtenBy: 'other' }), match)).toBe(true);
    expect(matches(change('replace', { nextRunTime: 5, writtenBy: 'other' }), match)).toBe(true);
    expect(matches(change('insert', { nextRunTime: 5 }), match)).toBe(true);
  });

  it("drops the instance's own writes, paused jobs, claims and deletions", () => {
    expect(matches(change('insert', { nextRunTime: 5, writtenBy: 'me' }), match)).toBe(false);
    expect(matches(change('replace', { nextRunTime: null, writtenBy: 'x' }), match)).toBe(false);
    expect(matches(change('update'), match)).toBe(false);
    expect(matches(change('delete'), match)).toBe(false);
  });

  it('drops the quiet jobs of a batch, whose earliest job wakes for them all', () => {
    const quiet = { nextRunTime: 5, writtenBy: 'other', quiet: true };
    expect(matches(change('insert', quiet), match)).toBe(false);
  });

  it('passes the invalidation that ends the stream', () => {
    expect(matches(change('invalidate'), match)).toBe(true);
  });
});

describe('driver errors', () => {
  it('recognises a duplicate key, from this driver or another copy of it', () => {
    expect(
      isDuplicateKeyError(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 })),
    ).toBe(true);
    expect(isDuplicateKeyError({ code: 11000 })).toBe(true);
    expect(isDuplicateKeyError(new MongoServerError({ message: 'other', code: 2 }))).toBe(false);
    expect(isDuplicateKeyError(new Error('E11000'))).toBe(false);
    expect(isDuplicateKeyError(null)).toBe(false);
  });

  it('reads where an ordered insertMany stopped', () => {
    expect(failedWriteIndex({ code: 11000, writeErrors: [{ index: 3, code: 11000 }] })).toBe(3);
    expect(failedWriteIndex({ code: 11000, writeErrors: { index: 0 } })).toBe(0);
    expect(failedWriteIndex(new Error('network'))).toBeUndefined();
  });

  it('tells a server without change streams from a passing failure', () => {
    const standalone = new MongoServerError({
      message: 'The $changeStream stage is only supported on replica sets',
      code: 40573,
    });
    expect(isChangeStreamUnsupported(standalone)).toBe(true);
    expect(
      isChangeStreamUnsupported(new MongoServerError({ message: 'not authorized', code: 13 })),
    ).toBe(true);
    expect(
      isChangeStreamUnsupported(
        new Error('The $changeStream stage is only supported on replica sets'),
      ),
    ).toBe(true);
    expect(
      isChangeStreamUnsupported(new MongoServerError({ message: 'not primary', code: 10107 })),
    ).toBe(false);
    expect(isChangeStreamUnsupported(new Error('connection reset'))).toBe(false);
  });
});
