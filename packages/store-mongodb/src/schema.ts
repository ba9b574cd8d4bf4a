/**
 * The schema of the store: the index on next run times and the schema version recorded in
 * `<collection>_meta`, set up idempotently at every start.
 */
import { SchemaVersionError } from '@kairos/core';
import type { Collection } from 'mongodb';
import {
  isDuplicateKeyError,
  SCHEMA_DOCUMENT_ID,
  TIME_INDEX,
  type JobDocument,
  type MetaDocument,
} from './documents.js';

/** The layout version this code reads and writes. */
export const SCHEMA_VERSION = 1;

/**
 * Checks the schema document a start found (or created).
 * @param where names the store and its collection in the message
 * @throws SchemaVersionError when the document holds no valid version, or a version newer than
 *   this code's
 */
export function checkSchemaVersion(document: MetaDocument | null, where: string): void {
  const version = document?.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new SchemaVersionError(
      `${where}: its schema document ${JSON.stringify(document)} holds no valid schemaVersion ` +
        `(expected an integer ≥ 1); it was not written by Kairos. Fix or remove it, or use ` +
        `another collection`,
      version ?? null,
      SCHEMA_VERSION,
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new SchemaVersionError(
      `${where} has schema version ${version}, newer than the version ${SCHEMA_VERSION} this ` +
        `@kairos/store-mongodb knows; upgrade @kairos/store-mongodb to use it`,
      version,
      SCHEMA_VERSION,
    );
  }
}

/**
 * Records the schema version (unless one is there), refuses a newer one, then creates the index
 * the queries use. Safe to run from several processes at once.
 * @throws SchemaVersionError from {@link checkSchemaVersion}; driver errors when the server is unreachable
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
  checkSchemaVersion(document, where);
  // Only once the version is known: a newer layout may index differently.
  await jobs.createIndex(TIME_INDEX);
}
