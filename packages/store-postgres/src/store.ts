/**
 * PostgresJobStore (alias `postgres`): jobs in a PostgreSQL table that any number of
 * schedulers, in any number of processes, may share. Due jobs are claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED` in one transaction per batch, so each run fires once, and
 * the claim writes the runs' rows of the run ledger (`ledger.ts`) in the same transaction;
 * LISTEN/NOTIFY wakes the other schedulers when a job is added or rescheduled.
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictingIdError,
  earliestRunTime,
  encodeWakeup,
  JobLookupError,
  planClaims,
  StoreNotStartedError,
  storedBatch,
  storedJob,
  UnrestorableJobs,
  type ClaimedRun,
  type DueJobsClaim,
  type Job,
  type JobStore,
  type JobStoreContext,
  type RunLedger,
  type UnrestorableJob,
} from '@kairos/core';
import { Client, Pool } from 'pg';
import { connecting, connectionLost, describeServer } from './connection.js';
import { PostgresRunLedger } from './ledger.js';
import { ledgerStatements, type LedgerStatements } from './ledger-statements.js';
import { storeNames, type StoreNames } from './names.js';
import { writeOpenings } from './openings.js';
import { resolveOptions, type PostgresJobStoreOptions, type ResolvedOptions } from './options.js';
import { createSchema } from './schema.js';
import { INSERT_CHUNK_ROWS, statements, type JobRow, type Statements } from './statements.js';
import { inTransaction } from './transaction.js';
import { NotificationListener } from './wakeups.js';

/** Settings of the pool a store opens from `connectionString`. */
const OWN_POOL_SETTINGS = { keepAlive: true } as const;

/**
 * Settings of the LISTEN connection a store opens from `connectionString`. Its connect is
 * bounded, so a host that drops packets delays the next reconnection attempt by 10 s at most.
 * (The pool has no such bound: in pg-pool it would also bound the wait for a free connection,
 * failing bursts of calls that merely queue.)
 */
const LISTEN_CONNECTION_SETTINGS = { keepAlive: true, connectionTimeoutMillis: 10_000 } as const;

/** What a started store works with; absent before `start()` and after `shutdown()`. */
interface Running {
  readonly pool: Pool;
  readonly context: JobStoreContext;
  readonly alias: string;
  readonly unrestorable: UnrestorableJobs;
  readonly listener: NotificationListener;
  readonly onPoolError: (error: Error) => void;
  /** An error of a call as the call throws it (see `connectionLost`). */
  readonly lost: (error: unknown) => unknown;
}

/**
 * A job store on PostgreSQL (9.5 or later). Jobs live in one table (`id`, `next_run_time` in
 * epoch ms, `state` = the job's JSON), runs and schedulers in `<table>_runs` and
 * `<table>_nodes` (the run ledger), with the schema version in `<table>_meta`; `start()`
 * creates them when missing. Several schedulers may share the tables: each due run is claimed
 * by exactly one of them, a run whose scheduler dies is ended by another, and a job added
 * through one wakes the others. See the package README for the layout and the guarantees.
 *
 * ```ts
 * const store = new PostgresJobStore({ connectionString: 'postgres://localhost/app' });
 * ```
 */
export class PostgresJobStore implements JobStore {
  readonly #options: ResolvedOptions;
  readonly #names: StoreNames;
  readonly #sql: Statements;
  readonly #ledgerSql: LedgerStatements;
  /** Marks this instance's notifications, so it does not wake itself. */
  readonly #instanceId = randomUUID();
  #running: Running | null = null;

  /**
   * The store's runs and nodes: leases, recovery of abandoned runs, cluster-wide
   * `maxInstances` and run history (see `ledger.ts`). Works while started.
   */
  readonly ledger: RunLedger;

