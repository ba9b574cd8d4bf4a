/**
 * The Lua scripts of the run ledger (see `ledger.ts`): every step that reads and writes runs or
 * nodes is one script, so Redis applies it atomically. Each writing script takes the ledger's
 * keys ({@link ledgerKeys}) and the key prefix as ARGV[1], from which it names the per-job keys
 * (`<prefix>runs:job:<jobId>`, `<prefix>runs:inflight:<jobId>`).
 */
import {
  encodeRunRow,
  type NodeBeat,
  type Retention,
  type RunOpening,
  type RunRow,
} from '@kairos/core';
import type { Redis } from 'ioredis';
import type { KeyLayout } from './layout.js';
import { beforeTime, MEMBER_ID_START, runMember, type MemberRange } from './run-order.js';
import { define, unexpectedReply } from './script-commands.js';

/**
 * What the scripts did with an opening: wrote its rows, wrote its refused rows (the job had no
 * free slot), or wrote nothing because it needed its refused rows and they were not sent:
 * they are built only then (`RunOpening.refused` is made when read), and the opening is sent
 * again with them.
 */
export const OpeningFate = { opened: 0, refused: 1, unsent: 2 } as const;

/** How many keys {@link ledgerLua} takes, from its first one on. */
export const LEDGER_KEY_COUNT = 6;

/** The keys every writing ledger script takes, in this order. */
export function ledgerKeys(keys: KeyLayout): string[] {
  return [keys.runs, keys.runsAll, keys.runLeases, keys.runJobs, keys.nodes, keys.nodesSeen];
}

/**
 * The Lua every writing script starts with: the ledger's keys from `KEYS[first]` on, and the
 * writes of runs shared by the claim, `open`, `finish` and `abandonLapsed`.
 */
export function ledgerLua(first: number): string {
  return `
local runs_key, all_key, leases_key = KEYS[${first}], KEYS[${first + 1}], KEYS[${first + 2}]
local run_jobs_key, nodes_key, seen_key = KEYS[${first + 3}], KEYS[${first + 4}], KEYS[${first + 5}]
local prefix = ARGV[1]
local function job_key(job) return prefix .. 'runs:job:' .. job end
local function in_flight_key(job) return prefix .. 'runs:inflight:' .. job end

-- A run's row, its members in the history, and its lease when it is in flight (lease ~= '').
local function insert_run(job, id, member, lease, row)
  redis.call('HSET', runs_key, id, row)
  redis.call('ZADD', all_key, 0, member)
  redis.call('ZADD', job_key(job), 0, member)
  redis.call('SADD', run_jobs_key, job)
  if lease ~= '' then
    redis.call('ZADD', leases_key, lease, id)
    redis.call('ZADD', in_flight_key(job), lease, id)
  end
end

-- A run that got its outcome keeps its row (rewritten by the caller) and loses its lease.
local function end_flight(job, id)
  redis.call('ZREM', leases_key, id)
  redis.call('ZREM', in_flight_key(job), id)
end

-- Whether the job's runs in flight at now (unlapsed leases) occupy fewer than max slots (their
-- distinct slots). Fewer runs than max cannot fill them: their rows are read only otherwise.
local function has_free_slot(job, now, max)
  local flying = in_flight_key(job)
  if redis.call('ZCOUNT', flying, now, '+inf') < max then return true end
  local slots, count = {}, 0
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', flying, now, '+inf')) do
    local row = redis.call('HGET', runs_key, id)
    if row then
      local slot = cjson.decode(row).slot or id
      if not slots[slot] then
        slots[slot] = true
        count = count + 1
        if count >= max then return false end
      end
    end
  end
  return count < max
end

-- An opening at ARGV[i]: job, now, max instances, count of rows, count of refused rows ('' when
-- they were not sent), then job, id, member, lease, row of each run, the refused ones last.
local OPENED, REFUSED, UNSENT = ${OpeningFate.opened}, ${OpeningFate.refused}, ${OpeningFate.unsent}

-- Where the argument after the opening at ARGV[i] is.
local function opening_end(i)
  return i + 5 + 5 * (tonumber(ARGV[i + 3]) + (tonumber(ARGV[i + 4]) or 0))
end

-- What the opening at ARGV[i] is to write: OPENED (a slot is free), REFUSED, or UNSENT when its
-- refused rows are needed but were not sent (the caller sends the opening again with them).
local function opening_fate(i)
  if has_free_slot(ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])) then return OPENED end
  if ARGV[i + 4] == '' then return UNSENT end
  return REFUSED
end

-- Writes the rows of the opening at ARGV[i] (fate OPENED) or its refused rows (REFUSED).
local function write_opening(i, fate)
  local rows = tonumber(ARGV[i + 3])
  local from, count = i + 5, rows
  if fate == REFUSED then from, count = i + 5 + 5 * rows, tonumber(ARGV[i + 4]) end
  for j = from, from + 5 * (count - 1), 5 do
    insert_run(ARGV[j], ARGV[j + 1], ARGV[j + 2], ARGV[j + 3], ARGV[j + 4])
  end
end
`;
}

