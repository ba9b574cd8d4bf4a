/**
 * What comes back from a worker thread: return values (cloned, JOB_EXECUTED retval), thrown
 * errors with their name, message, stack and own fields (JOB_ERROR), thrown non-errors, and a
 * return value that cannot cross, after which the thread keeps working.
 */
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_JOB_ERROR, EVENT_JOB_EXECUTED } from '@kairos/core';
import { makeScheduler, runOnce, stopSchedulers, task } from './helpers.js';

afterEach(stopSchedulers);

describe('return values', () => {
  it('come back as the JOB_EXECUTED retval, Dates, Maps, Sets, RegExps, typed arrays and bigints included', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const event = await runOnce(harness, task('rich'));
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    const value = event.retval as Record<string, unknown>;
    expect(value).toEqual({
      text: 'report',
      when: new Date(Date.UTC(2030, 0, 1, 3)),
      totals: new Map([
        ['eu', 3],
        ['us', 5],
      ]),
      tags: new Set(['cpu', 'nightly']),
      bytes: new Uint8Array([1, 2, 3]),
      samples: new Float64Array([0.5, 1.5]),
      big: 2n ** 70n,
      pattern: /ab+c/gi,
      nested: { list: [1, { deep: true }], none: null },
    });
    expect(value['when']).toBeInstanceOf(Date);
    expect(value['totals']).toBeInstanceOf(Map);
    expect(value['bytes']).toBeInstanceOf(Uint8Array);
    expect(value['samples']).toBeInstanceOf(Float64Array);
  });

  it('take their arguments by structured clone', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    expect((await runOnce(harness, task('add'), [2, 3])).retval).toBe(5);
    const args = [new Date(Date.UTC(2030, 5, 1)), new Map([['k', [1, 2]]]), new Uint16Array([7])];
    const echoed = await runOnce(harness, task('echo'), args);
    expect(echoed.code).toBe(EVENT_JOB_EXECUTED);
    expect(echoed.retval).toEqual(args);
    // A copy, made in another thread.
    expect(echoed.retval).not.toBe(args);
    expect((echoed.retval as unknown[])[0]).toBeInstanceOf(Date);
  });

  it('are produced in a worker thread, not in the scheduler’s', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const info = (await runOnce(harness, task('threadInfo'))).retval as { threadId: number };
    expect(info.threadId).not.toBe(threadId);
  });
});

describe('thrown errors', () => {
  it('arrive as JOB_ERROR with the worker’s name, message, stack and own fields', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const event = await runOnce(harness, task('fail'), ['no data for 2030-01-01']);
    expect(event.code).toBe(EVENT_JOB_ERROR);
    const error = event.exception as Error & { code?: unknown; details?: unknown };
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('Error');
    expect(error.message).toBe('no data for 2030-01-01');
    expect(error.code).toBe('E_REPORT');
    expect(error.details).toEqual({ rows: 3 });
    // The stack is the worker's: it points into the task's module.
    expect(error.stack).toContain('fixtures/tasks.mjs');
    expect(error.stack).toContain('at fail');
    expect(event.traceback).toBe(error.stack);
  });

  it('keep the name of an error class the main thread does not know, and the cause', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const event = await runOnce(harness, task('failCustom'));
    expect(event.code).toBe(EVENT_JOB_ERROR);
    const error = event.exception as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ReportError');
    expect(error.message).toBe('report failed');
    expect(error.stack).toContain('fixtures/tasks.mjs');
    expect(error.cause).toBeInstanceOf(RangeError);
    expect((error.cause as Error).message).toBe('too many rows');
  });

  it('revive built-in error types as themselves', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const event = await runOnce(harness, task('failType'));
    expect(event.code).toBe(EVENT_JOB_ERROR);
    expect(event.exception).toBeInstanceOf(TypeError);
    expect((event.exception as Error).message).toMatch(/null/);
    expect((event.exception as Error).stack).toContain('fixtures/tasks.mjs');
  });

  it('report a thrown non-error value as it was thrown', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const thrown = { reason: 'not an error', count: 2 };
    const event = await runOnce(harness, task('throwValue'), [thrown]);
    expect(event.code).toBe(EVENT_JOB_ERROR);
    expect(event.exception).toEqual(thrown);
    expect(event.traceback).toBeNull();
    expect((await runOnce(harness, task('throwValue'), ['just text'])).exception).toBe('just text');
    // One that cannot be cloned arrives as its text.
    expect((await runOnce(harness, task('throwSymbol'))).exception).toBe('Symbol(odd)');
  });

  it('report what is hard to describe as thrown, not as a crashed thread', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const before = (await runOnce(harness, task('threadInfo'))).retval as { threadId: number };
    // No prototype: neither cloned nor String()-able; its JSON instead.
    expect((await runOnce(harness, task('throwBare'))).exception).toBe('{"reason":"bare"}');
    // A getter that throws leaves its field out; the rest comes.
    const getter = (await runOnce(harness, task('throwAwkward'), ['getter'])).exception as Error;
    expect(getter).toBeInstanceOf(Error);
    expect([getter.message, (getter as Error & { code?: string }).code]).toEqual([
      'getter',
      'E_AWKWARD',
    ]);
    expect(getter).not.toHaveProperty('detail');
    // An error named like an Object member is an Error still.
    const named = (await runOnce(harness, task('throwAwkward'), ['named'])).exception as Error;
    expect(named).toBeInstanceOf(Error);
    expect([named.name, named.message]).toEqual(['constructor', 'named']);
    // An AggregateError keeps its errors.
    const aggregate = (await runOnce(harness, task('throwAggregate'))).exception as Error & {
      errors?: Error[];
    };
    expect([aggregate.name, aggregate.message]).toEqual(['AggregateError', 'both failed']);
    expect(aggregate.errors?.map((error) => [error.name, error.message])).toEqual([
      ['Error', 'first'],
      ['RangeError', 'second'],
    ]);
    // The same thread all along: none of this crashed it.
    const after = (await runOnce(harness, task('threadInfo'))).retval as { threadId: number };
    expect(after.threadId).toBe(before.threadId);
  });
});

describe('a return value that cannot be sent back', () => {
  it('is a JOB_ERROR TypeError, and the thread keeps working', async () => {
    const harness = makeScheduler({ maxWorkers: 1 });
    await harness.scheduler.start();
    const before = (await runOnce(harness, task('threadInfo'))).retval as { threadId: number };
    const event = await runOnce(harness, task('returnFunction'), [], { name: 'callbacks' });
    expect(event.code).toBe(EVENT_JOB_ERROR);
    expect(event.exception).toBeInstanceOf(TypeError);
    expect((event.exception as Error).message).toMatch(
      /^Job "callbacks" \(id [^)]+\) returned a value that cannot be sent back from its worker thread \(.+\); return data structured clone can copy/,
    );
    const after = (await runOnce(harness, task('threadInfo'))).retval as { threadId: number };
    // The same thread (maxWorkers 1, never replaced) ran the next task.
    expect(after.threadId).toBe(before.threadId);
    expect(harness.errors).toEqual([]);
  });
});