  /**
   * Checks the options; connects only at `start()`.
   * @throws ConfigurationError naming the bad option and its value
   */
  constructor(options: PostgresJobStoreOptions) {
    this.#options = resolveOptions(options, 'PostgresJobStore');
    this.#names = storeNames(this.#options.schema, this.#options.tableName);
    this.#sql = statements(this.#names);
    this.#ledgerSql = ledgerStatements(this.#names);
    this.ledger = new PostgresRunLedger(() => this.#started().pool, this.#names, this.#ledgerSql);
  }

  /**
   * Opens the pool (unless one was given), creates the schema, tables and indexes when missing
   * (migrating a version-1 store, jobs only, to version 2 in the same transaction), checks the
   * schema version and starts listening for other processes' wake-ups.
   * @throws JobStoreError when it cannot connect (the server is down or unreachable, the host
   *   unknown, the database missing, authentication failed), naming the server without its
   *   password, with the driver's error as `cause`; SchemaVersionError when the table was
   *   written by a newer version of this package
   */
  async start(context: JobStoreContext, alias: string): Promise<void> {
    if (this.#running !== null) await this.shutdown();
    const source = this.#options.source;
    const pool =
      source.kind === 'given'
        ? source.pool
        : new Pool({
            ...OWN_POOL_SETTINGS,
            connectionString: source.connectionString,
            max: source.size,
          });
    const description = `PostgresJobStore '${alias}' (${this.#names.table})`;
    // Without a listener, an idle connection the server drops would crash the process.
    const onPoolError = (error: Error): void => {
      context.logger.warn(
        { err: error },
        `${description}: an idle pooled connection failed (${error.message}); ` +
          `the pool opens a new one when needed`,
      );
    };
    pool.on('error', onPoolError);
    const listener = new NotificationListener({
      createClient: () =>
        source.kind === 'given'
          ? new Client(source.pool.options)
          : new Client({
              ...LISTEN_CONNECTION_SETTINGS,
              connectionString: source.connectionString,
            }),
      channel: this.#names.channel,
      instanceId: this.#instanceId,
      logger: context.logger,
      wakeup: (nextRunTime) => context.wakeup(nextRunTime),
      description,
    });
    const store = `PostgreSQL job store '${alias}'`;
    const server = describeServer(source);
    try {
      // Connecting first, on its own, tells a server that cannot be used from a schema problem.
      await connecting(store, server, async () => (await pool.connect()).release());
      await inTransaction(pool, (client) => createSchema(client, this.#names));
      await connecting(store, server, () => listener.start());
    } catch (error) {
      pool.removeListener('error', onPoolError);
      if (source.kind === 'connectionString') await pool.end();
      throw error;
    }
    this.#running = {
      pool,
      context,
      alias,
      unrestorable: new UnrestorableJobs(context, alias),
      listener,
      onPoolError,
      lost: (error) => connectionLost(store, server, error),
    };
  }

  /**
   * Stops listening and closes the pool the store opened (a pool passed as `pool` stays
   * open). The store can be started again.
   */
  async shutdown(): Promise<void> {
    const running = this.#running;
    if (running === null) return;
    this.#running = null;
    await running.listener.stop();
    running.pool.removeListener('error', running.onPoolError);
    if (this.#options.source.kind === 'connectionString') await running.pool.end();
  }

  /** {@inheritDoc JobStore.lookupJob} */
  lookupJob(id: string): Promise<Job | null> {
    return this.#call(async ({ pool, unrestorable }) => {
      const result = await pool.query<JobRow>(this.#sql.lookup, [id]);
      const row = result.rows[0];
      return row === undefined ? null : unrestorable.restoreStored(row);
    });
  }

  /**
   * {@inheritDoc JobStore.getNextRunTime}
   * An index scan of the earliest `n + 1` rows, `n` being the number of jobs skipped as
   * unrestorable.
   */
  getNextRunTime(): Promise<number | null> {
    return this.#call(async ({ pool, unrestorable }) => {
      const result = await pool.query<Pick<JobRow, 'id' | 'nextRunTime'>>(this.#sql.earliest, [
        unrestorable.size + 1,
      ]);
      return unrestorable.nextRunTime(result.rows);
    });
  }

