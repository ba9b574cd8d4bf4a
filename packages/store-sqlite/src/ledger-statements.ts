/**
 * The SQL of a SQLite store's run ledger, prepared once per `start()`. Each query names the
 * index it is meant to walk (see `schema.ts`): a job's history and its newest run walk
 * `<table>_runs_job`, the history of every job `<table>_runs_time`, the lapsed scan and the
 * slot count the partial indexes of the runs in flight. Runs come back as their `row` text.
 */
import { encodeRunRow, type NodeRow, type RunQuery, type RunRow } from '@kairos/core';
import type { Database, Statement } from 'better-sqlite3';
import { tableNames } from './schema.js';

/** A run as the statements write it: the indexed copies and the whole row as JSON text. */
export interface RunColumns {
  readonly id: string;
  readonly jobId: string;
  readonly scheduledRunTime: number;
  readonly outcome: string | null;
  readonly schedulerId: string;
  readonly leaseUntil: number | null;
  readonly slot: string;
  readonly row: string;
}

/** The columns of a run row (the row text is `encodeRunRow`). */
export function runColumns(row: RunRow): RunColumns {
  return {
    id: row.id,
    jobId: row.jobId,
    scheduledRunTime: row.scheduledRunTime,
    outcome: row.outcome,
    schedulerId: row.schedulerId,
    leaseUntil: row.leaseUntil,
    slot: row.slot,
    row: encodeRunRow(row),
  };
}

/** Which of a job's finished runs retention keeps: the newest `keep`, none before `oldest`. */
export interface TrimParameters {
  readonly jobId: string;
  /** Epoch ms; finished runs scheduled before it go. */
  readonly oldest: number;
  /** An integer (OFFSET takes one). */
  readonly keep: number;
}

/** The parameters of a {@link LedgerStatements.runs} statement. */
export type RunQueryParameters = Record<string, string | number>;

/** The prepared statements of one connection to one store's runs and nodes tables. */
export interface LedgerStatements {
  /** (columns) → inserts a run; a taken id is a constraint error. */
  readonly insertRun: Statement<[RunColumns]>;
  /** (jobId, now) → how many distinct slots the job's runs in flight hold (plucked). */
  readonly slotsInFlight: Statement<[string, number], number>;
  /**
   * (columns) → records the outcome of a run that has none yet (its outcome, lease and row
   * text); 0 changes otherwise. The run's time and owner stay as opened: a finish never changes
   * them, and a column left out of SET spares SQLite the update of the indexes that hold it.
   */
  readonly finishRun: Statement<[RunColumns]>;
  /** (id) → deletes a run that has no outcome yet (its outcome, with history off); 0 otherwise. */
  readonly dropRun: Statement<[string]>;
  /**
   * ({id, schedulerId, row}) → replaces the row text of a run that the scheduler owns and that
   * has no outcome yet (it started), keeping its lease; 0 changes otherwise.
   */
  readonly startRun: Statement<[{ id: string; schedulerId: string; row: string }]>;
  /**
   * ({jobId, oldest, keep}) → 1 when retention may drop some of the job's runs (it has more
   * than `keep` runs, or one scheduled before `oldest`), else 0 (plucked). Reads the job's
   * index only.
   */
  readonly trimDue: Statement<[TrimParameters], number>;
  /** ({jobId, oldest, keep}) → deletes the job's finished runs retention drops. */
  readonly trimRuns: Statement<[TrimParameters]>;
  /** (now, limit) → the row text of lapsed runs, oldest lease first (plucked). */
  readonly lapsed: Statement<[number, number], string>;
  /** (columns and now) → ends a run still in flight with a lapsed lease; 0 changes otherwise. */
  readonly abandonRun: Statement<[RunColumns & { now: number }]>;
  /** ({leaseUntil, ids (JSON array), schedulerId}) → renews the owner's runs in flight. */
  readonly renewLeases: Statement<[{ leaseUntil: number; ids: string; schedulerId: string }]>;
  /** (node) → inserts or replaces a node. */
  readonly upsertNode: Statement<[NodeRow]>;
  /** (before) → deletes the nodes last seen before it. */
  readonly pruneNodes: Statement<[number]>;
  /** (id) → deletes a node. */
  readonly removeNode: Statement<[string]>;
  /** Every node, by id. */
  readonly nodes: Statement<[], NodeRow>;
  /** (jobId) → the row text of the job's newest run (plucked). */
  readonly lastRun: Statement<[string], string>;
  readonly clearRuns: Statement<[]>;
  readonly clearNodes: Statement<[]>;
  /** The history query for the filters a {@link RunQuery} uses; prepared once per shape. */
  runs(query: RunQuery): Statement<[RunQueryParameters], string>;
}

