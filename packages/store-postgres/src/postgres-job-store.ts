/**
 * PostgresJobStore (alias `postgres`): jobs in a PostgreSQL table that any number of
 * schedulers, in any number of processes, may share. Due jobs are claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED` in one transaction per batch, so each run fires once;
 * LISTEN/NOTIFY wakes the other schedulers when a job is added or rescheduled.
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictingIdError,
  JobLookupError,
  encodeWakeup,
  StoreNotStartedError,
  UnrestorableJobs,
  type ClaimedRun,
  type UnrestorableJob,
  type DueJobsClaim,
  type Job,
  type JobStore,
  type JobStoreContext,
} from '@kairos/core';
import { Client, Pool } from 'pg';
import { NotificationListener } from './listener.js';
import { storeNames, type StoreNames } from './names.js';
import { resolveOptions, type PostgresJobStoreOptions, type ResolvedOptions } from './options.js';
import { createSchema } from './schema.js';
import { statements, type JobRow, type Statements } from './statements.js';
import { inTransaction } from './transaction.js';

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
}

/**
 * A job store on PostgreSQL (9.5 or later). Jobs live in one table (`id`, `next_run_time` in
 * epoch ms, `state` = the job's JSON), with the schema version in `<table>_meta`; `start()`
 * creates both when missing. Several schedulers may share the table: each due run is claimed
 * by exactly one of them, and a job added through one wakes the others. See the package README
 * for the layout and the guarantees.
 *
 * ```ts
 * const store = new PostgresJobStore({ connectionString: 'postgres://localhost/app' });
 * ```
 */
export class PostgresJobStore implements JobStore {
  readonly #options: ResolvedOptions;
  readonly #names: StoreNames;
  readonly #sql: Statements;
  /** Marks this instance's notifications, so it does not wake itself. */
  readonly #instanceId = randomUUID();
  #running: Running | null = null;

  /**
   * Checks the options; connects only at `start()`.
   * @throws ConfigurationError naming the bad option and its value
   */
  constructor(options: PostgresJobStoreOptions) {
    this.#options = resolveOptions(options, 'PostgresJobStore');
    this.#names = storeNames(this.#options.schema, this.#options.tableName);
    this.#sql = statements(this.#names);
  }

  /**
   * Opens the pool (unless one was given), creates the schema, tables and index when missing,
   * checks the schema version and starts listening for other processes' wake-ups.
   * @throws the driver's error when the server cannot be reached; SchemaVersionError when the
   *   table was written by a newer version of this package
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
    try {
      await inTransaction(pool, (client) => createSchema(client, this.#names));
      await listener.start();
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
  async lookupJob(id: string): Promise<Job | null> {
    const { pool, unrestorable } = this.#started();
    const result = await pool.query<Omit<JobRow, 'id'>>(this.#sql.lookup, [id]);
    const row = result.rows[0];
    return row === undefined ? null : unrestorable.restore(id, row.state, row.next_run_time);
  }

  /** {@inheritDoc JobStore.getDueJobs} */
  async getDueJobs(now: number): Promise<Job[]> {
    const { pool } = this.#started();
    const result = await pool.query<JobRow>(this.#sql.due, [now]);
    return this.#restoreAll(result.rows);
  }

  /**
   * {@inheritDoc JobStore.getNextRunTime}
   * An index scan of the earliest `n + 1` rows, `n` being the number of jobs skipped as
   * unrestorable.
   */
  async getNextRunTime(): Promise<number | null> {
    const { pool, unrestorable } = this.#started();
    const result = await pool.query<Pick<JobRow, 'id' | 'next_run_time'>>(this.#sql.earliest, [
      unrestorable.size + 1,
    ]);
    for (const row of result.rows) if (!unrestorable.has(row.id)) return row.next_run_time;
    return null;
  }

