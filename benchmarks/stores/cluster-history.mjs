// The history-query measurement of the cluster benchmark (issue 16), run by cluster.mjs
// (`history <store> <rows>`): the store's ledger filled with <rows> finished runs in its own
// layout (cluster-runs.mjs), then its history reads timed on random jobs, each answer checked.
import path from 'node:path';

import { compareRuns } from '@kairos/core';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';

import { backend, POSTGRES_URL, REDIS_URL, startedStore } from './backends.mjs';
import {
  fillMongoRuns,
  fillPostgresRuns,
  fillRedisRuns,
  fillSqliteRuns,
  historyPlan,
  jobId,
  newestRunIds,
} from './cluster-runs.mjs';
import { clearEverything, mongoBackend } from './cluster-stores.mjs';

/** Warm-up queries before the timed ones, per kind. */
const WARMUP_QUERIES = 20;
/** Where backends.mjs keeps things (its names, for the fills that bypass the stores). */
const TABLE = 'kairos_jobs';
const PG_SCHEMA = 'kairos_bench';
const REDIS_PREFIX = 'kairos-bench:';

/** Nearest-rank quantile of sorted numbers. */
function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The store `storeName` as the history workload uses it: a backend, and its run-row fill. */
async function historyBackend(storeName) {
  if (storeName === 'mongodb') {
    const b = await mongoBackend();
    if (b.reason !== undefined) throw new Error(`MongoDB not measured: ${b.reason}`);
    return {
      b,
      fill: async (plan) => {
        const { runs, close } = await b.runsCollection();
        try {
          await fillMongoRuns(runs, plan);
        } finally {
          await close();
        }
      },
      plan: async () => null,
    };
  }
  const b = backend(storeName);
  if (storeName === 'sqlite') {
    // backends.mjs's store file, in the run's temporary directory.
    const file = path.join(process.env.KAIROS_BENCH_DIR ?? '.', 'jobs.sqlite');
    return {
      b,
      fill: async (plan) => {
        const database = new Database(file);
        try {
          database.pragma('journal_mode = WAL');
          database.pragma('synchronous = NORMAL');
          fillSqliteRuns(database, TABLE, plan);
        } finally {
          database.close();
        }
      },
      plan: async (job) => {
        const database = new Database(file, { readonly: true });
        try {
          return database
            .prepare(
              `EXPLAIN QUERY PLAN SELECT row FROM "${TABLE}_runs" WHERE job_id = ? ` +
                `ORDER BY scheduled_run_time DESC, id DESC LIMIT 21`,
            )
            .all(job)
            .map((step) => step.detail)
            .join('; ');
        } finally {
          database.close();
        }
      },
    };
  }
  if (storeName === 'postgres') {
    const runsTable = `"${PG_SCHEMA}"."${TABLE}_runs"`;
    const withClient = async (work) => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    };
    return {
      b,
      fill: (plan) => withClient((client) => fillPostgresRuns(client, runsTable, plan)),
      // The store's history statement for a job (ledger-statements.ts), explained.
      plan: (job) =>
        withClient(async (client) => {
          const explained = await client.query(
            `EXPLAIN (ANALYZE, BUFFERS) SELECT lease_until AS "leaseUntil", document ` +
              `FROM ${runsTable} WHERE job_id = $1 ` +
              `ORDER BY scheduled_run_time DESC, id DESC LIMIT 21`,
            [job],
          );
          return explained.rows.map((row) => row['QUERY PLAN'].trim()).join('; ');
        }),
    };
  }
  if (storeName === 'redis') {
    return {
      b,
      fill: async (plan) => {
        const client = new Redis(REDIS_URL);
        try {
          await fillRedisRuns(client, REDIS_PREFIX, plan);
        } finally {
          client.disconnect();
        }
      },
      plan: async () => 'ZREVRANGEBYLEX on the job’s sorted set, then HMGET of the rows',
    };
  }
  throw new Error(`no history fill for store ${storeName}`);
}

