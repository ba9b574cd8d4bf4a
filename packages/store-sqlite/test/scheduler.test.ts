/** Two real schedulers sharing one database file: every run fires once, in one of them. */
import { BackgroundScheduler, PluginRegistry, registerBuiltinTriggers } from '@kairos/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kairosPlugin, SQLiteJobStore } from '../src/index.js';
import { sqliteFixtures } from './sqlite-fixtures.js';

const fixtures = sqliteFixtures();
const running: BackgroundScheduler[] = [];

afterEach(async () => {
  for (const scheduler of running.splice(0)) await scheduler.shutdown();
});

/** A started scheduler on the file whose task `tick` records its runs under `name`. */
async function schedulerOn(
  path: string,
  name: string,
  runs: string[],
): Promise<BackgroundScheduler> {
  const scheduler = new BackgroundScheduler({
    jobstores: { default: new SQLiteJobStore({ path, pollInterval: 0.05 }) },
  });
  scheduler.registerTask('tick', (id: string) => {
    runs.push(`${id}@${name}`);
  });
  await scheduler.start();
  running.push(scheduler);
  return scheduler;
}

describe('SQLiteJobStore under schedulers', () => {
  it('runs each job once when two schedulers share the file, and wakes the other one on a new job', async () => {
    const path = fixtures.file();
    const runs: string[] = [];
    const first = await schedulerOn(path, 'first', runs);
    const second = await schedulerOn(path, 'second', runs);
    const runDate = new Date(Date.now() + 300);
    for (let index = 0; index < 40; index += 1) {
      const scheduler = index % 2 === 0 ? first : second;
      await scheduler.addJob(
        'tick',
        { type: 'date', runDate },
        { id: `j${index}`, args: [`j${index}`] },
      );
    }
    await vi.waitFor(() => expect(runs).toHaveLength(40), { timeout: 5000 });
    const ids = runs.map((run) => run.split('@')[0]);
    expect(new Set(ids).size).toBe(40);
    expect(await first.getJobs()).toEqual([]);

    // The first one sleeps until its far job; a job added through the paused second one must
    // wake it: nothing else would run it within a minute.
    await first.addJob(
      'tick',
      { type: 'date', runDate: new Date(Date.now() + 60_000) },
      { id: 'far', args: ['far'] },
    );
    second.pause();
    await second.addJob(
      'tick',
      { type: 'date', runDate: new Date(Date.now() + 100) },
      { id: 'soon', args: ['soon'] },
    );
    await vi.waitFor(() => expect(runs).toContain('soon@first'), { timeout: 2000 });
  });

  it('is built from a flat configuration through its kairosPlugin, snake_case and strings included', async () => {
    const registry = new PluginRegistry().registerJobStore('sqlite', kairosPlugin.jobstores.sqlite);
    registerBuiltinTriggers(registry);
    const path = fixtures.file();
    const scheduler = new BackgroundScheduler(
      {
        'kairos.jobstores.default.type': 'sqlite',
        'kairos.jobstores.default.path': path,
        'kairos.jobstores.default.table_name': 'flat_jobs',
        'kairos.jobstores.default.poll_interval': '0.5',
        'kairos.jobstores.default.busy_timeout': '2',
      },
      { registry },
    );
    scheduler.registerTask('tick', () => undefined);
    await scheduler.start({ paused: true });
    running.push(scheduler);
    await scheduler.addJob('tick', { type: 'interval', hours: 1 }, { id: 'flat' });
    const check = fixtures.connect(path, { readonly: true });
    expect(check.prepare('SELECT id FROM flat_jobs').pluck().all()).toEqual(['flat']);
    expect(
      () =>
        new BackgroundScheduler(
          {
            'kairos.jobstores.default.type': 'sqlite',
            'kairos.jobstores.default.table_name': 'a-b',
          },
          { registry },
        ),
    ).toThrow(/table_name.*'a-b' is not a plain SQL identifier/);
  });
});
