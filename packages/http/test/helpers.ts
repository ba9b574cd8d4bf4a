/**
 * Shared helpers of the API tests: a real scheduler on a SQLite file and a fake clock, with a
 * few jobs, and requests to an api as a browser on the same origin would send them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@kairos/store-sqlite';
import { BackgroundScheduler, FakeClock, RecordingLogger } from 'kairos';
import { afterAll } from 'vitest';
import { createApi } from '../src/index.js';
import type { Api, ApiOptions } from '../src/index.js';

/** The instant every fake clock starts at: Tuesday 1 January 2030, 00:00 UTC. */
export const T0 = Date.parse('2030-01-01T00:00:00Z');
/** The origin test requests are made to. */
export const ORIGIN = 'http://127.0.0.1:8080';

const dir = mkdtempSync(join(tmpdir(), 'kairos-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A started scheduler on a fresh SQLite file, with its clock, log and the calls of its tasks. */
export interface Fixture {
  scheduler: BackgroundScheduler;
  clock: FakeClock;
  log: RecordingLogger;
  calls: string[];
  file: string;
}

/**
 * A scheduler on a new SQLite file, started, with the tasks `report` (records its args,
 * returns `{rows: 3}`) and `fail` (throws) registered.
 */
export async function startScheduler(
  options: { paused?: boolean; logger?: false; commands?: true } = {},
): Promise<Fixture> {
  const clock = new FakeClock(T0);
  const log = new RecordingLogger();
  const file = join(dir, `jobs-${++files}.db`);
  const calls: string[] = [];
  const scheduler = new BackgroundScheduler({
    clock,
    logger: options.logger ?? log,
    timezone: 'UTC',
    ...(options.commands === undefined ? {} : { commands: options.commands }),
    jobstores: { default: { type: 'sqlite', path: file } },
  });
  scheduler.registerTask('report', (...args: unknown[]) => {
    calls.push(JSON.stringify(args));
    return { rows: 3 };
  });
  scheduler.registerTask('fail', () => {
    throw new TypeError('the disk is full');
  });
  await scheduler.start(options.paused === true ? { paused: true } : {});
  return { scheduler, clock, log, calls, file };
}

/** Adds the jobs most tests look at. */
export async function addSampleJobs(scheduler: BackgroundScheduler): Promise<void> {
  await scheduler.addJob(
    'report',
    { type: 'cron', hour: 9, dayOfWeek: 'mon-fri', timezone: 'Europe/Paris' },
    {
      id: 'daily-report',
      name: 'Daily report',
      args: ['secret-token', 42],
    },
  );
  await scheduler.addJob(
    'report',
    { type: 'interval', minutes: 5 },
    { id: 'poll', name: 'Poll inbox' },
  );
  await scheduler.addJob(
    'fail',
    { type: 'interval', minutes: 10 },
    { id: 'flaky', name: 'Flaky export' },
  );
  await scheduler.addJob(
    'report',
    { type: 'date', runDate: '2030-06-01T12:00:00', timezone: 'UTC' },
    {
      id: 'once',
      name: 'One-off',
    },
  );
}

/** An api over the fixture's scheduler with a known token. */
export function apiOf(fixture: Fixture, options: Partial<ApiOptions> = {}): Api {
  return createApi({
    scheduler: fixture.scheduler,
    csrfToken: 'test-token-0123456789',
    ...options,
  });
}

/** A GET as a browser sends it. */
export async function get(
  api: Api,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return api.fetch(new Request(`${ORIGIN}/${path}`, { headers }));
}

/** The JSON body of a GET, with its status checked. */
export async function getJson<T = Record<string, unknown>>(
  api: Api,
  path: string,
  status = 200,
): Promise<T> {
  const response = await get(api, path);
  const body = (await response.json()) as T;
  if (response.status !== status)
    throw new TypeError(
      `GET ${path}: expected ${status}, got ${response.status} ${JSON.stringify(body)}`,
    );
  return body;
}

/** A same-origin POST carrying the CSRF token, as the page sends it; `headers` override. */
export async function post(
  api: Api,
  path: string,
  options: { body?: unknown; headers?: Record<string, string | null> } = {},
): Promise<Response> {
  const headers: Record<string, string | null> = {
    origin: ORIGIN,
    'sec-fetch-site': 'same-origin',
    'x-csrf-token': api.csrfToken,
    ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...options.headers,
  };
  const sent = Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== null),
  );
  return api.fetch(
    new Request(`${ORIGIN}/${path}`, {
      method: 'POST',
      headers: sent,
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    }),
  );
}

/** The `{error}` body of a response, with its status checked. */
export async function errorOf(
  response: Response,
): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as {
    error: { status: number; code: string; message: string };
  };
  if (body.error.status !== response.status)
    throw new TypeError(`the body says ${body.error.status}, the response ${response.status}`);
  return body.error;
}