/** ARGV: prefix, then an opening (see {@link ledgerLua}). Writes it; returns its fate. */
const OPEN_RUNS = `${ledgerLua(1)}
local fate = opening_fate(2)
if fate ~= UNSENT then write_opening(2, fate) end
return fate
`;

/**
 * ARGV: prefix, keep ('' = no retention), at most how many rows to delete, the count of runs,
 * then per run: id, job, and its row, or its member when keep is 0 (no history: the run goes
 * as it is recorded, its row is neither sent nor written); then per job to trim: job, the bound
 * of its too old members. Records each run that is still in flight, in order, then trims each
 * job that got one once. Returns 1 (recorded) or 0 (it had an outcome already, or is gone) per
 * run.
 */
const FINISH_RUNS = `${ledgerLua(1)}
local count, unkept = tonumber(ARGV[4]), ARGV[2] == '0'
local recorded, touched = {}, {}
for i = 5, 2 + 3 * count, 3 do
  local id, job = ARGV[i], ARGV[i + 1]
  if redis.call('ZSCORE', leases_key, id) and redis.call('HEXISTS', runs_key, id) == 1 then
    end_flight(job, id)
    if unkept then
      redis.call('HDEL', runs_key, id)
      redis.call('ZREM', all_key, ARGV[i + 2])
      redis.call('ZREM', job_key(job), ARGV[i + 2])
    else
      redis.call('HSET', runs_key, id, ARGV[i + 2])
    end
    touched[job] = true
    recorded[#recorded + 1] = 1
  else
    recorded[#recorded + 1] = 0
  end
end
if ARGV[2] == '' then return recorded end

local keep, most = tonumber(ARGV[2]), tonumber(ARGV[3])

-- Deletes a finished run of job (one in flight stays); whether it did.
local function delete_finished(job, member)
  local run = string.sub(member, ${MEMBER_ID_START})
  if redis.call('ZSCORE', leases_key, run) then return false end
  redis.call('HDEL', runs_key, run)
  redis.call('ZREM', all_key, member)
  redis.call('ZREM', job_key(job), member)
  return true
end

-- The job's finished runs before bound, then those beyond the newest keep, within most.
local function trim(job, bound)
  local history = job_key(job)
  local flying = redis.call('ZCARD', in_flight_key(job))
  for _, member in ipairs(redis.call('ZRANGEBYLEX', history, '-', bound,
      'LIMIT', 0, most + flying)) do
    if most > 0 and delete_finished(job, member) then most = most - 1 end
  end
  local excess = math.min(redis.call('ZCARD', history) - flying - keep, most)
  if excess > 0 then
    for _, member in ipairs(redis.call('ZRANGE', history, 0, excess + flying - 1)) do
      if excess > 0 and delete_finished(job, member) then
        excess, most = excess - 1, most - 1
      end
    end
  end
  if redis.call('EXISTS', history) == 0 then redis.call('SREM', run_jobs_key, job) end
end

for i = 5 + 3 * count, #ARGV, 2 do
  if most <= 0 then break end
  if touched[ARGV[i]] then trim(ARGV[i], ARGV[i + 1]) end
end
return recorded
`;

