/**
 * The schema of the store: the documents it keeps (one per job, and the schema document in
 * `<collection>_meta`), the index on next run times, the schema version, set up idempotently at
 * every start, and the duplicate-key errors of the unique `_id`.
 */
import { checkSchemaVersion } from '@kairos/core';
import type { Collection } from 'mongodb';

/** The layout version this code reads and writes. */
export const SCHEMA_VERSION = 1;

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
  /**
   * Set on the jobs of an `addJobs` batch but its earliest: the change stream passes them over,
   * so a batch wakes the other schedulers once. Left in place by claims; dropped by `updateJob`.
   */
  quiet?: true;
}

/** The schema document in `<collection>_meta`. */
export interface MetaDocument {
  _id: string;
  schemaVersion: number;
}

/** `_id` of the schema document. */
export const SCHEMA_DOCUMENT_ID = 'schema';

/** The key of the one index the store creates; the queries' `TIME_ORDER` sorts by it. */
export const TIME_INDEX = { nextRunTime: 1, _id: 1 } as const;

/** The error code of a server error (also one from another copy of the driver), if any. */
export function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

/** Whether a write failed because the `_id` is taken (E11000). */
export function isDuplicateKeyError(error: unknown): boolean {
  return codeOf(error) === 11000;
}

/**
 * Where an ordered `insertMany` stopped: the index of its first failed document, when the
 * error says (a bulk write error); the documents before it were inserted.
 */
export function failedWriteIndex(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const writeErrors: unknown = (error as { writeErrors?: unknown }).writeErrors;
  const first: unknown = Array.isArray(writeErrors) ? writeErrors[0] : writeErrors;
  const index: unknown =
    typeof first === 'object' && first !== null ? (first as { index?: unknown }).index : undefined;
  return typeof index === 'number' ? index : undefined;
}

/**
 * Checks the schema document a start found (or created).
 * @param where names the store and its collection in the message
 * @throws SchemaVersionError when the document holds no valid version, or another version than
 *   this code's
 */
export function checkSchemaDocument(document: MetaDocument | null, where: string): void {
  checkSchemaVersion({
    found: document?.schemaVersion,
    expected: SCHEMA_VERSION,
    where: `${where}: its schema document`,
    packageName: '@kairos/store-mongodb',
    otherwise: 'use another collection',
  });
}

/**
 * Records the schema version (unless one is there), refuses a newer one, then creates the index
 * the queries use. Safe to run from several processes at once.
 * @throws SchemaVersionError from {@link checkSchemaDocument}; driver errors when the server is unreachable
 */
export async function ensureSchema(
  meta: Collection<MetaDocument>,
  jobs: Collection<JobDocument>,
  where: string,
): Promise<void> {
  const record = () =>
    meta.findOneAndUpdate(
      { _id: SCHEMA_DOCUMENT_ID },
      { $setOnInsert: { schemaVersion: SCHEMA_VERSION } },
      { upsert: true, returnDocument: 'after' },
    );
  let document: MetaDocument | null;
  try {
    document = await record();
  } catch (error) {
    // Two first starts at once: the losing upsert hits the unique _id; the document is there now.
    if (!isDuplicateKeyError(error)) throw error;
    document = await record();
  }
  checkSchemaDocument(document, where);
  // Only once the version is known: a newer layout may index differently.
  await jobs.createIndex(TIME_INDEX);
}
