/**
 * MongoJobStore (alias `mongodb`): jobs in a MongoDB collection, one document per job, shared
 * safely by any number of schedulers through compare-and-set claims, with a run ledger beside
 * them (runs, nodes and slots collections).
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictingIdError,
  JobLookupError,
  planClaims,
  StoreNotStartedError,
  storedJob,
  UnrestorableJobs,
  type ClaimedRun,
  type DueJobsClaim,
  type Job,
  type JobState,
  type JobStore,
  type JobStoreContext,
  type RunLedger,
  type StoredJob,
  type UnrestorableJob,
} from '@kairos/core';
import { MongoClient, ReadPreference, type WithId } from 'mongodb';
import { addBatch } from './batch.js';
import { writeClaim, type ClaimTarget, type DueRow } from './claims.js';
import { MongoRunLedger } from './ledger.js';
import {
  ledgerCollectionNames,
  metaCollectionName,
  resolveOptions,
  type MongoJobStoreOptions,
  type ResolvedOptions,
} from './options.js';
import {
  dueFilter,
  jobDocument,
  SCHEDULED,
  TIME_ORDER,
  wakeupPipeline,
  type WakeupChange,
} from './queries.js';
import {
  ensureSchema,
  isDuplicateKeyError,
  type JobDocument,
  type MetaDocument,
  type NodeDocument,
  type RunDocument,
  type SlotsDocument,
} from './schema.js';
import { settleWrites } from './settle.js';
import { ChangeWatcher } from './wakeups.js';

/** What a started store works with; gone after `shutdown()`. */
interface Connection extends ClaimTarget {
  readonly client: MongoClient;
  /** Whether the store made the client (from `url`) and so closes it. */
  readonly ownsClient: boolean;
  readonly alias: string;
  readonly unrestorable: UnrestorableJobs;
  watcher: ChangeWatcher | null;
  /** Whether multi-document writes use a transaction: until the server says it has none. */
  transactions: boolean;
}

/**
 * A job store on MongoDB. Each job is one document `{_id, nextRunTime, state, writtenBy}` with
 * an index on `{nextRunTime, _id}`; every query is an indexed range or an `_id` lookup. Its
 * {@link ledger} keeps runs, schedulers and each job's runs in flight in collections beside it.
 *
 * The fire step reads the due jobs and, for each one `advance` gives a successor, runs a
 * `findOneAndUpdate` (or `findOneAndDelete`) conditioned on the next run time and state it read, all at
 * once: when several schedulers claim the same job, the server applies exactly one of those
 * writes. Other processes learn of added jobs through a change stream (replica sets) or by
 * polling (standalone servers). See the package README for the layout and guarantees.
 */
export class MongoJobStore implements JobStore {
  readonly #options: ResolvedOptions;
  /** Marks this instance's writes, so its change stream ignores them. */
  readonly #instanceId = randomUUID();
  #connection: Connection | null = null;
  /** Whether a `start()` is under way. */
  #starting = false;

