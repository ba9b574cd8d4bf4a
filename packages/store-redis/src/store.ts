/**
 * RedisJobStore (alias `redis`): jobs in a Redis hash, their next run times in a sorted set,
 * multi-key writes and the fire step as Lua scripts, wake-ups over pub/sub. Several schedulers
 * in several processes may share one store: each due run is claimed by exactly one of them.
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictingIdError,
  earliestRunTime,
  encodeWakeup,
  JobLookupError,
  JobStoreError,
  redactUrl,
  StoreNotStartedError,
  storedBatch,
  storedJob,
  UnrestorableJobs,
  type ClaimedRun,
  type DueJobsClaim,
  type Job,
  type JobStore,
  type JobStoreContext,
  type Logger,
  type RunLedger,
  type StoredJob,
  type UnrestorableJob,
} from '@kairos/core';
import type { Redis } from 'ioredis';
import {
  closeConnection,
  connectionName,
  describe,
  ensureConnected,
  isCommandTimeout,
  isConnectionLoss,
  isRefusedSelect,
  noop,
  openConnection,
  watchConnection,
} from './connection.js';
import { explainRefusedDatabase } from './database.js';
import { keyLayout, type KeyLayout } from './layout.js';
import { resolveOptions, type RedisJobStoreOptions, type ResolvedOptions } from './options.js';
import { isSchemaError, prepareSchema } from './schema.js';
import { claimDueJobs } from './claims.js';
import { RedisRunLedger, type LedgerConnection } from './ledger.js';
import { defineLedgerScripts } from './ledger-scripts.js';
import { defineScripts, type StoreScripts } from './scripts.js';
import { WakeupListener } from './wakeups.js';

/** What a started store holds; released by `shutdown()`. */
interface Running {
  readonly context: JobStoreContext;
  readonly alias: string;
  readonly client: Redis;
  /** Whether the store opened `client` (and so closes it). */
  readonly owned: boolean;
  readonly scripts: StoreScripts;
  readonly ledger: LedgerConnection;
  readonly unrestorable: UnrestorableJobs;
  readonly listener: WakeupListener;
  readonly unwatch: () => void;
}

/**
 * A job store on Redis, shareable by several schedulers (see the package README for the key
 * layout and the guarantees).
 *
 * - `<prefix>jobs`: hash, job id → JSON document (`context.serializeJob(job)`).
 * - `<prefix>run_times`: sorted set, job id → next run time (epoch ms); paused jobs are absent.
 *   This score is the authoritative next run time.
 * - `<prefix>meta`: hash holding `schema_version`.
 * - `<prefix>wakeup`: pub/sub channel announcing jobs added or updated with a next run time.
 * - `<prefix>runs…` and `<prefix>nodes…`: the run ledger ({@link RedisJobStore.ledger}).
 *
 * While the server is down every call rejects (the scheduler retries after
 * `jobstoreRetryInterval`); ioredis reconnects in the background and calls work again once it
 * is back, including the wake-up subscription.
 */
export class RedisJobStore implements JobStore {
  readonly #options: ResolvedOptions;
  readonly #keys: KeyLayout;
  /** Identifies this store in wake-up messages, so it ignores its own. */
  readonly #instanceId = randomUUID();
  #running: Running | null = null;
  /**
   * Runs and nodes next to the jobs: leases, recovery of abandoned runs, cluster-wide
   * `maxInstances` and run history (see the README's "Run history and leases").
   */
  readonly ledger: RunLedger;

  /**
   * Validates the options; connects only in `start()`.
   * @throws ConfigurationError naming the bad option and its value
   */
  constructor(options: RedisJobStoreOptions = {}) {
    this.#options = resolveOptions(options, 'RedisJobStore');
    this.#keys = keyLayout(this.#options.keyPrefix);
    this.ledger = new RedisRunLedger(this.#keys, (call) =>
      this.#run((running) => call(running.ledger)),
    );
  }

  /** The prefix of the store's keys and channel. */
  get keyPrefix(): string {
    return this.#keys.prefix;
  }

