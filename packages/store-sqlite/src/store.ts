/**
 * SQLiteJobStore (alias `sqlite`): jobs in a SQLite file through better-sqlite3, one row per
 * job with its next run time in an indexed column, safe to share between processes on one
 * machine. The fire step is one `BEGIN IMMEDIATE` transaction, which also writes the claimed
 * runs to the store's run ledger (`ledger.ts`).
 */
import {
  ConflictingIdError,
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
  type JobToStore,
  type UnrestorableJob,
} from '@kairos/core';
import type { Database as Connection, Transaction } from 'better-sqlite3';
import {
  describe,
  failedCall,
  fileCheck,
  FileGoneError,
  openDatabase,
  opening,
} from './connection.js';
import { openRuns, prepareLedger, SQLiteRunLedger, type LedgerSession } from './ledger.js';
import { resolveOptions, type ResolvedOptions, type SQLiteJobStoreOptions } from './options.js';
import { prepareSchema } from './schema.js';
import { settle } from './settle.js';
import { prepareStatements, type DueRow, type JobStatements } from './statements.js';
import { CommitWatch } from './wakeups.js';

/** What a started store holds; dropped at `shutdown()`. */
interface Session {
  readonly context: JobStoreContext;
  readonly alias: string;
  readonly database: Connection;
  /** Whether the store opened the connection (and so closes it). */
  readonly owned: boolean;
  readonly statements: JobStatements;
  readonly ledger: LedgerSession;
  readonly unrestorable: UnrestorableJobs;
  readonly claim: Transaction<(claim: DueJobsClaim) => ClaimedRun[]>;
  readonly insertAll: Transaction<(jobs: readonly JobToStore[]) => void>;
  /** The poll for other connections' commits; null when polling is off. */
  watch: CommitWatch | null;
}

/**
 * A persistent job store on SQLite. Jobs are rows of one table: the id, the next run time
 * (epoch ms, indexed, null when paused; this copy is authoritative) and the job's JSON
 * document. Several schedulers, in one process or several, may share a database file: each
 * due run is claimed by exactly one of them, in a `BEGIN IMMEDIATE` transaction, and each
 * learns of the others' changes by polling `PRAGMA data_version`. Its {@link ledger} keeps the
 * runs (leases, recovery, cluster-wide `maxInstances`, history) and the schedulers' heartbeats.
 *
 * better-sqlite3 is synchronous: each method does its work at once and returns a settled
 * promise (errors become rejections; a lock held past `busyTimeout` a JobStoreError saying so).
 *
 * @example
 * ```ts
 * const scheduler = new BackgroundScheduler({
 *   jobstores: { default: new SQLiteJobStore({ path: 'var/jobs.sqlite' }) },
 * });
 * ```
 */
export class SQLiteJobStore implements JobStore {
  readonly #options: ResolvedOptions;
  #session: Session | null = null;

  /**
   * The store's runs and nodes, in `<tableName>_runs` and `<tableName>_nodes`: leases,
   * recovery of abandoned runs, cluster-wide `maxInstances` and run history. Usable while the
   * store is started.
   */
  readonly ledger: SQLiteRunLedger = new SQLiteRunLedger(() => this.#live().ledger);

  /**
   * Checks the options; connects only at `start()`.
   * @throws ConfigurationError naming the option and the value
   */
  constructor(options: SQLiteJobStoreOptions = {}) {
    this.#options = resolveOptions(options, 'SQLiteJobStore');
  }

  /** The jobs table (the schema version is in `<tableName>_meta`). */
  get tableName(): string {
    return this.#options.tableName;
  }

  /**
   * Opens the database (or takes the given connection), switches a file it opens to WAL,
   * creates the tables and index when missing, checks the schema version, and starts polling
   * for other connections' commits. Rejects with a JobStoreError naming the file, the cause in
   * words and what to do when SQLite cannot use it (it cannot be opened or created, is not a
   * SQLite database, is corrupt, is read-only), with SQLite's error as `cause`; with a
   * JobStoreError when the table is not a Kairos job table; with a SchemaVersionError when its
   * schema version is newer than this package knows.
   */
  start(context: JobStoreContext, alias: string): Promise<void> {
    return settle(() => {
      this.#close();
      const where = `SQLiteJobStore '${alias}'`;
      const source = this.#options.source;
      const { database, owned } = openDatabase(source, where);
      try {
        const tableName = this.#options.tableName;
        // SQLite reads the file at the first statements: one that is not a database fails here.
        const { statements, ledger } = opening(source, where, () => {
          prepareSchema(database, tableName, `${where} (${describe(database)})`);
          return {
            statements: prepareStatements(database, tableName),
            ledger: prepareLedger(database, tableName),
          };
        });
        const unrestorable = new UnrestorableJobs(context, alias);
        const session: Session = {
          context,
          alias,
          database,
          owned,
          statements,
          ledger,
          unrestorable,
          claim: database.transaction((claim: DueJobsClaim) => claimDue(session, claim)),
          insertAll: database.transaction((jobs: readonly JobToStore[]) =>
            insertAll(session, jobs),
          ),
          watch: null,
        };
        session.watch = this.#watch(session, where);
        this.#session = session;
      } catch (error) {
        if (owned) database.close();
        throw error;
      }
    });
  }

  /** Stops polling and closes the connection the store opened (not one it was given). */
  shutdown(): Promise<void> {
    return settle(() => this.#close());
  }

  /** {@inheritDoc JobStore.lookupJob} */
  lookupJob(id: string): Promise<Job | null> {
    return this.#settle(() => {
      const session = this.#live();
      const row = session.statements.lookup.get(id);
      return row === undefined ? null : session.unrestorable.restoreStored(row);
    });
  }

