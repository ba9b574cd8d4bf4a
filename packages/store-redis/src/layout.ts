/**
 * Where a {@link RedisJobStore} keeps things: the names of its keys and of its wake-up channel,
 * all under one prefix.
 */

/** The schema version this code writes and reads; a newer stored one fails `start()`. */
export const SCHEMA_VERSION = 2;

/** The keys and the channel of one store, all starting with its key prefix. */
export interface KeyLayout {
  /** The prefix every key and the channel start with. */
  readonly prefix: string;
  /** Hash: job id → the job's JSON document. */
  readonly jobs: string;
  /**
   * Sorted set: job id → next run time (epoch ms). Paused jobs are absent. This score, not the
   * document's copy, is the authoritative next run time.
   */
  readonly runTimes: string;
  /** Hash of store metadata: `schema_version`. */
  readonly meta: string;
  /** Pub/sub channel on which stores announce jobs added or updated with a next run time. */
  readonly wakeupChannel: string;
  /** Hash: run id → the run's row as JSON (`encodeRunRow`). */
  readonly runs: string;
  /** Sorted set of every run in history order: equal scores, members from `runMember`. */
  readonly runsAll: string;
  /**
   * Sorted set: run id → lease (epoch ms) of every run in flight (no outcome yet). The score,
   * not the row's copy, is the authoritative `leaseUntil`.
   */
  readonly runLeases: string;
  /** Set of the job ids that have runs: the per-job keys to delete on `clear()`. */
  readonly runJobs: string;
  /** Hash: scheduler id → the node as JSON (`NodeRow`). */
  readonly nodes: string;
  /** Sorted set: scheduler id → when it was last seen (epoch ms), for pruning dead nodes. */
  readonly nodesSeen: string;
}

/** The key layout under `prefix` (e.g. `'kairos:'` → `kairos:jobs`, `kairos:run_times`, …). */
export function keyLayout(prefix: string): KeyLayout {
  return {
    prefix,
    jobs: `${prefix}jobs`,
    runTimes: `${prefix}run_times`,
    meta: `${prefix}meta`,
    wakeupChannel: `${prefix}wakeup`,
    runs: `${prefix}runs`,
    runsAll: `${prefix}runs:all`,
    runLeases: `${prefix}runs:leases`,
    runJobs: `${prefix}runs:jobs`,
    nodes: `${prefix}nodes`,
    nodesSeen: `${prefix}nodes:seen`,
  };
}

/** Sorted set of one job's runs in history order (members from `runMember`). */
export function jobRunsKey(prefix: string, jobId: string): string {
  return `${prefix}runs:job:${jobId}`;
}

/** Sorted set: run id → lease of one job's runs in flight (what `maxInstances` counts). */
export function jobInFlightKey(prefix: string, jobId: string): string {
  return `${prefix}runs:inflight:${jobId}`;
}
