/**
 * The storage layout: one document per job, the queries and updates the store runs on it, and
 * how driver errors are recognised. Pure functions, so they are tested without a server.
 */
import { SerializationError, type JobState } from '@kairos/core';
import type { Document, Filter, Sort } from 'mongodb';

/**
 * One job as stored: `{_id: id, nextRunTime, state, writtenBy}`.
 *
 * `state` is the job's stored form as JSON text, not a BSON object: job arguments carry tags
 * such as `{"$date": …}` and may have keys with `$` or `.`, which MongoDB refuses as field
 * names before 5.0 and restricts after. `nextRunTime` is a copy of the state's, indexed and
 * authoritative.
 */
export interface JobDocument {
  /** The job id. */
  _id: string;
  /** Epoch milliseconds; null for a paused job. */
  nextRunTime: number | null;
  /** `JSON.stringify` of the job's {@link JobState}. */
  state: string;
  /**
   * The store instance that last added or replaced the job, so its change stream can ignore its
   * own writes. Claims leave it as it is.
   */
  writtenBy: string;
}

/** The schema document in `<collection>_meta`. */
export interface MetaDocument {
  _id: string;
  schemaVersion: number;
}

/** `_id` of the schema document. */
export const SCHEMA_DOCUMENT_ID = 'schema';

/** The fields a write stores for a job: its next run time and its state as JSON text. */
export interface StoredFields {
  nextRunTime: number | null;
  state: string;
}

/**
 * The fields that store a job's state.
 * @throws SerializationError when the state has something JSON cannot hold
 */
export function storedFields(state: JobState): StoredFields {
  let text: string;
  try {
    text = JSON.stringify(state);
  } catch (error) {
    throw new SerializationError(
      `job "${state.name}" (id ${state.id}) cannot be stored as JSON: ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
  return { nextRunTime: state.nextRunTime, state: text };
}

/** Index order of jobs: by next run time (paused ones, null, first), then id. */
export const TIME_ORDER = { nextRunTime: 1, _id: 1 } as const satisfies Sort;

/** The key of the one index the store creates; {@link TIME_ORDER} uses it. */
export const TIME_INDEX = { nextRunTime: 1, _id: 1 } as const;

/** Jobs due at `now`: next run time ≤ now (paused ones, null, never match). */
export function dueFilter(now: number): Filter<JobDocument> {
  return { nextRunTime: { $lte: now } };
}

/** Scheduled jobs: those with a next run time (numbers sort before any other BSON type). */
export const SCHEDULED: Filter<JobDocument> = { nextRunTime: { $ne: null } };

/**
 * The compare-and-set of the fire step: the job is still as it was read, next run time and
 * state. A claimer that lost the race finds another time there (or no job) and matches nothing;
 * so does a claim of a job replaced meanwhile, even with the same next run time.
 */
export function claimFilter(
  id: string,
  expectedNextRunTime: number,
  expectedState: string | JobState,
): Filter<JobDocument> {
  // A state written by hand as an object is compared as the object read.
  return { _id: id, nextRunTime: expectedNextRunTime, state: expectedState as string };
}

/**
 * The change-stream pipeline of the wake-ups: jobs added or replaced with a next run time by
 * another store instance, and the invalidation that ends the stream (collection dropped or
 * renamed). Claims update with `$set` and wake no one.
 */
export function wakeupPipeline(writtenBy: string): Document[] {
  return [
    {
      $match: {
        $or: [
          { operationType: 'invalidate' },
          {
            operationType: { $in: ['insert', 'replace'] },
            'fullDocument.nextRunTime': { $type: 'number' },
            'fullDocument.writtenBy': { $ne: writtenBy },
          },
        ],
      },
    },
  ];
}

/** A change the wake-up pipeline passes on. */
export type WakeupChange = {
  _id: unknown;
  operationType: string;
  fullDocument?: { nextRunTime?: unknown };
};

/** The error code of a server error (also one from another copy of the driver), if any. */
function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

/** Whether a write failed because the `_id` is taken (E11000). */
export function isDuplicateKeyError(error: unknown): boolean {
  return codeOf(error) === 11000;
}

/** Server error codes meaning this server or user cannot open change streams. */
const NO_CHANGE_STREAMS = new Set([
  40573, // "The $changeStream stage is only supported on replica sets": a standalone server
  40324, // unrecognised pipeline stage: a server without change streams
  115, // CommandNotSupported
  13, // Unauthorized: the user may not watch
]);

/**
 * Whether opening a change stream failed for good (a standalone server, a user without the
 * right), rather than for a while (a network error, an election).
 */
export function isChangeStreamUnsupported(error: unknown): boolean {
  const code = codeOf(error);
  if (typeof code === 'number' && NO_CHANGE_STREAMS.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /only supported on replica sets/i.test(message);
}
