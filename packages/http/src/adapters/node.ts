/**
 * The api on Node's own HTTP server: `toNodeListener` (node:http, and Express through
 * `app.use(path, listener)`) and `serve`, a server of its own on 127.0.0.1. Requests and
 * responses are converted by @hono/node-server's `getRequestListener`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { dispatchOf } from '../api.js';
import type { Mount } from '../context.js';
import { HttpOptionError } from '../errors.js';
import type { Api } from '../interfaces.js';

/** A `(req, res)` handler for `http.createServer` or Express's `app.use`. */
export type NodeListener = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * The api as a Node request listener. Mounted in Express (`app.use('/kairos', listener)`), it
 * reads the mount path from Express's `req.baseUrl`, so the page's `<base href>` is
 * `/kairos/`; on a bare `http.createServer(listener)` the api sits at the root. Mount it
 * before any body parser (`express.json()` would consume the body of an action).
 *
 * @example
 * http.createServer(toNodeListener(api)).listen(8080, '127.0.0.1');
 * app.use('/kairos', toNodeListener(api)); // Express
 */
export function toNodeListener(api: Api): NodeListener {
  return nodeListener(api, (incoming) => {
    // Express strips its mount path from `req.url` and keeps it in `req.baseUrl`.
    const baseUrl = (incoming as { baseUrl?: unknown }).baseUrl;
    return { path: typeof baseUrl === 'string' ? baseUrl : '', inUrl: false };
  });
}

/** @internal A Node listener that dispatches with the mount a function reads off the request. */
export function nodeListener(
  api: Api,
  mountOf: (incoming: IncomingMessage) => Mount,
): NodeListener {
  const dispatch = dispatchOf(api);
  return getRequestListener((request, env) =>
    dispatch(request, mountOf(env.incoming as IncomingMessage)),
  );
}

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The port; 0 (the default) picks a free one, which `url` then shows. */
  port?: number;
  /** The address to listen on. Default `127.0.0.1`: reachable from this machine only. */
  host?: string;
}

/** A running server of {@link serve}. */
export interface RunningServer {
  /** Its base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Stops it: no new connections, open ones (event streams too) closed. */
  close(): Promise<void>;
}

/**
 * Serves the api on a server of its own, on 127.0.0.1 unless `host` says otherwise.
 *
 * @example
 * const server = await serve(api, { port: 8080 });
 * console.log(`${server.url}/api/jobs`);
 * await server.close();
 * @throws HttpOptionError for a bad port; the server's own error when it cannot listen
 */
export async function serve(api: Api, options: ServeOptions = {}): Promise<RunningServer> {
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new HttpOptionError('port', `${String(port)} is not a port number from 0 to 65535`);
  if (typeof host !== 'string' || host === '')
    throw new HttpOptionError('host', `${JSON.stringify(host)} is not a host name or address`);
  const listener = toNodeListener(api);
  const server = createServer((request, response) => void listener(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
