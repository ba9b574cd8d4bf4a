/**
 * Each adapter in its real framework on 127.0.0.1, with real requests: node:http, Express
 * (`app.use(path, …)`), Koa (prefix), Fastify (plugin with a prefix; its body parsing must not
 * swallow an action's body), Hono (`app.route` and `app.mount`) and `serve`. Each mounted one
 * answers the API and the page, with `<base href>` the mount path, and passes other paths on.
 */
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  fastifyPlugin,
  honoApp,
  koaMiddleware,
  serve,
  toNodeListener,
  type Api,
  type PageProvider,
} from '../src/index.js';
import { addSampleJobs, apiOf, startScheduler, type Fixture } from './helpers.js';

let fixture: Fixture;
let api: Api;
const closers: (() => Promise<void>)[] = [];

const page: PageProvider = {
  asset: (path) =>
    Promise.resolve(
      path === 'app.css' ? { body: new TextEncoder().encode('body{}'), type: 'text/css' } : null,
    ),
  html: ({ base, csrfToken }) =>
    `<base href="${base}"><meta name="csrf-token" content="${csrfToken}">`,
};

beforeAll(async () => {
  fixture = await startScheduler();
  await addSampleJobs(fixture.scheduler);
  api = apiOf(fixture, { page });
});
afterAll(async () => {
  for (const close of closers) await close();
  await fixture.scheduler.shutdown();
});

/** A promise-returning listener as `createServer` takes one. */
function nodeHandler(
  listener: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => void listener(request, response);
}

/** Listens on 127.0.0.1 with a free port; resolves to the base URL. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Checks an api mounted at `url` (the mount path included), as a browser would use it. */
async function checkMounted(url: string, base: string): Promise<void> {
  const jobs = await fetch(`${url}/api/jobs?q=poll`);
  expect(jobs.status).toBe(200);
  expect(jobs.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(((await jobs.json()) as { total: number }).total).toBe(1);
  const html = await (await fetch(`${url}/`)).text();
  expect(html).toContain(`<base href="${base}">`);
  expect(await (await fetch(`${url}/jobs/poll`)).text()).toContain(`<base href="${base}">`);
  const css = await fetch(`${url}/assets/app.css`);
  expect([css.status, css.headers.get('content-type'), await css.text()]).toEqual([
    200,
    'text/css',
    'body{}',
  ]);
  // An action with a JSON body: the framework must leave the body to the api.
  const origin = new URL(url).origin;
  const reschedule = await fetch(`${url}/api/jobs/poll/reschedule`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', 'x-csrf-token': api.csrfToken },
    body: JSON.stringify({ trigger: { type: 'interval', minutes: 7 } }),
  });
  expect(reschedule.status).toBe(200);
  expect(((await reschedule.json()) as { job: { description: string } }).job.description).toBe(
    'Every 7 minutes',
  );
  const forged = await fetch(`${url}/api/jobs/poll/pause`, {
    method: 'POST',
    headers: { origin: 'https://evil.example', 'x-csrf-token': api.csrfToken },
  });
  expect(forged.status).toBe(403);
  const missing = await fetch(`${url}/api/nowhere`);
  expect([
    missing.status,
    ((await missing.json()) as { error: { code: string } }).error.code,
  ]).toEqual([404, 'not_found']);
}

describe('adapters', () => {
  test('node:http at the root', async () => {
    const url = await listen(createServer(nodeHandler(toNodeListener(api))));
    await checkMounted(url, '/');
  });

  test('Express: app.use(path, toNodeListener(api)), other routes untouched', async () => {
    const app = express();
    app.use(express.json());
    app.get('/health', (_req, res) => void res.send('ok'));
    const url = await listen(createServer(app));
    // Mounted after express.json() to show the order that matters is only for the api's path.
    const mounted = express();
    mounted.use('/ops/kairos', toNodeListener(api));
    mounted.use(express.json());
    mounted.get('/health', (_req, res) => void res.send('ok'));
    const mountedUrl = await listen(createServer(mounted));
    await checkMounted(`${mountedUrl}/ops/kairos`, '/ops/kairos/');
    // Without the trailing slash, the base is still the mount path.
    expect(await (await fetch(`${mountedUrl}/ops/kairos`)).text()).toContain(
      '<base href="/ops/kairos/">',
    );
    expect(await (await fetch(`${mountedUrl}/health`)).text()).toBe('ok');
    expect(await (await fetch(`${url}/health`)).text()).toBe('ok');
  });

  test('Koa: koaMiddleware(api, { prefix })', async () => {
    const app = new Koa();
    app.use(koaMiddleware(api, { prefix: '/kairos' }));
    app.use((ctx) => {
      ctx.body = 'the app';
    });
    const url = await listen(createServer(nodeHandler(app.callback())));
    await checkMounted(`${url}/kairos`, '/kairos/');
    expect(await (await fetch(`${url}/kairos`)).text()).toContain('<base href="/kairos/">');
    expect(await (await fetch(`${url}/kairosx`)).text()).toBe('the app');
    expect(await (await fetch(`${url}/elsewhere`)).text()).toBe('the app');
  });

  test('Fastify: register(fastifyPlugin(api), { prefix }) keeps the body for the api', async () => {
    const app = Fastify();
    app.post('/echo', (request, reply) => reply.send(request.body));
    await app.register(fastifyPlugin(api), { prefix: '/kairos' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await checkMounted(`${url}/kairos`, '/kairos/');
    expect(await (await fetch(`${url}/kairos`)).text()).toContain('<base href="/kairos/">');
    // The application's own routes keep Fastify's JSON parsing.
    const echo = await fetch(`${url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await echo.json()).toEqual({ a: 1 });
  });

  test('Hono: app.route(path, honoApp(api)) and app.mount(path, api.fetch)', async () => {
    const app = new Hono();
    app.get('/', (c) => c.text('the app'));
    app.route('/kairos', honoApp(api));
    app.mount('/mounted', api.fetch);
    const url = await listen(createServer(nodeHandler(getRequestListener(app.fetch))));
    await checkMounted(`${url}/kairos`, '/kairos/');
    expect(await (await fetch(`${url}/kairos`)).text()).toContain('<base href="/kairos/">');
    expect(await (await fetch(`${url}/`)).text()).toBe('the app');
    // Behind mount() the api does not know its path: the base is relative to the page's.
    const mounted = await (await fetch(`${url}/mounted/`)).text();
    expect(mounted).toContain('<base href="./">');
    expect((await fetch(`${url}/mounted/api/jobs`)).status).toBe(200);
  });

  test("Hono: honoApp(api) under an app of Hono's CommonJS build (another copy)", async () => {
    const { Hono: CommonJsHono } = createRequire(import.meta.url)('hono') as { Hono: typeof Hono };
    expect(CommonJsHono).not.toBe(Hono);
    const app = new CommonJsHono();
    app.route('/kairos', honoApp(api));
    const url = await listen(createServer(nodeHandler(getRequestListener(app.fetch))));
    await checkMounted(`${url}/kairos`, '/kairos/');
  });

  test('serve: 127.0.0.1 by default, a URL, close()', async () => {
    const server = await serve(api);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${server.url}/api/meta`)).status).toBe(200);
    // An open event stream does not hold close() up.
    const events = await fetch(`${server.url}/api/events`);
    expect(events.status).toBe(200);
    await server.close();
    await expect(fetch(`${server.url}/api/meta`)).rejects.toThrow();
    await expect(serve(api, { port: 70_000 })).rejects.toThrow(/port/);
  });
});
