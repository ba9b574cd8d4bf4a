/**
 * The errors of @kairos/http: {@link HttpError}, what a route throws to answer with an error
 * status and a message for the client, and {@link HttpOptionError} for a bad `createApi` or
 * adapter option.
 */
import type { ErrorBody, ErrorCode } from './interfaces.js';

const CODES: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  500: 'internal',
};

/**
 * An answer with an error status: its message goes to the client as is, so it must say what
 * was wrong with the request (the parameter and the value), never how the server failed.
 */
export class HttpError extends Error {
  /** The HTTP status: 400, 401, 403, 404, 405 or 500. */
  readonly status: 400 | 401 | 403 | 404 | 405 | 500;
  /** Extra response headers (`WWW-Authenticate`, `Allow`). */
  readonly headers: Record<string, string>;

  constructor(
    status: 400 | 401 | 403 | 404 | 405 | 500,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }

  /** The `{error: {status, code, message}}` body. */
  toBody(): ErrorBody {
    return {
      error: { status: this.status, code: CODES[this.status] ?? 'internal', message: this.message },
    };
  }
}

/** A `createApi` or adapter option is invalid: the message names the option and the value. */
export class HttpOptionError extends Error {
  /** The option at fault, e.g. `basicAuth.password`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`@kairos/http option ${option}: ${problem}`);
    this.name = 'HttpOptionError';
    this.option = option;
  }
}
