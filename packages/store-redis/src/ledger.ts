/**
 * The run ledger of a {@link RedisJobStore}: runs and nodes in Redis next to the jobs, each step
 * one Lua script (`ledger-scripts.ts`). See the package README ("Run history and leases") for
 * the keys and why each query is cheap.
 */
import {
  runMatches,
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
import type { Redis } from 'ioredis';
import { jobRunsKey, type KeyLayout } from './layout.js';
import type { AbandonWrite, LedgerScripts } from './ledger-scripts.js';
import { queryRange } from './run-order.js';

/** Most runs one page read returns, so a large `limit` never holds the server long. */
const MAX_PAGE = 1000;
/** Runs a page read takes at least when it filters by outcome (most of a page may not match). */
const FILTERED_PAGE = 100;

/** What a ledger call works with: the store's connection and its ledger scripts. */
export interface LedgerConnection {
  readonly client: Redis;
  readonly scripts: LedgerScripts;
}

/**
 * Runs a call on the started store (rejecting when it is not started or not connected, with
 * the store's own errors).
 */
export type LedgerSession = <T>(call: (connection: LedgerConnection) => Promise<T>) => Promise<T>;

/**
 * The runs and nodes of one Redis store: rows in `<prefix>runs`, the history order in sorted
 * sets of members `<time>:<id>`, leases in `<prefix>runs:leases`, nodes in `<prefix>nodes`.
 */
export class RedisRunLedger implements RunLedger {
  readonly #keys: KeyLayout;
  readonly #session: LedgerSession;

  /** A ledger on the store's keys, calling through the store's `session`. */
  constructor(keys: KeyLayout, session: LedgerSession) {
    this.#keys = keys;
    this.#session = session;
  }

  /** The server's clock (`TIME`), epoch ms. */
  async serverTime(): Promise<number> {
    return this.#session(async ({ client }) => {
      const [seconds, microseconds] = await client.time();
      return Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
    });
  }

  /**
   * {@inheritDoc RunLedger.open}
   * One script counts the job's slots in flight and writes; when the job has none free, a
   * second one sends the refused rows (only then read) and writes them.
   */
  async open(opening: RunOpening, now: number): Promise<boolean> {
    return this.#session(({ scripts }) => scripts.open(opening, now));
  }

  /**
   * {@inheritDoc RunLedger.finish}
   * One script (the one of {@link finishMany}, with one run): the compare-and-set, then the
   * trim, which deletes at most 10,000 rows (the rest go with the job's next finished runs).
   */
  async finish(row: RunRow, retention: Retention | null): Promise<boolean> {
    const [recorded] = await this.finishMany([row], retention);
    return recorded === true;
  }

  /**
   * {@inheritDoc RunLedger.finishMany}
   * One script: the compare-and-set of each run in order, then one trim per job that got an
   * outcome (its "now" the newest `finishedAt` of its runs in the call); at most 10,000 rows are
   * deleted in all, the rest go with later outcomes.
   */
  async finishMany(rows: readonly RunRow[], retention: Retention | null): Promise<boolean[]> {
    return this.#session(({ scripts }) => scripts.finish(rows, retention));
  }

  /** {@inheritDoc RunLedger.start} One script. */
  async start(rows: readonly RunRow[]): Promise<void> {
    return this.#session(({ scripts }) => scripts.start(rows));
  }

  /**
   * {@inheritDoc RunLedger.abandonLapsed}
   * Reads the lapsed runs (oldest lease first), builds their ends here, and writes them in one
   * script that ends only those still in flight with a lapsed lease.
   */
  async abandonLapsed(scan: LapsedScan): Promise<AbandonedRun[]> {
    if (scan.limit <= 0) return [];
    return this.#session(async ({ scripts }) => {
      const lapsed = await scripts.lapsed(scan.now, scan.limit);
      const writes: AbandonWrite[] = lapsed.map((row) => ({
        lapsed: row,
        abandoned: scan.abandoned(row),
        retry: scan.retry(row),
      }));
      const ended = await scripts.abandon(scan.now, writes);
      return writes
        .filter(({ lapsed: row }) => ended.has(row.id))
        .map(({ abandoned, retry }) => ({ row: abandoned, retry }));
    });
  }

  /** {@inheritDoc RunLedger.beat} One script. */
  async beat(beat: NodeBeat): Promise<void> {
    return this.#session(({ scripts }) => scripts.beat(beat));
  }

  /** {@inheritDoc RunLedger.leave} */
  async leave(nodeId: string): Promise<void> {
    return this.#session(async ({ client }) => {
      await client.multi().hdel(this.#keys.nodes, nodeId).zrem(this.#keys.nodesSeen, nodeId).exec();
    });
  }

  /** {@inheritDoc RunLedger.getNodes} */
  async getNodes(): Promise<NodeRow[]> {
    return this.#session(async ({ client }) => {
      const documents = Object.values(await client.hgetall(this.#keys.nodes));
      const nodes = documents.map((document) => JSON.parse(document) as NodeRow);
      return nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  /**
   * {@inheritDoc RunLedger.getRuns}
   * Reads `<prefix>runs:job:<jobId>` (or `<prefix>runs:all` without `jobId`) backwards from the
   * query's lexical range, in pages of at most 1,000; only an outcome filter reads past runs
   * it does not return.
   */
  async getRuns(query: RunQuery): Promise<RunRow[]> {
    const range = queryRange(query);
    if (range === null || query.limit <= 0) return [];
    const { prefix } = this.#keys;
    const index = query.jobId === undefined ? this.#keys.runsAll : jobRunsKey(prefix, query.jobId);
    return this.#session(async ({ scripts }) => {
      const found: RunRow[] = [];
      let max = range.max;
      for (;;) {
        const wanted = query.limit - found.length;
        const count = Math.min(
          query.outcomes === undefined ? wanted : Math.max(wanted, FILTERED_PAGE),
          MAX_PAGE,
        );
        const page = await scripts.page(index, { max, min: range.min }, count);
        for (const { row } of page) {
          if (row !== null && runMatches(row, query)) found.push(row);
          if (found.length >= query.limit) return found;
        }
        const last = page.at(-1);
        if (last === undefined || page.length < count) return found;
        max = `(${last.member}`;
      }
    });
  }

  /** {@inheritDoc RunLedger.lastRuns} One page of one run per job, pipelined. */
  async lastRuns(jobIds: readonly string[]): Promise<Map<string, RunRow>> {
    const { prefix } = this.#keys;
    return this.#session(async ({ scripts }) => {
      const ids = [...new Set(jobIds)];
      const pages = await Promise.all(
        ids.map((id) => scripts.page(jobRunsKey(prefix, id), { max: '+', min: '-' }, 1)),
      );
      const last = new Map<string, RunRow>();
      ids.forEach((id, index) => {
        const row = pages[index]?.[0]?.row;
        if (row !== undefined && row !== null) last.set(id, row);
      });
      return last;
    });
  }

  /** {@inheritDoc RunLedger.clear} One script, with every job's history and in-flight keys. */
  async clear(): Promise<void> {
    return this.#session(({ scripts }) => scripts.clear());
  }
}
