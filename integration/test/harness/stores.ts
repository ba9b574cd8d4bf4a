/**
 * The three persistent stores under test, each on storage of its own per test (a temporary
 * directory of SQLite files, a PostgreSQL schema, a Redis key prefix), so test files and
 * concurrent tests never share jobs; plus a run log beside it that worker processes append to
 * and the test reads back, and direct reads of what the store holds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverAvailable } from '@kairos/testkit';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { RunLogSpec, StoreSpec } from './worker.js';

export const POSTGRES_URL =
  process.env['KAIROS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env['KAIROS_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

/** The stores with a server or file this package tests. (MongoDB has no server here.) */
export type StoreKind = 'sqlite' | 'postgres' | 'redis';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres', 'redis'];

/** The SQLite store's documented default poll interval (seconds). */
export const SQLITE_POLL_INTERVAL = 1;

/**
 * Which stores can be tested: SQLite always; PostgreSQL and Redis when their server answers
 * (otherwise one loud skip line each, or a failure under CI=true).
 */
export async function availableStores(): Promise<Record<StoreKind, boolean>> {
  const [postgres, redis] = await Promise.all([
    serverAvailable('PostgreSQL', POSTGRES_URL, async () => {
      const client = new pg.Client({
        connectionString: POSTGRES_URL,
        connectionTimeoutMillis: 3000,
      });
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    }),
    serverAvailable('Redis', REDIS_URL, async () => {
      const client = new Redis(REDIS_URL, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 3000,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
      } finally {
        client.disconnect();
      }
    }),
  ]);
  return { sqlite: true, postgres, redis };
}

/** One row of the run log: a run of `jobId` for `scheduled`, started at `at` by process `pid`. */
export interface LoggedRun {
  jobId: string;
  scheduled: number;
  pid: number;
  at: number;
}

/** A job as the store holds it, read without a scheduler. */
export interface StoredJob {
  id: string;
  nextRunTime: number | null;
}

/** A store on storage of its own, with its run log. */
export interface TestStore {
  readonly kind: StoreKind;
  /** For a worker's role. */
  readonly spec: StoreSpec;
  /** For a worker's role. */
  readonly runLog: RunLogSpec;
  /** Every run appended to the run log so far. */
  readLog(): Promise<LoggedRun[]>;
  /** The jobs in the store (id and the authoritative next run time), by id. */
  readJobs(): Promise<StoredJob[]>;
  /** Removes everything the test created. */
  cleanup(): Promise<void>;
}

function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** A fresh store of `kind`; `label` names its storage (a-z, 0-9, _). */
export async function createTestStore(kind: StoreKind, label: string): Promise<TestStore> {
  switch (kind) {
    case 'sqlite':
      return createSqliteStore(label);
    case 'postgres':
      return createPostgresStore(label);
    case 'redis':
      return createRedisStore(label);
  }
}

