/**
 * Safe by default: `authorize` and Basic auth (401), args and results hidden unless
 * `showArgs`, the strict headers on every kind of response (JSON, errors, the page, assets,
 * the event stream), no stack trace in a 500, and bad options refused.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  createApi,
  HttpOptionError,
  type Api,
  type JobDetail,
  type PageProvider,
  type RunView,
} from '../src/index.js';
import {
  addSampleJobs,
  apiOf,
  errorOf,
  get,
  getJson,
  post,
  startScheduler,
  type Fixture,
} from './helpers.js';

let fixture: Fixture;

beforeEach(async () => {
  fixture = await startScheduler();
  await addSampleJobs(fixture.scheduler);
});
afterEach(async () => {
  await fixture.scheduler.shutdown();
});

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

/** A page as @kairos/dashboard provides one. */
const page: PageProvider = {
  asset: (path) =>
    Promise.resolve(
      path === 'app.js'
        ? {
            body: new TextEncoder().encode('console.log(1);'),
            type: 'text/javascript; charset=utf-8',
          }
        : null,
    ),
  html: ({ csrfToken, base }) =>
    `<!doctype html><html><head><base href="${base}"><meta name="csrf-token" content="${csrfToken}"><script type="module" src="assets/app.js"></script></head><body></body></html>`,
};

