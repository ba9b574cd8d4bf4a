/**
 * The api as a Hono app, for `app.route(path, honoApp(api))`: unlike `app.mount(path,
 * api.fetch)`, which strips the path from the request, it tells the api where it is mounted,
 * so the page's `<base href>` is right whether or not the URL ends with a slash.
 */
import { Hono, type Context } from 'hono';
import { routePath } from 'hono/route';
import { dispatchOf } from '../api.js';
import type { Api } from '../interfaces.js';

/**
 * A Hono app that answers every request with the api, for `app.route('/kairos',
 * honoApp(api))`. The mount path is read from the route Hono matched.
 *
 * @example
 * const app = new Hono();
 * app.route('/kairos', honoApp(api));
 */
export function honoApp(api: Api): Hono {
  const dispatch = dispatchOf(api);
  const app = new Hono();
  app.all('/*', (c) => {
    const path = matchedRoute(c).replace(/\/?\*$/, '');
    return dispatch(c.req.raw, { path, inUrl: true });
  });
  return app;
}

/** The route pattern Hono matched (`/kairos/*`). */
function matchedRoute(c: Context): string {
  try {
    return routePath(c);
  } catch {
    // The host app runs another copy of Hono (its CommonJS build, say), whose context this
    // copy's helper cannot read; the request's own getter can.
    return c.req.routePath;
  }
}
