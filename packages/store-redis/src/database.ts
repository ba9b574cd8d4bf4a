/**
 * Explaining a database the server refuses: `SELECT <db>` of a URL's database fails when the
 * server has fewer databases (its `databases` setting, 16 by default) or the user may not
 * SELECT. The connections the store opens never fall back to database 0 (see
 * `OWNED_CONNECTION_OPTIONS`); this says why `start()` failed and what to do.
 */
import type { Redis } from 'ioredis';
import { noop } from './connection.js';

/**
 * Explains the server's refusal of the database of `client`, for an error message: the
 * database, the server's answer and, when the server tells it (`CONFIG GET databases`), which
 * databases it has.
 */
export async function explainRefusedDatabase(client: Redis, refusal: Error): Promise<string> {
  const database = client.options.db ?? 0;
  const refused = `the server refused database ${database} (${refusal.message})`;
  const count = await countDatabases(client);
  if (count !== null && database >= count) {
    return (
      `${refused}; it has databases 0 to ${count - 1}: use one of those, or raise ` +
      `'databases' in the server's configuration`
    );
  }
  return `${refused}; use a database the server has and the user may select`;
}

/**
 * How many databases the server of `client` has (`CONFIG GET databases`), asked on a short-lived
 * connection to database 0 that runs nothing else; null when it cannot tell (CONFIG is often
 * not allowed on managed servers).
 */
async function countDatabases(client: Redis): Promise<number | null> {
  const probe = client.duplicate({
    db: 0,
    lazyConnect: true,
    retryStrategy: () => null,
    reconnectOnError: null,
  });
  // A failure here only leaves the count out of the message.
  probe.on('error', noop);
  try {
    await probe.connect();
    const reply: unknown = await probe.config('GET', 'databases');
    const count = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
    return Number.isInteger(count) && count > 0 ? count : null;
  } catch {
    return null;
  } finally {
    probe.disconnect();
  }
}
