import { ConfigurationError, parseOptions } from '@kairos/core';
import { TestStoreContext } from '@kairos/testkit';
import { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import {
  kairosPlugin,
  PostgresJobStore,
  postgresJobStoreOptions,
  type PostgresJobStoreOptions,
} from '../src/index.js';

const URL = 'postgres://nobody@127.0.0.1:1/nowhere';

/** The ConfigurationError the constructor throws for `options`. */
function refusal(options: unknown): ConfigurationError {
  try {
    new PostgresJobStore(options as PostgresJobStoreOptions);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error(`options ${JSON.stringify(options)} were accepted`);
}

describe('PostgresJobStore options', () => {
  it('does not connect in the constructor', () => {
    // Port 1 refuses connections: a connecting constructor would fail (asynchronously).
    expect(new PostgresJobStore({ connectionString: URL })).toBeInstanceOf(PostgresJobStore);
  });

  it('needs exactly one of connectionString and pool', async () => {
    const pool = new Pool({ connectionString: URL });
    expect(refusal({}).key).toBe('PostgresJobStore.connectionString');
    expect(refusal({}).message).toMatch(/missing.*connection string.*pool/);
    const both = refusal({ connectionString: URL, pool });
    expect(both.key).toBe('PostgresJobStore.connectionString');
    expect(both.message).toMatch(/cannot be combined with 'pool'/);
    expect(refusal({ pool, poolSize: 4 }).key).toBe('PostgresJobStore.poolSize');
    expect(new PostgresJobStore({ pool })).toBeInstanceOf(PostgresJobStore);
    await pool.end();
  });

  it('refuses a connection string that is not one', () => {
    expect(refusal({ connectionString: '' }).message).toMatch(/empty connection string/);
    expect(refusal({ connectionString: 5432 }).message).toMatch(/5432 is not a connection string/);
  });

  it.each(['not a url', 'mysql://u:s3cret@127.0.0.1:5432/test', 'host=h password=s3cret'])(
    'refuses connection string %j, which pg does not read as a PostgreSQL one',
    (connectionString) => {
      const error = refusal({ connectionString });
      expect(error.key).toBe('PostgresJobStore.connectionString');
      expect(error.message).toMatch(/postgres:\/\/user:password@host:5432\/database/);
      expect(error.message).not.toContain('s3cret');
    },
  );

  it('accepts the Unix-socket forms pg reads', () => {
    for (const connectionString of ['socket:/var/run/postgresql?db=jobs', '/tmp jobs']) {
      expect(new PostgresJobStore({ connectionString })).toBeInstanceOf(PostgresJobStore);
    }
  });

  it('refuses a pool that is not a pg Pool', () => {
    const error = refusal({ pool: { query: () => undefined } });
    expect(error.key).toBe('PostgresJobStore.pool');
    expect(error.message).toMatch(/expected a pg Pool/);
  });

  it.each([
    ['schema', 'public; DROP TABLE users'],
    ['schema', 'my-schema'],
    ['schema', ''],
    ['tableName', '1jobs'],
    ['tableName', 'jobs"; --'],
    ['tableName', 'j'.repeat(64)],
    ['tableName', 'jöbs'],
  ])('refuses %s %j: names reach SQL only as plain identifiers', (key, value) => {
    const error = refusal({ connectionString: URL, [key]: value });
    expect(error.key).toBe(`PostgresJobStore.${key}`);
    expect(error.message).toContain(JSON.stringify(value));
    expect(error.message).toMatch(/not a plain SQL identifier/);
  });

  it('accepts identifiers of up to 63 characters, in any case', () => {
    const options = { connectionString: URL, schema: 'Kairos_2', tableName: 'J'.repeat(63) };
    expect(new PostgresJobStore(options)).toBeInstanceOf(PostgresJobStore);
  });

  it.each([0, -1, 2.5, 'ten', '0'])('refuses poolSize %j', (poolSize) => {
    const error = refusal({ connectionString: URL, poolSize });
    expect(error.key).toBe('PostgresJobStore.poolSize');
    expect(error.message).toMatch(/not an integer ≥ 1/);
  });

  it('refuses an unknown option, listing the known ones', () => {
    const error = refusal({ connectionString: URL, table: 'jobs' });
    expect(error.key).toBe('PostgresJobStore.table');
    expect(error.message).toMatch(/connectionString, pool, schema, tableName, poolSize/);
  });

  it('reads the strings of flat configuration dictionaries', () => {
    const parsed = parseOptions(
      postgresJobStoreOptions,
      { connectionString: URL, poolSize: '4', tableName: 'jobs' },
      'postgres',
    );
    expect(parsed).toEqual({ connectionString: URL, poolSize: 4, tableName: 'jobs' });
  });

  it('registers the alias postgres for kairos, building a store from its options', async () => {
    const plugin = kairosPlugin.jobstores.postgres;
    expect(plugin.options?.safeParse({ connectionString: URL }).success).toBe(true);
    expect(await plugin.create({ connectionString: URL })).toBeInstanceOf(PostgresJobStore);
    expect(() => plugin.create({ connectionString: URL, schema: 'a b' })).toThrow(
      ConfigurationError,
    );
  });

  it('rejects every call before start(), saying what to do', async () => {
    const store = new PostgresJobStore({ connectionString: URL });
    const context = new TestStoreContext();
    await expect(store.lookupJob('a')).rejects.toThrow(
      /"public"\."kairos_jobs" is not started; call start\(\)/,
    );
    await expect(store.addJob(context.job({ id: 'a' }))).rejects.toThrow(/not started/);
    await expect(store.claimDueJobs({ now: 0, limit: 1, advance: () => null })).rejects.toThrow(
      /not started/,
    );
    await store.shutdown();
  });

  it('rejects start() when the server cannot be reached, leaving the store stopped', async () => {
    const store = new PostgresJobStore({ connectionString: URL });
    await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(/ECONNREFUSED/);
    await expect(store.lookupJob('a')).rejects.toThrow(/not started/);
  });
});
