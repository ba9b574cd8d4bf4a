/**
 * The `setup` module and the context hooks: each thread imports the setup module once, before
 * its first task; a thread that cannot import it fails the run with a WorkerSetupError and tries
 * again at its next run. `captureContext` runs in the main thread as the run starts, and its
 * carrier reaches the task through the setup's `runInContext`; a throw or a bad value there is
 * logged and the task runs without it. Without either option runs are as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_JOB_ERROR, EVENT_JOB_EXECUTED } from '@kairos/core';
import type { WorkerExecutorOptions } from '../dist/index.js';
import { makeScheduler, runOnce, stopSchedulers, task } from './helpers.js';

afterEach(stopSchedulers);

const SETUP = new URL('./fixtures/setup.mjs', import.meta.url).href;

/** Runs `carried` on a one-thread executor with these options; what it saw, and the log. */
async function runCarried(options: WorkerExecutorOptions, runs = 1) {
  const harness = makeScheduler({ maxWorkers: 1, ...options });
  await harness.scheduler.start();
  const seen: unknown[] = [];
  for (let index = 0; index < runs; index++) {
    const event = await runOnce(harness, task('carried'), [], { name: `carried ${index}` });
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    seen.push(event.retval);
  }
  return { seen, warnings: harness.logger.entries.filter((entry) => entry.level === 'warn') };
}

describe('the setup module', () => {
  it('is imported once per thread, before its first task', async () => {
    const { seen } = await runCarried({ setup: SETUP }, 3);
    expect(seen).toEqual([
      { setupLoads: 1, carrier: null },
      { setupLoads: 1, carrier: null },
      { setupLoads: 1, carrier: null },
    ]);
  });

  it('is not imported without the option: runs are as before', async () => {
    const { seen, warnings } = await runCarried({});
    expect(seen).toEqual([{ setupLoads: 0, carrier: null }]);
    expect(warnings).toEqual([]);
  });

  it('fails the run when the thread cannot import it, and is tried again at the next run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-setup-'));
    try {
      const setup = join(dir, 'setup.mjs');
      const harness = makeScheduler({ maxWorkers: 1, setup });
      await harness.scheduler.start();
      const failed = await runOnce(harness, task('add'), [1, 2], { name: 'sum' });
      expect(failed.code).toBe(EVENT_JOB_ERROR);
      expect(failed.exception).toMatchObject({ name: 'WorkerSetupError', jobId: failed.jobId });
      expect((failed.exception as Error).message).toMatch(
        new RegExp(
          `^Job "sum" \\(id ${failed.jobId}\\) did not start: its worker thread could not ` +
            `import the WorkerExecutor setup module '${pathToFileURL(setup).href}' \\(.+\\); ` +
            `fix the module or the setup option\\. The thread tries again at its next run$`,
        ),
      );
      writeFileSync(setup, 'globalThis.kairosSetupLoads = 1;\n');
      const event = await runOnce(harness, task('carried'));
      expect(event.retval).toEqual({ setupLoads: 1, carrier: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('captureContext', () => {
  it("carries its carrier to the task, through the setup module's runInContext", async () => {
    let captured = 0;
    const { seen, warnings } = await runCarried(
      { setup: SETUP, captureContext: () => ({ requestId: `r-${++captured}` }) },
      2,
    );
    expect(seen).toEqual([
      { setupLoads: 1, carrier: { requestId: 'r-1' } },
      { setupLoads: 1, carrier: { requestId: 'r-2' } },
    ]);
    expect(warnings).toEqual([]);
  });

  it('sends nothing when it returns undefined', async () => {
    const { seen, warnings } = await runCarried({ setup: SETUP, captureContext: () => undefined });
    expect(seen).toEqual([{ setupLoads: 1, carrier: null }]);
    expect(warnings).toEqual([]);
  });

  it('that throws is logged, and the task runs without a context', async () => {
    const { seen, warnings } = await runCarried({
      setup: SETUP,
      captureContext: () => {
        throw new Error('tracer gone');
      },
    });
    expect(seen).toEqual([{ setupLoads: 1, carrier: null }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(
      /^Job "carried 0" \(id [\w-]+\) runs without its caller's context in its worker thread: WorkerExecutor captureContext threw: tracer gone$/,
    );
    expect(warnings[0]?.err).toMatchObject({ cause: { message: 'tracer gone' } });
  });

  it.each([
    [42, '42'],
    [{ traceparent: 7 }, '{"traceparent":7}'],
    [['a'], '["a"]'],
  ])('that returns %j is logged, and the task runs without a context', async (value, shown) => {
    const { seen, warnings } = await runCarried({
      setup: SETUP,
      captureContext: () => value as unknown as Record<string, string>,
    });
    expect(seen).toEqual([{ setupLoads: 1, carrier: null }]);
    expect(warnings.map((entry) => entry.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `: WorkerExecutor captureContext returned ${shown.replace(/[[\]{}]/g, '\\$&')}, not ` +
            `an object of strings \\(or undefined\\)$`,
        ),
      ),
    ]);
  });
});
