/**
 * Connection strings of {@link PostgresJobStore}: which ones `pg` reads as a PostgreSQL server
 * (checked when the store is constructed, so a wrong one fails there and not at `start()`).
 * Messages show one without its password (`redactUrl` of the store toolkit).
 */
import { redactUrl } from '@kairos/core';
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
 * Why `pg` would not connect to a PostgreSQL server with this string, or undefined when it
 * would. Parses the string as `pg` does (without connecting); the message quotes it without
 * its password.
 */
export function connectionStringProblem(text: string): string | undefined {
  const shown = `'${redactUrl(text)}'`;
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
