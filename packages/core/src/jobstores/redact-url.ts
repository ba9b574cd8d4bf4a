/**
 * A connection string with its password hidden, for messages: every store and the CLI quote the
 * URL they could not use, and none may print a password.
 */

/**
 * Puts `***` in place of a connection string's password: the one in the URL's user info (up to
 * the last `@` before the path, so an unencoded `@` in a password is covered) and any
 * `password=` parameter. A string without either is returned as it is.
 *
 * @example
 * redactUrl('postgres://app:s3cret@db/app'); // 'postgres://app:***@db/app'
 */
export function redactUrl(text: string): string {
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