  /**
   * Connects (a `url` store opens its own connection; a `client` store uses the one it was
   * given), checks the keys and records the schema version, and subscribes to wake-ups on a
   * second connection (`client.duplicate()`).
   * @throws JobStoreError when the server cannot be reached or refuses the URL's database
   *   (nothing is written then), or (a KeyTypeError) when a key holds another type;
   *   SchemaVersionError when the stored schema version is not this code's
   */
  async start(context: JobStoreContext, alias: string): Promise<void> {
    if (this.#running !== null) await this.shutdown();
    const source = this.#options.source;
    const owned = source.kind === 'url';
    const prefix = this.#keys.prefix;
    const client = owned
      ? openConnection(source.url, connectionName('jobs', prefix), this.#options.commandTimeoutMs)
      : source.client;
    const unwatch = owned
      ? watchConnection(client, context.logger, 'the connection', () => {
          void this.#checkKept(client, alias, context.logger);
        })
      : noop;
    const listener = new WakeupListener(
      client.duplicate({
        lazyConnect: true,
        autoResubscribe: false,
        // A given client's duplicate keeps the application's connection name.
        ...(owned ? { connectionName: connectionName('wakeups', prefix) } : {}),
      }),
      this.#keys.wakeupChannel,
      this.#instanceId,
      context,
    );
    try {
      await ensureConnected(client);
      await prepareSchema(client, this.#keys, `Redis job store '${alias}'`);
      await listener.start();
    } catch (error) {
      await listener.stop();
      unwatch();
      if (owned) await closeConnection(client);
      if (isSchemaError(error)) throw error;
      if (isRefusedSelect(error)) {
        throw new JobStoreError(
          `Redis job store '${alias}': cannot use ${this.#describeServer()}: ` +
            (await explainRefusedDatabase(client, error)),
          { cause: error },
        );
      }
      throw new JobStoreError(
        `Redis job store '${alias}': cannot connect to ${this.#describeServer()} ` +
          `(${describe(error)}); check that the server is running and reachable, and the ` +
          `credentials`,
        { cause: error },
      );
    }
    this.#running = {
      context,
      alias,
      client,
      owned,
      scripts: defineScripts(client, this.#keys),
      ledger: { client, scripts: defineLedgerScripts(client, this.#keys) },
      unrestorable: new UnrestorableJobs(context, alias),
      listener,
      unwatch,
    };
  }

  /**
   * Closes the wake-up connection and, when the store opened it, the main connection (a
   * `client` passed in stays open). The store can be started again.
   */
  async shutdown(): Promise<void> {
    const running = this.#running;
    if (running === null) return;
    this.#running = null;
    await running.listener.stop();
    running.unwatch();
    if (running.owned) await closeConnection(running.client);
  }

  /** {@inheritDoc JobStore.lookupJob} */
  async lookupJob(id: string): Promise<Job | null> {
    return this.#run(async ({ client, unrestorable }) => {
      const [document, score] = replies(
        await client.multi().hget(this.#keys.jobs, id).zscore(this.#keys.runTimes, id).exec(),
      );
      if (typeof document !== 'string') return null;
      return unrestorable.restore(id, document, runTimeOf(score));
    });
  }

  /**
   * {@inheritDoc JobStore.getNextRunTime}
   * Reads the head of the sorted set: as many entries as there are jobs known to be
   * unrestorable, plus one.
   */
  async getNextRunTime(): Promise<number | null> {
    return this.#run(async ({ client, unrestorable }) => {
      const flat = await client.zrange(this.#keys.runTimes, 0, unrestorable.size, 'WITHSCORES');
      const rows: Pick<StoredJob, 'id' | 'nextRunTime'>[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        rows.push({ id: flat[i] ?? '', nextRunTime: Number(flat[i + 1]) });
      }
      return unrestorable.nextRunTime(rows);
    });
  }

  /**
   * Every job: scheduled ones earliest first (equal times by id), then paused ones by id.
   * Reads the whole hash and sorted set in one transaction.
   */
  async getAllJobs(): Promise<Job[]> {
    return this.#run(async ({ client, unrestorable }) => {
      const [rows, hash] = replies(
        await client
          .multi()
          .zrange(this.#keys.runTimes, 0, -1, 'WITHSCORES')
          .hgetall(this.#keys.jobs)
          .exec(),
      );
      const documents = new Map<string, string>(
        Object.entries((hash ?? {}) as Record<string, string>),
      );
      const scheduled = Array.isArray(rows) ? rows.map(String) : [];
      const stored: StoredJob[] = [];
      for (let i = 0; i + 1 < scheduled.length; i += 2) {
        const id = scheduled[i] ?? '';
        stored.push({
          id,
          nextRunTime: Number(scheduled[i + 1]),
          document: documents.get(id) ?? '',
        });
        documents.delete(id);
      }
      // What is left has no run time: the paused jobs.
      for (const id of [...documents.keys()].sort()) {
        stored.push({ id, nextRunTime: null, document: documents.get(id) ?? '' });
      }
      return unrestorable.restoreAll(stored);
    });
  }

  /** {@inheritDoc JobStore.getUnrestorableJobs} */
  getUnrestorableJobs(): Promise<UnrestorableJob[]> {
    return Promise.resolve(this.#state().unrestorable.list());
  }

  /**
   * {@inheritDoc JobStore.addJob}
   * Atomic (HSETNX in a script); a job with a next run time is announced to other stores.
   * @throws SerializationError (before anything is written) when the job cannot be stored
   */
  async addJob(job: Job): Promise<void> {
    return this.#run(async ({ context, alias, scripts, unrestorable }) => {
      const { document, nextRunTime: runTime } = storedJob(context, job);
      const added = await scripts.addJob(
        job.id,
        document,
        runTime === null ? '' : String(runTime),
        runTime === null ? '' : encodeWakeup(this.#instanceId, runTime),
      );
      if (!added) throw new ConflictingIdError(job.id, alias);
      unrestorable.forget(job.id);
    });
  }

  /**
   * {@inheritDoc JobStore.addJobs}
   * One Lua script call for the whole batch, which Redis runs atomically: it checks every id
   * first and writes nothing when one is taken, else writes every job and publishes one
   * wake-up with the earliest next run time. Redis serves nothing else while it runs, so a
   * batch of 100,000 jobs holds the server for a fraction of a second; split larger batches
   * into several calls (each then all or nothing on its own).
   * @throws SerializationError (before anything is written) when a job cannot be stored
   */
  async addJobs(jobs: readonly Job[]): Promise<void> {
    return this.#run(async ({ context, alias, scripts, unrestorable }) => {
      const stored = storedBatch(context, jobs, alias);
      if (stored.length === 0) return;
      const earliest = earliestRunTime(stored);
      const message = earliest === null ? '' : encodeWakeup(this.#instanceId, earliest);
      const taken = await scripts.addJobs(stored, message);
      if (taken !== null) throw new ConflictingIdError(taken, alias);
      for (const { id } of stored) unrestorable.forget(id);
    });
  }

  /**
   * {@inheritDoc JobStore.updateJob}
   * Atomic; a job with a next run time is announced to other stores.
   * @throws SerializationError (before anything is written) when the job cannot be stored
   */
  async updateJob(job: Job): Promise<void> {
    await this.#update(job, undefined);
  }

  /** {@inheritDoc JobStore.updateJobIf} One script: the run time compared, then the write. */
  updateJobIf(job: Job, nextRunTimeMs: number | null): Promise<boolean> {
    return this.#update(job, nextRunTimeMs === null ? '' : String(nextRunTimeMs));
  }

  /**
   * The update script on `job`: unconditional, or while its run time is `expected` ('' =
   * paused); false when that run time changed (nothing written).
   * @throws JobLookupError when the job is gone (another process may have removed it)
   */
  #update(job: Job, expected: string | undefined): Promise<boolean> {
    return this.#run(async ({ context, alias, scripts, unrestorable }) => {
      const { document, nextRunTime: runTime } = storedJob(context, job);
      const result = await scripts.updateJob(
        job.id,
        document,
        runTime === null ? '' : String(runTime),
        runTime === null ? '' : encodeWakeup(this.#instanceId, runTime),
        expected,
      );
      // Also when it is gone: another process removed it.
      unrestorable.forget(job.id);
      if (result === 'missing') throw new JobLookupError(job.id, alias);
      return result === 'updated';
    });
  }

