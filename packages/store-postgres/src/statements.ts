/**
 * Every SQL statement a store runs on its jobs table, built once per store from its validated,
 * quoted names. Values always travel as parameters.
 */
import type { StoreNames } from './names.js';

/** A stored row as the queries return it. */
export interface JobRow {
  readonly id: string;
  /** Epoch ms (a float8, so sub-millisecond trigger times survive); null = paused. */
  readonly next_run_time: number | null;
  /** `JSON.stringify` of the job's stored form. */
  readonly state: string;
}

/** The SQL texts of one store. */
export interface Statements {
  /** $1 id → next_run_time, state */
  readonly lookup: string;
  /** $1 now → rows due, earliest first */
  readonly due: string;
  /** $1 limit → id, next_run_time of the earliest scheduled rows (an index scan) */
  readonly earliest: string;
  /** → every row, scheduled earliest first, then paused ones */
  readonly all: string;
  /** $1 id, $2 next_run_time, $3 state → one row inserted, none on an id conflict */
  readonly insert: string;
  /** {@link insert} that also NOTIFYs $4 channel with $5 payload when it inserted */
  readonly insertAndNotify: string;
  /** $1 id, $2 next_run_time, $3 state → one row updated, none when missing */
  readonly update: string;
  /** {@link update} that also NOTIFYs $4 channel with $5 payload when it updated */
  readonly updateAndNotify: string;
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
  return {
    lookup: `SELECT next_run_time, state FROM ${table} WHERE id = $1`,
    due:
      `SELECT id, next_run_time, state FROM ${table} WHERE next_run_time <= $1 ` +
      `ORDER BY next_run_time, id`,
    earliest:
      `SELECT id, next_run_time FROM ${table} WHERE next_run_time IS NOT NULL ` +
      `ORDER BY next_run_time LIMIT $1`,
    all: `SELECT id, next_run_time, state FROM ${table} ORDER BY next_run_time NULLS LAST, id`,
    insert,
    insertAndNotify: `WITH written AS (${insert} RETURNING 1) SELECT pg_notify($4, $5) FROM written`,
    update,
    updateAndNotify: `WITH written AS (${update} RETURNING 1) SELECT pg_notify($4, $5) FROM written`,
    remove: `DELETE FROM ${table} WHERE id = $1`,
    removeAll: `DELETE FROM ${table}`,
    claimDue:
      `SELECT id, next_run_time, state FROM ${table} WHERE next_run_time <= $1 ` +
      `ORDER BY next_run_time LIMIT $2 FOR UPDATE SKIP LOCKED`,
    claimUpdate:
      `UPDATE ${table} AS job SET next_run_time = claimed.next_run_time, state = claimed.state ` +
      `FROM unnest($1::text[], $2::float8[], $3::text[]) AS claimed(id, next_run_time, state) ` +
      `WHERE job.id = claimed.id`,
    claimDelete: `DELETE FROM ${table} WHERE id = ANY($1::text[])`,
  };
}
