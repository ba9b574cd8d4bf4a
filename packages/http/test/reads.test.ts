/**
 * The read routes over a real scheduler on SQLite: meta, the jobs list with every filter and
 * paging, one job (schedule in words, next runs in its zone, last outcome, trend), the runs of
 * a job and of the scheduler, runs in flight, nodes; bad queries as 400s naming the parameter
 * and the value, unknown jobs and routes as 404s.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Api, JobDetail, JobSummary, NodeView, RunView } from '../src/index.js';
import {
  addSampleJobs,
  apiOf,
  errorOf,
  get,
  getJson,
  startScheduler,
  T0,
  type Fixture,
} from './helpers.js';

let fixture: Fixture;
let api: Api;

beforeEach(async () => {
  fixture = await startScheduler();
  await addSampleJobs(fixture.scheduler);
  api = apiOf(fixture);
  // Half an hour: 6 polls, 3 failed exports.
  await fixture.clock.advance(30 * 60_000);
});
afterEach(async () => {
  await fixture.scheduler.shutdown();
});

interface JobsPage {
  jobs: JobSummary[];
  total: number;
  offset: number;
  limit: number;
}

describe('GET api/meta', () => {
  test('the scheduler, the modes and the token', async () => {
    const meta = await getJson(api, 'api/meta');
    expect(meta).toMatchObject({
      schedulerId: fixture.scheduler.id,
      state: 'running',
      timezone: 'UTC',
      readOnly: false,
      showArgs: false,
      csrfToken: 'test-token-0123456789',
      jobstores: ['default'],
      executors: ['default'],
    });
    expect(meta.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('GET api/jobs', () => {
  test('every job, summarised, in store order', async () => {
    const page = await getJson<JobsPage>(api, 'api/jobs');
    expect(page).toMatchObject({ total: 4, offset: 0, limit: 50 });
    const byId = Object.fromEntries(page.jobs.map((job) => [job.id, job]));
    expect(byId['daily-report']).toMatchObject({
      name: 'Daily report',
      state: 'scheduled',
      jobstore: 'default',
      executor: 'default',
      trigger: "cron[day_of_week='mon-fri', hour='9']",
      description: 'At 09:00 AM, Monday through Friday',
      timezone: 'Europe/Paris',
      // 09:00 in Paris on Tuesday 1 January 2030, with Paris's offset.
      nextRunTime: '2030-01-01T09:00:00.000+01:00',
      lastRun: null,
      trend: [],
      cause: null,
    });
    expect(byId.poll?.description).toBe('Every 5 minutes');
    expect(byId.once?.description).toBe('Once, at 2030-06-01 12:00 (UTC)');
    expect(byId.poll?.nextRunTime).toBe('2030-01-01T00:35:00.000Z');
  });

  test('the last outcome and a trend of the last ten runs, oldest first', async () => {
    await fixture.clock.advance(30 * 60_000); // 12 polls in all
    const page = await getJson<JobsPage>(api, 'api/jobs?q=poll');
    const poll = page.jobs[0];
    expect(poll?.lastRun).toMatchObject({
      jobId: 'poll',
      outcome: 'executed',
      scheduledRunTime: '2030-01-01T01:00:00.000Z',
    });
    expect(poll?.lastRun).not.toHaveProperty('result');
    expect(poll?.trend).toHaveLength(10);
    expect(poll?.trend[0]?.scheduledRunTime).toBe('2030-01-01T00:15:00.000Z');
    expect(poll?.trend[9]).toEqual({
      scheduledRunTime: '2030-01-01T01:00:00.000Z',
      durationMs: 0,
      outcome: 'executed',
    });
    const flaky = (await getJson<JobsPage>(api, 'api/jobs?q=flaky')).jobs[0];
    expect(flaky?.lastRun?.outcome).toBe('error');
    expect(flaky?.lastRun?.error).toMatchObject({ name: 'TypeError', message: 'the disk is full' });
  });

  test('filtered by state, store, executor and text', async () => {
    await fixture.scheduler.pauseJob('poll');
    const ids = async (query: string): Promise<string[]> =>
      (await getJson<JobsPage>(api, `api/jobs?${query}`)).jobs.map((job) => job.id).sort();
    expect(await ids('state=paused')).toEqual(['poll']);
    expect(await ids('state=scheduled')).toEqual(['daily-report', 'flaky', 'once']);
    expect(await ids('state=unrestorable')).toEqual([]);
    expect(await ids('jobstore=default')).toHaveLength(4);
    expect(await ids('executor=default')).toHaveLength(4);
    expect(await ids('executor=other')).toEqual([]);
    // The id or the name, whatever the case.
    expect(await ids('q=REPORT')).toEqual(['daily-report']);
    expect(await ids('q=inbox')).toEqual(['poll']);
    expect(await ids('q=report&state=paused')).toEqual([]);
  });

  test('a page at a time, with the total of the filtered jobs', async () => {
    const first = await getJson<JobsPage>(api, 'api/jobs?limit=3');
    const second = await getJson<JobsPage>(api, 'api/jobs?limit=3&offset=3');
    expect([first.jobs.length, first.total, second.jobs.length, second.total]).toEqual([
      3, 4, 1, 4,
    ]);
    const all = [...first.jobs, ...second.jobs].map((job) => job.id);
    expect(new Set(all).size).toBe(4);
    const beyond = await getJson<JobsPage>(api, 'api/jobs?offset=10');
    expect(beyond).toMatchObject({ jobs: [], total: 4, offset: 10 });
  });

  test.each([
    [
      'state=sleeping',
      `query parameter 'state' "sleeping" is not a job state; use scheduled, paused, pending or unrestorable`,
    ],
    ['limit=0', `query parameter 'limit' "0" is not a whole number from 1 to 500`],
    ['limit=501', `query parameter 'limit' "501" is not a whole number from 1 to 500`],
    ['limit=ten', `query parameter 'limit' "ten" is not a whole number from 1 to 500`],
    [
      'offset=-1',
      `query parameter 'offset' "-1" is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`,
    ],
    [
      'jobstore=',
      `query parameter 'jobstore' "" is empty; give a job store alias or leave the parameter out`,
    ],
    [
      'colour=red',
      `unknown query parameter 'colour'; use state, jobstore, executor, q, limit, offset`,
    ],
  ])('?%s → 400', async (query, message) => {
    const response = await get(api, `api/jobs?${query}`);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ status: 400, code: 'bad_request', message });
  });

  test('an unknown job store → 400 naming it', async () => {
    const error = await errorOf(await get(api, 'api/jobs?jobstore=archive'));
    expect(error.message).toContain("'archive'");
  });
});

describe('GET api/jobs/:id', () => {
  test('the job in full, with its next ten runs in its zone and its args hidden', async () => {
    const job = await getJson<JobDetail>(api, 'api/jobs/daily-report');
    expect(job).toMatchObject({
      id: 'daily-report',
      task: 'report',
      argsHidden: true,
      triggerSpec: { type: 'cron', dayOfWeek: 'mon-fri', hour: '9', timezone: 'Europe/Paris' },
      misfireGraceTime: 1,
      coalesce: true,
      maxInstances: 1,
      timeout: null,
    });
    expect(job).not.toHaveProperty('args');
    expect(job.upcoming).toEqual([
      '2030-01-01T09:00:00.000+01:00',
      '2030-01-02T09:00:00.000+01:00',
      '2030-01-03T09:00:00.000+01:00',
      '2030-01-04T09:00:00.000+01:00',
      // The weekend is skipped.
      '2030-01-07T09:00:00.000+01:00',
      '2030-01-08T09:00:00.000+01:00',
      '2030-01-09T09:00:00.000+01:00',
      '2030-01-10T09:00:00.000+01:00',
      '2030-01-11T09:00:00.000+01:00',
      '2030-01-14T09:00:00.000+01:00',
    ]);
  });

  test('a one-off job has one upcoming run, a paused job none', async () => {
    expect((await getJson<JobDetail>(api, 'api/jobs/once')).upcoming).toEqual([
      '2030-06-01T12:00:00.000Z',
    ]);
    await fixture.scheduler.pauseJob('poll');
    const paused = await getJson<JobDetail>(api, 'api/jobs/poll');
    expect([paused.state, paused.nextRunTime, paused.upcoming]).toEqual(['paused', null, []]);
  });

  test('ids are path segments, percent-encoded', async () => {
    await fixture.scheduler.addJob(
      'report',
      { type: 'interval', hours: 1 },
      { id: 'reports/eu west' },
    );
    const job = await getJson<JobDetail>(api, `api/jobs/${encodeURIComponent('reports/eu west')}`);
    expect(job.id).toBe('reports/eu west');
  });

  test('an unknown job → 404', async () => {
    const response = await get(api, 'api/jobs/nope');
    expect(await errorOf(response)).toEqual({
      status: 404,
      code: 'not_found',
      message: 'there is no job with the id "nope"',
    });
  });
});

describe('GET api/jobs/:id/runs', () => {
  test("the job's runs, newest first, a page at a time", async () => {
    const first = await getJson<{ runs: RunView[]; nextCursor: string | null }>(
      api,
      'api/jobs/poll/runs?limit=4',
    );
    expect(first.runs.map((run) => run.scheduledRunTime)).toEqual([
      '2030-01-01T00:30:00.000Z',
      '2030-01-01T00:25:00.000Z',
      '2030-01-01T00:20:00.000Z',
      '2030-01-01T00:15:00.000Z',
    ]);
    expect(first.runs[0]).toMatchObject({
      jobId: 'poll',
      jobName: 'Poll inbox',
      outcome: 'executed',
      attempt: 0,
    });
    expect(first.nextCursor).not.toBeNull();
    const second = await getJson<{ runs: RunView[]; nextCursor: string | null }>(
      api,
      `api/jobs/poll/runs?limit=4&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
    );
    expect(second.runs.map((run) => run.scheduledRunTime)).toEqual([
      '2030-01-01T00:10:00.000Z',
      '2030-01-01T00:05:00.000Z',
    ]);
    expect(second.nextCursor).toBeNull();
  });

  test('filtered by outcome', async () => {
    const errors = await getJson<{ runs: RunView[] }>(api, 'api/jobs/flaky/runs?outcome=error');
    expect(errors.runs).toHaveLength(3);
    const none = await getJson<{ runs: RunView[] }>(
      api,
      'api/jobs/flaky/runs?outcome=executed,missed',
    );
    expect(none.runs).toEqual([]);
  });

  test('bad input → 400, unknown job → 404', async () => {
    expect(await errorOf(await get(api, 'api/jobs/poll/runs?outcome=done'))).toMatchObject({
      status: 400,
      message: `query parameter 'outcome' "done" is not a list of outcomes from executed, error, missed, skipped, timeout, cancelled, abandoned, inflight`,
    });
    const cursor = await errorOf(await get(api, 'api/jobs/poll/runs?cursor=garbage'));
    expect(cursor.status).toBe(400);
    expect(cursor.message).toMatch(/^query parameter 'cursor' "garbage" is not a cursor/);
    // An ISO week date passes the query check but not the scheduler's: still named as a parameter.
    expect(await errorOf(await get(api, 'api/runs?since=2026-W50'))).toEqual({
      status: 400,
      code: 'bad_request',
      message:
        "query parameter 'since' '2026-W50' is not a date-time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with an optional fraction and Z or ±HH:MM",
    });
    expect((await errorOf(await get(api, 'api/jobs/nope/runs'))).status).toBe(404);
  });
});

describe('GET api/runs', () => {
  test("the whole scheduler's history, newest first, filtered", async () => {
    const all = await getJson<{ runs: RunView[] }>(api, 'api/runs');
    expect(all.runs).toHaveLength(9);
    expect(all.runs[0]?.scheduledRunTime).toBe('2030-01-01T00:30:00.000Z');
    const polls = await getJson<{ runs: RunView[] }>(api, 'api/runs?jobId=poll&limit=2');
    expect(polls.runs.map((run) => run.jobId)).toEqual(['poll', 'poll']);
    const errors = await getJson<{ runs: RunView[] }>(api, 'api/runs?outcome=error');
    expect(errors.runs.map((run) => run.jobId)).toEqual(['flaky', 'flaky', 'flaky']);
    const window = await getJson<{ runs: RunView[] }>(
      api,
      'api/runs?since=2030-01-01T00:10:00Z&until=2030-01-01T00:15:00Z',
    );
    expect(
      window.runs.map((run) => `${run.jobId}@${run.scheduledRunTime.slice(11, 16)}`).sort(),
    ).toEqual(['flaky@00:10', 'poll@00:10', 'poll@00:15']);
  });

  test('bad times → 400 naming the parameter', async () => {
    expect((await errorOf(await get(api, 'api/runs?since=yesterday'))).message).toBe(
      `query parameter 'since' "yesterday" is not an ISO 8601 time (for example 2030-01-01T09:00:00Z)`,
    );
    expect((await errorOf(await get(api, 'api/runs?limit=1001'))).message).toBe(
      `query parameter 'limit' "1001" is not a whole number from 1 to 1000`,
    );
  });
});

describe('GET api/runs/in-flight', () => {
  test('the runs started and not finished', async () => {
    let finish: () => void = () => undefined;
    fixture.scheduler.registerTask(
      'slow',
      () => new Promise<void>((resolve) => (finish = resolve)),
    );
    await fixture.scheduler.addJob(
      'slow',
      { type: 'date', runDate: new Date(T0 + 31 * 60_000) },
      { id: 'slow' },
    );
    await fixture.clock.advance(60_000);
    const during = await getJson<{ runs: RunView[] }>(api, 'api/runs/in-flight');
    finish();
    expect(during.runs.map((run) => [run.jobId, run.outcome, run.finishedAt])).toEqual([
      ['slow', null, null],
    ]);
    expect(during.runs[0]?.scheduledRunTime).toBe('2030-01-01T00:31:00.000Z');
    await fixture.clock.settle();
    expect((await getJson<{ runs: RunView[] }>(api, 'api/runs/in-flight')).runs).toEqual([]);
    expect((await getJson<{ runs: RunView[] }>(api, 'api/runs?outcome=inflight')).runs).toEqual([]);
  });
});

describe('GET api/nodes', () => {
  test('this scheduler, alive, with its heartbeat', async () => {
    const { nodes } = await getJson<{ nodes: NodeView[] }>(api, 'api/nodes');
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      id: fixture.scheduler.id,
      alive: true,
      jobstore: 'default',
      pid: process.pid,
    });
    expect(Date.parse(nodes[0]?.lastSeen ?? '')).toBeGreaterThanOrEqual(T0);
  });
});

describe('routes and methods', () => {
  test('an unknown route → 404 JSON, a wrong method → 405 with Allow', async () => {
    expect(await errorOf(await get(api, 'api/teapot'))).toEqual({
      status: 404,
      code: 'not_found',
      message: 'there is no route GET /api/teapot',
    });
    expect((await errorOf(await get(api, ''))).status).toBe(404);
    const response = await api.fetch(
      new Request('http://127.0.0.1/api/jobs', { method: 'DELETE' }),
    );
    expect(response.headers.get('allow')).toBe('GET');
    expect(await errorOf(response)).toMatchObject({ status: 405, code: 'method_not_allowed' });
    const action = await get(api, 'api/jobs/poll/pause');
    expect(action.status).toBe(405);
    expect(action.headers.get('allow')).toBe('POST');
  });
});
