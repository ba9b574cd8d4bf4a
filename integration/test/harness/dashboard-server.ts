/**
 * The dashboard on a plain node:http server through @kairos/http's `toNodeListener`, keeping a
 * log of the requests it answered: what the cross-site test checks reached the server and was
 * refused.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeListener, type Api } from '@kairos/http';

/** A request the server answered. */
export interface Answered {
  method: string;
  path: string;
  status: number;
  origin: string | null;
}

/** A running dashboard server with its request log. */
export interface LoggedServer {
  url: string;
  answered: Answered[];
  close(): Promise<void>;
}

/** Serves `api` on 127.0.0.1:random, logging each answered request. */
export async function serveLogged(api: Api): Promise<LoggedServer> {
  const listener = toNodeListener(api);
  const answered: Answered[] = [];
  const server = createServer((request, response) => {
    response.on('finish', () =>
      answered.push({
        method: request.method ?? '',
        path: request.url ?? '',
        status: response.statusCode,
        origin: request.headers.origin ?? null,
      }),
    );
    void listener(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answered,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
