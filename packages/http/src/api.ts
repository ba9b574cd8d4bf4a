/**
 * `createApi`: the options checked once, the Hono app built, and the api object: a standard
 * Fetch handler and its CSRF token. The adapters reach the app through {@link dispatchOf}, which
 * also tells it where it is mounted.
 */
import { BaseScheduler, silentLogger } from 'kairos';
import { buildApp } from './app.js';
import type { ApiSettings, Mount } from './context.js';
import { HttpOptionError } from './errors.js';
import type { Api, ApiOptions } from './interfaces.js';
import { newCsrfToken } from './security.js';

/** Answers a request, told where the api is mounted. */
export type Dispatch = (request: Request, mount: Mount) => Promise<Response>;

const dispatchers = new WeakMap<Api, Dispatch>();

/** A bare `api.fetch` call: the URL is relative to the mount path, which is not known. */
const UNKNOWN_MOUNT: Mount = { path: null, inUrl: false };

/**
 * Makes the HTTP API of a scheduler: jobs, runs, nodes, live events and actions, safe by
 * default (see docs/http.md). Mount `api.fetch` in any Fetch-based server (Hono, Bun, Deno), or
 * use an adapter: `toNodeListener` (node:http, Express), `koaMiddleware`, `fastifyPlugin`,
 * `serve`.
 *
 * @example
 * const api = createApi({ scheduler, readOnly: true });
 * const server = await serve(api, { port: 8080 }); // http://127.0.0.1:8080/api/jobs
 * @throws HttpOptionError naming a bad option and its value
 */
export function createApi(options: ApiOptions): Api {
  const settings = checkOptions(options);
  const app = buildApp(settings, options);
  const dispatch: Dispatch = async (request, mount) => {
    try {
      return await app.fetch(request, { mount });
    } catch (error) {
      // Hono answers errors through onError; this is for what happens outside it.
      settings.logError('@kairos/http: a request failed', error);
      return new Response(
        JSON.stringify({
          error: {
            status: 500,
            code: 'internal',
            message: 'the request failed on the server; its log says why',
          },
        }),
        {
          status: 500,
          headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
        },
      );
    }
  };
  const api: Api = {
    fetch: (request) => dispatch(request, UNKNOWN_MOUNT),
    csrfToken: settings.csrfToken,
  };
  dispatchers.set(api, dispatch);
  return api;
}

/**
 * @internal The dispatch function of an api made by `createApi`, for the adapters.
 * @throws HttpOptionError when `api` did not come from `createApi`
 */
export function dispatchOf(api: Api): Dispatch {
  const dispatch = dispatchers.get(api);
  if (dispatch === undefined)
    throw new HttpOptionError('api', 'is not an api made by createApi() (or createDashboard())');
  return dispatch;
}

function checkOptions(options: ApiOptions): ApiSettings {
  if (typeof options !== 'object' || options === null)
    throw new HttpOptionError(
      'options',
      `${String(options)} is not an options object such as { scheduler }`,
    );
  const { scheduler } = options;
  if (!(scheduler instanceof BaseScheduler))
    throw new HttpOptionError(
      'scheduler',
      'is missing or not a Kairos scheduler (BackgroundScheduler, BlockingScheduler)',
    );
  const csrfToken = options.csrfToken ?? newCsrfToken();
  if (typeof csrfToken !== 'string' || !/^[A-Za-z0-9._~-]{16,256}$/.test(csrfToken))
    throw new HttpOptionError(
      'csrfToken',
      'must be 16 to 256 characters from A-Z a-z 0-9 . _ ~ - (leave it out for a random one)',
    );
  const { basicAuth } = options;
  if (basicAuth !== undefined) {
    if (
      typeof basicAuth.username !== 'string' ||
      basicAuth.username === '' ||
      basicAuth.username.includes(':')
    )
      throw new HttpOptionError(
        'basicAuth.username',
        `${JSON.stringify(basicAuth.username)} must be a non-empty string without ':'`,
      );
    if (typeof basicAuth.password !== 'string' || basicAuth.password === '')
      throw new HttpOptionError('basicAuth.password', 'must be a non-empty string');
  }
  if (options.authorize !== undefined && typeof options.authorize !== 'function')
    throw new HttpOptionError(
      'authorize',
      'must be a function (request) => boolean | Promise<boolean>',
    );
  const ping = options.pingIntervalSeconds ?? 15;
  if (typeof ping !== 'number' || !(ping > 0) || ping > 3600)
    throw new HttpOptionError(
      'pingIntervalSeconds',
      `${String(ping)} is not a number of seconds from 0 (excluded) to 3600`,
    );
  // As browsers send them: lower case, without the scheme's default port.
  const allowedOrigins = (options.allowedOrigins ?? []).map((origin: unknown) => {
    if (typeof origin !== 'string' || !/^https?:\/\/[^/?#]+$/.test(origin))
      throw new HttpOptionError(
        'allowedOrigins',
        `${JSON.stringify(origin)} is not an origin such as https://jobs.example.com`,
      );
    return new URL(origin).origin;
  });
  const allowedHosts = options.allowedHosts ?? [];
  if (allowedHosts !== true) {
    if (!Array.isArray(allowedHosts))
      throw new HttpOptionError(
        'allowedHosts',
        `${JSON.stringify(allowedHosts)} is not a list of host names (or true for any)`,
      );
    for (const host of allowedHosts) {
      if (typeof host !== 'string' || !/^[a-z0-9.-]+$/i.test(host))
        throw new HttpOptionError(
          'allowedHosts',
          `${JSON.stringify(host)} is not a host name such as jobs.example.com (no scheme, no port)`,
        );
    }
  }
  const page = options.page ?? null;
  if (page !== null && (typeof page.asset !== 'function' || typeof page.html !== 'function'))
    throw new HttpOptionError(
      'page',
      'must have asset(path) and html({ csrfToken, base }) functions',
    );
  return {
    scheduler,
    readOnly: options.readOnly === true,
    showArgs: options.showArgs === true,
    csrfToken,
    page,
    pingIntervalMs: ping * 1000,
    allowedOrigins,
    allowedHosts: allowedHosts === true ? true : allowedHosts.map((host) => host.toLowerCase()),
    logError: errorLog(options),
  };
}

/**
 * Where a 500's error is logged: the `logger` option, else the scheduler's own logger (so it
 * lands where the application's lines do), else, when the scheduler logs nothing
 * (`logger: false`), `console.error`: a 500 tells the client only that the log says why.
 */
function errorLog(options: ApiOptions): (message: string, error: unknown) => void {
  const { logger, scheduler } = options;
  if (logger !== undefined) return (message, error) => logger.error({ err: error }, message);
  return (message, error) => {
    // Read at each failure: a stopped scheduler's logger can be configured again.
    if (scheduler.logger !== silentLogger) scheduler.logger.error({ err: error }, message);
    else console.error(message, error);
  };
}
