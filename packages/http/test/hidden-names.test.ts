/**
 * Without `showArgs`, no response carries a command job's command-derived name or its command
 * line: not the runs of the whole scheduler, nor the runs in flight, nor the runs of jobs since
 * removed (a one-off job is removed when it runs) or whose command was replaced, nor the event
 * stream, an action's error, an unrestorable job or the jobs search.
 */
import {
  BackgroundScheduler,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  RecordingLogger,
  type JobExecutionEvent,
} from 'kairos';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { serve, type RunView, type SchedulerEventView } from '../src/index.js';
import { apiOf, errorOf, getJson, post, startScheduler, type Fixture } from './helpers.js';

const SECRET = 'hunter2';
/** Shell lines that succeed, fail, and run until stopped, each with the secret in a comment. */
const OK = { command: `exit 0 # PGPASSWORD=${SECRET}` };
const FAILS = { command: `exit 3 # PGPASSWORD=${SECRET}` };
const SLEEPS = { command: `sleep 30 # PGPASSWORD=${SECRET}` };

let fixture: Fixture;

beforeEach(async () => {
  fixture = await startScheduler({ commands: true });
});
afterEach(async () => {
  if (fixture.scheduler.running) await fixture.scheduler.shutdown({ wait: false });
});

/** The outcome event of the job's next run (executed or error). */
function outcomeOf(jobId: string): Promise<JobExecutionEvent> {
  const { scheduler } = fixture;
  return new Promise((resolve) => {
    const listener = (event: unknown): void => {
      const outcome = event as JobExecutionEvent;
      if (outcome.jobId !== jobId) return;
      scheduler.removeListener(listener);
      resolve(outcome);
    };
    scheduler.addListener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR);
  });
}

/** Adds a job that runs once, now (and is then removed), and waits for its outcome. */
async function runOnce(
  task: Parameters<BackgroundScheduler['addJob']>[0],
  options: { id: string; name?: string },
): Promise<void> {
  const outcome = outcomeOf(options.id);
  await fixture.scheduler.addJob(task, null, options);
  await fixture.clock.advance(0);
  await outcome;
  await fixture.clock.settle();
}

/** Each run's job id and name, as `api/runs` lists them. */
async function runNames(showArgs: boolean): Promise<Record<string, string>> {
  const { runs } = await getJson<{ runs: RunView[] }>(apiOf(fixture, { showArgs }), 'api/runs');
  return Object.fromEntries(runs.map((run) => [run.jobId, run.jobName]));
}

describe('api/runs', () => {
  test("a command job's name is '(a command)', and a failed command's error does not quote it", async () => {
    await fixture.scheduler.addJob(FAILS, { type: 'interval', hours: 1 }, { id: 'dump' });
    const outcome = outcomeOf('dump');
    await fixture.scheduler.runJob('dump');
    await outcome;
    await fixture.clock.settle();

    const body = await getJson<{ runs: RunView[] }>(apiOf(fixture), 'api/runs');
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(body.runs.map((run) => [run.jobName, run.error?.name])).toEqual([
      ['(a command)', 'CommandFailedError'],
    ]);
    expect(body.runs[0]?.error?.message).toMatch(/^Command '\(a command\)' exited with code 3/);
    expect(await runNames(true)).toEqual({ dump: FAILS.command });
  });

  test('the runs of removed jobs: a name is shown only when the run proves it is no command', async () => {
    await runOnce(OK, { id: 'command' });
    await runOnce(FAILS, { id: 'failed-command' });
    await runOnce(OK, { id: 'named-command', name: 'backup' });
    await runOnce('report', { id: 'report', name: 'One-off report' });
    await runOnce('fail', { id: 'broken', name: 'Broken export' });
    expect(await fixture.scheduler.getJobs()).toEqual([]);

    const body = await getJson<{ runs: RunView[] }>(apiOf(fixture), 'api/runs');
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(await runNames(false)).toEqual({
      command: '(name hidden)',
      'failed-command': '(name hidden)',
      // A command job's own name cannot be told from one derived from its command line.
      'named-command': '(name hidden)',
      // It executed and returned what no command returns: not a command job.
      report: 'One-off report',
      // An error does not say what the task was.
      broken: '(name hidden)',
    });
    expect(await runNames(true)).toEqual({
      command: OK.command,
      'failed-command': FAILS.command,
      'named-command': 'backup',
      report: 'One-off report',
      broken: 'Broken export',
    });
  });

  test('a job renamed since its run: the run is judged by itself', async () => {
    await fixture.scheduler.addJob(OK, { type: 'interval', hours: 1 }, { id: 'dump' });
    const outcome = outcomeOf('dump');
    await fixture.scheduler.runJob('dump');
    await outcome;
    await fixture.clock.settle();
    await fixture.scheduler.modifyJob('dump', { name: 'backup' });
    await fixture.scheduler.addJob('report', { type: 'interval', hours: 1 }, { id: 'report' });
    const reported = outcomeOf('report');
    await fixture.scheduler.runJob('report');
    await reported;
    await fixture.clock.settle();
    await fixture.scheduler.modifyJob('report', { name: 'Renamed report' });

    expect(await runNames(false)).toEqual({ dump: '(a command)', report: 'report' });
  });

  test('a command job whose command was replaced: the job and its runs before', async () => {
    await fixture.scheduler.addJob(FAILS, { type: 'interval', hours: 1 }, { id: 'dump' });
    const outcome = outcomeOf('dump');
    await fixture.scheduler.runJob('dump');
    await outcome;
    await fixture.clock.settle();
    // Named after its command, the job takes the new command's name (core's modifyJob).
    await fixture.scheduler.modifyJob('dump', { task: { command: 'exit 0' } });

    const runs = await getJson<{ runs: RunView[] }>(apiOf(fixture), 'api/runs');
    const job = await getJson<{ name: string }>(apiOf(fixture), 'api/jobs/dump');
    expect(JSON.stringify([runs, job])).not.toContain(SECRET);
    expect(job.name).toBe('(a command)');
    expect(runs.runs.map((run) => run.jobName)).toEqual(['(name hidden)']);
  });

  test('runs in flight: of a command job, and of a one-off command job already removed', async () => {
    await fixture.scheduler.addJob(SLEEPS, { type: 'interval', hours: 1 }, { id: 'dump' });
    await fixture.scheduler.addJob(SLEEPS, null, { id: 'once' });
    await fixture.scheduler.runJob('dump');
    await fixture.clock.advance(0);
    expect((await fixture.scheduler.getJobs()).map((job) => job.id)).toEqual(['dump']);

    const body = await getJson<{ runs: RunView[] }>(apiOf(fixture), 'api/runs/in-flight');
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(Object.fromEntries(body.runs.map((run) => [run.jobId, run.jobName]))).toEqual({
      dump: '(a command)',
      once: '(name hidden)',
    });
  });
});

