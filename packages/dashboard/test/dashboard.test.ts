/**
 * createDashboard over a real scheduler, served on 127.0.0.1 by @kairos/http: the page with its
 * token and base, the assets with their content types, and 404 for traversal and unknown files
 * (sent as raw request paths, which `fetch` would have normalised).
 */
import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import { BackgroundScheduler } from 'kairos';
import { serve, type RunningServer } from '@kairos/http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDashboard } from '../src/index.js';

const assetNames = readdirSync(new URL('../dist/ui/assets/', import.meta.url));
const script = assetNames.find((name) => name.endsWith('.js'));

let scheduler: BackgroundScheduler;
let server: RunningServer;
let csrfToken: string;

/** GET `path` exactly as written (no URL normalisation). */
function rawGet(path: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: hostname, port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: String(response.headers['content-type']),
          body,
        }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

beforeAll(async () => {
  scheduler = new BackgroundScheduler({ logger: false, timezone: 'UTC' });
  await scheduler.start({ paused: true });
  const dashboard = createDashboard({ scheduler, csrfToken: 'test-token-0123456789' });
  csrfToken = dashboard.csrfToken;
  server = await serve(dashboard, { port: 0 });
});

afterAll(async () => {
  await server.close();
  await scheduler.shutdown();
});

describe('createDashboard', () => {
  test('serves the page at the mount path with its token and base', async () => {
    const page = await rawGet('/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(csrfToken).toBe('test-token-0123456789');
    expect(page.body).toContain('<meta name="csrf-token" content="test-token-0123456789" />');
    expect(page.body).toContain('<base href="/" />');
    expect(page.body).toContain(`src="./assets/${script}"`);
  });

  test('serves the assets with their content types', async () => {
    const js = await rawGet(`/assets/${script}`);
    expect(js.status).toBe(200);
    expect(js.type).toBe('text/javascript; charset=utf-8');
    expect(js.body.length).toBeGreaterThan(1000);
    const css = assetNames.find((name) => name.endsWith('.css'));
    expect((await rawGet(`/assets/${css}`)).type).toBe('text/css; charset=utf-8');
  });

  test.each([
    '/assets/../../package.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/nothing-here.js',
    '/assets/index.html',
  ])('answers %s with 404, never a file outside assets/', async (path) => {
    const response = await rawGet(path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('"name": "@kairos/dashboard"');
    expect(response.body).not.toContain('<div id="app">');
  });

  test('still answers the JSON API under api/', async () => {
    const meta = await rawGet('/api/meta');
    expect(meta.status).toBe(200);
    expect(JSON.parse(meta.body)).toMatchObject({ readOnly: false, csrfToken });
  });

  test('refuses bad options in the words of createApi', () => {
    expect(() => createDashboard({ scheduler: {} as BackgroundScheduler })).toThrow(/scheduler/);
  });
});