async function createSqliteStore(label: string): Promise<TestStore> {
  const directory = await mkdtemp(join(tmpdir(), `kairos-it-${label}-`));
  const jobsPath = join(directory, 'jobs.sqlite');
  const logPath = join(directory, 'runs.sqlite');
  // The run log is a database of its own, in WAL mode so writers from several processes only
  // wait for each other briefly (they open it with a busy timeout).
  const log = new Database(logPath);
  log.pragma('journal_mode = WAL');
  log.exec(
    'CREATE TABLE runs (job_id TEXT NOT NULL, scheduled INTEGER NOT NULL, pid INTEGER NOT NULL, at INTEGER NOT NULL)',
  );
  log.close();
  return {
    kind: 'sqlite',
    spec: { type: 'sqlite', path: jobsPath },
    runLog: { type: 'sqlite', path: logPath },
    readLog: () => {
      const database = new Database(logPath, { readonly: true, timeout: 10_000 });
      try {
        return Promise.resolve(
          database
            .prepare<[], LoggedRun>(
              'SELECT job_id AS jobId, scheduled, pid, at FROM runs ORDER BY scheduled, job_id',
            )
            .all(),
        );
      } finally {
        database.close();
      }
    },
    readJobs: () => {
      const database = new Database(jobsPath, { readonly: true, timeout: 10_000 });
      try {
        return Promise.resolve(
          database
            .prepare<[], StoredJob>(
              'SELECT id, next_run_time AS nextRunTime FROM kairos_jobs ORDER BY id',
            )
            .all(),
        );
      } finally {
        database.close();
      }
    },
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}

/** Runs `action` on a new connection to the test database. */
export async function withPostgres<T>(action: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await action(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createPostgresStore(label: string): Promise<TestStore> {
  // A schema per test: the store creates its tables in it, the run log lives beside them, and
  // DROP SCHEMA … CASCADE removes it all.
  const schema = `kairos_it_${label}_${uniqueSuffix()}`;
  const runsTable = `"${schema}"."runs"`;
  await withPostgres(async (client) => {
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(
      `CREATE TABLE ${runsTable} (job_id TEXT NOT NULL, scheduled BIGINT NOT NULL, pid INTEGER NOT NULL, at BIGINT NOT NULL)`,
    );
  });
  return {
    kind: 'postgres',
    spec: { type: 'postgres', connectionString: POSTGRES_URL, schema },
    runLog: { type: 'postgres', connectionString: POSTGRES_URL, table: runsTable },
    readLog: () =>
      withPostgres(async (client) => {
        const result = await client.query<{
          jobId: string;
          scheduled: string;
          pid: number;
          at: string;
        }>(
          `SELECT job_id AS "jobId", scheduled, pid, at FROM ${runsTable} ORDER BY scheduled, job_id`,
        );
        return result.rows.map((row) => ({
          jobId: row.jobId,
          scheduled: Number(row.scheduled),
          pid: row.pid,
          at: Number(row.at),
        }));
      }),
    readJobs: () =>
      withPostgres(async (client) => {
        const result = await client.query<{ id: string; next_run_time: number | null }>(
          `SELECT id, next_run_time FROM "${schema}"."kairos_jobs" ORDER BY id`,
        );
        return result.rows.map((row) => ({
          id: row.id,
          nextRunTime: row.next_run_time === null ? null : Number(row.next_run_time),
        }));
      }),
    cleanup: () =>
      withPostgres(async (client) => {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }),
  };
}

/** Runs `action` on a new connection to the test Redis database. */
export async function withRedis<T>(action: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await action(client);
  } finally {
    client.disconnect();
  }
}

function createRedisStore(label: string): TestStore {
  const suffix = uniqueSuffix();
  const keyPrefix = `kairos-it:${label}:${suffix}:`;
  // Outside the store's prefix: every key under it is the store's (its run ledger has `runs`).
  const logKey = `kairos-it-log:${label}:${suffix}`;
  return {
    kind: 'redis',
    spec: { type: 'redis', url: REDIS_URL, keyPrefix },
    runLog: { type: 'redis', url: REDIS_URL, key: logKey },
    readLog: () =>
      withRedis(async (client) => {
        const entries = await client.lrange(logKey, 0, -1);
        return entries.map((entry) => {
          const [jobId, scheduled, pid, at] = JSON.parse(entry) as [string, number, number, number];
          return { jobId, scheduled, pid, at };
        });
      }),
    readJobs: () =>
      withRedis(async (client) => {
        const [ids, scores] = await Promise.all([
          client.hkeys(`${keyPrefix}jobs`),
          client.zrange(`${keyPrefix}run_times`, 0, -1, 'WITHSCORES'),
        ]);
        const times = new Map<string, number>();
        for (let i = 0; i + 1 < scores.length; i += 2) {
          times.set(scores[i] ?? '', Number(scores[i + 1]));
        }
        return ids.sort().map((id) => ({ id, nextRunTime: times.get(id) ?? null }));
      }),
    cleanup: () =>
      withRedis(async (client) => {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await client.del(...keys);
        } while (cursor !== '0');
        await client.del(logKey);
      }),
  };
}
