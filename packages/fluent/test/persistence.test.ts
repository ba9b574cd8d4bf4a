/**
 * On Kairos with real components: jobs in a SQLite file that outlive the scheduler that made
 * them, and CPU-bound tasks on the worker-thread executor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_JOB_EXECUTED, FakeClock, type JobExecutionEvent } from 'kairos';
import '@kairos/store-sqlite';
import { waitFor } from '@kairos/testkit';
import { afterAll, describe, expect, test } from 'vitest';
import { Scheduler } from '../src/index.js';
import { iso } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kairos-fluent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function onFile(file: string, clock: FakeClock, runs: string[]): Scheduler {
  const scheduler = new Scheduler({
    clock,
    timezone: 'UTC',
    jobstores: { default: { type: 'sqlite', path: join(dir, file) } },
  });
  scheduler.registerTask(
    'report',
    (kind: string) => void runs.push(`${kind}@${new Date(clock.now()).toISOString()}`),
  );
  return scheduler;
}

describe('a persistent store', () => {
  test('a restart picks the stored jobs up where they were instead of adding them again', async () => {
    const clock = new FakeClock('2030-01-01T00:00:00Z');
    const runs: string[] = [];
    const first = onFile('restart.db', clock, runs);
    first.every(3).days.do('report', 'every 3 days');
    first.every().day.at('10:30').do('report', 'daily').tag('daily');
    first.every(5).to(10).minutes.do('report', 'random');
    await first.start();
    const randomNext = first.getJobs()[2]?.nextRun ?? null;
    await clock.advanceTo('2030-01-01T12:00:00Z');
    await first.shutdown();
    expect(runs.filter((run) => run.startsWith('daily'))).toEqual([
      'daily@2030-01-01T10:30:00.000Z',
    ]);

    // A day later the process starts again and declares the same jobs.
    clock.jump(24 * 3_600_000);
    const second = onFile('restart.db', clock, runs);
    const every3 = second.every(3).days.do('report', 'every 3 days');
    const daily = second.every().day.at('10:30').do('report', 'daily');
    const random = second.every(5).to(10).minutes.do('report', 'random');
    await second.start();
    expect(await second.kairos.getJobs()).toHaveLength(3);
    // The 3-day cycle continues from the first start, not from this one.
    expect(iso(every3.nextRun)).toBe('2030-01-04T00:00:00.000Z');
    // The daily run missed while down runs now, once.
    await clock.settle();
    expect(runs.filter((run) => run.startsWith('daily'))).toEqual([
      'daily@2030-01-01T10:30:00.000Z',
      'daily@2030-01-02T12:00:00.000Z',
    ]);
    expect(iso(daily.nextRun)).toBe('2030-01-03T10:30:00.000Z');
    // The random interval's stored schedule was kept too (its next run had passed: it ran).
    expect(randomNext).not.toBeNull();
    expect(random.nextRun?.getTime()).toBeGreaterThan(clock.now());
    await second.shutdown();
  });

  test('delayed calls (enter) live in memory beside a persistent default store', async () => {
    const clock = new FakeClock('2030-01-01T00:00:00Z');
    const runs: string[] = [];
    const scheduler = onFile('calls.db', clock, runs);
    scheduler.every(10).seconds.do('report', 'job');
    scheduler.enter(5, 1, () => void runs.push(`call@${new Date(clock.now()).toISOString()}`));
    await scheduler.start();
    // One entered while running takes the same way.
    scheduler.enter(7, 1, () => void runs.push(`late@${new Date(clock.now()).toISOString()}`));
    await clock.advance(10_000);
    expect(runs).toEqual([
      'call@2030-01-01T00:00:05.000Z',
      'late@2030-01-01T00:00:07.000Z',
      'job@2030-01-01T00:00:10.000Z',
    ]);
    // Only the job is in the SQLite file.
    const stored = await scheduler.kairos.getJobs('default');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.id.startsWith('fluent-calls@')).toBe(false);
    await scheduler.shutdown();
  });

  test('a changed schedule replaces the stored job under the same id', async () => {
    const clock = new FakeClock('2030-01-01T00:00:00Z');
    const first = onFile('changed.db', clock, []);
    first.every().day.at('10:30').do('report', 'daily');
    await first.start();
    await first.shutdown();
    const second = onFile('changed.db', clock, []);
    second.every().day.at('10:30').until('2030-06-01').do('report', 'daily');
    await second.start();
    const stored = await second.kairos.getJobs();
    expect(stored.map((job) => job.name)).toEqual([
      "Every 1 day at 10:30:00 until 2030-06-01 00:00:00 UTC do report('daily')",
    ]);
    await second.shutdown();
  });

  test('a function task cannot be stored: start() says so and stays stopped', async () => {
    const clock = new FakeClock('2030-01-01T00:00:00Z');
    const scheduler = onFile('function.db', clock, []);
    scheduler.every().hour.do(function cleanup() {});
    await expect(scheduler.start()).rejects.toThrow(/cleanup/);
    expect(scheduler.running).toBe(false);
  });
});

describe('the worker executor', () => {
  test('CPU-bound tasks by module reference run on worker threads; CancelJob comes back from one', async () => {
    const clock = new FakeClock('2030-01-01T00:00:00Z');
    const scheduler = new Scheduler({
      clock,
      timezone: 'UTC',
      executors: { cpu: { type: 'worker', maxWorkers: 1 } },
    });
    const results: unknown[] = [];
    scheduler.kairos.addListener((event) => {
      results.push((event as JobExecutionEvent).retval);
    }, EVENT_JOB_EXECUTED);
    scheduler
      .every()
      .second.with({ executor: 'cpu' })
      .do('./test/fixtures/tasks.mjs#sumSquares', 1000);
    const once = scheduler
      .every()
      .second.with({ executor: 'cpu' })
      .do('./test/fixtures/tasks.mjs#once');
    await scheduler.start();
    try {
      await clock.advance(1_000);
      expect(await waitFor(() => results.length >= 2, 20_000)).toBe(true);
      const sum = results.find(
        (result) => typeof result === 'object' && result !== null && 'sum' in result,
      );
      expect(sum).toMatchObject({ sum: 332_833_500 });
      expect((sum as unknown as { threadId: number }).threadId).not.toBe(0);
      expect(await waitFor(() => !scheduler.getJobs().includes(once), 5_000)).toBe(true);
      expect(await scheduler.kairos.getJobs()).toHaveLength(1);
    } finally {
      await scheduler.shutdown();
    }
  });
});
