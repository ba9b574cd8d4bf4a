/**
 * Every SQL statement a store runs on its jobs table, built once per store from its validated,
 * quoted names. Values always travel as parameters.
 */
import type { StoredJob } from '@kairos/core';
import type { StoreNames } from './names.js';

/**
 * A stored row as the queries return it, in the toolkit's shape: `next_run_time` (epoch ms, a
 * float8, so sub-millisecond trigger times survive; null = paused) as `nextRunTime`, `state`
 * (`JSON.stringify` of the job's stored form) as `document`.
 */
export interface JobRow extends StoredJob {
  readonly document: string;
}

/** Rows of one multi-row INSERT in {@link Statements.insertMany}. */
export const INSERT_CHUNK_ROWS = 5000;

/** The SQL texts of one store. */
export interface Statements {
  /** $1 id → the row */
  readonly lookup: string;
  /** $1 limit → id, nextRunTime of the earliest scheduled rows (an index scan) */
  readonly earliest: string;
  /** → every row, scheduled earliest first, then paused ones */
  readonly all: string;
  /** $1 id, $2 next_run_time, $3 state → one row inserted, none on an id conflict */
  readonly insert: string;
  /** {@link insert} that also NOTIFYs $4 channel with $5 payload when it inserted */
  readonly insertAndNotify: string;
  /**
   * $1 ids, $2 next run times, $3 states (arrays of equal length, ids distinct) → the ids
   * inserted; an id that is taken is left out
   */
  readonly insertMany: string;
  /** $1 channel, $2 payload: one NOTIFY, sent when the transaction commits */
  readonly notify: string;
  /** $1 id, $2 next_run_time, $3 state → one row updated, none when missing */
  readonly update: string;
  /** {@link update} that also NOTIFYs $4 channel with $5 payload when it updated */
  readonly updateAndNotify: string;
  /** {@link update} only while next_run_time is still $4 (null included) */
  readonly updateIf: string;
  /** {@link updateAndNotify} only while next_run_time is still $6 (null included) */
  readonly updateIfAndNotify: string;
  /** $1 id → one row deleted, none when missing */
  readonly remove: string;
  readonly removeAll: string;
  /** $1 now, $2 limit → due rows earliest first, locked, skipping rows others hold locked */
  readonly claimDue: string;
  /** $1 ids, $2 next run times, $3 states: one UPDATE for a whole claimed batch */
  readonly claimUpdate: string;
  /** $1 ids: one DELETE for the claimed jobs whose triggers are exhausted */
  readonly claimDelete: string;
}

/** The statements of the store whose names are `names`. */
export function statements(names: StoreNames): Statements {
  const table = names.table;
  const insert =
    `INSERT INTO ${table} (id, next_run_time, state) VALUES ($1, $2, $3) ` +
    `ON CONFLICT (id) DO NOTHING`;
  const update = `UPDATE ${table} SET next_run_time = $2, state = $3 WHERE id = $1`;
  const updateIf = (expected: string): string =>
    `${update} AND next_run_time IS NOT DISTINCT FROM ${expected}::float8`;
  const columns = `id, next_run_time AS "nextRunTime", state AS document`;
  return {
    lookup: `SELECT ${columns} FROM ${table} WHERE id = $1`,
    earliest:
      `SELECT id, next_run_time AS "nextRunTime" FROM ${table} WHERE next_run_time IS NOT NULL ` +
      `ORDER BY next_run_time LIMIT $1`,
    all: `SELECT ${columns} FROM ${table} ORDER BY next_run_time NULLS LAST, id`,
    insert,
    insertAndNotify: `WITH written AS (${insert} RETURNING 1) SELECT pg_notify($4, $5) FROM written`,
    insertMany:
      `INSERT INTO ${table} (id, next_run_time, state) ` +
      `SELECT * FROM unnest($1::text[], $2::float8[], $3::text[]) ` +
      `ON CONFLICT (id) DO NOTHING RETURNING id`,
    notify: 'SELECT pg_notify($1, $2)',
    update,
    updateAndNotify: `WITH written AS (${update} RETURNING 1) SELECT pg_notify($4, $5) FROM written`,
    updateIf: updateIf('$4'),
    updateIfAndNotify: `WITH written AS (${updateIf('$6')} RETURNING 1) SELECT pg_notify($4, $5) FROM written`,
    remove: `DELETE FROM ${table} WHERE id = $1`,
    removeAll: `DELETE FROM ${table}`,
    claimDue:
      `SELECT ${columns} FROM ${table} WHERE next_run_time <= $1 ` +
      `ORDER BY next_run_time LIMIT $2 FOR UPDATE SKIP LOCKED`,
    claimUpdate:
      `UPDATE ${table} AS job SET next_run_time = claimed.next_run_time, state = claimed.state ` +
      `FROM unnest($1::text[], $2::float8[], $3::text[]) AS claimed(id, next_run_time, state) ` +
      `WHERE job.id = claimed.id`,
    claimDelete: `DELETE FROM ${table} WHERE id = ANY($1::text[])`,
  };
}