/**
 * ARGV: prefix, now, then per lapsed run: id, job, abandoned row, and its retry's job, id,
 * member, lease, row (id '' = no retry). Each run is ended only while it is still in flight with
 * a lapsed lease. Returns the ids ended.
 */
const ABANDON_RUNS = `${ledgerLua(1)}
local now = tonumber(ARGV[2])
local ended = {}
for i = 3, #ARGV, 8 do
  local id, job = ARGV[i], ARGV[i + 1]
  local lease = redis.call('ZSCORE', leases_key, id)
  if lease and tonumber(lease) < now then
    redis.call('HSET', runs_key, id, ARGV[i + 2])
    end_flight(job, id)
    if ARGV[i + 4] ~= '' then
      insert_run(ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7])
    end
    ended[#ended + 1] = id
  end
end
return ended
`;

/**
 * ARGV: prefix, node id, node document, now, lease, prune before, then the ids of its runs.
 * Upserts the node, renews the leases of those runs it owns that are still in flight, and
 * deletes the nodes last seen before the pruning time.
 */
const BEAT = `${ledgerLua(1)}
local node, lease = ARGV[2], ARGV[5]
redis.call('HSET', nodes_key, node, ARGV[3])
redis.call('ZADD', seen_key, ARGV[4], node)
for i = 7, #ARGV do
  local id = ARGV[i]
  local row = redis.call('ZSCORE', leases_key, id) and redis.call('HGET', runs_key, id)
  if row then
    local decoded = cjson.decode(row)
    if decoded.schedulerId == node then
      redis.call('ZADD', leases_key, lease, id)
      redis.call('ZADD', in_flight_key(decoded.jobId), lease, id)
    end
  end
end
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', seen_key, '-inf', '(' .. ARGV[6])) do
  redis.call('HDEL', nodes_key, gone)
  redis.call('ZREM', seen_key, gone)
end
return 1
`;

/**
 * ARGV: prefix, then per run: id, owner, row. Rewrites the row of each run still in flight (it
 * has a lease) and owned by that scheduler: the run started. Its lease is left as it is.
 */
const START_RUNS = `${ledgerLua(1)}
for i = 2, #ARGV, 3 do
  local id = ARGV[i]
  local row = redis.call('ZSCORE', leases_key, id) and redis.call('HGET', runs_key, id)
  if row and cjson.decode(row).schedulerId == ARGV[i + 1] then
    redis.call('HSET', runs_key, id, ARGV[i + 2])
  end
end
return 1
`;

/** ARGV: prefix. Deletes every run and node, with the per-job keys. */
const CLEAR = `${ledgerLua(1)}
for _, job in ipairs(redis.call('SMEMBERS', run_jobs_key)) do
  redis.call('DEL', job_key(job), in_flight_key(job))
end
redis.call('DEL', runs_key, all_key, leases_key, run_jobs_key, nodes_key, seen_key)
return 1
`;

/**
 * Read-only. KEYS: the leases, the runs. ARGV: now, limit. The runs in flight whose lease is
 * before now, oldest lease first: lease, row (or '') of each.
 */
const LAPSED_RUNS = `
local leased = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1],
  'WITHSCORES', 'LIMIT', 0, ARGV[2])
local result = {}
for i = 1, #leased, 2 do
  result[#result + 1] = leased[i + 1]
  result[#result + 1] = redis.call('HGET', KEYS[2], leased[i]) or ''
end
return result
`;

/**
 * Read-only. KEYS: a history index (all runs or one job's), the leases, the runs. ARGV: max,
 * min, count. The members in the range, greatest first: member, row (or ''), lease (or '').
 */
const RUN_PAGE = `
local result = {}
for _, member in ipairs(redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2],
    'LIMIT', 0, ARGV[3])) do
  local id = string.sub(member, ${MEMBER_ID_START})
  result[#result + 1] = member
  result[#result + 1] = redis.call('HGET', KEYS[3], id) or ''
  result[#result + 1] = redis.call('ZSCORE', KEYS[2], id) or ''
end
return result
`;

