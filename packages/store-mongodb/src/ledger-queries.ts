/**
 * The queries of the run ledger, beside the jobs' `queries.ts`: the run documents, the filters and
 * orders of the history, the lease scan and the trims, and the update pipelines of the slots
 * documents that count a job's runs in flight. Pure functions, so they are tested without a server.
 */
import {
  decodeRunRow,
  encodeRunRow,
  type NodeBeat,
  type RunPosition,
  type RunQuery,
  type RunRow,
} from '@kairos/core';
import type { Document, Filter, Sort } from 'mongodb';
import type { RunDocument, SlotEntry, SlotsDocument } from './schema.js';

/**
 * How long a slots entry whose lease lapsed stays listed (a day). Entries go with their run's
 * outcome; one outlives it only when a write between the two documents was lost (a standalone
 * server, the process died), and it stops counting when its lease lapses anyway.
 */
export const STALE_SLOT_MS = 86_400_000;

/** The history's order (`compareRuns`, the `JOB_HISTORY_INDEX` and `HISTORY_INDEX`). */
export const HISTORY_ORDER = { scheduledRunTime: -1, _id: -1 } as const satisfies Sort;

/** The lapsed-lease scan's order: oldest lease first (the `LEASE_INDEX`). */
export const LEASE_ORDER = { leaseUntil: 1, _id: 1 } as const satisfies Sort;

/** The document that stores a run: its indexed fields and the whole row as text. */
export function runDocument(row: RunRow): RunDocument {
  return {
    _id: row.id,
    jobId: row.jobId,
    scheduledRunTime: row.scheduledRunTime,
    outcome: row.outcome,
    schedulerId: row.schedulerId,
    leaseUntil: row.leaseUntil,
    slot: row.slot,
    row: encodeRunRow(row),
  };
}

/** The fields that replace a stored run (a replacement keeps the `_id`). */
export function runFields(row: RunRow): Omit<RunDocument, '_id'> {
  const { _id, ...fields } = runDocument(row);
  return fields;
}

/** The row a run document holds, with the lease its heartbeat renewed. */
export function rowOf(document: Pick<RunDocument, 'row' | 'leaseUntil'>): RunRow {
  return { ...decodeRunRow(document.row), leaseUntil: document.leaseUntil };
}

/** A run in flight as its job's slots document lists it. */
export function slotEntry(row: RunRow): SlotEntry {
  return { id: row.id, slot: row.slot, leaseUntil: row.leaseUntil, owner: row.schedulerId };
}

/**
 * The update of a job's slots document that opens runs: it drops stale entries, counts the
 * distinct slots of the entries whose lease holds at `now`, and appends `entries` only when that
 * count is below `maxInstances`, recording the decision in `opened` — all in one single-document
 * update, so two openings of a job never both take its last slot.
 */
export function openingPipeline(
  entries: readonly SlotEntry[],
  maxInstances: number,
  now: number,
): Document[] {
  const listed = {
    $filter: {
      input: { $ifNull: ['$runs', []] },
      cond: { $gte: ['$$this.leaseUntil', now - STALE_SLOT_MS] },
    },
  };
  const held = { $filter: { input: '$runs', cond: { $gte: ['$$this.leaseUntil', now] } } };
  const slotsHeld = { $size: { $setUnion: [{ $map: { input: held, in: '$$this.slot' } }] } };
  return [
    { $set: { runs: listed } },
    { $set: { opened: { $lt: [slotsHeld, maxInstances] } } },
    {
      $set: {
        runs: {
          $cond: ['$opened', { $concatArrays: ['$runs', { $literal: entries }] }, '$runs'],
        },
      },
    },
  ];
}

/**
 * The update of a job's slots document when runs get their outcomes: their entries go, and the
 * entries of `added` (an abandoned run's retry) come in their place.
 */
export function releasePipeline(
  runIds: readonly string[],
  added: readonly SlotEntry[],
): Document[] {
  const others = {
    $filter: {
      input: { $ifNull: ['$runs', []] },
      cond: { $not: [{ $in: ['$$this.id', { $literal: runIds }] }] },
    },
  };
  return [{ $set: { runs: { $concatArrays: [others, { $literal: added }] } } }];
}

/** The slots documents that list one of these runs (the `SLOT_RUNS_INDEX`). */
export function slotsListing(runIds: readonly string[]): Filter<SlotsDocument> {
  return { 'runs.id': { $in: [...runIds] } };
}

/** The update of slots documents that renews the leases of a heartbeat's runs. */
export function renewalPipeline(beat: NodeBeat): Document[] {
  const renewed = {
    $and: [
      { $eq: ['$$this.owner', { $literal: beat.id }] },
      { $in: ['$$this.id', { $literal: beat.runIds }] },
    ],
  };
  return [
    {
      $set: {
        runs: {
          $map: {
            input: { $ifNull: ['$runs', []] },
            in: {
              $cond: [
                renewed,
                { $mergeObjects: ['$$this', { leaseUntil: beat.leaseUntil }] },
                '$$this',
              ],
            },
          },
        },
      },
    },
  ];
}

/** The runs a heartbeat renews: named by it, owned by its scheduler, still without an outcome. */
export function renewedRuns(beat: NodeBeat): Filter<RunDocument> {
  return { _id: { $in: [...beat.runIds] }, schedulerId: beat.id, outcome: null };
}

/** A run in flight that `owner` holds: the rows a start rewrites. */
export function ownedRunInFlight(id: string, owner: string): Filter<RunDocument> {
  return { _id: id, schedulerId: owner, outcome: null };
}

