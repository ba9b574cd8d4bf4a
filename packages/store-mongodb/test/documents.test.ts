import { SerializationError, type JobState } from '@kairos/core';
import { MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  claimFilter,
  dueFilter,
  isChangeStreamUnsupported,
  isDuplicateKeyError,
  SCHEDULED,
  storedFields,
  TIME_ORDER,
  wakeupPipeline,
} from '../src/documents.js';
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

describe('storedFields', () => {
  it('stores the state as JSON text and its next run time beside it', () => {
    const fields = storedFields(STATE);
    expect(fields.nextRunTime).toBe(1_900_000_000_000);
    expect(typeof fields.state).toBe('string');
    // $-tags and dotted keys stay inside the text, out of MongoDB's field names.
    expect(JSON.parse(fields.state)).toEqual(STATE);
  });

  it('keeps null for a paused job', () => {
    expect(storedFields({ ...STATE, nextRunTime: null }).nextRunTime).toBeNull();
  });

  it('turns what JSON cannot hold into a SerializationError naming the job', () => {
    const state = { ...STATE, trigger: { type: 'custom', limit: 5n } } as unknown as JobState;
    expect(() => storedFields(state)).toThrow(SerializationError);
    expect(() => storedFields(state)).toThrow(/job "Nightly report" \(id report\).*BigInt/);
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
