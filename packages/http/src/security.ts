/**
 * The checks that make the API safe by default: who may ask (`authorize`, Basic auth), and
 * whether an action may run (POST, not read-only, same origin, the CSRF token). Secrets are
 * compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { HttpError } from './errors.js';
import type { BasicAuthCredentials } from './interfaces.js';

/** The Content-Security-Policy of every response: nothing inline, nothing from elsewhere. */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  baseUri: ["'self'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/** A fresh CSRF token: 32 random bytes, base64url. */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Whether two secrets are equal, in time that depends on neither: both are hashed first, so
 * their lengths leak nothing either.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Refuses a request without the Basic credentials (401 with `WWW-Authenticate`), comparing
 * both the user name and the password in full (no early exit on a wrong user name).
 */
export function checkBasicAuth(request: Request, credentials: BasicAuthCredentials): void {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  let username = '';
  let password = '';
  if (match?.[1] !== undefined) {
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  const userOk = sameSecret(username, credentials.username);
  const passwordOk = sameSecret(password, credentials.password);
  if (match === null || !userOk || !passwordOk) {
    throw new HttpError(
      401,
      match === null
        ? 'this API needs HTTP Basic authentication'
        : 'the user name or password is wrong',
      { 'WWW-Authenticate': 'Basic realm="Kairos", charset="UTF-8"' },
    );
  }
}

/**
 * Refuses a request addressed to a host name that is not this API's (403): an IP address,
 * `localhost` (or a name under it) and `allowedHosts` are; `true` allows any. A page of another
 * site can point a name of its own at this server (DNS rebinding); the browser then counts the
 * API as that page's own origin, and only the `Host` header tells the two apart.
 */
export function checkHost(request: Request, allowedHosts: readonly string[] | true): void {
  if (allowedHosts === true) return;
  const host = new URL(request.url).hostname.toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    isIP(host.startsWith('[') ? host.slice(1, -1) : host) !== 0 ||
    allowedHosts.includes(host)
  )
    return;
  throw new HttpError(
    403,
    `this API does not answer requests addressed to ${JSON.stringify(host)}: a page of another site could point that name at it; list the name in the allowedHosts option (kairos dashboard: --allowed-host ${host})`,
  );
}

/**
 * Refuses an action that is not a same-origin request carrying the CSRF token: `Origin` must
 * be the request's own origin, or (without `Origin`) `Sec-Fetch-Site` must be `same-origin`;
 * a request with neither is refused too, as is any `Sec-Fetch-Site` other than `same-origin`.
 * `allowedOrigins` adds origins that count as this one (a TLS-terminating proxy's).
 */
export function checkActionRequest(
  request: Request,
  csrfToken: string,
  allowedOrigins: readonly string[] = [],
): void {
  const origin = request.headers.get('origin');
  const fetchSite = request.headers.get('sec-fetch-site');
  const own = new URL(request.url).origin;
  if (fetchSite !== null && fetchSite !== 'same-origin') {
    throw new HttpError(
      403,
      `a ${fetchSite} request cannot act on jobs (Sec-Fetch-Site: ${fetchSite}); use the dashboard of this origin`,
    );
  }
  if (origin !== null && origin !== own && !allowedOrigins.includes(origin)) {
    throw new HttpError(
      403,
      `a request from origin ${JSON.stringify(origin)} cannot act on jobs; only ${own} can`,
    );
  }
  if (origin === null && fetchSite === null) {
    throw new HttpError(
      403,
      'an action needs a same-origin request: send the Origin header (browsers do) or Sec-Fetch-Site: same-origin',
    );
  }
  const token = request.headers.get('x-csrf-token');
  if (token === null || !sameSecret(token, csrfToken)) {
    throw new HttpError(
      403,
      token === null
        ? 'an action needs the x-csrf-token header (the token is in the page\'s <meta name="csrf-token"> and in GET api/meta)'
        : "the x-csrf-token header does not match this API's token; reload the page",
    );
  }
}
