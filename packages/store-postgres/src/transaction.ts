/**
 * One transaction on one pooled connection, rolled back when the work throws and the
 * connection discarded when it broke.
 */
import { JobStoreError } from '@kairos/core';
import type { Pool, PoolClient } from 'pg';

/**
 * What opens every transaction of the store, in one round trip: READ COMMITTED whatever the
 * server's default, and no JIT compilation for the transaction (PostgreSQL 11 or later; older
 * servers have none). The store's statements touch few rows each, but a set-based one over
 * hundreds of jobs (the history trim of `finishMany`), or any on a table without statistics
 * yet, can be estimated past `jit_above_cost`, and compiling it then takes 25–100 ms, several
 * times what running it does.
 */
const BEGIN =
  'BEGIN ISOLATION LEVEL READ COMMITTED; ' +
  "SELECT set_config('jit', 'off', true) WHERE current_setting('server_version_num')::int >= 110000";

/**
 * Runs `work` between BEGIN and COMMIT on a connection of `pool`, at READ COMMITTED whatever
 * the server's default: each statement then sees what was committed before it started, which
 * the store's locking relies on (a count after taking a lock sees the writes of the lock's
 * previous holder; a REPEATABLE READ snapshot, taken before the wait, would not). JIT is off
 * inside (see {@link BEGIN}).
 * @returns what `work` returned, once committed
 * @throws what `work` or the database threw (after a rollback)
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A checked-out connection has no error listener of the pool's: an error arriving between
  // two queries (the server shut down) would otherwise be an unhandled 'error' event.
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query(BEGIN);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (broken === undefined) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken =
          rollbackError instanceof Error
            ? rollbackError
            : new JobStoreError(
                `PostgreSQL job store: ROLLBACK failed with ${String(rollbackError)}; the ` +
                  `connection is closed instead of going back to the pool`,
              );
      }
    }
    throw error;
  } finally {
    client.removeListener('error', onError);
    // Releasing with an error makes the pool close the connection instead of reusing it.
    client.release(broken);
  }
}
