/**
 * The run ledger of a {@link PostgresJobStore}: runs and nodes in two tables beside the jobs
 * table (`<table>_runs`, `<table>_nodes`). Each step is one transaction; the steps several
 * schedulers may race on are made exact by locks — a job's advisory lock for opening runs,
 * row locks (`FOR UPDATE SKIP LOCKED`) and compare-and-set conditions for ending them.
 */
import {
  decodeRunRow,
  encodeRunRow,
  JobStoreError,
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
import type { Pool, PoolClient } from 'pg';
import {
  runsQuery,
  type LedgerStatements,
  type StoredNode,
  type StoredRun,
} from './ledger-statements.js';
import type { StoreNames } from './names.js';
import { insertRuns, lockJobs, writeOpenings, type OpeningTarget } from './openings.js';
import { inTransaction } from './transaction.js';

/** A run as stored: its JSON with the lease from the column. */
function storedRunRow(stored: StoredRun): RunRow {
  return { ...decodeRunRow(stored.document), leaseUntil: stored.leaseUntil };
}

/** Each id's first row in `rows`, in order. */
function firstOfEachId(rows: readonly RunRow[]): Map<string, RunRow> {
  const firsts = new Map<string, RunRow>();
  for (const row of rows) if (!firsts.has(row.id)) firsts.set(row.id, row);
  return firsts;
}

/** Rows in id order. */
function byId(a: RunRow, b: RunRow): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The ledger of one store; works while the store is started. */
export class PostgresRunLedger implements RunLedger {
  readonly #pool: () => Pool;
  readonly #names: StoreNames;
  readonly #sql: LedgerStatements;

  /**
   * @param pool the started store's pool (throws StoreNotStartedError when it is not started)
   */
  constructor(pool: () => Pool, names: StoreNames, sql: LedgerStatements) {
    this.#pool = pool;
    this.#names = names;
    this.#sql = sql;
  }

  /** The server's `clock_timestamp()`, epoch ms. */
  async serverTime(): Promise<number> {
    const result = await this.#pool().query<{ now: number }>(this.#sql.serverTime);
    const now = result.rows[0]?.now;
    if (now === undefined) {
      throw new JobStoreError(
        `PostgreSQL job store on ${this.#names.table}: the server returned no row for ` +
          `clock_timestamp(); check that the connection reaches a PostgreSQL server`,
      );
    }
    return now;
  }

  /** {@inheritDoc RunLedger.open} One transaction holding the job's advisory lock. */
  async open(opening: RunOpening, now: number): Promise<boolean> {
    const [opened] = await inTransaction(this.#pool(), (client) =>
      writeOpenings(this.#target(client), [opening], now),
    );
    return opened ?? true;
  }

  /**
   * {@inheritDoc RunLedger.finish}
   * {@link finishMany} of one row.
   */
  async finish(row: RunRow, retention: Retention | null): Promise<boolean> {
    const [written] = await this.finishMany([row], retention);
    return written ?? false;
  }

  /**
   * {@inheritDoc RunLedger.finishMany}
   * One transaction of two statements: an `UPDATE … FROM unnest(…)` conditioned on each row
   * having no outcome (with `keep: 0`, a `DELETE` of those rows instead: the trim would delete
   * them at once), then, with `retention`, one `DELETE` of the finished runs of every job
   * written beyond `keep` or older than `maxAge` (before the job's newest `finishedAt` in the
   * batch), each job's finished runs read once, from their own index.
   */
  async finishMany(rows: readonly RunRow[], retention: Retention | null): Promise<boolean[]> {
    if (rows.length === 0) return [];
    const firsts = firstOfEachId(rows);
    // In id order, the order in which a heartbeat renewing some of these runs locks them: the
    // array drives the UPDATE's join in the plans chosen here, so the two wait, not deadlock.
    const ended = [...firsts.values()].sort(byId);
    const written = await inTransaction(this.#pool(), async (client) => {
      const ids = await this.#recordOutcomes(client, ended, retention);
      if (retention !== null && ids.size > 0) {
        await this.#trim(
          client,
          ended.filter((row) => ids.has(row.id)),
          retention,
        );
      }
      return ids;
    });
    // A later row of a run already in the batch would find the run ended.
    return rows.map((row) => firsts.get(row.id) === row && written.has(row.id));
  }

  /**
   * {@inheritDoc RunLedger.start}
   * One `UPDATE … FROM unnest(…)` of the rows' documents, in id order (as `finishMany` and the
   * heartbeat lock runs); the lease stays in its column.
   */
  async start(rows: readonly RunRow[]): Promise<void> {
    if (rows.length === 0) return;
    const started = [...firstOfEachId(rows).values()].sort(byId);
    await this.#pool().query(this.#sql.start, [
      started.map((row) => row.id),
      started.map((row) => row.schedulerId),
      started.map((row) => encodeRunRow(row)),
    ]);
  }

  /**
   * {@inheritDoc RunLedger.abandonLapsed}
   * One transaction: the lapsed runs are read and locked with `FOR UPDATE SKIP LOCKED` (runs
   * another scheduler is ending are passed over), rewritten with one UPDATE that re-checks
   * "no outcome, still lapsed", and the retries of those rewritten inserted with one INSERT,
   * under their jobs' advisory locks so that a concurrent claim counts them.
   */
  async abandonLapsed(scan: LapsedScan): Promise<AbandonedRun[]> {
    if (scan.limit <= 0) return [];
    return inTransaction(this.#pool(), async (client) => {
      const lapsed = await client.query<StoredRun>(this.#sql.lapsed, [scan.now, scan.limit]);
      if (lapsed.rows.length === 0) return [];
      const ended = lapsed.rows.map((stored) => {
        const row = storedRunRow(stored);
        return { row: scan.abandoned(row), retry: scan.retry(row) };
      });
      const rewritten = await client.query<{ id: string }>(this.#sql.abandon, [
        ended.map(({ row }) => row.id),
        ended.map(({ row }) => row.outcome),
        ended.map(({ row }) => row.schedulerId),
        ended.map(({ row }) => row.leaseUntil),
        ended.map(({ row }) => encodeRunRow(row)),
        scan.now,
      ]);
      const ids = new Set(rewritten.rows.map(({ id }) => id));
      const abandoned = ended.filter(({ row }) => ids.has(row.id));
      const retries = abandoned.flatMap(({ retry }) => (retry === null ? [] : [retry]));
      if (retries.length > 0) {
        await lockJobs(
          this.#target(client),
          retries.map((retry) => retry.jobId),
        );
        await insertRuns(client, this.#sql, retries);
      }
      return abandoned;
    });
  }

  /** {@inheritDoc RunLedger.beat} One transaction: upsert, lease renewal, pruning. */
  async beat(beat: NodeBeat): Promise<void> {
    await inTransaction(this.#pool(), async (client) => {
      await client.query(this.#sql.upsertNode, [
        beat.id,
        beat.host,
        beat.pid,
        beat.startedAt,
        beat.now,
      ]);
      if (beat.runIds.length > 0) {
        await client.query(this.#sql.renewLeases, [beat.leaseUntil, beat.runIds, beat.id]);
      }
      await client.query(this.#sql.pruneNodes, [beat.pruneBefore]);
    });
  }

  /** {@inheritDoc RunLedger.leave} */
  async leave(nodeId: string): Promise<void> {
    await this.#pool().query(this.#sql.removeNode, [nodeId]);
  }

  /** {@inheritDoc RunLedger.getNodes} */
  async getNodes(): Promise<NodeRow[]> {
    const result = await this.#pool().query<StoredNode>(this.#sql.nodes);
    return result.rows.map((node) => ({ ...node }));
  }

  /**
   * {@inheritDoc RunLedger.getRuns}
   * One index scan in the history's order (the job's index with `jobId`), starting after
   * `after`, stopping at `limit`.
   */
  async getRuns(query: RunQuery): Promise<RunRow[]> {
    const bound = runsQuery(this.#names, query);
    if (bound === null || query.limit <= 0) return [];
    const result = await this.#pool().query<StoredRun>(bound.text, bound.values);
    return result.rows.map(storedRunRow);
  }

  /** {@inheritDoc RunLedger.lastRuns} One probe of the job's history index per job. */
  async lastRuns(jobIds: readonly string[]): Promise<Map<string, RunRow>> {
    const last = new Map<string, RunRow>();
    const distinct = [...new Set(jobIds)];
    if (distinct.length === 0) return last;
    const result = await this.#pool().query<StoredRun>(this.#sql.lastRuns, [distinct]);
    for (const stored of result.rows) {
      const row = storedRunRow(stored);
      last.set(row.jobId, row);
    }
    return last;
  }

  /** {@inheritDoc RunLedger.clear} One transaction deleting every run and node. */
  async clear(): Promise<void> {
    await inTransaction(this.#pool(), async (client) => {
      await client.query(this.#sql.removeAllRuns);
      await client.query(this.#sql.removeAllNodes);
    });
  }

  /**
   * Writes the outcomes of `rows` (distinct ids) whose stored run has none yet.
   * @returns the ids written
   */
  async #recordOutcomes(
    client: PoolClient,
    rows: readonly RunRow[],
    retention: Retention | null,
  ): Promise<Set<string>> {
    const ids = rows.map((row) => row.id);
    const result =
      retention?.keep === 0
        ? await client.query<{ id: string }>(this.#sql.finishUnkept, [ids])
        : await client.query<{ id: string }>(this.#sql.finish, [
            ids,
            rows.map((row) => row.outcome),
            rows.map((row) => row.schedulerId),
            rows.map((row) => row.leaseUntil),
            rows.map((row) => encodeRunRow(row)),
          ]);
    return new Set(result.rows.map(({ id }) => id));
  }

  /**
   * Trims the history of each job of `written` once, as of the job's newest finish among them
   * (a row without a finish time counts at its scheduled time).
   */
  async #trim(client: PoolClient, written: readonly RunRow[], retention: Retention): Promise<void> {
    const newest = new Map<string, number>();
    for (const row of written) {
      const finished = row.finishedAt ?? row.scheduledRunTime;
      newest.set(row.jobId, Math.max(finished, newest.get(row.jobId) ?? finished));
    }
    const jobs = [...newest];
    await client.query(this.#sql.trim, [
      jobs.map(([jobId]) => jobId),
      jobs.map(([, now]) => now - retention.maxAge * 1000),
      retention.keep,
    ]);
  }

  /** Where {@link writeOpenings} writes, on `client`. */
  #target(client: PoolClient): OpeningTarget {
    return { client, sql: this.#sql, lockSpace: this.#names.runsLockSpace };
  }
}
