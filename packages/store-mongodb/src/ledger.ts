/**
 * The run ledger of a MongoDB job store: runs in `<collection>_runs`, schedulers in
 * `<collection>_nodes`, and each job's runs in flight in `<collection>_slots`, where one
 * single-document update counts the job's slots and takes one. The writes of one step run in a
 * transaction where the server has them; on a standalone server they land one after another,
 * each decision still made by one conditional single-document write (see the README).
 */
import {
  encodeRunRow,
  JobStoreError,
  type AbandonedRun,
  type JobStoreContext,
  type LapsedScan,
  type NodeBeat,
  type NodeRow,
  type Retention,
  type RunLedger,
  type RunOpening,
  type RunQuery,
  type RunRow,
} from '@kairos/core';
import type { ClientSession, Collection, Db } from 'mongodb';
import {
  HISTORY_ORDER,
  historyFilter,
  lapsedRun,
  lapsedRuns,
  lastRunsPipeline,
  LEASE_ORDER,
  ownedRunInFlight,
  openingPipeline,
  releasePipeline,
  renewalPipeline,
  renewedRuns,
  rowOf,
  runDocument,
  runFields,
  slotEntry,
  slotsListing,
} from './ledger-queries.js';
import {
  codeOf,
  isDuplicateKeyError,
  type NodeDocument,
  type RunDocument,
  type SlotsDocument,
} from './schema.js';
import { finishRuns } from './outcomes.js';
import { settleWrites } from './settle.js';
import { atomically, type TransactionTarget } from './transactions.js';

/** Server error code of a command the server does not know (CommandNotFound). */
const COMMAND_NOT_FOUND = 59;

/** What the ledger of a started store works with. */
export interface LedgerTarget extends TransactionTarget {
  readonly db: Db;
  readonly runs: Collection<RunDocument>;
  readonly nodes: Collection<NodeDocument>;
  readonly slots: Collection<SlotsDocument>;
  readonly context: JobStoreContext;
  /** The store's alias, for messages. */
  readonly alias: string;
}

/**
 * Writes the runs of an opening: `opening.rows` when the job's slots document had a free slot
 * at `now` (taken by the same update), else `opening.refused`. Resolves to whether the runs were
 * opened. Part of the caller's transaction when `session` is given (a claim's, or `open`'s).
 */
export async function openRuns(
  target: LedgerTarget,
  opening: RunOpening,
  now: number,
  session: ClientSession | undefined,
): Promise<boolean> {
  // `refused` may be built when read: only when it is written.
  const { rows, maxInstances } = opening;
  const jobId = rows[0]?.jobId;
  if (jobId === undefined) return true;
  const pipeline = openingPipeline(rows.map(slotEntry), maxInstances, now);
  const decide = () =>
    target.slots.findOneAndUpdate({ _id: jobId }, pipeline, {
      upsert: true,
      returnDocument: 'after',
      projection: { opened: 1 },
      session,
    });
  let decided: SlotsDocument | null;
  try {
    decided = await decide();
  } catch (error) {
    // Two first openings of a job at once outside a transaction: the document is there now.
    // (In a transaction the conflict is the driver's to retry: never caught here.)
    if (session !== undefined || !isDuplicateKeyError(error)) throw error;
    decided = await decide();
  }
  const opened = decided?.opened === true;
  const written = opened ? rows : opening.refused;
  if (written.length > 0) {
    await target.runs.insertMany(written.map(runDocument), { session, ordered: true });
  }
  return opened;
}

/** The {@link RunLedger} of a `MongoJobStore`; every call needs the store started. */
export class MongoRunLedger implements RunLedger {
  readonly #target: () => LedgerTarget;

  /** @param target the started store's collections; throws when it is not started */
  constructor(target: () => LedgerTarget) {
    this.#target = target;
  }

  /**
   * The server's clock: the `localTime` of the `hello` command (of `isMaster` on a server older
   * than `hello`: before 4.2.10 and 4.4.2).
   * @throws JobStoreError when the reply has no `localTime`
   */
  async serverTime(): Promise<number> {
    const { db, alias } = this.#target();
    let reply: Record<string, unknown>;
    try {
      reply = await db.command({ hello: 1 });
    } catch (error) {
      if (codeOf(error) !== COMMAND_NOT_FOUND) throw error;
      reply = await db.command({ isMaster: 1 });
    }
    const localTime = reply['localTime'];
    if (localTime instanceof Date) return localTime.getTime();
    throw new JobStoreError(
      `MongoDB job store '${alias}': the server's reply to hello has no localTime (got ` +
        `${String(localTime)}), so the store's clock cannot be read; check that the url ` +
        `reaches a MongoDB server, not a proxy that answers hello itself`,
    );
  }

  /** {@inheritDoc RunLedger.open} */
  open(opening: RunOpening, now: number): Promise<boolean> {
    const target = this.#target();
    return atomically(target, (session) => openRuns(target, opening, now, session));
  }

