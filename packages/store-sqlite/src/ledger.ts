/**
 * The run ledger of a SQLite job store: runs and nodes in two tables beside the jobs, every
 * write step one `BEGIN IMMEDIATE` transaction. The write lock is held from the first read, so
 * a count of a job's slots in flight and the rows written after it cannot interleave with
 * another scheduler's, and a lapsed run is ended by exactly one scan.
 */
import {
  decodeRunRow,
  encodeRunRow,
  type AbandonedRun,
  type LapsedScan,
  type NodeBeat,
  type NodeRow,
  type Retention,
  type RunLedger,
  type RunOpening,
  type RunQuery,
  type RunRow,
} from '@kairos/core';
import type { Database, Transaction } from 'better-sqlite3';
import {
  prepareLedgerStatements,
  runColumns,
  runQueryParameters,
  type LedgerStatements,
} from './ledger-statements.js';
import { settle } from './settle.js';

/** What a started store's ledger works with; made at `start()`, dropped at `shutdown()`. */
export interface LedgerSession {
  readonly statements: LedgerStatements;
  readonly open: Transaction<(opening: RunOpening, now: number) => boolean>;
  /** Records outcomes: each row's `finish` result, in order. */
  readonly finish: Transaction<(rows: readonly RunRow[], retention: Retention | null) => boolean[]>;
  readonly abandon: Transaction<(scan: LapsedScan) => AbandonedRun[]>;
  /** Records that runs in flight started (see `RunLedger.start`). */
  readonly start: Transaction<(rows: readonly RunRow[]) => void>;
  readonly beat: Transaction<(beat: NodeBeat) => void>;
  readonly clear: Transaction<() => void>;
  /** A read transaction, so that several lookups see one snapshot. */
  readonly lastRuns: Transaction<(jobIds: readonly string[]) => Map<string, RunRow>>;
}

/** Prepares the ledger's statements and transactions on a store's connection. */
export function prepareLedger(database: Database, tableName: string): LedgerSession {
  const statements = prepareLedgerStatements(database, tableName);
  return {
    statements,
    open: database.transaction((opening: RunOpening, now: number) =>
      openRuns(statements, opening, now),
    ),
    finish: database.transaction((rows: readonly RunRow[], retention: Retention | null) =>
      finishRuns(statements, rows, retention),
    ),
    abandon: database.transaction((scan: LapsedScan) => abandonLapsed(statements, scan)),
    start: database.transaction((rows: readonly RunRow[]) => {
      for (const row of rows) {
        statements.startRun.run({
          id: row.id,
          schedulerId: row.schedulerId,
          row: encodeRunRow(row),
        });
      }
    }),
    beat: database.transaction((beat: NodeBeat) => recordBeat(statements, beat)),
    clear: database.transaction(() => {
      statements.clearRuns.run();
      statements.clearNodes.run();
    }),
    lastRuns: database.transaction((jobIds: readonly string[]) => lastRuns(statements, jobIds)),
  };
}

/**
 * Writes the runs of one submission, in the caller's transaction (the claim's, or `open`'s):
 * `opening.rows` when the job holds fewer than `opening.maxInstances` distinct slots in flight
 * (no outcome, lease not lapsed at `now`), else `opening.refused`.
 * @returns whether the runs in flight were written
 */
export function openRuns(statements: LedgerStatements, opening: RunOpening, now: number): boolean {
  const first = opening.rows[0] ?? opening.refused[0];
  if (first === undefined) return true;
  const opened = statements.slotsInFlight.get(first.jobId, now) ?? 0;
  const free = opened < opening.maxInstances;
  for (const row of free ? opening.rows : opening.refused) {
    statements.insertRun.run(runColumns(row));
  }
  return free;
}

/**
 * Records outcomes, in the caller's transaction: each row replaces its stored row if that has
 * no outcome yet; then each job that had a row written is trimmed once, as of its newest finish
 * among them. With history off (`keep` 0) a row is deleted at once instead, which is what its
 * trim would do.
 * @returns whether each row was written, in order
 */
function finishRuns(
  statements: LedgerStatements,
  rows: readonly RunRow[],
  retention: Retention | null,
): boolean[] {
  const drop = retention !== null && retention.keep <= 0;
  // The job of each row written, and the time its trim counts from: its newest finish.
  const trimFrom = new Map<string, number>();
  const written = rows.map((row) => {
    const { changes } = drop
      ? statements.dropRun.run(row.id)
      : statements.finishRun.run(runColumns(row));
    if (changes === 0) return false;
    // A row without a finish time drops nothing for its age.
    const finishedAt = row.finishedAt ?? Number.NEGATIVE_INFINITY;
    trimFrom.set(row.jobId, Math.max(finishedAt, trimFrom.get(row.jobId) ?? finishedAt));
    return true;
  });
  if (retention !== null) {
    for (const [jobId, now] of trimFrom) trimJob(statements, jobId, now, retention);
  }
  return written;
}

/** Deletes the job's finished runs `retention` drops at `now`; skips a job that has none. */
function trimJob(
  statements: LedgerStatements,
  jobId: string,
  now: number,
  retention: Retention,
): void {
  const parameters = {
    jobId,
    oldest: now - retention.maxAge * 1000,
    // OFFSET takes an integer: an unbounded `keep` keeps every run.
    keep: Number.isFinite(retention.keep) ? retention.keep : Number.MAX_SAFE_INTEGER,
  };
  if (statements.trimDue.get(parameters) === 1) statements.trimRuns.run(parameters);
}