  /** {@inheritDoc JobStore.getAllJobs} */
  async getAllJobs(): Promise<Job[]> {
    const { pool } = this.#started();
    const result = await pool.query<JobRow>(this.#sql.all);
    return this.#restoreAll(result.rows);
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
  async addJob(job: Job): Promise<void> {
    const { alias, unrestorable } = this.#started();
    const inserted = await this.#write(job, this.#sql.insert, this.#sql.insertAndNotify);
    if (!inserted) throw new ConflictingIdError(job.id, alias);
    unrestorable.forget(job.id);
  }

  /**
   * {@inheritDoc JobStore.updateJob}
   * With a next run time it also notifies the other stores on this table.
   * @throws SerializationError before writing anything when the job cannot be stored
   */
  async updateJob(job: Job): Promise<void> {
    const { alias, unrestorable } = this.#started();
    const updated = await this.#write(job, this.#sql.update, this.#sql.updateAndNotify);
    // Also when it is gone: another process removed it.
    unrestorable.forget(job.id);
    if (!updated) throw new JobLookupError(job.id, alias);
  }

  /** {@inheritDoc JobStore.removeJob} */
  async removeJob(id: string): Promise<void> {
    const { pool, alias, unrestorable } = this.#started();
    const result = await pool.query(this.#sql.remove, [id]);
    unrestorable.forget(id);
    if (result.rowCount === 0) throw new JobLookupError(id, alias);
  }

  /** {@inheritDoc JobStore.removeAllJobs} */
  async removeAllJobs(): Promise<void> {
    const { pool, unrestorable } = this.#started();
    await pool.query(this.#sql.removeAll);
    unrestorable.clear();
  }

  /**
   * {@inheritDoc JobStore.claimDueJobs}
   * One transaction: the due rows are read and locked with `FOR UPDATE SKIP LOCKED` (rows
   * another scheduler is claiming are passed over, not waited for), advanced here, and written
   * back with one UPDATE and one DELETE. The row locks are the compare-and-set: no other
   * scheduler can read a locked row as due, and once the transaction commits the row holds the
   * successor. Jobs skipped as unrestorable are fetched on top of `limit` so they never crowd
   * out the others.
   */
  async claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    const { pool, context, unrestorable } = this.#started();
    return inTransaction(pool, async (client) => {
      const due = await client.query<JobRow>(this.#sql.claimDue, [
        claim.now,
        claim.limit + unrestorable.size,
      ]);
      const claimed: ClaimedRun[] = [];
      const updatedIds: string[] = [];
      const updatedTimes: (number | null)[] = [];
      const updatedStates: string[] = [];
      const deletedIds: string[] = [];
      for (const row of due.rows) {
        if (claimed.length >= claim.limit) break;
        const job = unrestorable.restore(row.id, row.state, row.next_run_time);
        if (job === null) continue;
        const next = claim.advance(job);
        if (next === undefined) continue;
        if (next === null) {
          deletedIds.push(row.id);
        } else {
          updatedIds.push(row.id);
          updatedTimes.push(next.nextRunTimeMs);
          updatedStates.push(JSON.stringify(context.serializeJob(next)));
        }
        claimed.push({ job, next });
      }
      if (updatedIds.length > 0) {
        await client.query(this.#sql.claimUpdate, [updatedIds, updatedTimes, updatedStates]);
      }
      if (deletedIds.length > 0) await client.query(this.#sql.claimDelete, [deletedIds]);
      return claimed;
    });
  }

  /**
   * Writes a job with `plain` ($1 id, $2 next run time, $3 document), or with `notifying`
   * (also $4 channel, $5 payload) when it has a next run time; whether a row was written.
   */
  async #write(job: Job, plain: string, notifying: string): Promise<boolean> {
    const { pool, context } = this.#started();
    // Serialised first: a job that cannot be stored fails before anything is written.
    const state = JSON.stringify(context.serializeJob(job));
    const time = job.nextRunTimeMs;
    const result =
      time === null
        ? await pool.query(plain, [job.id, null, state])
        : await pool.query(notifying, [
            job.id,
            time,
            state,
            this.#names.channel,
            encodeWakeup(this.#instanceId, time),
          ]);
    return result.rowCount !== 0;
  }

  #restoreAll(rows: readonly JobRow[]): Job[] {
    const { unrestorable } = this.#started();
    const jobs: Job[] = [];
    for (const row of rows) {
      const job = unrestorable.restore(row.id, row.state, row.next_run_time);
      if (job !== null) jobs.push(job);
    }
    return jobs;
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