/** Prepares the ledger statements of a store over `tableName` (a validated identifier). */
export function prepareLedgerStatements(database: Database, tableName: string): LedgerStatements {
  const { runs, nodes } = tableNames(tableName);
  const columns = `id, job_id, scheduled_run_time, outcome, scheduler_id, lease_until, slot, row`;
  const values = `@id, @jobId, @scheduledRunTime, @outcome, @schedulerId, @leaseUntil, @slot, @row`;
  const replace =
    `scheduled_run_time = @scheduledRunTime, outcome = @outcome, scheduler_id = @schedulerId, ` +
    `lease_until = @leaseUntil, row = @row`;
  const newestFirst = `ORDER BY scheduled_run_time DESC, id DESC`;
  const shapes = new Map<string, Statement<[RunQueryParameters], string>>();
  return {
    insertRun: database.prepare(`INSERT INTO ${runs} (${columns}) VALUES (${values})`),
    slotsInFlight: database
      .prepare<[string, number], number>(
        `SELECT count(DISTINCT slot) FROM ${runs} ` +
          `WHERE job_id = ? AND outcome IS NULL AND lease_until >= ?`,
      )
      .pluck(),
    finishRun: database.prepare(
      `UPDATE ${runs} SET outcome = @outcome, lease_until = @leaseUntil, row = @row ` +
        `WHERE id = @id AND outcome IS NULL`,
    ),
    dropRun: database.prepare(`DELETE FROM ${runs} WHERE id = ? AND outcome IS NULL`),
    startRun: database.prepare(
      `UPDATE ${runs} SET row = json_set(@row, '$.leaseUntil', lease_until) ` +
        `WHERE id = @id AND scheduler_id = @schedulerId AND outcome IS NULL`,
    ),
    // Rows in flight count too, and the oldest row may be one: 1 means "maybe", and the DELETE
    // decides. Both parts are index-only lookups on the job's history index.
    trimDue: database
      .prepare<[TrimParameters], number>(
        `SELECT EXISTS (SELECT 1 FROM ${runs} WHERE job_id = @jobId ${newestFirst} ` +
          `LIMIT 1 OFFSET @keep) OR coalesce((SELECT scheduled_run_time FROM ${runs} ` +
          `WHERE job_id = @jobId ORDER BY scheduled_run_time, id LIMIT 1) < @oldest, 0)`,
      )
      .pluck(),
    // The newest `keep` finished runs in the history's order are kept, and none older than
    // `oldest`: `rowsToTrim`'s rule, in one statement that walks the job's index.
    trimRuns: database.prepare(
      `DELETE FROM ${runs} WHERE job_id = @jobId AND outcome IS NOT NULL AND ` +
        `(scheduled_run_time < @oldest OR id IN (SELECT id FROM ${runs} ` +
        `WHERE job_id = @jobId AND outcome IS NOT NULL ${newestFirst} LIMIT -1 OFFSET @keep))`,
    ),
    lapsed: database
      .prepare<[number, number], string>(
        `SELECT row FROM ${runs} WHERE outcome IS NULL AND lease_until < ? ` +
          `ORDER BY lease_until, id LIMIT ?`,
      )
      .pluck(),
    abandonRun: database.prepare(
      `UPDATE ${runs} SET ${replace} WHERE id = @id AND outcome IS NULL AND lease_until < @now`,
    ),
    renewLeases: database.prepare(
      `UPDATE ${runs} SET lease_until = @leaseUntil, ` +
        `row = json_set(row, '$.leaseUntil', @leaseUntil) ` +
        `WHERE id IN (SELECT value FROM json_each(@ids)) AND scheduler_id = @schedulerId ` +
        `AND outcome IS NULL`,
    ),
    upsertNode: database.prepare(
      `INSERT INTO ${nodes} (id, host, pid, started_at, last_seen) ` +
        `VALUES (@id, @host, @pid, @startedAt, @lastSeen) ON CONFLICT (id) DO UPDATE SET ` +
        `host = excluded.host, pid = excluded.pid, started_at = excluded.started_at, ` +
        `last_seen = excluded.last_seen`,
    ),
    pruneNodes: database.prepare(`DELETE FROM ${nodes} WHERE last_seen < ?`),
    removeNode: database.prepare(`DELETE FROM ${nodes} WHERE id = ?`),
    nodes: database.prepare(
      `SELECT id, host, pid, started_at AS startedAt, last_seen AS lastSeen ` +
        `FROM ${nodes} ORDER BY id`,
    ),
    lastRun: database
      .prepare<[string], string>(`SELECT row FROM ${runs} WHERE job_id = ? ${newestFirst} LIMIT 1`)
      .pluck(),
    clearRuns: database.prepare(`DELETE FROM ${runs}`),
    clearNodes: database.prepare(`DELETE FROM ${nodes}`),
    runs(query) {
      const { sql, shape } = runsQuery(runs, query);
      let statement = shapes.get(shape);
      if (statement === undefined) {
        statement = database.prepare<[RunQueryParameters], string>(sql).pluck();
        shapes.set(shape, statement);
      }
      return statement;
    },
  };
}

