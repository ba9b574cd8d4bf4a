/**
 * One-off delayed calls in the style of Python's `sched`: `enter(delay, priority, fn, ...args)`,
 * `enterAbs`, `cancel`, `queue`; equal times run in priority order, then in entry order.
 */
import { describe, expect, test } from 'vitest';
import { ScheduleValueError } from '../src/index.js';
import { fakeScheduler, iso } from './helpers.js';

const NOW = '2030-01-01T00:00:00Z';

describe('enter', () => {
  test('calls run once, when due, equal times by priority (sched’s example)', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const calls: string[] = [];
    const print = (name: string): void =>
      void calls.push(`${name}@${(clock.now() - Date.parse(NOW)) / 1000}`);
    scheduler.enter(10, 1, print, 'first');
    scheduler.enter(5, 2, print, 'second');
    scheduler.enter(5, 1, print, 'third');
    scheduler.enter(10, 1, print, 'fourth');
    expect(scheduler.queue.map((call) => call.args[0])).toEqual([
      'third',
      'second',
      'first',
      'fourth',
    ]);
    for (let second = 0; second < 12; second++) {
      clock.jump(1_000);
      await scheduler.runPending();
    }
    expect(calls).toEqual(['third@5', 'second@5', 'first@10', 'fourth@10']);
    expect(scheduler.queue).toEqual([]);
  });

  test('cancel removes a queued call; false once it ran or was cancelled', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const calls: string[] = [];
    const keep = scheduler.enter(1, 0, () => void calls.push('kept'));
    const drop = scheduler.enter(1, 0, () => void calls.push('dropped'));
    expect(drop.cancel()).toBe(true);
    expect(scheduler.cancel(drop)).toBe(false);
    clock.jump(1_000);
    await scheduler.runPending();
    expect(calls).toEqual(['kept']);
    expect(keep.cancel()).toBe(false);
  });

  test('enterAbs takes a time; nextRun and idleSeconds count calls', () => {
    const { scheduler } = fakeScheduler(NOW);
    const call = scheduler.enterAbs(new Date('2030-01-01T00:00:30Z'), 0, () => undefined);
    expect(iso(call.time)).toBe('2030-01-01T00:00:30.000Z');
    expect(scheduler.idleSeconds()).toBe(30);
    scheduler.every(10).seconds.do(() => undefined);
    expect(iso(scheduler.nextRun())).toBe('2030-01-01T00:00:10.000Z');
  });

  test('jobs and calls due in one pass run in time order', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const order: string[] = [];
    scheduler.every(2).seconds.do(() => order.push('job@2'));
    scheduler.enter(1, 0, () => order.push('call@1'));
    scheduler.enter(3, 0, () => order.push('call@3'));
    clock.jump(3_000);
    await scheduler.runPending();
    expect(order).toEqual(['call@1', 'job@2', 'call@3']);
  });

  test('a failing call does not stop the others; runPending rejects with its error', async () => {
    const { clock, scheduler } = fakeScheduler(NOW);
    const calls: string[] = [];
    scheduler.enter(1, 0, () => {
      throw new Error('call failed');
    });
    scheduler.enter(1, 1, () => void calls.push('ran'));
    clock.jump(1_000);
    await expect(scheduler.runPending()).rejects.toThrow('call failed');
    expect(calls).toEqual(['ran']);
    expect(scheduler.queue).toEqual([]);
  });

  test('bad input', () => {
    const { scheduler } = fakeScheduler(NOW);
    expect(() => scheduler.enter(-1, 0, () => undefined)).toThrow(ScheduleValueError);
    expect(() => scheduler.enter(1, Number.NaN, () => undefined)).toThrow(
      'the priority is a number',
    );
    expect(() => scheduler.enter(1, 0, 'report' as never)).toThrow(
      'a delayed call runs a function',
    );
    expect(() => scheduler.enterAbs(new Date('nope'), 0, () => undefined)).toThrow('a valid Date');
  });
});
