/**
 * The actions over a real scheduler on SQLite: run now, pause, resume, remove, reschedule
 * (a bad trigger → 400 with the trigger's own message), and what refuses them: read-only mode,
 * a missing or forged CSRF token, a cross-site request.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Api, JobSummary, RunView } from '../src/index.js';
import {
  addSampleJobs,
  apiOf,
  errorOf,
  getJson,
  ORIGIN,
  post,
  startScheduler,
  type Fixture,
} from './helpers.js';

let fixture: Fixture;
let api: Api;

beforeEach(async () => {
  fixture = await startScheduler();
  await addSampleJobs(fixture.scheduler);
  api = apiOf(fixture);
});
afterEach(async () => {
  await fixture.scheduler.shutdown();
});

describe('actions', () => {
  test('run now: 202, the run lands in the history, the schedule is untouched', async () => {
    const response = await post(api, 'api/jobs/daily-report/run');
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ ok: true });
    await fixture.clock.settle();
    expect(fixture.calls).toEqual(['["secret-token",42]']);
    const { runs } = await getJson<{ runs: RunView[] }>(api, 'api/jobs/daily-report/runs');
    expect(runs.map((run) => run.outcome)).toEqual(['executed']);
    const job = await fixture.scheduler.getJob('daily-report');
    expect(job?.nextRunTime?.toISOString()).toBe('2030-01-01T08:00:00.000Z');
  });

  test('pause, then resume', async () => {
    const paused = await post(api, 'api/jobs/poll/pause');
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as { job: JobSummary }).job).toMatchObject({
      id: 'poll',
      state: 'paused',
      nextRunTime: null,
    });
    await fixture.clock.advance(60_000);
    const resumed = (await (await post(api, 'api/jobs/poll/resume')).json()) as { job: JobSummary };
    expect(resumed.job).toMatchObject({
      state: 'scheduled',
      nextRunTime: '2030-01-01T00:05:00.000Z',
    });
  });

  test('resuming a job with no run time left removes it: job null', async () => {
    await fixture.scheduler.addJob(
      'report',
      { type: 'interval', seconds: 20, endDate: '2030-01-01T00:00:30Z' },
      { id: 'soon' },
    );
    await post(api, 'api/jobs/soon/pause');
    await fixture.clock.advance(60_000);
    const body = (await (await post(api, 'api/jobs/soon/resume')).json()) as { job: null };
    expect(body).toEqual({ job: null });
    expect(await fixture.scheduler.getJob('soon')).toBeNull();
  });

  test('remove', async () => {
    const response = await post(api, 'api/jobs/flaky/remove');
    expect([response.status, await response.json()]).toEqual([200, { ok: true }]);
    expect(await fixture.scheduler.getJob('flaky')).toBeNull();
    expect((await errorOf(await post(api, 'api/jobs/flaky/remove'))).status).toBe(404);
  });

  test('reschedule to a new trigger', async () => {
    const response = await post(api, 'api/jobs/poll/reschedule', {
      body: { trigger: { type: 'cron', hour: 7, dayOfWeek: 'sat,sun' } },
    });
    expect(response.status).toBe(200);
    const { job } = (await response.json()) as { job: JobSummary };
    expect(job).toMatchObject({
      description: 'At 07:00 AM, only on Saturday and Sunday',
      trigger: "cron[day_of_week='sat,sun', hour='7']",
      nextRunTime: '2030-01-05T07:00:00.000Z',
    });
  });

  test('a bad trigger → 400 with its own message, and the job untouched', async () => {
    const response = await post(api, 'api/jobs/poll/reschedule', {
      body: { trigger: { type: 'cron', hour: 25 } },
    });
    const error = await errorOf(response);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/hour/);
    expect(error.message).toMatch(/25/);
    const unknown = await errorOf(
      await post(api, 'api/jobs/poll/reschedule', { body: { trigger: { type: 'sometimes' } } }),
    );
    expect(unknown.message).toContain('sometimes');
    const job = await fixture.scheduler.getJob('poll');
    expect(job?.state !== 'unrestorable' && job?.trigger.toString()).toBe('interval[0:05:00]');
  });

  test.each([
    [
      {},
      `body field 'trigger' missing is not a trigger spec; send for example {"type": "cron", "hour": 9}`,
    ],
    [
      { trigger: 'hourly' },
      `body field 'trigger' "hourly" is not a trigger spec; send for example {"type": "cron", "hour": 9}`,
    ],
    [
      { trigger: { hour: 9 } },
      `body field 'trigger.type' missing needs a string type, for example "cron"`,
    ],
    [{ trigger: { type: 'cron' }, when: 'now' }, `unknown body field 'when'; use trigger`],
    [
      'not json',
      'the body is not valid JSON; send for example {"trigger": {"type": "cron", "hour": 9}}',
    ],
  ])('reschedule body %j → 400', async (body, message) => {
    expect(await errorOf(await post(api, 'api/jobs/poll/reschedule', { body }))).toEqual({
      status: 400,
      code: 'bad_request',
      message,
    });
  });

  test('an action on an unknown job → 404', async () => {
    for (const action of ['run', 'pause', 'resume', 'remove']) {
      expect((await errorOf(await post(api, `api/jobs/nope/${action}`))).status).toBe(404);
    }
  });
});

describe('what refuses an action', () => {
  test('read-only mode: 403 for every action, reads allowed', async () => {
    const readOnly = apiOf(fixture, { readOnly: true });
    for (const action of ['run', 'pause', 'resume', 'remove', 'reschedule']) {
      const error = await errorOf(await post(readOnly, `api/jobs/poll/${action}`));
      expect(error).toEqual({
        status: 403,
        code: 'forbidden',
        message: 'this API is read-only: it shows jobs but does not act on them',
      });
    }
    expect((await getJson(readOnly, 'api/meta')).readOnly).toBe(true);
    expect((await fixture.scheduler.getJob('poll'))?.state).toBe('scheduled');
  });

  test.each([
    ['no CSRF token', { 'x-csrf-token': null }, /needs the x-csrf-token header/],
    ['a forged CSRF token', { 'x-csrf-token': 'guessed-token-0000000' }, /does not match/],
    [
      'a cross-site Origin',
      { origin: 'https://evil.example', 'sec-fetch-site': null },
      /origin "https:\/\/evil.example"/,
    ],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, /cross-site request/],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }, /same-site request/],
    [
      'neither Origin nor Sec-Fetch-Site',
      { origin: null, 'sec-fetch-site': null },
      /needs a same-origin request/,
    ],
  ])('%s → 403, the job untouched', async (_name, headers, message) => {
    const error = await errorOf(await post(api, 'api/jobs/poll/pause', { headers }));
    expect(error.status).toBe(403);
    expect(error.message).toMatch(message);
    expect((await fixture.scheduler.getJob('poll'))?.state).toBe('scheduled');
  });

  test('Origin alone, or Sec-Fetch-Site: same-origin alone, is enough with the token', async () => {
    expect(
      (await post(api, 'api/jobs/poll/pause', { headers: { 'sec-fetch-site': null } })).status,
    ).toBe(200);
    expect((await post(api, 'api/jobs/poll/resume', { headers: { origin: null } })).status).toBe(
      200,
    );
  });

  test('an allowed origin (a proxy in front) counts as this one', async () => {
    const behindProxy = apiOf(fixture, { allowedOrigins: ['https://jobs.example.com'] });
    const headers = { origin: 'https://jobs.example.com' };
    expect((await post(behindProxy, 'api/jobs/poll/pause', { headers })).status).toBe(200);
    expect((await post(api, 'api/jobs/poll/resume', { headers })).status).toBe(403);
  });

  test('a token of its own per api unless one is given', () => {
    const a = apiOf(fixture, { csrfToken: undefined });
    const b = apiOf(fixture, { csrfToken: undefined });
    expect(a.csrfToken).toMatch(/^[\w-]{43}$/);
    expect(a.csrfToken).not.toBe(b.csrfToken);
    expect(ORIGIN).toMatch(/^http:\/\/127\.0\.0\.1/);
  });
});
