/** A job added through one instance wakes the schedulers of the others. */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../wait-for.js';
import type { Harness } from './index.js';

export function defineWakeupTests(h: Harness, withinMs: number): void {
  describe('wake-ups across instances', () => {
    it(
      `wakes another instance within ${withinMs} ms of an added job`,
      async () => {
        const other = await h.another();
        other.context.wakeups.length = 0;
        const nextRunTime = h.context.clock.now() + 1000;
        await h.store.addJob(h.context.job({ id: 'new', nextRunTime }));
        const woken = await waitFor(() => other.context.wakeups.length > 0, withinMs);
        expect(woken, `no wakeup within ${withinMs} ms`).toBe(true);
        const given = other.context.wakeups[0];
        // A store that knows the time passes it; a polling store may not.
        if (given !== undefined) expect(given).toBeLessThanOrEqual(nextRunTime);
      },
      withinMs + 5000,
    );
  });
}
