/**
 * Every SQL statement of a store's run ledger (runs and nodes tables), built once per store
 * from its validated, quoted names, and the history query built per call from a
 * {@link RunQuery}. Values always travel as parameters.
 */
import type { RunQuery } from '@kairos/core';
import type { StoreNames } from './names.js';

/**
 * A run as the queries return it: the row's JSON (`encodeRunRow`) and the lease from its
 * column, which heartbeats renew without rewriting the JSON.
 */
export interface StoredRun {
  readonly leaseUntil: number | null;
  readonly document: string;
}

/** A node as {@link LedgerStatements.nodes} returns it. */
export interface StoredNode {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly lastSeen: number;
}

/** A statement and its parameters. */
export interface BoundQuery {
  readonly text: string;
  readonly values: unknown[];
}

/** The SQL texts of one store's ledger. */
export interface LedgerStatements {
  /** $1 lock space, $2 job keys (sorted): each job's transaction-level advisory lock, in order */
  readonly lockJobs: string;
  /** $1 job ids, $2 now → jobId, slots: distinct slots of unfinished runs leased until ≥ now */
  readonly slotsInFlight: string;
  /**
   * $1 ids, $2 job ids, $3 scheduled run times, $4 outcomes, $5 scheduler ids, $6 leases,
   * $7 slots, $8 documents (arrays of equal length): one INSERT for many runs
   */
  readonly insertRuns: string;
  /**
   * $1 ids (distinct), $2 outcomes, $3 scheduler ids, $4 leases, $5 documents → the ids of the
   * runs rewritten: only those still without an outcome
   */
  readonly finish: string;
  /**
   * $1 ids → the ids of the runs deleted: only those still without an outcome (an outcome
   * recorded with `keep: 0`, which the trim would delete at once)
   */
  readonly finishUnkept: string;
  /**
   * $1 ids (distinct), $2 scheduler ids, $3 documents: rewrites the document of each run still
   * owned by that scheduler and without an outcome (it started); the lease column is left alone
   */
  readonly start: string;
  /**
   * $1 job ids, $2 the oldest scheduled time each keeps, $3 finished runs kept per job: deletes
   * each job's finished runs scheduled before its time or beyond the newest $3
   */
  readonly trim: string;
  /** $1 now, $2 limit → lapsed runs, oldest lease first, locked, skipping runs others hold */
  readonly lapsed: string;
  /**
   * $1 ids, $2 outcomes, $3 scheduler ids, $4 leases, $5 documents, $6 now → the ids of the
   * runs rewritten: only those still without an outcome and still lapsed
   */
  readonly abandon: string;
  /** $1 id, $2 host, $3 pid, $4 started at, $5 last seen: inserts or updates the node */
  readonly upsertNode: string;
  /** $1 lease, $2 run ids, $3 owner: renews the owner's unfinished runs among them */
  readonly renewLeases: string;
  /** $1 time: deletes the nodes last seen before it */
  readonly pruneNodes: string;
  /** $1 id */
  readonly removeNode: string;
  /** → every node, by id */
  readonly nodes: string;
  /** $1 job ids → the newest run of each (one index probe per job) */
  readonly lastRuns: string;
  readonly removeAllRuns: string;
  readonly removeAllNodes: string;
  /** → now: the server's clock, epoch ms */
  readonly serverTime: string;
}

/** The columns a run is read with (see {@link StoredRun}). */
const RUN_COLUMNS = `lease_until AS "leaseUntil", document`;

/** The history's order, served by the runs indexes. */
const HISTORY_ORDER = 'ORDER BY scheduled_run_time DESC, id DESC';

