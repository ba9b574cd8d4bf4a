/**
 * MongoJobStore (alias `mongodb`): jobs in a MongoDB collection, one document per job, shared
 * safely by any number of schedulers through compare-and-set claims.
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictingIdError,
  JobLookupError,
  StoreNotStartedError,
  UnrestorableJobs,
  type ClaimedRun,
  type UnrestorableJob,
  type DueJobsClaim,
  type Job,
  type JobState,
  type JobStore,
  type JobStoreContext,
} from '@kairos/core';
import { MongoClient, ReadPreference, type Collection, type WithId } from 'mongodb';
import { ChangeWatcher } from './change-watcher.js';
import {
  claimFilter,
  dueFilter,
  isDuplicateKeyError,
  SCHEDULED,
  storedFields,
  TIME_ORDER,
  wakeupPipeline,
  type JobDocument,
  type MetaDocument,
  type StoredFields,
  type WakeupChange,
} from './documents.js';
import {
  metaCollectionName,
  resolveOptions,
  type MongoJobStoreOptions,
  type ResolvedOptions,
} from './options.js';
import { ensureSchema } from './schema.js';

/** What a started store works with; gone after `shutdown()`. */
interface Connection {
  readonly client: MongoClient;
  /** Whether the store made the client (from `url`) and so closes it. */
  readonly ownsClient: boolean;
  readonly jobs: Collection<JobDocument>;
  readonly context: JobStoreContext;
  readonly alias: string;
  readonly unrestorable: UnrestorableJobs;
  watcher: ChangeWatcher | null;
}

/** A claim the fire step is about to write. */
interface PlannedClaim {
  readonly job: Job;
  readonly next: Job | null;
  /** The stored id, next run time and state the job was read with: the compare-and-set. */
  readonly id: string;
  readonly expected: number;
  readonly expectedState: string | JobState;
  /** The successor's fields, or null to delete the job. */
  readonly fields: StoredFields | null;
}