/**
 * Fills store `storeName` with `rowsWanted` finished runs and times `queries` calls of each
 * history read; removes everything afterwards. The result: fill time, p50 / p99 / max in ms per
 * read, and the plan of the job query.
 */
export async function history(storeName, rowsWanted, queries) {
  const { b, fill, plan: explain } = await historyBackend(storeName);
  await clearEverything(storeName);
  // The store's start() makes its tables (schema version 2), as in a real store.
  const made = await startedStore(b);
  await made.stop();

  const plan = historyPlan(rowsWanted);
  const filling = performance.now();
  await fill(plan);
  const fillSeconds = (performance.now() - filling) / 1000;

  const { store, context, stop } = await startedStore(b);
  try {
    const { ledger } = store;
    if (ledger === undefined) throw new Error(`the ${storeName} store has no run ledger`);
    // A fixed sequence of random jobs (xorshift), the same in every store.
    let seed = 0x2545f491;
    const randomJob = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % plan.jobs;
    };
    const expectIds = (rows, ids, what) => {
      const got = rows.map((row) => row.id);
      if (got.join() !== ids.join()) {
        throw new Error(`${what}: ${got.slice(0, 3)}… ≠ expected ${ids.slice(0, 3)}…`);
      }
      for (let i = 1; i < rows.length; i++) {
        if (compareRuns(rows[i - 1], rows[i]) >= 0) throw new Error(`${what}: out of order`);
      }
    };
    const kinds = {
      // The target: the last 20 runs of a job.
      job: async () => {
        const j = randomJob();
        const rows = await ledger.getRuns({ jobId: jobId(j), limit: 20 });
        expectIds(rows, newestRunIds(plan, j, 20), `getRuns job ${j}`);
      },
      // The next page of it (keyset `after` the 20th).
      jobPage2: async () => {
        const j = randomJob();
        const [last] = (await ledger.getRuns({ jobId: jobId(j), limit: 20 })).slice(-1);
        const began = performance.now();
        const rows = await ledger.getRuns({ jobId: jobId(j), limit: 20, after: last });
        const ms = performance.now() - began;
        expectIds(rows, newestRunIds(plan, j, 20, 20), `getRuns job ${j} page 2`);
        return ms;
      },
      // A job's failed runs (2 % of its runs: the filter reads past the others).
      jobErrors: async () => {
        const j = randomJob();
        const rows = await ledger.getRuns({ jobId: jobId(j), outcomes: ['error'], limit: 20 });
        if (rows.some((row) => row.outcome !== 'error' || row.jobId !== jobId(j))) {
          throw new Error(`getRuns job ${j} errors: another run came back`);
        }
      },
      // The last 20 runs of every job together.
      all: async () => {
        const rows = await ledger.getRuns({ limit: 20 });
        if (rows.length !== 20) throw new Error(`getRuns all: ${rows.length} rows`);
      },
      // getJob(id).lastRun for a page of 100 jobs.
      lastRuns100: async () => {
        const ids = Array.from({ length: 100 }, () => jobId(randomJob()));
        const last = await ledger.lastRuns(ids);
        if (last.size !== new Set(ids).size) throw new Error(`lastRuns: ${last.size} found`);
      },
    };
    const milliseconds = {};
    for (const [name, query] of Object.entries(kinds)) {
      for (let i = 0; i < WARMUP_QUERIES; i++) await query();
      const samples = [];
      for (let i = 0; i < queries; i++) {
        const began = performance.now();
        const inner = await query();
        samples.push(typeof inner === 'number' ? inner : performance.now() - began);
      }
      samples.sort((x, y) => x - y);
      milliseconds[name] = {
        p50: quantile(samples, 0.5),
        p99: quantile(samples, 0.99),
        max: samples[samples.length - 1],
      };
    }
    if (context.unrestorable > 0) throw new Error(`${context.unrestorable} jobs unrestorable`);
    return {
      rows: plan.rows,
      jobs: plan.jobs,
      queries,
      fillSeconds,
      milliseconds,
      plan: await explain(jobId(randomJob())),
    };
  } finally {
    await stop();
    await clearEverything(storeName);
  }
}
