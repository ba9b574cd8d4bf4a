/**
 * Where a {@link RedisJobStore} keeps things: the names of its keys and of its wake-up channel,
 * all under one prefix.
 */

/** The schema version this code writes and reads; a newer stored one fails `start()`. */
export const SCHEMA_VERSION = 1;

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
}

/** The key layout under `prefix` (e.g. `'kairos:'` → `kairos:jobs`, `kairos:run_times`, …). */
export function keyLayout(prefix: string): KeyLayout {
  return {
    prefix,
    jobs: `${prefix}jobs`,
    runTimes: `${prefix}run_times`,
    meta: `${prefix}meta`,
    wakeupChannel: `${prefix}wakeup`,
  };
}