  /** {@inheritDoc JobStore.getAllJobs} */
  getAllJobs(): Promise<Job[]> {
    return this.#call(async ({ pool, unrestorable }) => {
      const result = await pool.query<JobRow>(this.#sql.all);
      return unrestorable.restoreAll(result.rows);
    });
  }

  /** {@inheritDoc JobStore.getUnrestorableJobs} */
  getUnrestorableJobs(): Promise<UnrestorableJob[]> {
    return Promise.resolve(this.#started().unrestorable.list());
  }

  /**
   * {@inheritDoc JobStore.addJob}
   * One INSERT … ON CONFLICT DO NOTHING; with a next run time it also notifies the other
   * stores on this table.
   * @throws SerializationError before writing anything when the job cannot be stored
   */
  addJob(job: Job): Promise<void> {
    return this.#call(async ({ alias, unrestorable }) => {
      const inserted = await this.#write(job, this.#sql.insert, this.#sql.insertAndNotify);
      if (!inserted) throw new ConflictingIdError(job.id, alias);
      unrestorable.forget(job.id);
    });
  }

  /**
   * {@inheritDoc JobStore.addJobs}
   * One transaction: a multi-row `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` per
   * 5,000 jobs, then, when any job has a next run time, one NOTIFY with the earliest (sent at
   * commit). An id that is taken rolls the whole transaction back, so none of the jobs is stored.
   * @throws SerializationError before writing anything when a job cannot be stored
   */
  addJobs(jobs: readonly Job[]): Promise<void> {
    return this.#call(async ({ pool, context, alias, unrestorable }) => {
      const stored = storedBatch(context, jobs, alias);
      if (stored.length === 0) return;
      await inTransaction(pool, async (client) => {
        for (let first = 0; first < stored.length; first += INSERT_CHUNK_ROWS) {
          const chunk = stored.slice(first, first + INSERT_CHUNK_ROWS);
          const result = await client.query<{ id: string }>(this.#sql.insertMany, [
            chunk.map((job) => job.id),
            chunk.map((job) => job.nextRunTime),
            chunk.map((job) => job.document),
          ]);
          if (result.rows.length === chunk.length) continue;
          const inserted = new Set(result.rows.map((row) => row.id));
          const taken = chunk.find((job) => !inserted.has(job.id));
          throw new ConflictingIdError(taken?.id ?? '', alias);
        }
        const earliest = earliestRunTime(stored);
        if (earliest !== null) {
          await client.query(this.#sql.notify, [
            this.#names.channel,
            encodeWakeup(this.#instanceId, earliest),
          ]);
        }
      });
      for (const { id } of stored) unrestorable.forget(id);
    });
  }

  /**
   * {@inheritDoc JobStore.updateJob}
   * With a next run time it also notifies the other stores on this table.
   * @throws SerializationError before writing anything when the job cannot be stored
   */
  updateJob(job: Job): Promise<void> {
    return this.#call(async ({ alias, unrestorable }) => {
      const updated = await this.#write(job, this.#sql.update, this.#sql.updateAndNotify);
      // Also when it is gone: another process removed it.
      unrestorable.forget(job.id);
      if (!updated) throw new JobLookupError(job.id, alias);
    });
  }

  /**
   * {@inheritDoc JobStore.updateJobIf}
   * One conditional UPDATE (notifying as `updateJob` does); when it writes nothing, a lookup
   * tells a missing job from a changed one.
   */
  updateJobIf(job: Job, nextRunTimeMs: number | null): Promise<boolean> {
    return this.#call(async ({ pool, alias, unrestorable }) => {
      const updated = await this.#write(
        job,
        this.#sql.updateIf,
        this.#sql.updateIfAndNotify,
        nextRunTimeMs,
      );
      unrestorable.forget(job.id);
      if (updated) return true;
      const found = await pool.query(this.#sql.lookup, [job.id]);
      if (found.rowCount === 0) throw new JobLookupError(job.id, alias);
      return false;
    });
  }

  /** {@inheritDoc JobStore.removeJob} */
  removeJob(id: string): Promise<void> {
    return this.#call(async ({ pool, alias, unrestorable }) => {
      const result = await pool.query(this.#sql.remove, [id]);
      unrestorable.forget(id);
      if (result.rowCount === 0) throw new JobLookupError(id, alias);
    });
  }

  /** {@inheritDoc JobStore.removeAllJobs} */
  removeAllJobs(): Promise<void> {
    return this.#call(async ({ pool, unrestorable }) => {
      await pool.query(this.#sql.removeAll);
      unrestorable.clear();
    });
  }

  /**
   * {@inheritDoc JobStore.claimDueJobs}
   * One transaction: the due rows are read and locked with `FOR UPDATE SKIP LOCKED` (rows
   * another scheduler is claiming are passed over, not waited for), advanced here, and written
   * back with one UPDATE and one DELETE. The row locks are the compare-and-set: no other
   * scheduler can read a locked row as due, and once the transaction commits the row holds the
   * successor. Jobs skipped as unrestorable are fetched on top of `limit` so they never crowd
   * out the others. With `claim.runs`, the same transaction takes the won jobs' advisory locks,
   * counts their slots in flight and inserts their runs (or refused runs) with one INSERT.
   */
  claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    return this.#call(async ({ pool, context, unrestorable }) => {
      return inTransaction(pool, async (client) => {
        const due = await client.query<JobRow>(this.#sql.claimDue, [
          claim.now,
          claim.limit + unrestorable.size,
        ]);
        const { claims } = planClaims(due.rows, { claim, context, unrestorable });
        const updated = claims.flatMap(({ successor }) => (successor === null ? [] : [successor]));
        const deletedIds = claims.flatMap(({ row, successor }) =>
          successor === null ? [row.id] : [],
        );
        if (updated.length > 0) {
          await client.query(this.#sql.claimUpdate, [
            updated.map((job) => job.id),
            updated.map((job) => job.nextRunTime),
            updated.map((job) => job.document),
          ]);
        }
        if (deletedIds.length > 0) await client.query(this.#sql.claimDelete, [deletedIds]);
        const openings = claims.flatMap(({ opening }) => (opening === null ? [] : [opening]));
        if (openings.length === 0) return claims.map(({ job, next }) => ({ job, next }));
        const target = { client, sql: this.#ledgerSql, lockSpace: this.#names.runsLockSpace };
        const opened = await writeOpenings(target, openings, claim.now);
        const refused = new Map(
          openings.map((opening, index) => [opening, opened[index] === false]),
        );
        return claims.map(({ job, next, opening }) =>
          opening === null ? { job, next } : { job, next, refused: refused.get(opening) === true },
        );
      });
    });
  }

  /**
   * Writes a job with `plain` ($1 id, $2 next run time, $3 document), or with `notifying`
   * (also $4 channel, $5 payload) when it has a next run time; whether a row was written.
   */
  async #write(
    job: Job,
    plain: string,
    notifying: string,
    ...condition: (number | null)[]
  ): Promise<boolean> {
    const { pool, context } = this.#started();
    // Serialised first: a job that cannot be stored fails before anything is written.
    const { document: state, nextRunTime: time } = storedJob(context, job);
    const result =
      time === null
        ? await pool.query(plain, [job.id, null, state, ...condition])
        : await pool.query(notifying, [
            job.id,
            time,
            state,
            this.#names.channel,
            encodeWakeup(this.#instanceId, time),
            ...condition,
          ]);
    return result.rowCount !== 0;
  }

  /**
   * Runs a call on the started store; an error of a server that cannot be reached becomes a
   * JobStoreError saying so (see `connectionLost`).
   */
  async #call<T>(work: (running: Running) => Promise<T>): Promise<T> {
    const running = this.#started();
    try {
      return await work(running);
    } catch (error) {
      throw running.lost(error);
    }
  }

  #started(): Running {
    if (this.#running === null) {
      throw new StoreNotStartedError(
        `PostgresJobStore on ${this.#names.table} is not started; call start() first ` +
          `(a scheduler does when it starts or when the store is added to it)`,
      );
    }
    return this.#running;
  }
}