/**
 * A job store on MongoDB. Each job is one document `{_id, nextRunTime, state, writtenBy}` with
 * an index on `{nextRunTime, _id}`; every query is an indexed range or an `_id` lookup.
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
   * Connects (with `url`), records the schema version or checks the stored one, creates the
   * index, and starts listening for other processes' jobs.
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
      await ensureSchema(meta, jobs, this.#where(alias));
      const connection: Connection = {
        client,
        ownsClient,
        jobs,
        context,
        alias,
        unrestorable: new UnrestorableJobs(context, alias),
        watcher: null,
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
    return document === null ? null : this.#restore(document);
  }

  /** {@inheritDoc JobStore.getDueJobs} */
  async getDueJobs(now: number): Promise<Job[]> {
    const { jobs } = this.#started();
    const documents = await jobs.find(dueFilter(now), { sort: TIME_ORDER }).toArray();
    return this.#restoreAll(documents);
  }

  /** The earliest next run time of a job this scheduler can restore; one indexed query. */
  async getNextRunTime(): Promise<number | null> {
    const { jobs, unrestorable } = this.#started();
    // The skipped jobs cannot hide the first restorable one among `size + 1` rows.
    const rows = unrestorable.size + 1;
    const documents = await jobs
      .find(SCHEDULED, { sort: TIME_ORDER, limit: rows, projection: { _id: 1, nextRunTime: 1 } })
      .toArray();
    const first = documents.find((document) => !unrestorable.has(document._id));
    return typeof first?.nextRunTime === 'number' ? first.nextRunTime : null;
  }

  /** Every job: scheduled ones earliest first, then paused ones by id. */
  async getAllJobs(): Promise<Job[]> {
    const { jobs } = this.#started();
    // One indexed pass: paused jobs (null) sort first, and move to the end here.
    const documents = await jobs.find({}, { sort: TIME_ORDER }).toArray();
    const paused = documents.filter((document) => typeof document.nextRunTime !== 'number');
    const scheduled = documents.filter((document) => typeof document.nextRunTime === 'number');
    return this.#restoreAll([...scheduled, ...paused]);
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
    const fields = storedFields(context.serializeJob(job));
    try {
      await jobs.insertOne({ _id: job.id, ...fields, writtenBy: this.#instanceId });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictingIdError(job.id, alias);
      throw error;
    }
    unrestorable.forget(job.id);
  }

  /**
   * {@inheritDoc JobStore.updateJob}
   * @throws SerializationError before anything is written, when the job cannot be stored
   */
  async updateJob(job: Job): Promise<void> {
    const { jobs, context, alias, unrestorable } = this.#started();
    const fields = storedFields(context.serializeJob(job));
    const result = await jobs.replaceOne(
      { _id: job.id },
      { ...fields, writtenBy: this.#instanceId },
    );
    // Also when it is gone: another process removed it.
    unrestorable.forget(job.id);
    if (result.matchedCount === 0) throw new JobLookupError(job.id, alias);
  }

  /** {@inheritDoc JobStore.removeJob} */
  async removeJob(id: string): Promise<void> {
    const { jobs, alias, unrestorable } = this.#started();
    const result = await jobs.deleteOne({ _id: id });
    unrestorable.forget(id);
    if (result.deletedCount === 0) throw new JobLookupError(id, alias);
  }

  /** {@inheritDoc JobStore.removeAllJobs} */
  async removeAllJobs(): Promise<void> {
    const { jobs, unrestorable } = this.#started();
    await jobs.deleteMany({});
    unrestorable.clear();
  }

  /**
   * {@inheritDoc JobStore.claimDueJobs}
   * One read of at most `limit` (plus skipped) due jobs, then one conditional write per claimed
   * job, all in flight at once. A write that matches nothing lost its job to another claimer.
   * When some writes fail (the server went away mid-claim) the runs already won are returned
   * and the failures logged; when all fail, the first error is thrown.
   */
  async claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    const { jobs, context, unrestorable } = this.#started();
    if (claim.limit <= 0) return [];
    const rows = claim.limit + unrestorable.size;
    const documents = await jobs
      .find(dueFilter(claim.now), { sort: TIME_ORDER, limit: rows, batchSize: rows })
      .toArray();
    const planned: PlannedClaim[] = [];
    for (const document of documents) {
      if (planned.length >= claim.limit) break;
      const expected = document.nextRunTime;
      if (typeof expected !== 'number') continue; // the due filter matched only numbers
      const job = this.#restore(document);
      if (job === null) continue;
      const next = claim.advance(job);
      if (next === undefined) continue;
      planned.push({
        job,
        next,
        id: document._id,
        expected,
        expectedState: document.state,
        // Serialised before any write, so a job that cannot be stored fails the call cleanly.
        fields: next === null ? null : storedFields(context.serializeJob(next)),
      });
    }
    const outcomes = await Promise.allSettled(
      planned.map(({ id, expected, expectedState, fields }) =>
        fields === null
          ? jobs.findOneAndDelete(claimFilter(id, expected, expectedState), {
              projection: { _id: 1 },
            })
          : jobs.findOneAndUpdate(
              claimFilter(id, expected, expectedState),
              { $set: fields },
              { projection: { _id: 1 } },
            ),
      ),
    );
    const won: ClaimedRun[] = [];
    const errors: unknown[] = [];
    outcomes.forEach((outcome, index) => {
      const plan = planned[index];
      if (plan === undefined) return;
      if (outcome.status === 'rejected') errors.push(outcome.reason);
      else if (outcome.value !== null) won.push({ job: plan.job, next: plan.next });
    });
    if (errors.length > 0) {
      if (won.length === 0) throw errors[0];
      context.logger.warn(
        { err: errors[0] },
        `${this.#where()}: ${errors.length} of ${planned.length} claims failed; ` +
          `those jobs stay due and are claimed again on a later pass, unless the write ` +
          `reached the server before the error`,
      );
    }
    return won;
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

  #restore(document: WithId<JobDocument>): Job | null {
    const { unrestorable } = this.#started();
    // A document written by hand may hold the state as an object; restore takes either.
    const state = document.state as string | JobState;
    return unrestorable.restore(document._id, state, document.nextRunTime ?? null);
  }

  #restoreAll(documents: WithId<JobDocument>[]): Job[] {
    const restored: Job[] = [];
    for (const document of documents) {
      const job = this.#restore(document);
      if (job !== null) restored.push(job);
    }
    return restored;
  }

  #where(alias = this.#connection?.alias): string {
    const { database, collection } = this.#options;
    return `MongoDB job store${alias === undefined ? '' : ` '${alias}'`} (${database}.${collection})`;
  }
}