describe('the event stream', () => {
  test('carries no command-derived name, of a job that stays or one removed as it runs', async () => {
    await fixture.scheduler.addJob(FAILS, { type: 'interval', minutes: 5 }, { id: 'dump' });
    const server = await serve(apiOf(fixture));
    try {
      const response = await fetch(`${server.url}/api/events`);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      const readUntil = async (until: (seen: string) => boolean): Promise<void> => {
        while (!until(text)) {
          const { done, value } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
      };
      await readUntil((seen) => seen.includes(': connected'));

      const failed = outcomeOf('dump');
      await fixture.clock.advance(5 * 60_000);
      await failed;
      await runOnce(OK, { id: 'once' });
      await readUntil((seen) => (seen.match(/^event: job_(executed|error)$/gm) ?? []).length === 2);
      await reader.cancel();

      expect(text).not.toContain(SECRET);
      const runs = text
        .split('\n\n')
        .map((block) => /^data: (.+)$/m.exec(block)?.[1])
        .filter((data): data is string => data !== undefined)
        .map((data) => JSON.parse(data) as SchedulerEventView)
        .filter((event) => event.run !== undefined)
        .map((event) => [event.name, event.jobId, event.run?.jobName]);
      expect(runs).toEqual([
        ['job_submitted', 'dump', '(a command)'],
        ['job_error', 'dump', '(a command)'],
        ['job_submitted', 'once', '(name hidden)'],
        ['job_executed', 'once', '(name hidden)'],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('jobs', () => {
  test('the search matches the name as shown, not the command line', async () => {
    await fixture.scheduler.addJob(OK, { type: 'interval', hours: 1 }, { id: 'dump' });
    const hidden = await getJson<{ total: number }>(apiOf(fixture), `api/jobs?q=${SECRET}`);
    expect(hidden.total).toBe(0);
    const shown = apiOf(fixture, { showArgs: true });
    expect((await getJson<{ total: number }>(shown, `api/jobs?q=${SECRET}`)).total).toBe(1);
  });

  test('an unrestorable command job: its name, its cause and the errors of actions', async () => {
    await fixture.scheduler.addJob(OK, { type: 'interval', hours: 1 }, { id: 'dump' });
    await fixture.scheduler.shutdown();
    // The same store, opened by a scheduler that does not allow stored commands.
    const scheduler = new BackgroundScheduler({
      clock: fixture.clock,
      logger: new RecordingLogger(),
      timezone: 'UTC',
      jobstores: { default: { type: 'sqlite', path: fixture.file } },
    });
    await scheduler.start();
    try {
      const api = apiOf({ ...fixture, scheduler });
      const listed = await getJson<{ jobs: { name: string; state: string; cause: string }[] }>(
        api,
        'api/jobs',
      );
      expect(listed.jobs.map((job) => [job.name, job.state])).toEqual([
        ['(a command)', 'unrestorable'],
      ]);
      expect(listed.jobs[0]?.cause).toMatch(/^CommandNotAllowedError: /);
      const detail = await getJson(api, 'api/jobs/dump');
      const paused = await errorOf(await post(api, 'api/jobs/dump/pause'));
      expect(paused.status).toBe(400);
      expect(JSON.stringify([listed, detail, paused])).not.toContain(SECRET);
      const shown = await getJson<{ name: string }>(
        apiOf({ ...fixture, scheduler }, { showArgs: true }),
        'api/jobs/dump',
      );
      expect(shown.name).toBe(OK.command);
    } finally {
      await scheduler.shutdown();
    }
  });
});