  /**
   * {@inheritDoc RunLedger.finish}
   * The outcome and the release of the run's slot are one step; the trim comes after it.
   */
  async finish(row: RunRow, retention: Retention | null): Promise<boolean> {
    const [finished] = await finishRuns(this.#target(), [row], retention);
    return finished === true;
  }

  /**
   * {@inheritDoc RunLedger.finishMany}
   * One step (a transaction where the server has them) of three operations however many rows:
   * a read of the runs still without an outcome, a bulk write of their replaces, a bulk write of
   * their slot releases; then the trims of every job touched, an aggregation and a bulk delete.
   */
  finishMany(rows: readonly RunRow[], retention: Retention | null): Promise<boolean[]> {
    return finishRuns(this.#target(), rows, retention);
  }

  /**
   * {@inheritDoc RunLedger.start}
   * One unordered bulk write of single-document updates of the row text; the lease field is
   * left as it is.
   */
  async start(rows: readonly RunRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#target().runs.bulkWrite(
      rows.map((row) => ({
        updateOne: {
          filter: ownedRunInFlight(row.id, row.schedulerId),
          update: { $set: { row: encodeRunRow(row) } },
        },
      })),
      { ordered: false },
    );
  }

  /**
   * {@inheritDoc RunLedger.abandonLapsed}
   * Each run is its own step, all in flight at once. When some fail (the server went away) the
   * runs already ended are returned and the failure logged; when all fail, the first error is
   * thrown.
   */
  async abandonLapsed(scan: LapsedScan): Promise<AbandonedRun[]> {
    const target = this.#target();
    if (scan.limit <= 0) return [];
    const lapsed = await target.runs
      .find(lapsedRuns(scan.now), { sort: LEASE_ORDER, limit: scan.limit })
      .toArray();
    return settleWrites(
      lapsed.map((document) => abandon(target, rowOf(document), scan)),
      (error, failed) =>
        target.context.logger.warn(
          { err: error },
          `MongoDB job store '${target.alias}': ${failed} of ${lapsed.length} lapsed runs could not be ` +
            `ended as abandoned; they are found again by a later scan`,
        ),
    );
  }

  /** {@inheritDoc RunLedger.beat} */
  async beat(beat: NodeBeat): Promise<void> {
    const { runs, nodes, slots } = this.#target();
    const { id, host, pid, startedAt, now } = beat;
    await nodes.updateOne(
      { _id: id },
      { $set: { host, pid, startedAt, lastSeen: now } },
      { upsert: true },
    );
    if (beat.runIds.length > 0) {
      await runs.updateMany(renewedRuns(beat), { $set: { leaseUntil: beat.leaseUntil } });
      await slots.updateMany(slotsListing(beat.runIds), renewalPipeline(beat));
    }
    await nodes.deleteMany({ lastSeen: { $lt: beat.pruneBefore } });
  }

  /** {@inheritDoc RunLedger.leave} */
  async leave(nodeId: string): Promise<void> {
    await this.#target().nodes.deleteOne({ _id: nodeId });
  }

  /** {@inheritDoc RunLedger.getNodes} */
  async getNodes(): Promise<NodeRow[]> {
    const documents = await this.#target()
      .nodes.find({}, { sort: { _id: 1 } })
      .toArray();
    return documents.map(({ _id, host, pid, startedAt, lastSeen }) => ({
      id: _id,
      host,
      pid,
      startedAt,
      lastSeen,
    }));
  }

  /** {@inheritDoc RunLedger.getRuns} */
  async getRuns(query: RunQuery): Promise<RunRow[]> {
    const { runs } = this.#target();
    // A limit of 0 would mean none to the server.
    if (query.limit <= 0) return [];
    const documents = await runs
      .find(historyFilter(query), { sort: HISTORY_ORDER, limit: query.limit })
      .toArray();
    return documents.map(rowOf);
  }

  /** {@inheritDoc RunLedger.lastRuns} */
  async lastRuns(jobIds: readonly string[]): Promise<Map<string, RunRow>> {
    const { runs } = this.#target();
    const last = new Map<string, RunRow>();
    if (jobIds.length === 0) return last;
    const groups = await runs
      .aggregate<Pick<RunDocument, 'row' | 'leaseUntil'> & { _id: string }>(
        lastRunsPipeline(jobIds),
      )
      .toArray();
    for (const group of groups) last.set(group._id, rowOf(group));
    return last;
  }

  /** {@inheritDoc RunLedger.clear} */
  async clear(): Promise<void> {
    const { runs, nodes, slots } = this.#target();
    await runs.deleteMany({});
    await slots.deleteMany({});
    await nodes.deleteMany({});
  }
}

/**
 * Ends one lapsed run: the compare-and-set to `abandoned`, the retry's insert and the slot's
 * hand-over in one step. Null when another scheduler ended the run first.
 */
function abandon(
  target: LedgerTarget,
  row: RunRow,
  scan: LapsedScan,
): Promise<AbandonedRun | null> {
  const abandoned = scan.abandoned(row);
  const retry = scan.retry(row);
  return atomically(target, async (session) => {
    const result = await target.runs.replaceOne(lapsedRun(row.id, scan.now), runFields(abandoned), {
      session,
    });
    if (result.matchedCount === 0) return null;
    if (retry !== null) await target.runs.insertOne(runDocument(retry), { session });
    const added = retry === null ? [] : [slotEntry(retry)];
    await target.slots.updateOne({ _id: row.jobId }, releasePipeline([row.id], added), {
      session,
      upsert: retry !== null,
    });
    return { row: abandoned, retry };
  });
}
