/**
 * The SQL a SQLite job store runs, prepared once per `start()` on its connection. Every query
 * that orders by run time walks the index on `next_run_time` (ties in row order, which is the
 * order jobs were added). Rows come back in the toolkit's {@link StoredJob} shape.
 */
import type { StoredJob } from '@kairos/core';
import type { Database, Statement } from 'better-sqlite3';
import { tableNames } from './schema.js';

/** A stored job as the queries return it (`next_run_time` and `state` renamed). */
export interface JobRow extends StoredJob {
  readonly document: string;
}

/** A stored job with its row id, for resuming a walk in run time order. */
export interface DueRow extends JobRow {
  readonly rowid: number;
}

/** The prepared statements of one connection to one jobs table. */
export interface JobStatements {
  /** (id, next_run_time, state) → 0 changes when the id is taken. */
  readonly insert: Statement<[string, number | null, string]>;
  /** (next_run_time, state, id) → 0 changes when the id is missing. */
  readonly update: Statement<[number | null, string, string]>;
  /**
   * (next_run_time, state, id, expected next_run_time) → 0 changes when the id is missing or
   * its next run time is no longer the expected one.
   */
  readonly updateIf: Statement<[number | null, string, string, number | null]>;
  /** (id) → 0 changes when the id is missing. */
  readonly remove: Statement<[string]>;
  readonly removeAll: Statement<[]>;
  /** (id) → the job's row. */
  readonly lookup: Statement<[string], JobRow>;
  /** (now, limit) → due jobs, earliest first. */
  readonly due: Statement<[number, number], DueRow>;
  /** (now, afterTime, afterRowid, limit) → due jobs after a position, earliest first. */
  readonly dueAfter: Statement<[number, number, number, number], DueRow>;
  /** (limit) → ids and times of the earliest scheduled jobs. */
  readonly earliest: Statement<[number], Pick<JobRow, 'id' | 'nextRunTime'>>;
  /** Every scheduled job, earliest first. */
  readonly scheduled: Statement<[], JobRow>;
  /** Every paused job, in the order they were added. */
  readonly paused: Statement<[], JobRow>;
  /** A number that changes when another connection commits (plucked). */
  readonly dataVersion: Statement<[], number>;
}

/** Prepares the statements of a store over `tableName` (a validated identifier). */
export function prepareStatements(database: Database, tableName: string): JobStatements {
  const { jobs } = tableNames(tableName);
  const columns = `id, next_run_time AS nextRunTime, state AS document`;
  const dueOrder = `ORDER BY next_run_time, rowid LIMIT ?`;
  return {
    insert: database.prepare(
      `INSERT INTO ${jobs} (id, next_run_time, state) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    ),
    update: database.prepare(`UPDATE ${jobs} SET next_run_time = ?, state = ? WHERE id = ?`),
    updateIf: database.prepare(
      `UPDATE ${jobs} SET next_run_time = ?, state = ? WHERE id = ? AND next_run_time IS ?`,
    ),
    remove: database.prepare(`DELETE FROM ${jobs} WHERE id = ?`),
    removeAll: database.prepare(`DELETE FROM ${jobs}`),
    lookup: database.prepare(`SELECT ${columns} FROM ${jobs} WHERE id = ?`),
    due: database.prepare(
      `SELECT rowid, ${columns} FROM ${jobs} WHERE next_run_time <= ? ${dueOrder}`,
    ),
    dueAfter: database.prepare(
      `SELECT rowid, ${columns} FROM ${jobs} ` +
        `WHERE next_run_time <= ? AND (next_run_time, rowid) > (?, ?) ${dueOrder}`,
    ),
    earliest: database.prepare(
      `SELECT id, next_run_time AS nextRunTime FROM ${jobs} WHERE next_run_time IS NOT NULL ` +
        `ORDER BY next_run_time, rowid LIMIT ?`,
    ),
    scheduled: database.prepare(
      `SELECT ${columns} FROM ${jobs} WHERE next_run_time IS NOT NULL ORDER BY next_run_time, rowid`,
    ),
    paused: database.prepare(
      `SELECT ${columns} FROM ${jobs} WHERE next_run_time IS NULL ORDER BY rowid`,
    ),
    dataVersion: database.prepare<[], number>('PRAGMA data_version').pluck(),
  };
}
