/**
 * Connection strings of {@link PostgresJobStore}: which ones `pg` reads as a PostgreSQL server
 * (checked when the store is constructed, so a wrong one fails there and not at `start()`), and
 * how error messages show one, without its password.
 */
import { Client } from 'pg';

/** The forms `pg` reads, as error messages suggest them. */
const FORMS =
  'use a URL: postgres://user:password@host:5432/database (or postgresql://…), or for a Unix ' +
  'socket socket:/var/run/postgresql?db=database';

/**
 * Schemes `pg` connects with as PostgreSQL: the URLs, its `socket:` form, and a path (a Unix
 * socket directory, optionally followed by a space and the database). pg reads any other string
 * as a URL relative to `postgres://base`, so `'not a url'` would connect to a host named `base`.
 */
const POSTGRES_FORM = /^(?:postgres(?:ql)?:\/\/|socket:|\/)/i;

/** A libpq `key=value …` string, which `pg` does not read (it takes it for a relative URL). */
const KEY_VALUE_FORM = /^\s*[a-z_]+\s*=/i;

/**
 * Puts `***` in place of the password of a connection string, for error messages: the one in
 * the URL's user info (up to the last `@` before the path, so an unencoded `@` in a password is
 * covered) and any `password=` parameter or libpq key.
 */
export function redactConnectionString(text: string): string {
  return redactUserInfo(text).replace(
    /(^|[?&\s])(password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^&\s]*)/gi,
    '$1$2***',
  );
}

/** The URL with the password of its user info replaced by `***`. */
function redactUserInfo(text: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0];
  if (scheme === undefined) return text;
  const rest = text.slice(scheme.length);
  const pathStart = rest.search(/[/?#]/);
  const authority = pathStart === -1 ? rest : rest.slice(0, pathStart);
  const at = authority.lastIndexOf('@');
  if (at === -1) return text;
  const colon = authority.indexOf(':');
  if (colon === -1 || colon > at) return text;
  return `${scheme}${authority.slice(0, colon)}:***@${rest.slice(at + 1)}`;
}

/**
 * Why `pg` would not connect to a PostgreSQL server with this string, or undefined when it
 * would. Parses the string as `pg` does (without connecting); the message quotes it without
 * its password.
 */
export function connectionStringProblem(text: string): string | undefined {
  const shown = `'${redactConnectionString(text)}'`;
  if (KEY_VALUE_FORM.test(text)) {
    return (
      `${shown} is a libpq key=value string, which pg does not read; write it as a URL: ` +
      `postgres://user:password@host:5432/database`
    );
  }
  if (!POSTGRES_FORM.test(text)) return `${shown} is not a PostgreSQL connection string; ${FORMS}`;
  try {
    // pg parses the string when a client is made; nothing connects until connect().
    new Client({ connectionString: text });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `${shown} cannot be read: ${reason}; ${FORMS}`;
  }
  return undefined;
}
