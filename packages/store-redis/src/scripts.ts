/**
 * The Lua scripts of {@link RedisJobStore}: every write that touches more than one key, and the
 * read of due jobs with their documents, runs as one script so Redis applies it atomically.
 * They are registered with ioredis' `defineCommand` (EVALSHA, falling back to EVAL once after a
 * script cache flush).
 */
import type { JobToStore, RunOpening, StoredJob } from '@kairos/core';
import type { Redis } from 'ioredis';
import type { KeyLayout } from './layout.js';
import {
  LEDGER_KEY_COUNT,
  ledgerKeys,
  ledgerLua,
  OpeningFate,
  openingArgs,
} from './ledger-scripts.js';
import { define, unexpectedReply } from './script-commands.js';

// Every script takes KEYS[1] = the jobs hash and KEYS[2] = the run-times sorted set. A run time
// of '' means the job is paused: it is kept in the hash and absent from the sorted set.

/** ARGV: id, document, run time or '', channel, message. 1 = added, 0 = the id is taken. */
const ADD_JOB = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  redis.call('PUBLISH', ARGV[4], ARGV[5])
end
return 1
`;

/**
 * ARGV: channel, message ('' = publish nothing), then groups of id, document, run time or ''.
 * Checks every id first: returns the first one that is taken, having written nothing; else
 * writes every job, publishes the message once, and returns 1.
 */
const ADD_JOBS = `
for i = 3, #ARGV, 3 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then return ARGV[i] end
end
for i = 3, #ARGV, 3 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  if ARGV[i + 2] ~= '' then redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[i]) end
end
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
return 1
`;

/**
 * ARGV: id, document, run time or '', channel, message, and optionally the expected run time or
 * '' (paused): then the job is replaced only while its run time is still that one. 1 =
 * replaced, 0 = no such job, 2 = its run time changed (nothing written).
 */
const UPDATE_JOB = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[6] ~= nil then
  local stored = redis.call('ZSCORE', KEYS[2], ARGV[1])
  if ARGV[6] == '' then
    if stored then return 2 end
  elseif not stored or tonumber(stored) ~= tonumber(ARGV[6]) then
    return 2
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  redis.call('PUBLISH', ARGV[4], ARGV[5])
end
return 1
`;

/** ARGV: id. 1 = removed, 0 = no such job. */
const REMOVE_JOB = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * ARGV: now, offset, count (negative = all). The due jobs (run time ≤ now) earliest first, from
 * `offset`, as a flat array id, run time, document (false when the hash lacks it), …
 */
const DUE_JOBS = `
local rows = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1],
  'WITHSCORES', 'LIMIT', ARGV[2], ARGV[3])
local result = {}
local ids = {}
for i = 1, #rows, 2 do ids[#ids + 1] = rows[i] end
-- HMGET in chunks: unpack() of thousands of values overflows Lua's stack.
for first = 1, #ids, 1000 do
  local last = math.min(first + 999, #ids)
  local docs = redis.call('HMGET', KEYS[1], unpack(ids, first, last))
  for i = first, last do
    result[#result + 1] = ids[i]
    result[#result + 1] = rows[2 * i]
    result[#result + 1] = docs[i - first + 1]
  end
end
return result
`;

/**
 * KEYS: the jobs, the run times, then the ledger's keys (`ledgerKeys`). ARGV: the key prefix,
 * then per job: id, expected run time, expected document, successor run time ('' = delete the
 * job, 'paused' = keep it without a run time), successor document, and '1' followed by the
 * opening of its runs (see `ledgerLua`) when the store has a ledger, else '0'. Each job is
 * written only while its stored run time still equals the expected one (compared as numbers)
 * and its stored document the one read, so of several schedulers that read the same due job
 * exactly one replaces it, and a job updated meanwhile is left alone; with it, its runs (or the
 * refused ones). A job whose runs are refused but whose refused rows were not sent is left as
 * it is. Returns each id that won followed by the fate of its opening (`OpeningFate`; opened
 * without a ledger): written unless `unsent`.
 */
