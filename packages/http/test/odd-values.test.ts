/**
 * Values JSON cannot carry, and requests larger than they should be: a task that throws a
 * BigInt or a cycle, args of that kind shown with `showArgs`, a huge stack in the jobs list,
 * a body that never ends, an allowed origin written in capitals.
 */
import { BackgroundScheduler, EVENT_JOB_ERROR, FakeClock, JobExecutionEvent } from 'kairos';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createApi, type Api, type JobDetail, type JobSummary } from '../src/index.js';
import { eventView } from '../src/views.js';
import { errorOf, getJson, ORIGIN, post, T0 } from './helpers.js';

let scheduler: BackgroundScheduler;
let clock: FakeClock;
let api: Api;

beforeEach(async () => {
  clock = new FakeClock(T0);
  scheduler = new BackgroundScheduler({
    clock,
    timezone: 'UTC',
    logger: false,
    jobstores: { default: { type: 'memory', maxRuns: 100 } },
  });
  await scheduler.start();
  api = createApi({ scheduler, csrfToken: 'test-token-0123456789', showArgs: true });
});
afterEach(async () => {
  await scheduler.shutdown();
});

describe('values JSON cannot carry', () => {
  test('an event of a task that threw a BigInt or a cycle keeps its error', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle['self'] = cycle;
    for (const [thrown, message] of [
      [10n, '10'],
      [cycle, '[object Object]'],
      [{ code: 7 }, '{"code":7}'],
    ] as const) {
      const event = new JobExecutionEvent(EVENT_JOB_ERROR, 'job', 'default', new Date(T0), {
        exception: thrown,
      });
      expect(eventView(event, T0, false).error).toEqual({ name: 'Error', message });
    }
  });

  test('args a BigInt or a cycle are summarised, not a 500', async () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle['self'] = cycle;
    await scheduler.addJob(
      () => undefined,
      { type: 'interval', hours: 1 },
      {
        id: 'odd',
        args: [10n, cycle, 'plain'],
      },
    );
    const job = await getJson<JobDetail>(api, 'api/jobs/odd');
    expect(job.args).toEqual([
      { type: 'bigint', preview: '10', truncated: true },
      { type: 'Object', preview: '[object Object]', truncated: true },
      'plain',
    ]);
  });

  test("the jobs list leaves a last run's stack out; the run history has it", async () => {
    const stack = `Error: deep\n${'    at frame (file.js:1:1)\n'.repeat(20_000)}`;
    await scheduler.addJob(
      () => {
        const error = new Error('deep');
        error.stack = stack;
        throw error;
      },
      { type: 'interval', seconds: 1 },
      { id: 'deep' },
    );
    await clock.advance(1000);
    await clock.settle();
    const { jobs } = await getJson<{ jobs: JobSummary[] }>(api, 'api/jobs');
    expect(jobs[0]?.lastRun?.error).toEqual({ name: 'Error', message: 'deep', stack: null });
    const { runs } = await getJson<{ runs: { error: { stack: string } }[] }>(
      api,
      'api/jobs/deep/runs',
    );
    expect(runs[0]?.error.stack).toBe(stack);
  });
});

describe('requests larger than they should be', () => {
  test('a reschedule body that never ends is refused once 16 KB of it came', async () => {
    await scheduler.addJob(() => undefined, { type: 'interval', hours: 1 }, { id: 'job' });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(4096).fill(32));
      },
    });
    const response = await api.fetch(
      new Request(`${ORIGIN}/api/jobs/job/reschedule`, {
        method: 'POST',
        headers: {
          origin: ORIGIN,
          'x-csrf-token': api.csrfToken,
          'content-type': 'application/json',
        },
        body: endless,
        duplex: 'half',
      }),
    );
    expect(await errorOf(response)).toMatchObject({
      status: 400,
      message: 'the body is larger than 16384 bytes',
    });
    expect(pulled).toBeLessThan(10);
  });

  test('a Content-Length over the bound is refused without reading the body', async () => {
    await scheduler.addJob(() => undefined, { type: 'interval', hours: 1 }, { id: 'job' });
    const response = await post(api, 'api/jobs/job/reschedule', {
      body: { trigger: { type: 'interval', hours: 2 }, padding: ' '.repeat(20_000) },
    });
    expect((await errorOf(response)).message).toBe('the body is larger than 16384 bytes');
    expect((await scheduler.getJob('job'))?.toString()).toContain('interval[1:00:00]');
  });

  test('allowed origins are compared as browsers send them: lower case, default port left out', async () => {
    await scheduler.addJob(() => undefined, { type: 'interval', hours: 1 }, { id: 'job' });
    const behindProxy = createApi({
      scheduler,
      csrfToken: 'test-token-0123456789',
      allowedOrigins: ['https://Jobs.Example.com:443'],
    });
    const response = await post(behindProxy, 'api/jobs/job/pause', {
      headers: { origin: 'https://jobs.example.com' },
    });
    expect(response.status).toBe(200);
  });
});