/** Most finished rows one `finish` or `finishMany` deletes: the rest go with later outcomes. */
export const MAX_TRIM = 10_000;

/** A run as the history index holds it. */
export interface IndexedRun {
  /** Its member in the index (what the next page starts below). */
  readonly member: string;
  /** Its row, with the lease from `<prefix>runs:leases` when it is in flight; null when gone. */
  readonly row: RunRow | null;
}

/** One lapsed run ended by {@link LedgerScripts.abandon}. */
export interface AbandonWrite {
  readonly lapsed: RunRow;
  readonly abandoned: RunRow;
  readonly retry: RunRow | null;
}

/** The ledger's scripts bound to one connection and one key layout. */
export interface LedgerScripts {
  /** Writes an opening's rows, or its refused rows when the job has no free slot at `now`. */
  open(opening: RunOpening, now: number): Promise<boolean>;
  /**
   * Records the outcomes of the runs still in flight, in order, then trims each job that got one
   * with `retention`; whether each was recorded.
   */
  finish(rows: readonly RunRow[], retention: Retention | null): Promise<boolean[]>;
  /** Rewrites the rows of runs in flight that started (see `RunLedger.start`). */
  start(rows: readonly RunRow[]): Promise<void>;
  /** The runs in flight whose lease lapsed before `now`, oldest lease first, at most `limit`. */
  lapsed(now: number, limit: number): Promise<RunRow[]>;
  /** Ends the runs still lapsed at `now`, with their retries; the ids it ended. */
  abandon(now: number, writes: readonly AbandonWrite[]): Promise<Set<string>>;
  /** Records a heartbeat. */
  beat(beat: NodeBeat): Promise<void>;
  /** Deletes every run and node. */
  clear(): Promise<void>;
  /** Up to `count` runs of an index within `range`, greatest first. */
  page(index: string, range: MemberRange, count: number): Promise<IndexedRun[]>;
}

/** The arguments of one run: job, id, member, lease ('' when it has an outcome), row. */
function runArgs(row: RunRow): string[] {
  const lease = row.outcome === null ? String(row.leaseUntil ?? 0) : '';
  return [row.jobId, row.id, runMember(row), lease, encodeRunRow(row)];
}

/**
 * The arguments of an opening (see {@link ledgerLua}), its refused rows only `withRefused`
 * (reading them builds them).
 */
export function openingArgs(
  jobId: string,
  opening: RunOpening,
  now: number,
  withRefused: boolean,
): string[] {
  const { rows, maxInstances } = opening;
  const refused = withRefused ? opening.refused : null;
  const args = [jobId, String(now), String(maxInstances), String(rows.length)];
  args.push(refused === null ? '' : String(refused.length));
  for (const row of rows) args.push(...runArgs(row));
  for (const row of refused ?? []) args.push(...runArgs(row));
  return args;
}

/**
 * The newest end of each job's runs (its finish time, else its scheduled time): the "now" of
 * the job's retention when they are recorded together.
 */
function newestEnds(rows: readonly RunRow[]): Map<string, number> {
  const newest = new Map<string, number>();
  for (const row of rows) {
    const end = row.finishedAt ?? row.scheduledRunTime;
    const known = newest.get(row.jobId);
    if (known === undefined || end > known) newest.set(row.jobId, end);
  }
  return newest;
}

/** A row read with the lease score beside it: the score is the lease while it is in flight. */
function withLease(document: unknown, lease: unknown): RunRow | null {
  if (typeof document !== 'string' || document === '') return null;
  const row = JSON.parse(document) as RunRow;
  const score = typeof lease === 'string' && lease !== '' ? Number(lease) : Number.NaN;
  return Number.isFinite(score) ? { ...row, leaseUntil: score } : row;
}