const CLAIM_JOBS = `${ledgerLua(3)}
local won = {}
local i = 2
while i <= #ARGV do
  local id = ARGV[i]
  local runs = ARGV[i + 5] == '1'
  local stored = redis.call('ZSCORE', KEYS[2], id)
  local wins = stored and tonumber(stored) == tonumber(ARGV[i + 1])
    and redis.call('HGET', KEYS[1], id) == ARGV[i + 2]
  local fate = OPENED
  if wins and runs then fate = opening_fate(i + 6) end
  if wins and fate ~= UNSENT then
    local successor = ARGV[i + 3]
    if successor == '' then
      redis.call('ZREM', KEYS[2], id)
      redis.call('HDEL', KEYS[1], id)
    elseif successor == 'paused' then
      redis.call('ZREM', KEYS[2], id)
      redis.call('HSET', KEYS[1], id, ARGV[i + 4])
    else
      redis.call('ZADD', KEYS[2], successor, id)
      redis.call('HSET', KEYS[1], id, ARGV[i + 4])
    end
    if runs then write_opening(i + 6, fate) end
  end
  if wins then
    won[#won + 1] = id
    won[#won + 1] = fate
  end
  if runs then i = opening_end(i + 6) else i = i + 6 end
end
return won
`;

/** The successor run time that tells the claim script to delete the job. */
export const DELETE_JOB = '';
/** The successor run time that tells the claim script to keep the job paused. */
export const PAUSE_JOB = 'paused';

/**
 * One due job as the due-jobs script returns it: its run time from the sorted set (epoch ms),
 * its document ('' when the jobs hash has no entry for it).
 */
export interface DueRow extends StoredJob {
  readonly nextRunTime: number;
  readonly document: string;
}

/** One compare-and-set of the claim script. */
export interface ClaimWrite {
  readonly id: string;
  /** The run time that was read; the write happens only if it is still stored. */
  readonly expectedRunTime: number;
  /** The document that was read; the write happens only if it is still stored. */
  readonly expectedDocument: string;
  /** The successor's run time as a score, or {@link DELETE_JOB} / {@link PAUSE_JOB}. */
  readonly successorRunTime: string;
  /** The successor's document ('' when the job is deleted). */
  readonly document: string;
  /** The runs to open with the claim when the store has a ledger (`claim.runs`), else null. */
  readonly opening: RunOpening | null;
  /** The claim's time: a run in flight whose lease is before it holds no slot. */
  readonly now: number;
}

/** A job the claim script wrote. */
export interface ClaimWon {
  readonly id: string;
  /** Whether its runs were refused (written `skipped`) for `maxInstances`. */
  readonly refused: boolean;
}

/** A job the claim script found as read, and the fate of its opening (`OpeningFate`). */
interface Fate {
  readonly id: string;
  readonly fate: number;
}

/** The store's scripts bound to one connection and one key layout. */
export interface StoreScripts {
  /** Adds a job unless its id is taken; publishes `message` when it has a run time. */
  addJob(id: string, document: string, runTime: string, message: string): Promise<boolean>;
  /**
   * Adds every job (ids distinct), or none when an id is taken: then resolves to that id.
   * Publishes `message` once unless it is ''.
   */
  addJobs(jobs: readonly JobToStore[], message: string): Promise<string | null>;
  /**
   * Replaces an existing job, and publishes `message` when it has a run time; with `expected`,
   * only while the job's run time is still that one ('' = paused). 'updated', 'missing', or
   * 'changed' (nothing written).
   */
  updateJob(
    id: string,
    document: string,
    runTime: string,
    message: string,
    expected?: string,
  ): Promise<'updated' | 'missing' | 'changed'>;
  /** Removes a job; false when there was none. */
  removeJob(id: string): Promise<boolean>;
  /** Due jobs (run time ≤ now) earliest first, from `offset`, at most `count` (< 0 = all). */
  dueJobs(now: number, offset: number, count: number): Promise<DueRow[]>;
  /**
   * Applies the writes whose expected run time and document still hold; the jobs written. The
   * openings go without their refused rows; the jobs that need them (no free slot) are written
   * by a second script that sends them.
   */
  claimJobs(writes: readonly ClaimWrite[]): Promise<ClaimWon[]>;
}