  /** {@inheritDoc JobStore.removeJob} */
  async removeJob(id: string): Promise<void> {
    return this.#run(async ({ alias, scripts, unrestorable }) => {
      const removed = await scripts.removeJob(id);
      unrestorable.forget(id);
      if (!removed) throw new JobLookupError(id, alias);
    });
  }

  /**
   * Removes every job (the jobs hash and the run-times sorted set); keeps `<prefix>meta` and
   * the runs (`ledger.clear()` deletes those).
   */
  async removeAllJobs(): Promise<void> {
    return this.#run(async ({ client, unrestorable }) => {
      await client.del(this.#keys.jobs, this.#keys.runTimes);
      unrestorable.clear();
    });
  }

  /**
   * {@inheritDoc JobStore.claimDueJobs}
   * Per batch: one script reads the due jobs, they are advanced here, and one script writes
   * every successor still unchanged (a compare-and-set per job) together with its runs (see
   * `claims.ts`).
   */
  async claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    return this.#run((running) => claimDueJobs(running, claim));
  }

  /**
   * Runs a call on the started store; a connection lost during the call becomes an error that
   * names the store and says the connection comes back by itself.
   */
  async #run<T>(call: (running: Running) => Promise<T>): Promise<T> {
    const running = this.#state();
    try {
      return await call(running);
    } catch (error) {
      if (isCommandTimeout(error)) {
        throw new JobStoreError(
          `Redis job store '${running.alias}': ${this.#describeServer()} did not answer within ` +
            `${this.#options.commandTimeoutMs / 1000} s (commandTimeout); the server may be ` +
            `stalled or unreachable: retry later`,
          { cause: error },
        );
      }
      if (!isConnectionLoss(error)) throw error;
      throw new JobStoreError(
        `Redis job store '${running.alias}': lost the connection to ` +
          `${this.#describeServer()} during the call (${describe(error)}); it reconnects by ` +
          `itself, retry later`,
        { cause: error },
      );
    }
  }

  #state(): Running {
    if (this.#running === null) {
      throw new StoreNotStartedError(
        `RedisJobStore (keyPrefix '${this.#keys.prefix}') is not started; add it to a ` +
          `scheduler, which starts it (or call start(context, alias) first)`,
      );
    }
    const running = this.#running;
    // A connection the store opened does not queue calls while it is down: say why at once.
    if (running.owned && running.client.status !== 'ready') {
      throw new JobStoreError(
        `Redis job store '${running.alias}': not connected to ${this.#describeServer()} ` +
          `(connection ${running.client.status}); it reconnects by itself, retry later`,
      );
    }
    return running;
  }

  /**
   * After a reconnection: says loudly when the store's keys are gone (the server restarted
   * without persistence, or they were deleted or evicted), and records the schema version again.
   * A failure here is left to the next call to report.
   */
  async #checkKept(client: Redis, alias: string, logger: Logger): Promise<void> {
    const where = `Redis job store '${alias}'`;
    try {
      if ((await client.hexists(this.#keys.meta, 'schema_version')) === 1) return;
      logger.error(
        `${where}: ${this.#describeServer()} came back without this store's keys ('${this.#keys.meta}' ` +
          `is gone): the server restarted without persistence, or the keys were deleted or ` +
          `evicted, and the jobs and runs kept there are lost. Turn persistence on ` +
          `(appendonly yes) with maxmemory-policy noeviction, and add the jobs again`,
      );
      await prepareSchema(client, this.#keys, where);
    } catch {
      // The server went away again: the next call says so.
    }
  }

  /** The server as error messages name it, without a password. */
  #describeServer(): string {
    const source = this.#options.source;
    if (source.kind === 'given') return 'the server of the given client';
    return redactUrl(source.url);
  }
}

/** The replies of a transaction; throws its first error. */
function replies(results: [error: Error | null, reply: unknown][] | null): unknown[] {
  if (results === null) {
    throw new JobStoreError(
      'Redis job store: the transaction was aborted (a watched key changed, or the ' +
        'connection dropped during it); retry the call',
    );
  }
  return results.map(([error, reply]) => {
    if (error !== null) throw error;
    return reply;
  });
}

/** A sorted-set score as a run time; null (paused) when the member is absent. */
function runTimeOf(score: unknown): number | null {
  return typeof score === 'string' ? Number(score) : null;
}