  /**
   * {@inheritDoc JobStore.getNextRunTime}
   * One indexed query of `n + 1` rows for `n` jobs known to be unrestorable.
   */
  getNextRunTime(): Promise<number | null> {
    return this.#settle(() => nextRunTime(this.#live()));
  }

  /** Every job: scheduled ones earliest first, then paused ones in the order they were added. */
  getAllJobs(): Promise<Job[]> {
    return this.#settle(() => {
      const session = this.#live();
      const { statements, unrestorable } = session;
      return unrestorable.restoreAll([...statements.scheduled.all(), ...statements.paused.all()]);
    });
  }

  /** {@inheritDoc JobStore.getUnrestorableJobs} */
  getUnrestorableJobs(): Promise<UnrestorableJob[]> {
    return this.#settle(() => this.#live().unrestorable.list());
  }

  /**
   * {@inheritDoc JobStore.addJob}
   * A job that cannot be stored (a function task without a registered name, arguments JSON
   * cannot hold) fails with the context's `SerializationError` before anything is written.
   */
  addJob(job: Job): Promise<void> {
    return this.#settle(() => {
      const session = this.#live();
      insertAll(session, [storedJob(session.context, job)]);
    });
  }

  /**
   * {@inheritDoc JobStore.addJobs}
   * One `BEGIN IMMEDIATE` transaction of prepared INSERTs: when an id is taken (or given
   * twice) it rolls back, and none of the jobs is stored. Other processes see the whole batch
   * at once, with one commit to notice.
   * @throws SerializationError before anything is written when a job cannot be stored
   */
  addJobs(jobs: readonly Job[]): Promise<void> {
    return this.#settle(() => {
      const session = this.#live();
      const stored = storedBatch(session.context, jobs, session.alias);
      if (stored.length > 0) session.insertAll.immediate(stored);
    });
  }

  /** {@inheritDoc JobStore.updateJob} */
  updateJob(job: Job): Promise<void> {
    return this.#settle(() => {
      const session = this.#live();
      const { nextRunTime, document } = storedJob(session.context, job);
      const { changes } = session.statements.update.run(nextRunTime, document, job.id);
      // Also when it is gone: another process removed it.
      session.unrestorable.forget(job.id);
      if (changes === 0) throw new JobLookupError(job.id, session.alias);
    });
  }

  /** {@inheritDoc JobStore.updateJobIf} One conditional UPDATE. */
  updateJobIf(job: Job, nextRunTimeMs: number | null): Promise<boolean> {
    return this.#settle(() => {
      const session = this.#live();
      const { nextRunTime, document } = storedJob(session.context, job);
      const { statements } = session;
      const { changes } = statements.updateIf.run(nextRunTime, document, job.id, nextRunTimeMs);
      session.unrestorable.forget(job.id);
      if (changes > 0) return true;
      if (statements.lookup.get(job.id) === undefined)
        throw new JobLookupError(job.id, session.alias);
      return false;
    });
  }

  /** {@inheritDoc JobStore.removeJob} */
  removeJob(id: string): Promise<void> {
    return this.#settle(() => {
      const session = this.#live();
      const { changes } = session.statements.remove.run(id);
      session.unrestorable.forget(id);
      if (changes === 0) throw new JobLookupError(id, session.alias);
    });
  }

  /** {@inheritDoc JobStore.removeAllJobs} The runs and nodes stay (see `ledger.clear()`). */
  removeAllJobs(): Promise<void> {
    return this.#settle(() => {
      const session = this.#live();
      session.statements.removeAll.run();
      session.unrestorable.clear();
    });
  }

  /**
   * {@inheritDoc JobStore.claimDueJobs}
   * One `BEGIN IMMEDIATE` transaction: it holds the database's write lock from the first read,
   * so no other connection changes the jobs between the read and the writes, and each due run
   * is claimed once however many schedulers share the file. With `claim.runs` it also counts
   * each won job's slots in flight and writes its run rows, under that same lock. When another
   * connection holds the lock for longer than `busyTimeout`, it rejects with a JobStoreError
   * saying the file is locked (SQLITE_BUSY as its `cause`) and claims nothing.
   */
  claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]> {
    return this.#settle(() => this.#live().claim.immediate(claim));
  }

  /**
   * Runs a call on the started store as a settled promise; a locked or unusable database is
   * a JobStoreError saying so (see `failedCall`).
   */
  #settle<T>(action: () => T): Promise<T> {
    return settle(() => {
      try {
        return action();
      } catch (error) {
        const alias = this.#session?.alias;
        if (alias === undefined) throw error;
        throw failedCall(this.#options.source, `SQLiteJobStore '${alias}'`, error);
      }
    });
  }

  #live(): Session {
    if (this.#session === null) {
      throw new StoreNotStartedError(
        `SQLiteJobStore (table "${this.#options.tableName}") is not started; add it to a ` +
          `scheduler and start the scheduler (or call start(context, alias)) first`,
      );
    }
    return this.#session;
  }

  #close(): void {
    const session = this.#session;
    if (session === null) return;
    this.#session = null;
    session.watch?.stop();
    if (session.owned && session.database.open) session.database.close();
  }

  /** Polls for other connections' commits, unless polling is off or nobody else can commit. */
  #watch(session: Session, where: string): CommitWatch | null {
    if (this.#options.pollIntervalMs === 0 || session.database.memory) return null;
    const { context, statements } = session;
    const stillThere = fileCheck(this.#options.source, where);
    return new CommitWatch(
      {
        readVersion: () => {
          stillThere();
          return statements.dataVersion.get() ?? 0;
        },
        onCommit: () => {
          // Another connection changed the jobs: the loop wakes if the earliest job now comes
          // before its planned wakeup (removals and later jobs do not wake it).
          const next = nextRunTime(session);
          if (next !== null) context.wakeup(next);
        },
        onError: (error) => {
          if (error instanceof FileGoneError) context.logger.error({ err: error }, error.message);
          else
            context.logger.warn(
              { err: error },
              `${where}: checking for changes made by other processes failed; retrying every ` +
                `${this.#options.pollIntervalMs} ms`,
            );
        },
      },
      this.#options.pollIntervalMs,
    );
  }
}