/**
 * Registers the store's scripts on a connection (idempotently: the names are prefixed with
 * `kairos` to keep clear of the application's own commands).
 */
export function defineScripts(client: Redis, keys: KeyLayout): StoreScripts {
  const add = define(client, 'kairosAddJob', ADD_JOB);
  const addMany = define(client, 'kairosAddJobs', ADD_JOBS);
  const update = define(client, 'kairosUpdateJob', UPDATE_JOB);
  const remove = define(client, 'kairosRemoveJob', REMOVE_JOB);
  const due = define(client, 'kairosDueJobs', DUE_JOBS, 2, true);
  const claim = define(client, 'kairosClaimJobs', CLAIM_JOBS, 2 + LEDGER_KEY_COUNT);
  const { jobs, runTimes, wakeupChannel } = keys;
  const ledger = ledgerKeys(keys);
  /** The claim script on `writes`, their openings `withRefused` rows or not: the ids that won. */
  async function claimOnce(writes: readonly ClaimWrite[], withRefused: boolean): Promise<Fate[]> {
    if (writes.length === 0) return [];
    const args: string[] = [];
    for (const write of writes) {
      args.push(
        write.id,
        String(write.expectedRunTime),
        write.expectedDocument,
        write.successorRunTime,
        write.document,
      );
      if (write.opening === null) args.push('0');
      else args.push('1', ...openingArgs(write.id, write.opening, write.now, withRefused));
    }
    const flat = await claim(jobs, runTimes, ledger, keys.prefix, args);
    if (!Array.isArray(flat)) throw unexpectedReply('kairosClaimJobs', flat);
    const fates: Fate[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      fates.push({ id: String(flat[i]), fate: Number(flat[i + 1]) });
    }
    return fates;
  }
  return {
    async addJob(id, document, runTime, message) {
      return (await add(jobs, runTimes, id, document, runTime, wakeupChannel, message)) === 1;
    },
    async addJobs(batch, message) {
      const args: string[] = [wakeupChannel, message];
      for (const { id, document, nextRunTime } of batch) {
        args.push(id, document, nextRunTime === null ? '' : String(nextRunTime));
      }
      const reply = await addMany(jobs, runTimes, args);
      return typeof reply === 'number' ? null : String(reply);
    },
    async updateJob(id, document, runTime, message, expected) {
      const args = [id, document, runTime, wakeupChannel, message];
      if (expected !== undefined) args.push(expected);
      const reply = await update(jobs, runTimes, ...args);
      return reply === 1 ? 'updated' : reply === 0 ? 'missing' : 'changed';
    },
    async removeJob(id) {
      return (await remove(jobs, runTimes, id)) === 1;
    },
    async dueJobs(now, offset, count) {
      const flat = await due(jobs, runTimes, String(now), offset, count);
      if (!Array.isArray(flat)) throw unexpectedReply('kairosDueJobs', flat);
      const rows: DueRow[] = [];
      for (let i = 0; i + 2 < flat.length; i += 3) {
        const document: unknown = flat[i + 2];
        rows.push({
          id: String(flat[i]),
          nextRunTime: Number(flat[i + 1]),
          document: typeof document === 'string' ? document : '',
        });
      }
      return rows;
    },
    async claimJobs(writes) {
      const fates = await claimOnce(writes, false);
      // Jobs refused a slot whose refused rows were not sent: claimed again, with them.
      const unsent = new Set(
        fates.filter(({ fate }) => fate === OpeningFate.unsent).map(({ id }) => id),
      );
      if (unsent.size > 0) {
        fates.push(
          ...(await claimOnce(
            writes.filter(({ id }) => unsent.has(id)),
            true,
          )),
        );
      }
      return fates
        .filter(({ fate }) => fate !== OpeningFate.unsent)
        .map(({ id, fate }) => ({ id, refused: fate === OpeningFate.refused }));
    },
  };
}