/** The ledger statements of the store whose names are `names`. */
export function ledgerStatements(names: StoreNames): LedgerStatements {
  const runs = names.runsTable;
  const nodes = names.nodesTable;
  return {
    lockJobs: 'SELECT pg_advisory_xact_lock($1::int4, key) FROM unnest($2::int4[]) AS key',
    slotsInFlight:
      `SELECT job_id AS "jobId", count(DISTINCT slot)::int AS slots FROM ${runs} ` +
      `WHERE job_id = ANY($1::text[]) AND outcome IS NULL AND lease_until >= $2 GROUP BY job_id`,
    insertRuns:
      `INSERT INTO ${runs} ` +
      `(id, job_id, scheduled_run_time, outcome, scheduler_id, lease_until, slot, document) ` +
      `SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::text[], ` +
      `$6::float8[], $7::text[], $8::text[])`,
    finish:
      `UPDATE ${runs} AS run SET outcome = ended.outcome, scheduler_id = ended.scheduler_id, ` +
      `lease_until = ended.lease_until, document = ended.document ` +
      `FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[]) ` +
      `AS ended(id, outcome, scheduler_id, lease_until, document) ` +
      `WHERE run.id = ended.id AND run.outcome IS NULL RETURNING run.id`,
    finishUnkept: `DELETE FROM ${runs} WHERE id = ANY($1::text[]) AND outcome IS NULL RETURNING id`,
    start:
      `UPDATE ${runs} AS run SET document = started.document ` +
      `FROM unnest($1::text[], $2::text[], $3::text[]) AS started(id, scheduler_id, document) ` +
      `WHERE run.id = started.id AND run.scheduler_id = started.scheduler_id ` +
      `AND run.outcome IS NULL`,
    trim:
      `DELETE FROM ${runs} WHERE id IN (SELECT doomed.id ` +
      `FROM unnest($1::text[], $2::float8[]) AS job(id, oldest) CROSS JOIN LATERAL (` +
      `SELECT id FROM ${runs} WHERE job_id = job.id AND outcome IS NOT NULL ` +
      `AND scheduled_run_time < job.oldest UNION ALL (SELECT id FROM ${runs} ` +
      `WHERE job_id = job.id AND outcome IS NOT NULL ${HISTORY_ORDER} OFFSET $3)) AS doomed)`,
    lapsed:
      `SELECT ${RUN_COLUMNS} FROM ${runs} WHERE outcome IS NULL AND lease_until < $1 ` +
      `ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED`,
    abandon:
      `UPDATE ${runs} AS run SET outcome = ended.outcome, scheduler_id = ended.scheduler_id, ` +
      `lease_until = ended.lease_until, document = ended.document ` +
      `FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[]) ` +
      `AS ended(id, outcome, scheduler_id, lease_until, document) ` +
      `WHERE run.id = ended.id AND run.outcome IS NULL AND run.lease_until < $6 RETURNING run.id`,
    upsertNode:
      `INSERT INTO ${nodes} (id, host, pid, started_at, last_seen) VALUES ($1, $2, $3, $4, $5) ` +
      `ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, ` +
      `started_at = excluded.started_at, last_seen = excluded.last_seen`,
    renewLeases:
      `UPDATE ${runs} SET lease_until = $1 ` +
      `WHERE id = ANY($2::text[]) AND scheduler_id = $3 AND outcome IS NULL`,
    pruneNodes: `DELETE FROM ${nodes} WHERE last_seen < $1`,
    removeNode: `DELETE FROM ${nodes} WHERE id = $1`,
    nodes:
      `SELECT id, host, pid, started_at AS "startedAt", last_seen AS "lastSeen" ` +
      `FROM ${nodes} ORDER BY id`,
    lastRuns:
      `SELECT last.* FROM unnest($1::text[]) AS job(id) CROSS JOIN LATERAL ` +
      `(SELECT ${RUN_COLUMNS} FROM ${runs} WHERE job_id = job.id ${HISTORY_ORDER} LIMIT 1) AS last`,
    removeAllRuns: `DELETE FROM ${runs}`,
    removeAllNodes: `DELETE FROM ${nodes}`,
    serverTime: `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now`,
  };
}

/**
 * The history query for `query`: its filters as conditions the runs indexes serve (the job's
 * index with `jobId`, the time index without), `after` as a keyset condition on
 * (scheduled_run_time, id), newest first. Null if it cannot match any run (no outcomes).
 */
export function runsQuery(names: StoreNames, query: RunQuery): BoundQuery | null {
  const values: unknown[] = [];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const conditions: string[] = [];
  if (query.jobId !== undefined) conditions.push(`job_id = ${parameter(query.jobId)}`);
  if (query.outcomes !== undefined) {
    const named = query.outcomes.filter((outcome) => outcome !== null);
    const inFlight = named.length < query.outcomes.length;
    if (named.length === 0 && !inFlight) return null;
    const alternatives = [
      ...(named.length > 0 ? [`outcome = ANY(${parameter(named)}::text[])`] : []),
      ...(inFlight ? ['outcome IS NULL'] : []),
    ];
    conditions.push(`(${alternatives.join(' OR ')})`);
  }
  if (query.since !== undefined) {
    conditions.push(`scheduled_run_time >= ${parameter(query.since)}`);
  }
  if (query.until !== undefined) {
    conditions.push(`scheduled_run_time <= ${parameter(query.until)}`);
  }
  if (query.after !== undefined) {
    const time = parameter(query.after.scheduledRunTime);
    conditions.push(`(scheduled_run_time, id) < (${time}::float8, ${parameter(query.after.id)})`);
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')} ` : '';
  return {
    text:
      `SELECT ${RUN_COLUMNS} FROM ${names.runsTable} ${where}` +
      `${HISTORY_ORDER} LIMIT ${parameter(query.limit)}`,
    values,
  };
}