  /**
   * The store's runs and nodes: leases, recovery of abandoned runs, cluster-wide
   * `maxInstances` and run history (see the README). Its calls need the store started.
   */
  readonly ledger: RunLedger = new MongoRunLedger(() => this.#started());

  /**
   * Checks the options; connects to nothing (that is `start()`).
   * @throws ConfigurationError naming the bad option and its value
   */
  constructor(options: MongoJobStoreOptions) {
    this.#options = resolveOptions(options);
  }

  /** The database the jobs are in. */
  get database(): string {
    return this.#options.database;
  }

  /** The collection the jobs are in. */
  get collection(): string {
    return this.#options.collection;
  }

  /**
   * Connects (with `url`), records the schema version or checks the stored one (migrating a
   * version-1 store), creates the indexes, and starts listening for other processes' jobs.
   * @throws SchemaVersionError when the collection has a newer schema version; the driver's
   *   error when the server cannot be reached (nothing stays open then)
   */
  async start(context: JobStoreContext, alias: string): Promise<void> {
    if (this.#connection !== null || this.#starting) {
      throw new StoreNotStartedError(
        `${this.#where(alias)} is already started; call shutdown() first`,
      );
    }
    const { source, database, collection } = this.#options;
    const ownsClient = 'url' in source;
    const client = 'url' in source ? new MongoClient(source.url) : source.client;
    this.#starting = true;
    try {
      if (ownsClient) await client.connect();
      const db = client.db(database);
      // Reads see the store's own writes: always from the primary.
      const options = { readPreference: ReadPreference.PRIMARY };
      const jobs = db.collection<JobDocument>(collection, options);
      const meta = db.collection<MetaDocument>(metaCollectionName(collection), options);
      const names = ledgerCollectionNames(collection);
      const runs = db.collection<RunDocument>(names.runs, options);
      const nodes = db.collection<NodeDocument>(names.nodes, options);
      const slots = db.collection<SlotsDocument>(names.slots, options);
      await ensureSchema({ meta, jobs, runs, slots }, this.#where(alias));
      const connection: Connection = {
        client,
        ownsClient,
        db,
        jobs,
        runs,
        nodes,
        slots,
        context,
        alias,
        unrestorable: new UnrestorableJobs(context, alias),
        watcher: null,
        // A client stand-in without sessions (tests) goes the standalone way.
        transactions: typeof client.startSession === 'function',
      };
      this.#connection = connection;
      const watcher = new ChangeWatcher({
        watch: () => jobs.watch<JobDocument, WakeupChange>(wakeupPipeline(this.#instanceId)),
        earliest: () => this.getNextRunTime(),
        context,
        pollIntervalMs: this.#options.pollIntervalMs,
        where: this.#where(alias),
      });
      connection.watcher = watcher;
      await watcher.start();
    } catch (error) {
      await this.#release();
      if (ownsClient) await client.close().catch(() => undefined);
      throw error;
    } finally {
      this.#starting = false;
    }
  }

  /**
   * Stops listening and closes the client the store opened (never one the application passed
   * in). The store can be started again.
   */
  async shutdown(): Promise<void> {
    const connection = this.#connection;
    if (connection === null) return;
    await this.#release();
    if (connection.ownsClient) await connection.client.close();
  }

  /** {@inheritDoc JobStore.lookupJob} */
  async lookupJob(id: string): Promise<Job | null> {
    const { jobs } = this.#started();
    const document = await jobs.findOne({ _id: id });
    return document === null
      ? null
      : this.#started().unrestorable.restoreStored(storedRow(document));
  }

  /** The earliest next run time of a job this scheduler can restore; one indexed query. */
  async getNextRunTime(): Promise<number | null> {
    const { jobs, unrestorable } = this.#started();
    // The skipped jobs cannot hide the first restorable one among `size + 1` rows.
    const rows = unrestorable.size + 1;
    const documents = await jobs
      .find(SCHEDULED, { sort: TIME_ORDER, limit: rows, projection: { _id: 1, nextRunTime: 1 } })
      .toArray();
    return unrestorable.nextRunTime(documents.map(storedRow));
  }

  /** Every job: scheduled ones earliest first, then paused ones by id. */
  async getAllJobs(): Promise<Job[]> {
    const { jobs } = this.#started();
    // One indexed pass: paused jobs (null) sort first, and move to the end here.
    const documents = await jobs.find({}, { sort: TIME_ORDER }).toArray();
    const paused = documents.filter((document) => typeof document.nextRunTime !== 'number');
    const scheduled = documents.filter((document) => typeof document.nextRunTime === 'number');
    return this.#started().unrestorable.restoreAll([...scheduled, ...paused].map(storedRow));
  }

  /** {@inheritDoc JobStore.getUnrestorableJobs} */
  getUnrestorableJobs(): Promise<UnrestorableJob[]> {
    return Promise.resolve(this.#started().unrestorable.list());
  }

  /**
   * {@inheritDoc JobStore.addJob}
   * @throws SerializationError before anything is written, when the job cannot be stored
   */
  async addJob(job: Job): Promise<void> {
    const { jobs, context, alias, unrestorable } = this.#started();
    const document = jobDocument(storedJob(context, job), this.#instanceId);
    try {
      await jobs.insertOne(document);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictingIdError(job.id, alias);
      throw error;
    }
    unrestorable.forget(job.id);
  }

  /**
   * {@inheritDoc JobStore.addJobs}
   * Checks the ids with one query first (a taken id fails the call before anything is written),
   * then inserts the batch with one ordered `insertMany`: in a transaction where the server has
   * them (replica sets, sharded clusters), so other processes see all of the jobs or none. On a
   * standalone server, which has no transactions, an id taken between the check and the insert
   * (another process added it meanwhile) makes the store delete the jobs it had inserted; they
   * were visible to other processes for that moment. The change stream of other stores reports
   * only the batch's earliest job, so a batch wakes them once.
   * @throws SerializationError before anything is written, when a job cannot be stored
   */
  async addJobs(jobs: readonly Job[]): Promise<void> {
    const connection = this.#started();
    const ids = await addBatch(connection, jobs, this.#instanceId);
    for (const id of ids) connection.unrestorable.forget(id);
  }

  /**
   * {@inheritDoc JobStore.updateJob}
   * @throws SerializationError before anything is written, when the job cannot be stored
   */
  async updateJob(job: Job): Promise<void> {
    const { jobs, context, alias, unrestorable } = this.#started();
    const { _id, ...replacement } = jobDocument(storedJob(context, job), this.#instanceId);
    const result = await jobs.replaceOne({ _id }, replacement);
    // Also when it is gone: another process removed it.
    unrestorable.forget(job.id);
    if (result.matchedCount === 0) throw new JobLookupError(job.id, alias);
  }

  /**
   * {@inheritDoc JobStore.updateJobIf}
   * One `replaceOne` filtered on the id and the expected next run time; when it matches
   * nothing, a lookup tells a missing job from a changed one.
   */
  async updateJobIf(job: Job, nextRunTimeMs: number | null): Promise<boolean> {
    const { jobs, context, alias, unrestorable } = this.#started();
    const { _id, ...replacement } = jobDocument(storedJob(context, job), this.#instanceId);
    const result = await jobs.replaceOne({ _id, nextRunTime: nextRunTimeMs }, replacement);
    unrestorable.forget(job.id);
    if (result.matchedCount > 0) return true;
    if ((await jobs.findOne({ _id }, { projection: { _id: 1 } })) === null)
      throw new JobLookupError(job.id, alias);
    return false;
  }

  /** {@inheritDoc JobStore.removeJob} */
  async removeJob(id: string): Promise<void> {
    const { jobs, alias, unrestorable } = this.#started();
    const result = await jobs.deleteOne({ _id: id });
    unrestorable.forget(id);
    if (result.deletedCount === 0) throw new JobLookupError(id, alias);
  }

  /** {@inheritDoc JobStore.removeAllJobs} Runs and nodes stay (`ledger.clear()` removes them). */
  async removeAllJobs(): Promise<void> {
    const { jobs, unrestorable } = this.#started();
    await jobs.deleteMany({});
    unrestorable.clear();
  }

  /**
   * {@inheritDoc JobStore.claimDueJobs}
   * One read of at most `limit` (plus skipped) due jobs, then one conditional write per claimed
   * job, all in flight at once; with `claim.runs`, each job's write and its run rows are one
   * transaction (see `claims.ts`). A write that matches nothing lost its job to another claimer.
   * When some writes fail (the server went away mid-claim) the runs already won are returned
   * and the failures logged; when all fail, the first error is thrown.
   */
  async claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    const connection = this.#started();
    const { jobs, context, unrestorable } = connection;
    if (claim.limit <= 0) return [];
    const pageSize = claim.limit + unrestorable.size;
    const documents = await jobs
      .find(dueFilter(claim.now), { sort: TIME_ORDER, limit: pageSize, batchSize: pageSize })
      .toArray();
    // The due filter matches numbers only.
    const rows = documents.map(storedRow).filter((row): row is DueRow => row.nextRunTime !== null);
    // Successors are serialised before any write, so one that cannot be stored fails cleanly.
    const { claims: planned } = planClaims(rows, { claim, context, unrestorable });
    return settleWrites(
      planned.map((plan) => writeClaim(connection, plan, claim.now)),
      (error, failed) =>
        context.logger.warn(
          { err: error },
          `${this.#where()}: ${failed} of ${planned.length} claims failed; ` +
            `those jobs stay due and are claimed again on a later pass, unless the write ` +
            `reached the server before the error`,
        ),
    );
  }

  #started(): Connection {
    if (this.#connection === null) {
      throw new StoreNotStartedError(
        `MongoJobStore (${this.#options.database}.${this.#options.collection}) is not started; ` +
          `add it to a scheduler, or call start(context, alias) first`,
      );
    }
    return this.#connection;
  }

  /** Forgets the connection and stops the watcher; the client is left to the caller. */
  async #release(): Promise<void> {
    const connection = this.#connection;
    this.#connection = null;
    await connection?.watcher?.stop();
  }

  #where(alias = this.#connection?.alias): string {
    const { database, collection } = this.#options;
    return `MongoDB job store${alias === undefined ? '' : ` '${alias}'`} (${database}.${collection})`;
  }
}

/** A stored document as the store toolkit reads it. */
function storedRow(document: WithId<JobDocument>): StoredJob {
  // A document written by hand may hold the state as an object; restoring takes either.
  const state = document.state as string | JobState;
  return { id: document._id, nextRunTime: document.nextRunTime ?? null, document: state };
}