const basic = (user: string, password: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('authorisation', () => {
  test('authorize(request) false → 401 for every route, true → answered', async () => {
    const seen: string[] = [];
    const api = apiOf(fixture, {
      authorize: (request) => {
        seen.push(new URL(request.url).pathname);
        return request.headers.get('x-api-key') === 'k1';
      },
      page,
    });
    for (const path of [
      'api/jobs',
      'api/jobs/poll',
      'api/events',
      '',
      'assets/app.js',
      'api/nowhere',
    ]) {
      const error = await errorOf(await get(api, path));
      expect(error).toEqual({
        status: 401,
        code: 'unauthorized',
        message: 'this request is not authorised',
      });
    }
    expect((await post(api, 'api/jobs/poll/pause')).status).toBe(401);
    expect((await get(api, 'api/jobs', { 'x-api-key': 'k1' })).status).toBe(200);
    expect(seen).toContain('/api/jobs/poll');
  });

  test('an async authorize works too', async () => {
    const api = apiOf(fixture, { authorize: async () => Promise.resolve(false) });
    expect((await get(api, 'api/meta')).status).toBe(401);
  });

  test('Basic auth: 401 with WWW-Authenticate without or with wrong credentials', async () => {
    const api = apiOf(fixture, { basicAuth: { username: 'ops', password: 'correct horse' } });
    for (const headers of [
      {},
      basic('ops', 'wrong'),
      basic('admin', 'correct horse'),
      { authorization: 'Bearer x' },
    ]) {
      const response = await get(api, 'api/jobs', headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Basic realm="Kairos", charset="UTF-8"',
      );
      expect((await errorOf(response)).code).toBe('unauthorized');
    }
    expect((await get(api, 'api/jobs', basic('ops', 'correct horse'))).status).toBe(200);
    const action = await post(api, 'api/jobs/poll/pause', {
      headers: basic('ops', 'correct horse'),
    });
    expect(action.status).toBe(200);
  });
});

describe('the Host header (DNS rebinding)', () => {
  const at = (host: string, path = 'api/meta', init: RequestInit = {}): Request =>
    new Request(`http://${host}/${path}`, init);

  test('IP addresses and localhost are answered; another name is refused with 403', async () => {
    const api = apiOf(fixture);
    for (const host of [
      '127.0.0.1:8080',
      '[::1]:8080',
      '10.1.2.3',
      'localhost:7070',
      'app.localhost',
    ]) {
      expect((await api.fetch(at(host))).status, host).toBe(200);
    }
    const refused = await api.fetch(at('rebind.attacker.example:8080'));
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toEqual({
      status: 403,
      code: 'forbidden',
      message:
        'this API does not answer requests addressed to "rebind.attacker.example": a page of another site could point that name at it; list the name in the allowedHosts option (kairos dashboard: --allowed-host rebind.attacker.example)',
    });
  });

  test('a rebinding page can neither read the token nor act, even with the right Origin', async () => {
    const api = apiOf(fixture);
    const host = 'rebind.attacker.example:8080';
    expect((await api.fetch(at(host))).status).toBe(403);
    const action = await api.fetch(
      at(host, 'api/jobs/poll/pause', {
        method: 'POST',
        headers: { origin: `http://${host}`, 'x-csrf-token': api.csrfToken },
      }),
    );
    expect(action.status).toBe(403);
    const job = await getJson<{ state: string }>(api, 'api/jobs/poll');
    expect(job.state).toBe('scheduled');
  });

  test('allowedHosts lists more names (any case); true accepts any', async () => {
    const listed = apiOf(fixture, { allowedHosts: ['Jobs.Example.com'] });
    expect((await listed.fetch(at('jobs.example.com'))).status).toBe(200);
    expect((await listed.fetch(at('JOBS.EXAMPLE.COM:443'))).status).toBe(200);
    expect((await listed.fetch(at('other.example.com'))).status).toBe(403);
    const any = apiOf(fixture, { allowedHosts: true });
    expect((await any.fetch(at('other.example.com'))).status).toBe(200);
  });
});

describe('showArgs', () => {
  async function runReport(api: Api): Promise<void> {
    await post(api, 'api/jobs/daily-report/run');
    await fixture.clock.settle();
  }

  test('off by default: no args, no results', async () => {
    const api = apiOf(fixture);
    await runReport(api);
    const job = await getJson<JobDetail>(api, 'api/jobs/daily-report');
    expect(job.argsHidden).toBe(true);
    expect(JSON.stringify(job)).not.toContain('secret-token');
    const { runs } = await getJson<{ runs: RunView[] }>(api, 'api/runs');
    expect(runs[0]).not.toHaveProperty('result');
  });

  test("off: a command job named after its command is listed as '(a command)'", async () => {
    const withCommands = await startScheduler({ commands: true });
    try {
      const { scheduler } = withCommands;
      const command = { command: 'PGPASSWORD=hunter2 pg_dump app' };
      await scheduler.addJob(command, { type: 'interval', hours: 1 }, { id: 'dump' });
      await scheduler.addJob(
        command,
        { type: 'interval', hours: 1 },
        { id: 'named', name: 'backup' },
      );
      const hidden = apiOf(withCommands);
      const listed = await getJson<{ jobs: { id: string; name: string }[] }>(hidden, 'api/jobs');
      expect(listed.jobs.map((job) => [job.id, job.name])).toEqual([
        ['dump', '(a command)'],
        ['named', 'backup'],
      ]);
      const detail = await getJson<JobDetail>(hidden, 'api/jobs/dump');
      expect([detail.name, detail.task]).toEqual(['(a command)', '(a command)']);
      expect(JSON.stringify(listed) + JSON.stringify(detail)).not.toContain('hunter2');
      const shown = await getJson<JobDetail>(
        apiOf(withCommands, { showArgs: true }),
        'api/jobs/dump',
      );
      expect([shown.name, shown.task]).toEqual([command.command, command.command]);
    } finally {
      await withCommands.scheduler.shutdown();
    }
  });

  test('on: args and results shown', async () => {
    const api = apiOf(fixture, { showArgs: true });
    await runReport(api);
    const job = await getJson<JobDetail>(api, 'api/jobs/daily-report');
    expect([job.argsHidden, job.args]).toEqual([false, ['secret-token', 42]]);
    const { runs } = await getJson<{ runs: RunView[] }>(api, 'api/runs');
    expect(runs[0]?.result).toEqual({ rows: 3 });
    expect((await getJson(api, 'api/meta')).showArgs).toBe(true);
  });
});

describe('headers on every response', () => {
  test('JSON, errors, the page, assets and the event stream all carry the CSP', async () => {
    const api = apiOf(fixture, { page });
    const responses = {
      json: await get(api, 'api/jobs'),
      notFound: await get(api, 'api/nowhere'),
      badRequest: await get(api, 'api/jobs?limit=0'),
      forbidden: await post(api, 'api/jobs/poll/pause', { headers: { 'x-csrf-token': null } }),
      page: await get(api, ''),
      pageRoute: await get(api, 'jobs/poll'),
      asset: await get(api, 'assets/app.js'),
      missingAsset: await get(api, 'assets/nope.js'),
      unauthorized: await get(apiOf(fixture, { authorize: () => false }), 'api/jobs'),
      events: await get(api, 'api/events'),
    };
    for (const [kind, response] of Object.entries(responses)) {
      expect(response.headers.get('content-security-policy'), kind).toBe(CSP);
      expect(response.headers.get('x-content-type-options'), kind).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), kind).toBe('no-referrer');
      expect(response.headers.get('cache-control'), kind).toBe('no-store');
    }
    await responses.events.body?.cancel();
    expect(responses.page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(responses.asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(responses.missingAsset.status).toBe(404);
  });
});

describe('the page', () => {
  test('at the root and every page route, with the token and a base for relative URLs', async () => {
    const api = apiOf(fixture, { page });
    const root = await (await get(api, '')).text();
    expect(root).toContain('<meta name="csrf-token" content="test-token-0123456789">');
    // A bare api.fetch does not know its mount path: the base is relative to the page's path.
    expect(root).toContain('<base href="./">');
    expect(await (await get(api, 'jobs/poll')).text()).toContain('<base href="../">');
    expect(await (await get(api, 'assets/app.js')).text()).toBe('console.log(1);');
  });

  test('paths with an extension or under api/ are not the page', async () => {
    const api = apiOf(fixture, { page });
    expect((await get(api, 'favicon.ico')).status).toBe(404);
    expect((await get(api, 'api/jobs/poll/extra')).status).toBe(404);
    // A URL's own `..` is resolved by the URL parser; an encoded slash never leaves assets/.
    expect((await get(api, 'assets/a%2f..%2f..%2fsecret')).status).toBe(404);
  });

  test('without a page, the root is a 404', async () => {
    expect((await get(apiOf(fixture), '')).status).toBe(404);
  });
});

describe('failures', () => {
  test('a 500 says nothing of the error, which goes to the log', async () => {
    const logged: unknown[] = [];
    const api = apiOf(fixture, {
      page: { ...page, asset: () => Promise.reject(new RangeError('/secret/path exploded')) },
      logger: { error: (context: unknown) => void logged.push(context) },
    });
    const response = await get(api, 'assets/app.js');
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      error: {
        status: 500,
        code: 'internal',
        message: 'the request failed on the server; its log says why',
      },
    });
    expect(text).not.toContain('secret');
    expect(logged).toHaveLength(1);
  });

  test("without a logger option, the scheduler's logger gets it", async () => {
    const api = apiOf(fixture, {
      page: {
        ...page,
        html: () => {
          throw new RangeError('template broke');
        },
      },
    });
    expect((await get(api, '')).status).toBe(500);
    const entry = fixture.log.entries.find((logged) => logged.message.includes('@kairos/http'));
    expect(entry?.level).toBe('error');
    expect(String(entry?.err)).toContain('template broke');
  });

  test("when the scheduler logs nothing, a 500's cause goes to console.error", async () => {
    const quiet = await startScheduler({ logger: false });
    const printed: unknown[][] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      printed.push(args);
    });
    try {
      const api = apiOf(quiet, {
        authorize: () => {
          throw new RangeError('the session store is down');
        },
      });
      expect((await get(api, 'api/jobs')).status).toBe(500);
      expect(printed).toHaveLength(1);
      expect(String(printed[0]?.[0])).toContain('@kairos/http');
      expect(String(printed[0]?.[1])).toContain('the session store is down');
    } finally {
      spy.mockRestore();
      await quiet.scheduler.shutdown();
    }
  });

  test('bad options are refused, naming the option', () => {
    const { scheduler } = fixture;
    expect(() => createApi({ scheduler: {} as never })).toThrow(HttpOptionError);
    expect(() => createApi({ scheduler, csrfToken: 'short' })).toThrow(/csrfToken/);
    expect(() => createApi({ scheduler, basicAuth: { username: 'a:b', password: 'x' } })).toThrow(
      /basicAuth.username/,
    );
    expect(() => createApi({ scheduler, basicAuth: { username: 'a', password: '' } })).toThrow(
      /basicAuth.password/,
    );
    expect(() => createApi({ scheduler, allowedOrigins: ['evil.example'] })).toThrow(
      /allowedOrigins/,
    );
    expect(() => createApi({ scheduler, pingIntervalSeconds: 0 })).toThrow(/pingIntervalSeconds/);
    expect(() => createApi({ scheduler, allowedHosts: ['https://jobs.example.com'] })).toThrow(
      /allowedHosts: "https:\/\/jobs.example.com" is not a host name/,
    );
    expect(() => createApi({ scheduler, allowedHosts: 'jobs.example.com' as never })).toThrow(
      /allowedHosts/,
    );
  });
});
