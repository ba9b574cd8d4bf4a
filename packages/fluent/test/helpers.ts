/**
 * Test helpers: a fluent scheduler on a fake clock in UTC, and a task that records its calls.
 */
import { FakeClock } from '@kairos/testkit';
import type { SchedulerConfig } from 'kairos';
import { Scheduler } from '../src/index.js';

/** A scheduler whose clock starts at `start` (UTC) and moves only when the test moves it. */
export function fakeScheduler(
  start: string,
  config: SchedulerConfig = {},
  random?: () => number,
): { clock: FakeClock; scheduler: Scheduler } {
  const clock = new FakeClock(start);
  const scheduler = new Scheduler(
    { clock, timezone: 'UTC', ...config },
    random === undefined ? {} : { random },
  );
  return { clock, scheduler };
}

/** A task that records the fake time of each call and the arguments it got. */
export function recorder(clock: FakeClock): {
  (...args: unknown[]): void;
  calls: { at: string; args: unknown[] }[];
} {
  const calls: { at: string; args: unknown[] }[] = [];
  const task = (...args: unknown[]): void => {
    calls.push({ at: new Date(clock.now()).toISOString(), args });
  };
  return Object.assign(task, { calls });
}

/** Runs the manual loop once a second for `seconds` seconds. */
export async function loop(clock: FakeClock, scheduler: Scheduler, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    clock.jump(1000);
    await scheduler.runPending();
  }
}

/** An ISO string without milliseconds noise: `2010-01-06T12:16:00.000Z`. */
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
