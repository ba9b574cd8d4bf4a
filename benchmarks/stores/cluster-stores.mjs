// The stores of the cluster benchmark (issue 16): the backends of backends.mjs, a store with its
// run ledger hidden ("leases off"), removing everything a run wrote (jobs, runs and nodes), and
// MongoDB, measured only when KAIROS_BENCH_MONGODB_URL is set.
import { Redis } from 'ioredis';

import { BACKENDS, REDIS_URL } from './backends.mjs';

/** The key prefix of backends.mjs's Redis store: everything under it is the benchmark's. */
const REDIS_PREFIX = 'kairos-bench:';
/** MongoDB database and jobs collection of the benchmark (the ledger's sit beside it). */
const MONGO_DATABASE = 'kairos_bench';
const MONGO_COLLECTION = 'jobs';

/** The MongoDB server to measure, or undefined (then MongoDB is left out, saying why). */
export const MONGODB_URL = process.env.KAIROS_BENCH_MONGODB_URL || undefined;

/**
 * The same store without its run ledger: every JobStore member is forwarded (methods bound to
 * the store, so its private fields work) except `ledger`, which reads as absent. A scheduler
 * given it claims without run rows, keeps no history and counts `maxInstances` per process, as
 * before issue 16: the "leases and history off" side of the cost measurement.
 */
export function withoutLedger(store) {
  const bound = new Map();
  return new Proxy(store, {
    get(target, key) {
      if (key === 'ledger') return undefined;
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(key);
      if (method === undefined) {
        method = value.bind(target);
        bound.set(key, method);
      }
      return method;
    },
    has(target, key) {
      return key !== 'ledger' && Reflect.has(target, key);
    },
  });
}

/**
 * Removes everything the benchmark stored in backend `name`: backends.mjs's `clear` (the SQLite
 * file, the PostgreSQL schema), and for Redis every key under the prefix (its `clear` predates
 * the ledger and knows only the jobs' keys; the runs' keys are per job).
 */
export async function clearEverything(name) {
  if (name === 'mongodb') return clearMongo();
  await BACKENDS[name].clear();
  if (name !== 'redis') return;
  const client = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/**
 * `@kairos/store-mongodb` and the `mongodb` driver, or the reason they cannot be loaded (they
 * are not dependencies of `@kairos/benchmarks`, whose other stores are).
 */
export async function loadMongo() {
  try {
    const [{ MongoJobStore }, { MongoClient }] = await Promise.all([
      import('@kairos/store-mongodb'),
      import('mongodb'),
    ]);
    return { MongoJobStore, MongoClient };
  } catch (error) {
    return {
      reason:
        `${error instanceof Error ? error.message : String(error)} (add @kairos/store-mongodb ` +
        `and mongodb to benchmarks/package.json)`,
    };
  }
}

/** The MongoDB backend, shaped like backends.mjs's (without `fill`: only run rows are filled). */
export async function mongoBackend() {
  if (MONGODB_URL === undefined) return { reason: 'KAIROS_BENCH_MONGODB_URL is not set' };
  const loaded = await loadMongo();
  if (loaded.reason !== undefined) return loaded;
  return {
    label: 'MongoDB',
    createStore: () => ({
      store: new loaded.MongoJobStore({
        url: MONGODB_URL,
        database: MONGO_DATABASE,
        collection: MONGO_COLLECTION,
      }),
      close: () => {},
    }),
    /** The collection of run documents, on a client of its own; `close` it after use. */
    async runsCollection() {
      const client = new loaded.MongoClient(MONGODB_URL);
      await client.connect();
      return {
        runs: client.db(MONGO_DATABASE).collection(`${MONGO_COLLECTION}_runs`),
        close: () => client.close(),
      };
    },
  };
}

async function clearMongo() {
  const backend = await mongoBackend();
  if (backend.reason !== undefined) return;
  const loaded = await loadMongo();
  const client = new loaded.MongoClient(MONGODB_URL);
  await client.connect();
  try {
    await client.db(MONGO_DATABASE).dropDatabase();
  } finally {
    await client.close();
  }
}