/** The compare-and-set of an outcome: the stored run has none yet. */
export function unfinishedRun(id: string): Filter<RunDocument> {
  return { _id: id, outcome: null };
}

/** Those of these runs that have no outcome yet: the compare-and-set of a batch of outcomes. */
export function unfinishedRuns(ids: readonly string[]): Filter<RunDocument> {
  return { _id: { $in: [...ids] }, outcome: null };
}

/** Runs without an outcome whose lease lapsed before `now` (numbers only: never a null lease). */
export function lapsedRuns(now: number): Filter<RunDocument> {
  return { outcome: null, leaseUntil: { $lt: now } };
}

/** The compare-and-set of an abandonment: the run still has no outcome and its lease still lapsed. */
export function lapsedRun(id: string, now: number): Filter<RunDocument> {
  return { _id: id, ...lapsedRuns(now) };
}

/** A job's finished runs (those retention may drop; runs in flight never are). */
export function finishedRuns(jobId: string): Filter<RunDocument> {
  return { jobId, outcome: { $ne: null } };
}

/** The finished runs of these jobs (what a trim keeping none of them drops). */
export function finishedRunsOf(jobIds: readonly string[]): Filter<RunDocument> {
  return { jobId: { $in: [...jobIds] }, outcome: { $ne: null } };
}

/** A job's finished runs scheduled before `oldest`. */
export function expiredRuns(jobId: string, oldest: number): Filter<RunDocument> {
  return { ...finishedRuns(jobId), scheduledRunTime: { $lt: oldest } };
}

/**
 * Runs at `position` or after it in the history's order. The range on `scheduledRunTime` bounds
 * the index scan; the `$or` only sorts out the runs of that very time.
 */
export function fromPosition(position: RunPosition): Filter<RunDocument> {
  const time = position.scheduledRunTime;
  return {
    scheduledRunTime: { $lte: time },
    $or: [{ scheduledRunTime: { $lt: time } }, { _id: { $lte: position.id } }],
  };
}

/**
 * The filter of a history query (`runMatches`): job, outcomes (null for runs in flight), the
 * scheduled-time range and the keyset position, strictly after it.
 */
export function historyFilter(query: RunQuery): Filter<RunDocument> {
  const filter: Filter<RunDocument> = {};
  if (query.jobId !== undefined) filter.jobId = query.jobId;
  if (query.outcomes !== undefined) filter.outcome = { $in: [...query.outcomes] };
  let latest = query.until;
  if (query.after !== undefined) {
    const { scheduledRunTime: time, id } = query.after;
    latest = latest === undefined ? time : Math.min(latest, time);
    filter.$or = [{ scheduledRunTime: { $lt: time } }, { _id: { $lt: id } }];
  }
  const range: { $gte?: number; $lte?: number } = {};
  if (query.since !== undefined) range.$gte = query.since;
  if (latest !== undefined) range.$lte = latest;
  if (Object.keys(range).length > 0) filter.scheduledRunTime = range;
  return filter;
}

/**
 * The newest run of each of these jobs, one per group: the sort follows `JOB_HISTORY_INDEX`, so
 * the server can answer it by skipping through the index.
 */
export function lastRunsPipeline(jobIds: readonly string[]): Document[] {
  return [
    { $match: { jobId: { $in: [...jobIds] } } },
    { $sort: { jobId: 1, ...HISTORY_ORDER } },
    { $group: { _id: '$jobId', row: { $first: '$row' }, leaseUntil: { $first: '$leaseUntil' } } },
  ];
}

/**
 * What a trim needs to know of each job, in one aggregation over several jobs: the position of
 * its finished run just past the newest `keep` (`past`, missing when it has no more than `keep`)
 * and the scheduled time of its oldest finished run. The sort follows `JOB_HISTORY_INDEX`; the
 * caller bounds the positions a group collects (about `keep` + 1 per job).
 */
export function trimStatsPipeline(jobIds: readonly string[], keep: number): Document[] {
  return [
    { $match: finishedRunsOf(jobIds) },
    { $sort: { jobId: 1, ...HISTORY_ORDER } },
    {
      $group: {
        _id: '$jobId',
        positions: { $push: { scheduledRunTime: '$scheduledRunTime', id: '$_id' } },
        oldest: { $min: '$scheduledRunTime' },
      },
    },
    { $project: { oldest: 1, past: { $arrayElemAt: ['$positions', keep] } } },
  ];
}

/** One job's line of {@link trimStatsPipeline}. */
export interface TrimStats {
  /** The job id. */
  readonly _id: string;
  /** The scheduled time of its oldest finished run; unknown when not asked for. */
  readonly oldest?: number;
  /** Its first finished run past the newest `keep`, if it has more than `keep`. */
  readonly past?: RunPosition;
}

/**
 * The delete of one job's trim (`rowsToTrim`): its finished runs from `past` on, or scheduled
 * before `cutoff` — one range or the other, as whichever starts first in the history's order
 * holds the other; null when the job has nothing to drop.
 */
export function trimFilter(stats: TrimStats, cutoff: number): Filter<RunDocument> | null {
  const { _id: jobId, past, oldest } = stats;
  if (past !== undefined && past.scheduledRunTime >= cutoff) {
    return { ...finishedRuns(jobId), ...fromPosition(past) };
  }
  if (oldest === undefined || oldest < cutoff) return expiredRuns(jobId, cutoff);
  return null;
}