function abandonLapsed(statements: LedgerStatements, scan: LapsedScan): AbandonedRun[] {
  if (scan.limit <= 0) return [];
  const ended: AbandonedRun[] = [];
  for (const text of statements.lapsed.all(scan.now, scan.limit)) {
    const lapsed = decodeRunRow(text);
    const row = scan.abandoned(lapsed);
    const { changes } = statements.abandonRun.run({ ...runColumns(row), now: scan.now });
    if (changes === 0) continue;
    const retry = scan.retry(lapsed);
    if (retry !== null) statements.insertRun.run(runColumns(retry));
    ended.push({ row, retry });
  }
  return ended;
}

function recordBeat(statements: LedgerStatements, beat: NodeBeat): void {
  const { id, host, pid, startedAt, now } = beat;
  statements.upsertNode.run({ id, host, pid, startedAt, lastSeen: now });
  if (beat.runIds.length > 0) {
    statements.renewLeases.run({
      leaseUntil: beat.leaseUntil,
      ids: JSON.stringify(beat.runIds),
      schedulerId: id,
    });
  }
  statements.pruneNodes.run(beat.pruneBefore);
}

function lastRuns(statements: LedgerStatements, jobIds: readonly string[]): Map<string, RunRow> {
  const newest = new Map<string, RunRow>();
  for (const jobId of jobIds) {
    if (newest.has(jobId)) continue;
    const text = statements.lastRun.get(jobId);
    if (text !== undefined) newest.set(jobId, decodeRunRow(text));
  }
  return newest;
}

/**
 * {@link RunLedger} over a started SQLite store. better-sqlite3 is synchronous: every method
 * does its work at once and returns a settled promise (SQLITE_BUSY after `busyTimeout`
 * included, as a rejection, with nothing written).
 */
export class SQLiteRunLedger implements RunLedger {
  readonly #live: () => LedgerSession;

  /** @param live the started store's ledger session; throws when the store is not started */
  constructor(live: () => LedgerSession) {
    this.#live = live;
  }

  /** {@inheritDoc RunLedger.open} */
  open(opening: RunOpening, now: number): Promise<boolean> {
    return settle(() => this.#live().open.immediate(opening, now));
  }

  /** {@inheritDoc RunLedger.finish} */
  finish(row: RunRow, retention: Retention | null): Promise<boolean> {
    return settle(() => this.#live().finish.immediate([row], retention)[0] === true);
  }

  /**
   * {@inheritDoc RunLedger.finishMany}
   * One `BEGIN IMMEDIATE` transaction of prepared statements: an UPDATE by id a row (a DELETE
   * with history off), then one trim per job written, skipped when the job's history index
   * shows nothing retention could drop.
   */
  finishMany(rows: readonly RunRow[], retention: Retention | null): Promise<boolean[]> {
    return settle(() => (rows.length === 0 ? [] : this.#live().finish.immediate(rows, retention)));
  }

  /**
   * {@inheritDoc RunLedger.start}
   * One `BEGIN IMMEDIATE` transaction: an UPDATE by id per row, its lease copied from the
   * stored `lease_until`.
   */
  start(rows: readonly RunRow[]): Promise<void> {
    return settle(() => {
      if (rows.length > 0) this.#live().start.immediate(rows);
    });
  }

  /** {@inheritDoc RunLedger.abandonLapsed} */
  abandonLapsed(scan: LapsedScan): Promise<AbandonedRun[]> {
    return settle(() => this.#live().abandon.immediate(scan));
  }

  /** {@inheritDoc RunLedger.beat} */
  beat(beat: NodeBeat): Promise<void> {
    return settle(() => this.#live().beat.immediate(beat));
  }

  /** {@inheritDoc RunLedger.leave} */
  leave(nodeId: string): Promise<void> {
    return settle(() => {
      this.#live().statements.removeNode.run(nodeId);
    });
  }

  /** {@inheritDoc RunLedger.getNodes} */
  getNodes(): Promise<NodeRow[]> {
    return settle(() => this.#live().statements.nodes.all());
  }

  /**
   * {@inheritDoc RunLedger.getRuns}
   * One statement per shape of query, walking `<table>_runs_job` when `jobId` is given and
   * `<table>_runs_time` otherwise, in the order of the index: it reads `limit` rows that match.
   */
  getRuns(query: RunQuery): Promise<RunRow[]> {
    return settle(() => {
      const { statements } = this.#live();
      if (query.limit <= 0 || query.outcomes?.length === 0) return [];
      return statements.runs(query).all(runQueryParameters(query)).map(decodeRunRow);
    });
  }

  /** {@inheritDoc RunLedger.lastRuns} */
  lastRuns(jobIds: readonly string[]): Promise<Map<string, RunRow>> {
    return settle(() => this.#live().lastRuns(jobIds));
  }

  /** {@inheritDoc RunLedger.clear} */
  clear(): Promise<void> {
    return settle(() => this.#live().clear.immediate());
  }
}
