/**
 * The schema of the store: the documents it keeps (one per job, the schema document in
 * `<collection>_meta`, and the run ledger's runs, nodes and slots), their indexes, the schema
 * version and the migration from version 1, set up idempotently at every start, and the
 * duplicate-key errors of the unique `_id`.
 */
import { checkSchemaVersion, type RunOutcome } from '@kairos/core';
import type { Collection, IndexSpecification } from 'mongodb';

/** The layout version this code reads and writes: 2 added the run ledger's collections. */
export const SCHEMA_VERSION = 2;

/** The version that this code migrates at start: jobs and schema document only. */
export const MIGRATED_VERSION = 1;

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

/**
 * One run in `<collection>_runs`: indexed copies of what the ledger queries, and the whole row as
 * `encodeRunRow` text (a run's result may hold keys MongoDB restricts, as a job's args may).
 * `leaseUntil` is authoritative over the copy in `row`: a heartbeat renews the field alone.
 */
export interface RunDocument {
  /** The run id. */
  _id: string;
  jobId: string;
  /** Epoch milliseconds. */
  scheduledRunTime: number;
  /** Null while the run is in flight. */
  outcome: RunOutcome | null;
  /** The scheduler that owns (or owned) the run. */
  schedulerId: string;
  /** Epoch milliseconds; null once the run has an outcome. */
  leaseUntil: number | null;
  slot: string;
  /** `encodeRunRow` of the row. */
  row: string;
}

/** A scheduler in `<collection>_nodes`, as its last heartbeat wrote it. */
export interface NodeDocument {
  /** The scheduler id. */
  _id: string;
  host: string;
  pid: number;
  startedAt: number;
  lastSeen: number;
}

/** A run in flight as its job's slots document lists it. */
export interface SlotEntry {
  /** The run id. */
  id: string;
  slot: string;
  leaseUntil: number | null;
  /** The scheduler that owns the run. */
  owner: string;
}

/**
 * One job's runs in flight in `<collection>_slots`: the one document every write that changes
 * them updates, so a single-document update counts the job's slots and takes one atomically
 * (and, in a transaction, concurrent openings of a job conflict on it instead of both passing).
 */
export interface SlotsDocument {
  /** The job id. */
  _id: string;
  runs: SlotEntry[];
  /** Whether the last opening of the job took a slot: read back by that same update. */
  opened?: boolean;
}

/** `_id` of the schema document. */
export const SCHEMA_DOCUMENT_ID = 'schema';

/** The key of the jobs' index; the queries' `TIME_ORDER` sorts by it. */
export const TIME_INDEX = { nextRunTime: 1, _id: 1 } as const;

/** A job's history, newest first: "the last 20 runs of a job" is one bounded index scan. */
export const JOB_HISTORY_INDEX = { jobId: 1, scheduledRunTime: -1, _id: -1 } as const;

/** The history of every job, newest first. */
export const HISTORY_INDEX = { scheduledRunTime: -1, _id: -1 } as const;

/** Runs in flight (outcome null) by lease, oldest first: the lapsed-lease scan. */
export const LEASE_INDEX = { outcome: 1, leaseUntil: 1, _id: 1 } as const;

/** The slots documents that list a run: the heartbeat's lease renewal. */
export const SLOT_RUNS_INDEX = { 'runs.id': 1 } as const;

/** The collections of a store and what the schema sets up on them. */
export interface SchemaCollections {
  readonly meta: Collection<MetaDocument>;
  readonly jobs: Collection<JobDocument>;
  readonly runs: Collection<RunDocument>;
  readonly slots: Collection<SlotsDocument>;
}

/** Every index of schema version 2, by collection (`createIndex` is idempotent). */
export const INDEXES = {
  jobs: [TIME_INDEX],
  runs: [JOB_HISTORY_INDEX, HISTORY_INDEX, LEASE_INDEX],
  slots: [SLOT_RUNS_INDEX],
} as const satisfies Record<string, readonly IndexSpecification[]>;

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
 * Checks the schema document a start found (or created): whether the store is at this code's
 * version or at version 1, which the start migrates.
 * @param where names the store and its collection in the message
 * @throws SchemaVersionError when the document holds no valid version, or a version that is
 *   neither this code's nor version 1
 */
export function checkSchemaDocument(
  document: MetaDocument | null,
  where: string,
): 'current' | 'migrate' {
  if (document?.schemaVersion === MIGRATED_VERSION) return 'migrate';
  checkSchemaVersion({
    found: document?.schemaVersion,
    expected: SCHEMA_VERSION,
    where: `${where}: its schema document`,
    packageName: '@kairos/store-mongodb',
    otherwise: 'use another collection',
  });
  return 'current';
}

/**
 * Records the schema version (unless one is there), refuses a newer one, creates the indexes
 * (and so the ledger's collections), and moves a version-1 store to version 2. Safe to run from
 * several processes at once.
 *
 * The migration writes no job: version 2 only adds collections. It sets the version last, with
 * a compare-and-set on version 1, so a start that dies midway leaves version 1 and the next start
 * migrates again (creating an index that exists is a no-op).
 * @throws SchemaVersionError from {@link checkSchemaDocument}; driver errors when the server is unreachable
 */
export async function ensureSchema(collections: SchemaCollections, where: string): Promise<void> {
  const { meta } = collections;
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
  const step = checkSchemaDocument(document, where);
  // Only once the version is known: a newer layout may index differently.
  const { jobs, runs, slots } = collections;
  const indexed: [Pick<Collection, 'createIndex'>, readonly IndexSpecification[]][] = [
    [jobs, INDEXES.jobs],
    [runs, INDEXES.runs],
    [slots, INDEXES.slots],
  ];
  for (const [collection, indexes] of indexed) {
    for (const index of indexes) await collection.createIndex(index);
  }
  if (step === 'migrate') {
    await meta.updateOne(
      { _id: SCHEMA_DOCUMENT_ID, schemaVersion: MIGRATED_VERSION },
      { $set: { schemaVersion: SCHEMA_VERSION } },
    );
  }
}