/**
 * The SQL of a history query with only the conditions `query` uses (so the planner sees
 * plain ranges on the index), and a key naming that shape. `after` is a row value
 * comparison, which walks the same index as the order.
 */
function runsQuery(runs: string, query: RunQuery): { sql: string; shape: string } {
  const conditions: string[] = [];
  if (query.jobId !== undefined) conditions.push('job_id = @jobId');
  if (query.outcomes !== undefined) {
    const inFlight = query.outcomes.includes(null);
    const ended = query.outcomes.some((outcome) => outcome !== null);
    const listed = 'outcome IN (SELECT value FROM json_each(@outcomes))';
    if (inFlight && ended) conditions.push(`(outcome IS NULL OR ${listed})`);
    else if (inFlight) conditions.push('outcome IS NULL');
    else conditions.push(listed);
  }
  if (query.since !== undefined) conditions.push('scheduled_run_time >= @since');
  if (query.until !== undefined) conditions.push('scheduled_run_time <= @until');
  if (query.after !== undefined) {
    conditions.push('(scheduled_run_time, id) < (@afterTime, @afterId)');
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')} `;
  return {
    sql: `SELECT row FROM ${runs} ${where}ORDER BY scheduled_run_time DESC, id DESC LIMIT @limit`,
    shape: conditions.join(' AND '),
  };
}

/** The parameters of the statement {@link LedgerStatements.runs} gives for `query`. */
export function runQueryParameters(query: RunQuery): RunQueryParameters {
  const parameters: RunQueryParameters = { limit: query.limit };
  if (query.jobId !== undefined) parameters.jobId = query.jobId;
  const ended = query.outcomes?.filter((outcome) => outcome !== null) ?? [];
  if (ended.length > 0) parameters.outcomes = JSON.stringify(ended);
  if (query.since !== undefined) parameters.since = query.since;
  if (query.until !== undefined) parameters.until = query.until;
  if (query.after !== undefined) {
    parameters.afterTime = query.after.scheduledRunTime;
    parameters.afterId = query.after.id;
  }
  return parameters;
}
