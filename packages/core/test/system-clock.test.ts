// The system clock's timers: a long one is finished by a short second timer measured on the
// wall clock (long Node timers fire late in proportion to their length on some machines), and
// the last millisecond is waited out by polling the wall clock between turns of the event loop
// (Node fires timers up to a millisecond late). Node's timers and Date are faked here; the
// polling runs on real `setImmediate` turns, each of which reads the faked Date.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/clock.js';

beforeEach(() => {
  vi.useFakeTimers({
    now: Date.parse('2030-01-01T00:00:00Z'),
    toFake: ['setTimeout', 'clearTimeout', 'Date'],
  });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Lets a few turns of the (real) event loop pass: the polling step reads the clock in each. */
async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('systemClock.setTimer', () => {
  it('fires a long timer at its end, through a last step of one second and a polled millisecond', async () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 60_000);
    vi.advanceTimersByTime(59_999);
    await turns();
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0); // polling, no Node timer left
    vi.advanceTimersByTime(1);
    await turns();
    expect(fired).toHaveBeenCalledOnce();
  });

  it('polls the last millisecond: fires on the first turn at which Date.now() reaches the end', async () => {
    const fired = vi.fn();
    const start = Date.now();
    systemClock.setTimer(fired, 50);
    vi.advanceTimersByTime(49);
    await turns(20);
    expect(fired).not.toHaveBeenCalled();
    vi.setSystemTime(start + 50);
    await turns(1);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('measures the last step on the wall clock', async () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 60_000);
    // The wall clock runs 300 ms ahead of the timers before the first step ends (1 s early).
    vi.advanceTimersByTime(58_999);
    vi.setSystemTime(Date.now() + 300);
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(699); // the last step ends 1 ms short: polling from here
    await turns();
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    await turns();
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

  it('cancels in any step, polling included', async () => {
    const first = vi.fn();
    systemClock.setTimer(first, 10_000).cancel();
    const second = vi.fn();
    const timer = systemClock.setTimer(second, 10_000);
    vi.advanceTimersByTime(9_500);
    timer.cancel();
    const third = vi.fn();
    const polled = systemClock.setTimer(third, 10);
    vi.advanceTimersByTime(9);
    await turns();
    polled.cancel();
    vi.advanceTimersByTime(10_000);
    await turns();
    expect(first).not.toHaveBeenCalled();
    expect(second).not.toHaveBeenCalled();
    expect(third).not.toHaveBeenCalled();
  });

  it('keeps a short timer as one Node timer, then polls', async () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 2_000);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(2_000);
    await turns();
    expect(fired).toHaveBeenCalledOnce();
  });

  it('never fires from setTimer itself: a timer due now fires on the next turn', async () => {
    const fired = vi.fn();
    systemClock.setTimer(fired, 0);
    expect(fired).not.toHaveBeenCalled();
    await turns(1);
    expect(fired).toHaveBeenCalledOnce();
  });
});
