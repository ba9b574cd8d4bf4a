/**
 * Loud by default: a scheduler configured without a logger prints warnings and errors to
 * stderr (a failed run with its stack, a missed run, a max-instances skip, a store failure),
 * each naming the job and its id; `logger: false` silences it.
 */
import { afterEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { BackgroundScheduler, FakeClock, type SchedulerOptions } from '../src/index.js';
import { FlakyJobStore, T0, fakeSleep } from './helpers.js';

let warn: MockInstance<typeof console.warn>;
let error: MockInstance<typeof console.error>;

function quietConsole(): void {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** A scheduler on a fake clock with no logger configured (unless `options` gives one). */
function scheduler(options: SchedulerOptions = {}): {
  scheduler: BackgroundScheduler;
  clock: FakeClock;
} {
  const clock = new FakeClock(T0);
  return { scheduler: new BackgroundScheduler({ timezone: 'UTC', clock, ...options }), clock };
}

/** Everything printed to stderr through the console, one string per call. */
function printed(): string[] {
  return [...warn.mock.calls, ...error.mock.calls].map((call) => call.map(String).join(' '));
}

describe('with no logger configured', () => {
  it('prints a failed run with the job name, id and stack to stderr', async () => {
    quietConsole();
    const { scheduler: s, clock } = scheduler();
    await s.start();
    await s.addJob(
      function explode() {
        throw new Error('disk full');
      },
      null,
      { id: 'backup' },
    );
    await clock.advance(0);
    const lines = error.mock.calls.map((call) => String(call[0]));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ERROR Job "explode \(trigger: date\[.*\)" \(id backup\) raised an exception\nError: disk full\n\s+at /,
    );
    await s.shutdown();
  });

  it('warns of a missed run and of a max-instances skip, naming the job and id', async () => {
    quietConsole();
    const { scheduler: s, clock } = scheduler();
    await s.start();
    await s.addJob(() => undefined, null, { id: 'late', nextRunTime: new Date(T0 - 5000) });
    await s.addJob(() => fakeSleep(clock, 5000), { type: 'interval', seconds: 1 }, { id: 'slow' });
    await clock.advance(2000);
    const lines = warn.mock.calls.map((call) => String(call[0]));
    expect(
      lines.some((line) =>
        /^WARN Run time of job ".*" \(id late\) was missed by 0:00:05/.test(line),
      ),
    ).toBe(true);
    expect(
      lines.some((line) =>
        /^WARN Execution of job ".*" \(id slow\) skipped: maximum number of running instances reached \(1\)$/.test(
          line,
        ),
      ),
    ).toBe(true);
    await s.shutdown({ wait: false });
  });

  it('warns of a failing job store', async () => {
    quietConsole();
    const store = new FlakyJobStore(() => true);
    const { scheduler: s } = scheduler({ jobstores: { default: store } });
    await s.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(
      printed().some((line) =>
        line.startsWith("WARN Error claiming due jobs from job store 'default'"),
      ),
    ).toBe(true);
    await s.shutdown();
  });

  it('prints nothing below warnings', async () => {
    quietConsole();
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const { scheduler: s, clock } = scheduler();
    await s.start();
    await s.addJob(() => 'fine', null, { id: 'fine' });
    await clock.advance(0);
    await s.shutdown();
    expect(info).not.toHaveBeenCalled();
    expect(printed()).toEqual([]);
  });
});

describe('logger: false', () => {
  it.each([false, 'false'] as const)('silences every line (%s)', async (logger) => {
    quietConsole();
    const { scheduler: s, clock } = scheduler(
      typeof logger === 'string' ? ({ 'kairos.logger': logger } as SchedulerOptions) : { logger },
    );
    await s.start();
    await s.addJob(() => {
      throw new Error('quiet');
    });
    await s.addJob(() => undefined, null, { nextRunTime: new Date(T0 - 5000) });
    await clock.advance(0);
    await s.shutdown();
    expect(printed()).toEqual([]);
  });
});
