import { Pool } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/transaction.js';
import { POSTGRES_URL, postgresAvailable, withAdmin } from './postgres-server.js';

const available = await postgresAvailable();
const serverVersion = available
  ? await withAdmin(async (admin) => {
      const result = await admin.query<{ version: number }>(
        "SELECT current_setting('server_version_num')::int AS version",
      );
      return result.rows[0]?.version ?? 0;
    })
  : 0;

/** Sessions that default to REPEATABLE READ and to JIT on, whatever the server's settings. */
const SESSION_DEFAULTS = encodeURIComponent(
  '-c default_transaction_isolation=repeatable\\ read -c jit=on',
);

describe.skipIf(!available || serverVersion < 110000)('inTransaction', () => {
  // One connection, so the statement after the transaction runs on the same session.
  const pool = new Pool({
    connectionString: `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}options=${SESSION_DEFAULTS}`,
    max: 1,
  });
  afterAll(() => pool.end());

  /** The session's isolation level and JIT setting, read on `query`'s connection. */
  const settings = async (query: Pool['query'] | ((text: string) => Promise<unknown>)) => {
    const result = (await query(
      "SELECT current_setting('transaction_isolation') AS isolation, current_setting('jit') AS jit",
    )) as { rows: { isolation: string; jit: string }[] };
    return result.rows[0];
  };

  it('works at READ COMMITTED without JIT, and leaves the session as it was', async () => {
    const inside = await inTransaction(pool, (client) => settings((text) => client.query(text)));
    expect(inside).toEqual({ isolation: 'read committed', jit: 'off' });
    expect(await settings((text) => pool.query(text))).toEqual({
      isolation: 'repeatable read',
      jit: 'on',
    });
  });

  it('rolls back what the work wrote when it throws', async () => {
    await pool.query('CREATE TEMP TABLE IF NOT EXISTS written (n int)');
    await expect(
      inTransaction(pool, async (client) => {
        await client.query('INSERT INTO written VALUES (1)');
        throw new RangeError('work failed');
      }),
    ).rejects.toThrow('work failed');
    const count = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM written');
    expect(count.rows[0]?.n).toBe(0);
  });
});
