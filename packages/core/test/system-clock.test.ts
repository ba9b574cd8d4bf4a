// The system clock's timers: a long one is finished by a short second timer measured on the
// wall clock (long Node timers fire late in proportion to their length on some machines).
// Node's timers and Date are faked here, so nothing sleeps.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/clock.js';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock.setTimer', () => {
  it('fires a long timer at its end, through a last step of one second', () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 60_000);
    vi.advanceTimersByTime(59_999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('measures the last step on the wall clock', () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 60_000);
    // The wall clock runs 300 ms ahead of the timers before the first step ends (1 s early).
    vi.advanceTimersByTime(58_999);
    vi.setSystemTime(Date.now() + 300);
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(699);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('fires at once after the first step when the wall clock jumped, so the caller re-plans', () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 60_000);
    vi.advanceTimersByTime(30_000);
    vi.setSystemTime(Date.now() - 3_600_000);
    vi.advanceTimersByTime(29_000);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('cancels in either step', () => {
    const first = vi.fn();
    systemClock.setTimer(first, 10_000).cancel();
    const second = vi.fn();
    const timer = systemClock.setTimer(second, 10_000);
    vi.advanceTimersByTime(9_500);
    timer.cancel();
    vi.advanceTimersByTime(10_000);
    expect(first).not.toHaveBeenCalled();
    expect(second).not.toHaveBeenCalled();
  });

  it('keeps a short timer as one Node timer', () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 2_000);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(2_000);
    expect(fired).toHaveBeenCalledOnce();
  });
});
