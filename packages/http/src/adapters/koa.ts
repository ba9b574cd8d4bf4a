/**
 * The api as Koa middleware, answering the requests under a path prefix and passing the others
 * on. Koa is not a dependency: the middleware needs only the context's `path`, `req`, `res` and
 * `respond`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Api } from '../interfaces.js';
import { nodeListener } from './node.js';
import { checkPrefix } from './prefix.js';

/** What the middleware reads of a Koa context. */
export interface KoaContextLike {
  /** The request's path, without the query: matched against the middleware's `prefix`. */
  path: string;
  /** Node's request, which the api reads (body included) when the path is under `prefix`. */
  req: IncomingMessage;
  /** Node's response, which the api writes itself when the path is under `prefix`. */
  res: ServerResponse;
  /** Set to false for a request the api answers, so that Koa leaves the response alone. */
  respond?: boolean;
}

/** A Koa middleware function. */
export type KoaMiddleware = (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>;

/** Options of {@link koaMiddleware}. */
export interface KoaMiddlewareOptions {
  /** The path the api answers under, e.g. `/kairos` (its page's `<base href>` is `/kairos/`). Default: the root. */
  prefix?: string;
}

/**
 * The api as Koa middleware: requests under `prefix` are answered (Koa's own response handling
 * is turned off for them), others go to the next middleware. Use it before any body parser.
 *
 * @example
 * app.use(koaMiddleware(api, { prefix: '/kairos' }));
 * @throws HttpOptionError for a prefix that is not a path such as `/kairos`
 */
export function koaMiddleware(api: Api, options: KoaMiddlewareOptions = {}): KoaMiddleware {
  const prefix = checkPrefix(options.prefix ?? '', 'koaMiddleware prefix');
  const listener = nodeListener(api, () => ({ path: prefix, inUrl: true }));
  return async (ctx, next) => {
    if (prefix !== '' && ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) {
      await next();
      return;
    }
    ctx.respond = false;
    await listener(ctx.req, ctx.res);
  };
}
