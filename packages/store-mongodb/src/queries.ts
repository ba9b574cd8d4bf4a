/**
 * The queries a MongoDB job store sends, its counterpart of the SQL stores' `statements.ts`:
 * the filters, sort orders and documents of its reads and writes, and the change-stream
 * pipeline of its wake-ups. Pure functions, so they are tested without a server.
 */
import type { JobState, JobToStore } from '@kairos/core';
import type { Document, Filter, Sort } from 'mongodb';
import type { JobDocument } from './schema.js';

/**
 * The document that stores a job: `writtenBy` marks the store instance that wrote it, and
 * `quiet` a job of a batch whose wake-up another job of the batch carries.
 */
export function jobDocument(job: JobToStore, writtenBy: string, quiet = false): JobDocument {
  const document: JobDocument = {
    _id: job.id,
    nextRunTime: job.nextRunTime,
    state: job.document,
    writtenBy,
  };
  if (quiet) document.quiet = true;
  return document;
}

/** The fields a write replaces or sets: the next run time and the state. */
export function storedFields(job: JobToStore): Pick<JobDocument, 'nextRunTime' | 'state'> {
  return { nextRunTime: job.nextRunTime, state: job.document };
}

/** Index order of jobs (`TIME_INDEX`): next run time (paused ones, null, first), then id. */
export const TIME_ORDER = { nextRunTime: 1, _id: 1 } as const satisfies Sort;

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
 * another store instance (but for the quiet jobs of a batch: its earliest job speaks for it),
 * and the invalidation that ends the stream (collection dropped or renamed). Claims update with
 * `$set` and wake no one.
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
            'fullDocument.quiet': { $ne: true },
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
