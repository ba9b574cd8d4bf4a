/**
 * Connecting at `start()`: a server, host, database or role that is not there fails with a
 * JobStoreError naming the store and the connection string (without its password), the cause in
 * words and what to do, keeping the driver's error as its `cause`; a pool passed as `pool` gets
 * the same.
 */
import { JobStoreError } from '@kairos/core';
import { TestStoreContext } from '@kairos/testkit';
import { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { POSTGRES_URL, postgresAvailable } from './postgres-server.js';

const available = await postgresAvailable();

/** The server of the tests under another user, database, host or port. */
function variant(change: (url: URL) => void): string {
  const url = new URL(POSTGRES_URL);
  change(url);
  return url.toString();
}

/** What `start()` rejects with, which must be a JobStoreError. */
async function startFailure(store: PostgresJobStore): Promise<JobStoreError> {
  try {
    await store.start(new TestStoreContext(), 'default');
  } catch (error) {
    if (error instanceof JobStoreError) return error;
    throw error;
  }
  await store.shutdown();
  throw new Error('start() succeeded');
}

describe('PostgresJobStore start() when it cannot connect', () => {
  it('says the connection was refused, naming the URL without its password', async () => {
    const url = 'postgres://kairos:s3cret@127.0.0.1:1/test';
    const store = new PostgresJobStore({ connectionString: url });
    const error = await startFailure(store);
    expect(error.message).toMatch(
      /^PostgreSQL job store 'default': cannot connect to postgres:\/\/kairos:\*\*\*@127\.0\.0\.1:1\/test \(connection refused: .*ECONNREFUSED.*\); check that the server is running/,
    );
    expect(error.message).not.toContain('s3cret');
    expect((error.cause as { code?: unknown }).code).toBe('ECONNREFUSED');
    // A failed start leaves the store stopped.
    await expect(store.lookupJob('a')).rejects.toThrow(/not started/);
  });

  it('says a host name is unknown', async () => {
    const store = new PostgresJobStore({ connectionString: 'postgres://u@nosuch.invalid/test' });
    const error = await startFailure(store);
    expect(error.message).toMatch(/cannot connect to postgres:\/\/u@nosuch\.invalid\/test/);
    expect(error.message).toMatch(/\(unknown host 'nosuch\.invalid': .*\); check the host name/);
  });

  it.skipIf(!available)('says a database does not exist and how to create it', async () => {
    const url = variant((parsed) => (parsed.pathname = '/kairos_no_such_db'));
    const error = await startFailure(new PostgresJobStore({ connectionString: url }));
    expect(error.message).toMatch(/^PostgreSQL job store 'default': cannot connect to /);
    expect(error.message).toMatch(
      /\(the database does not exist: database "kairos_no_such_db" does not exist\); create it \(CREATE DATABASE kairos_no_such_db\)/,
    );
    expect((error.cause as { code?: unknown }).code).toBe('3D000');
  });

  it.skipIf(!available)('says authentication failed, hiding the password', async () => {
    const url = variant((parsed) => {
      parsed.username = 'kairos_no_such_role';
      parsed.password = 'hunter2';
    });
    const error = await startFailure(new PostgresJobStore({ connectionString: url }));
    expect(error.message).toMatch(/kairos_no_such_role:\*\*\*@/);
    expect(error.message).toMatch(/\(authentication failed: role "kairos_no_such_role"/);
    expect(error.message).toMatch(/check the user name and password/);
    expect(error.message).not.toContain('hunter2');
  });

  it('explains a given pool that cannot connect, and leaves the pool to its owner', async () => {
    const pool = new Pool({ connectionString: 'postgres://kairos:s3cret@127.0.0.1:1/test' });
    const store = new PostgresJobStore({ pool });
    const error = await startFailure(store);
    expect(error.message).toMatch(
      /^PostgreSQL job store 'default': cannot connect to the server of the given pool \(postgres:\/\/kairos:\*\*\*@127\.0\.0\.1:1\/test\) \(connection refused: /,
    );
    expect(error.message).not.toContain('s3cret');
    expect(pool.listenerCount('error')).toBe(0);
    expect(pool.ended).toBe(false);
    await pool.end();
  });

  it('names the host, port and database of a given pool built without a string', async () => {
    const pool = new Pool({ host: '127.0.0.1', port: 1, database: 'jobs', password: 's3cret' });
    const error = await startFailure(new PostgresJobStore({ pool }));
    expect(error.message).toMatch(
      /cannot connect to the server of the given pool \(host 127\.0\.0\.1, port 1, database jobs\) \(connection refused/,
    );
    expect(error.message).not.toContain('s3cret');
    await pool.end();
  });
});
