/**
 * The schema-version check every persistent store makes at `start()`: the version its storage
 * records must be the one this code writes, or the store refuses to start and touches nothing.
 */
import { SchemaVersionError } from '../errors.js';

/** What {@link checkSchemaVersion} compares and how its message names things. */
export interface SchemaVersionCheck {
  /** The version as stored (text or number; null or undefined when none could be read). */
  readonly found: unknown;
  /** The version this code writes. */
  readonly expected: number;
  /** Where the version is kept, naming the store: `SQLiteJobStore 'default': table "jobs_meta"`. */
  readonly where: string;
  /** The package that writes it: `@kairos/store-sqlite`. */
  readonly packageName: string;
  /** The other way out, for the user: `use another tableName`. */
  readonly otherwise: string;
}

/**
 * Accepts the expected version (as a number or as its decimal text); refuses anything else.
 * @throws SchemaVersionError saying to upgrade the package when the stored version is newer,
 *   and to fix the record when it is not a version this package ever wrote
 */
export function checkSchemaVersion(check: SchemaVersionCheck): void {
  const { found, expected, where, packageName, otherwise } = check;
  const version =
    typeof found === 'number'
      ? found
      : typeof found === 'string' && /^\d+$/.test(found)
        ? Number(found)
        : Number.NaN;
  if (version === expected) return;
  const problem =
    Number.isInteger(version) && version > expected
      ? `schema version ${version}, newer than version ${expected} that this ${packageName} ` +
        `knows; upgrade ${packageName} in this application, or ${otherwise}`
      : `schema version ${describe(found)}, which ${packageName} never writes (this version ` +
        `writes ${expected}); fix or remove that record, or ${otherwise}`;
  throw new SchemaVersionError(
    `${where} records ${problem} (the jobs were left untouched)`,
    found ?? null,
    expected,
  );
}

/** A stored value as the message quotes it: strings in single quotes, others as JSON. */
function describe(value: unknown): string {
  if (value === undefined) return 'none';
  if (typeof value === 'string') return `'${value}'`;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
