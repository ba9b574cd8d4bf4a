/**
 * The api's Hono app: security headers on every response, authorisation before any route,
 * the routes, 405 for a known path asked with the wrong method, 404 JSON for the rest, and
 * errors turned into `{error: {status, code, message}}` without a stack trace.
 */
import { JobLookupError } from 'kairos';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { ApiEnv, ApiSettings } from './context.js';
import { HttpError } from './errors.js';
import type { ApiOptions } from './interfaces.js';
import { addActionRoutes } from './routes/actions.js';
import { addEventRoutes } from './routes/events.js';
import { addPageRoutes } from './routes/page.js';
import { addReadRoutes } from './routes/reads.js';
import { CONTENT_SECURITY_POLICY, checkBasicAuth, checkHost } from './security.js';

/** The API's paths (as Hono patterns) and the one method each answers. */
const ROUTES: readonly [string, 'GET' | 'POST'][] = [
  ['/api/meta', 'GET'],
  ['/api/jobs', 'GET'],
  ['/api/jobs/:id', 'GET'],
  ['/api/jobs/:id/runs', 'GET'],
  ['/api/jobs/:id/run', 'POST'],
  ['/api/jobs/:id/pause', 'POST'],
  ['/api/jobs/:id/resume', 'POST'],
  ['/api/jobs/:id/remove', 'POST'],
  ['/api/jobs/:id/reschedule', 'POST'],
  ['/api/runs', 'GET'],
  ['/api/runs/in-flight', 'GET'],
  ['/api/nodes', 'GET'],
  ['/api/events', 'GET'],
];

/** Builds the app of one api. */
export function buildApp(settings: ApiSettings, options: ApiOptions): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ getPath: routedPath });
  app.use(
    secureHeaders({
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      // A mounted API must not set HSTS for the whole host it shares.
      strictTransportSecurity: false,
    }),
  );
  app.use(async (c, next) => {
    await next();
    c.res.headers.set('Cache-Control', 'no-store');
  });
  app.use(async (c, next) => {
    checkHost(c.req.raw, settings.allowedHosts);
    if (options.basicAuth !== undefined) checkBasicAuth(c.req.raw, options.basicAuth);
    if (options.authorize !== undefined && (await options.authorize(c.req.raw)) !== true)
      throw new HttpError(401, 'this request is not authorised');
    await next();
  });
  addReadRoutes(app, settings);
  addEventRoutes(app, settings);
  addActionRoutes(app, settings);
  for (const [path, method] of ROUTES) {
    app.all(path, () => {
      throw new HttpError(405, `${path.slice(1)} answers ${method} only`, { Allow: method });
    });
  }
  if (settings.page !== null) addPageRoutes(app, settings, settings.page);
  app.notFound((c) =>
    errorResponse(c, new HttpError(404, `there is no route ${c.req.method} ${c.req.path}`)),
  );
  app.onError((error, c) => {
    if (error instanceof HttpError) return errorResponse(c, error);
    if (error instanceof JobLookupError)
      return errorResponse(
        c,
        new HttpError(404, `there is no job with the id ${JSON.stringify(error.jobId)}`),
      );
    if (error instanceof HTTPException && error.status < 500)
      return errorResponse(c, new HttpError(400, 'the request could not be read'));
    settings.logError(`@kairos/http: ${c.req.method} ${c.req.path} failed`, error);
    return errorResponse(
      c,
      new HttpError(500, 'the request failed on the server; its log says why'),
    );
  });
  return app;
}

function errorResponse(c: Context<ApiEnv>, error: HttpError): Response {
  return c.json(error.toBody(), error.status, error.headers);
}

/**
 * The path Hono routes on: the request's, less the mount path when the adapter left it in the
 * URL (Koa and Fastify do; Express and Hono's `mount` strip it).
 */
function routedPath(request: Request, options?: { env?: unknown }): string {
  const url = request.url;
  const start = url.indexOf('/', url.indexOf('://') + 3);
  const end = url.search(/[?#]/);
  let path = start === -1 ? '/' : url.slice(start, end === -1 ? undefined : end);
  const mount = (options?.env as ApiEnv['Bindings'] | undefined)?.mount;
  if (mount?.inUrl === true && mount.path !== null && mount.path !== '') {
    if (path === mount.path) path = '/';
    else if (path.startsWith(`${mount.path}/`)) path = path.slice(mount.path.length);
  }
  return path === '' ? '/' : path;
}
