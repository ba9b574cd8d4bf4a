/**
 * A page of another origin (another port of 127.0.0.1) that forges the dashboard's actions:
 * an HTML form that POSTs to an action URL, and a script that POSTs with fetch (no-cors, with
 * credentials). What a malicious site open in the operator's browser could do.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The forging site. */
export interface Forger {
  /** The page whose form POSTs to `target` when submitted. */
  formUrl: string;
  /** The page whose script POSTs to `target` with fetch and writes what happened into #result. */
  fetchUrl: string;
  close(): Promise<void>;
}

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Serves the forging pages, aimed at the action URL `target`, on 127.0.0.1:random. */
export async function startForger(target: string): Promise<Forger> {
  const formPage =
    `<!doctype html><title>Win a prize</title>` +
    `<form id="forged" method="POST" action="${escape(target)}">` +
    `<input type="hidden" name="x-csrf-token" value="guessed">` +
    `<button type="submit">Claim</button></form>`;
  const fetchPage =
    `<!doctype html><title>Win a prize</title><p id="result">pending</p>` +
    `<script>` +
    `fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include',` +
    ` headers: { 'content-type': 'text/plain' }, body: 'x' })` +
    `.then(() => { document.getElementById('result').textContent = 'sent'; })` +
    `.catch((error) => { document.getElementById('result').textContent = 'failed: ' + error; });` +
    `</script>`;
  const server: Server = createServer((request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(request.url === '/fetch' ? fetchPage : formPage);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    formUrl: `http://127.0.0.1:${port}/form`,
    fetchUrl: `http://127.0.0.1:${port}/fetch`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
