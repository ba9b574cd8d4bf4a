/** The path prefix an adapter mounts the api under, checked. */
import { HttpOptionError } from '../errors.js';

/**
 * `''` for the root, else the prefix without its trailing slash (`/kairos/` → `/kairos`).
 * @throws HttpOptionError for a prefix that is not a path such as `/kairos`
 */
export function checkPrefix(prefix: string, option: string): string {
  if (
    typeof prefix !== 'string' ||
    (prefix !== '' && !/^\/[A-Za-z0-9\-._~/!$()*+,;=:@%]*$/.test(prefix))
  )
    throw new HttpOptionError(option, `${JSON.stringify(prefix)} is not a path such as '/kairos'`);
  return prefix.replace(/\/+$/, '');
}