/** Registers the ledger's scripts on a connection. */
export function defineLedgerScripts(client: Redis, keys: KeyLayout): LedgerScripts {
  const count = LEDGER_KEY_COUNT;
  const openRuns = define(client, 'kairosOpenRuns', OPEN_RUNS, count);
  const finishRuns = define(client, 'kairosFinishRuns', FINISH_RUNS, count);
  const abandonRuns = define(client, 'kairosAbandonRuns', ABANDON_RUNS, count);
  const startRuns = define(client, 'kairosStartRuns', START_RUNS, count);
  const beat = define(client, 'kairosBeat', BEAT, count);
  const clear = define(client, 'kairosClearRuns', CLEAR, count);
  const lapsed = define(client, 'kairosLapsedRuns', LAPSED_RUNS, 2, true);
  const page = define(client, 'kairosRunPage', RUN_PAGE, 3, true);
  const ledger = ledgerKeys(keys);
  const { prefix } = keys;
  return {
    async open(opening, now) {
      const first = opening.rows[0] ?? opening.refused[0];
      if (first === undefined) return true;
      let fate = await openRuns(ledger, prefix, openingArgs(first.jobId, opening, now, false));
      if (fate === OpeningFate.unsent) {
        fate = await openRuns(ledger, prefix, openingArgs(first.jobId, opening, now, true));
      }
      return fate === OpeningFate.opened;
    },
    async finish(rows, retention) {
      if (rows.length === 0) return [];
      const args: string[] = [];
      // Without history (keep 0) a recorded run is deleted at once: its row is not sent.
      const unkept = retention !== null && retention.keep === 0;
      for (const row of rows) {
        args.push(row.id, row.jobId, unkept ? runMember(row) : encodeRunRow(row));
      }
      if (retention !== null) {
        for (const [jobId, now] of newestEnds(rows)) {
          args.push(jobId, beforeTime(now - retention.maxAge * 1000));
        }
      }
      const keep = retention === null ? '' : String(retention.keep);
      const reply = await finishRuns(ledger, prefix, keep, String(MAX_TRIM), rows.length, args);
      if (!Array.isArray(reply)) throw unexpectedReply('kairosFinishRuns', reply);
      return reply.map((recorded) => recorded === 1);
    },
    async start(rows) {
      if (rows.length === 0) return;
      const args = rows.flatMap((row) => [row.id, row.schedulerId, encodeRunRow(row)]);
      await startRuns(ledger, prefix, args);
    },
    async lapsed(now, limit) {
      const flat = await lapsed(keys.runLeases, keys.runs, String(now), limit);
      if (!Array.isArray(flat)) throw unexpectedReply('kairosLapsedRuns', flat);
      const rows: RunRow[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const row = withLease(flat[i + 1], flat[i]);
        if (row !== null) rows.push(row);
      }
      return rows;
    },
    async abandon(now, writes) {
      if (writes.length === 0) return new Set();
      const args = writes.flatMap(({ lapsed: run, abandoned, retry }) => [
        run.id,
        run.jobId,
        encodeRunRow(abandoned),
        ...(retry === null ? ['', '', '', '', ''] : runArgs(retry)),
      ]);
      const ended = await abandonRuns(ledger, prefix, String(now), args);
      if (!Array.isArray(ended)) throw unexpectedReply('kairosAbandonRuns', ended);
      return new Set(ended.map(String));
    },
    async beat(node) {
      const document = JSON.stringify({
        id: node.id,
        host: node.host,
        pid: node.pid,
        startedAt: node.startedAt,
        lastSeen: node.now,
      });
      await beat(ledger, prefix, node.id, document, String(node.now), String(node.leaseUntil), [
        String(node.pruneBefore),
        ...node.runIds,
      ]);
    },
    async clear() {
      await clear(ledger, prefix);
    },
    async page(index, range, limit) {
      const flat = await page(index, keys.runLeases, keys.runs, range.max, range.min, limit);
      if (!Array.isArray(flat)) throw unexpectedReply('kairosRunPage', flat);
      const runs: IndexedRun[] = [];
      for (let i = 0; i + 2 < flat.length; i += 3) {
        runs.push({ member: String(flat[i]), row: withLease(flat[i + 1], flat[i + 2]) });
      }
      return runs;
    },
  };
}
