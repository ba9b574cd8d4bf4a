/**
 * The page routes, when a {@link PageProvider} is given: `assets/*` from its `asset()`, and the
 * HTML document for the mount path and every other GET path without a file extension outside
 * `api/` (the page's own routes, such as `jobs/report`), with `<base href>` set so that the
 * page's relative URLs resolve under the mount path.
 */
import type { Context, Hono } from 'hono';
import type { ApiEnv, ApiSettings, Mount } from '../context.js';
import { HttpError } from '../errors.js';
import type { PageProvider } from '../interfaces.js';

/** Adds the page routes to the api's app. */
export function addPageRoutes(app: Hono<ApiEnv>, settings: ApiSettings, page: PageProvider): void {
  app.get('/assets/*', async (c) => {
    const path = pathAfter(c, '/assets/');
    if (path === '' || path.split('/').some((part) => part === '..' || part === '.' || part === ''))
      throw new HttpError(404, `there is no asset ${JSON.stringify(path)}`);
    const asset = await page.asset(path);
    if (asset === null) throw new HttpError(404, `there is no asset ${JSON.stringify(path)}`);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': asset.type });
  });

  app.get('*', async (c, next) => {
    const path = pathAfter(c, '/');
    if (path === 'api' || path.startsWith('api/') || /\.[^/]*$/.test(path)) return next();
    const base = baseHref(c.env.mount, path);
    return c.html(page.html({ csrfToken: settings.csrfToken, base }));
  });
}

/** The routed path after `prefix`, decoded. */
function pathAfter(c: Context<ApiEnv>, prefix: string): string {
  const path = c.req.path;
  const rest = path.startsWith(prefix) ? path.slice(prefix.length) : '';
  try {
    return decodeURIComponent(rest);
  } catch {
    throw new HttpError(404, `there is no page at ${JSON.stringify(path)}`);
  }
}

/**
 * The document's `<base href>`: the mount path and `/` when the adapter told it; otherwise
 * relative to the page's own path (`./`, `../`), which resolves right when the page was
 * opened with the trailing slash of its mount path.
 */
export function baseHref(mount: Mount, path: string): string {
  if (mount.path !== null) return `${encodePath(mount.path)}/`;
  const depth = path.split('/').length - 1;
  return depth === 0 ? './' : '../'.repeat(depth);
}

/** A mount path with everything but path characters percent-encoded (it goes into HTML). */
function encodePath(path: string): string {
  return path.replace(/[^A-Za-z0-9\-._~/!$()*+,;=:@%]/g, (char) => encodeURIComponent(char));
}