/**
 * Inserts jobs, in the caller's transaction when there are several.
 * @throws ConflictingIdError naming the first id that is taken
 */
function insertAll(session: Session, jobs: readonly JobToStore[]): void {
  const { statements, unrestorable, alias } = session;
  for (const { id, nextRunTime, document } of jobs) {
    if (statements.insert.run(id, nextRunTime, document).changes === 0) {
      throw new ConflictingIdError(id, alias);
    }
  }
  for (const { id } of jobs) unrestorable.forget(id);
}

/** The earliest next run time among jobs not known to be unrestorable. */
function nextRunTime(session: Session): number | null {
  const { unrestorable, statements } = session;
  return unrestorable.nextRunTime(statements.earliest.all(unrestorable.size + 1));
}

/**
 * The body of the fire step, run inside `BEGIN IMMEDIATE`. Reads due rows a page at a time
 * (`limit` plus the number of skipped jobs, so skipped ones never crowd the others out), and
 * reads on while fewer than `limit` were claimed and more rows are due. With `claim.runs`, each
 * claimed job's run rows are written in the same transaction (in flight, or refused when the
 * job's slots are all taken).
 */
function claimDue(session: Session, claim: DueJobsClaim): ClaimedRun[] {
  const { statements, unrestorable, context } = session;
  const { now, limit } = claim;
  const claimed: ClaimedRun[] = [];
  if (limit <= 0) return claimed;
  const pageSize = limit + unrestorable.size;
  // A successor that is still due could come round again in a later page.
  const seen = new Set<string>();
  let rows: DueRow[] = statements.due.all(now, pageSize);
  for (;;) {
    const planning = { claim, context, unrestorable, seen, limit: limit - claimed.length };
    for (const { row, job, next, successor, opening } of planClaims(rows, planning).claims) {
      if (successor === null) statements.remove.run(row.id);
      else statements.update.run(successor.nextRunTime, successor.document, row.id);
      if (opening === null) claimed.push({ job, next });
      else claimed.push({ job, next, refused: !openRuns(session.ledger.statements, opening, now) });
    }
    const last = rows[rows.length - 1];
    if (claimed.length >= limit || rows.length < pageSize || last === undefined) return claimed;
    rows = statements.dueAfter.all(now, last.nextRunTime ?? now, last.rowid, pageSize);
  }
}
