/**
 * The masking rule on its own: which texts a job and a run withhold without `showArgs`, and how
 * a mask replaces them in names and error text.
 */
import { BackgroundScheduler, FakeClock, type Job, type Run } from 'kairos';
import { afterAll, describe, expect, test } from 'vitest';
import { jobMask, Mask, runMask } from '../src/masking.js';

const scheduler = new BackgroundScheduler({ clock: new FakeClock(), logger: false });
afterAll(async () => {
  if (scheduler.running) await scheduler.shutdown();
});

const COMMAND = 'PGPASSWORD=hunter2 pg_dump app';

/** A pending job of `task`, as `getJob` lists it before `start()`. */
async function jobOf(
  task: Parameters<BackgroundScheduler['addJob']>[0],
  id: string,
  name?: string,
): Promise<Job> {
  return scheduler.addJob(task, { type: 'interval', hours: 1 }, { id, ...(name && { name }) });
}

/** A finished run of a job named `jobName`. */
function runOf(jobName: string, outcome: Run['outcome'], result?: unknown): Run {
  return { jobId: 'gone', jobstore: 'default', jobName, outcome, result } as Run;
}

describe('Mask', () => {
  const mask = Mask.NONE.with('pg_dump app', '(a command)').with(COMMAND, '(name hidden)');

  test('replaces the longest text first, in one pass, and keeps the first label of a text', () => {
    expect(mask.text(`Command '${COMMAND}' failed; pg_dump app: no such table`)).toBe(
      "Command '(name hidden)' failed; (a command): no such table",
    );
    expect(mask.with('pg_dump app', 'other').name('pg_dump app')).toBe('(a command)');
    // A label is not searched again: 'a' inside '(a command)' stays.
    expect(Mask.NONE.with('x', '(a command)').with('a', '?').text('x a')).toBe('(a command) ?');
  });

  test('names are hidden whole; texts with regular expression characters are taken literally', () => {
    expect(mask.name(COMMAND)).toBe('(name hidden)');
    expect(mask.name('nightly pg_dump app')).toBe('nightly pg_dump app');
    expect(Mask.NONE.with('a.b (c)', 'L').text('a.b (c) axb (c)')).toBe('L axb (c)');
  });

  test('masks an error message and stack', () => {
    const error = { name: 'CommandFailedError', message: `Command '${COMMAND}'`, stack: COMMAND };
    expect(mask.error(error)).toEqual({
      name: 'CommandFailedError',
      message: "Command '(name hidden)'",
      stack: '(name hidden)',
    });
    expect(Mask.NONE.error(error)).toBe(error);
  });
});

describe('jobMask and runMask', () => {
  test('a command job withholds its command line, named after it or not', async () => {
    const derived = await jobOf({ command: COMMAND }, 'derived');
    const named = await jobOf({ argv: ['pg_dump', 'my app'] }, 'named', 'backup');
    expect(jobMask(derived, false).name(derived.name)).toBe('(a command)');
    expect(jobMask(named, false).name(named.name)).toBe('backup');
    expect(jobMask(named, false).text('pg_dump "my app" failed')).toBe('(a command) failed');
    expect(jobMask(derived, true)).toBe(Mask.NONE);
    expect(jobMask(await jobOf(() => undefined, 'function'), false)).toBe(Mask.NONE);
  });

  test("a run is judged by its job when the job still has the run's name", async () => {
    const derived = await jobOf({ command: COMMAND }, 'derived-2');
    const report = await jobOf(() => undefined, 'report', 'Report');
    expect(runMask(runOf(COMMAND, 'executed', { rows: 3 }), derived, false).name(COMMAND)).toBe(
      '(a command)',
    );
    expect(runMask(runOf('Report', 'error'), report, false)).toBe(Mask.NONE);
  });

  test('a run of a gone job shows its name only when it proves its task was no command', () => {
    const shown = (run: Run): boolean => runMask(run, null, false).name(run.jobName) === 'job';
    expect(shown(runOf('job', 'executed', undefined))).toBe(true);
    expect(shown(runOf('job', 'executed', { rows: 3 }))).toBe(true);
    expect(shown(runOf('job', 'executed', [1, 2]))).toBe(true);
    // What a command returns, whole or summarised when large.
    expect(shown(runOf('job', 'executed', { exitCode: 0, stdout: '' }))).toBe(false);
    expect(shown(runOf('job', 'executed', { type: 'Object', truncated: true }))).toBe(false);
    for (const outcome of ['error', 'missed', 'skipped', 'timeout', 'cancelled', null] as const)
      expect(shown(runOf('job', outcome))).toBe(false);
    expect(runMask(runOf('job', 'error'), null, true)).toBe(Mask.NONE);
  });
});
