/**
 * The SQL names a store uses: the schema and table the user chose (validated, always
 * double-quoted) and the names derived from them (meta, runs and nodes tables, indexes,
 * notification channel, advisory lock keys). Names never reach SQL any other way, so none can
 * inject SQL.
 */
import { createHash } from 'node:crypto';

/** An unquoted-style identifier PostgreSQL keeps whole: a letter or `_`, then ≤ 62 more. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** PostgreSQL truncates longer identifiers (NAMEDATALEN − 1 bytes). */
const MAX_IDENTIFIER_BYTES = 63;

/** Every name one store works with, ready to paste into SQL. */
export interface StoreNames {
  /** The jobs table, schema-qualified and quoted: `"public"."kairos_jobs"`. */
  readonly table: string;
  /** The meta table beside it (`<table>_meta`), schema-qualified and quoted. */
  readonly metaTable: string;
  /** The index on the next run time (quoted, unqualified: indexes live in the table's schema). */
  readonly nextRunTimeIndex: string;
  /** The run ledger's table (`<table>_runs`), schema-qualified and quoted. */
  readonly runsTable: string;
  /** The ledger's nodes table (`<table>_nodes`), schema-qualified and quoted. */
  readonly nodesTable: string;
  /** The index of a job's history: runs on (job_id, scheduled_run_time DESC, id DESC). */
  readonly runsJobIndex: string;
  /** The index of the whole history: runs on (scheduled_run_time DESC, id DESC). */
  readonly runsTimeIndex: string;
  /** The partial index of the runs in flight: runs on (lease_until) WHERE outcome IS NULL. */
  readonly runsLeaseIndex: string;
  /**
   * The partial index of the finished runs, which the history trim walks: runs on
   * (job_id, scheduled_run_time DESC, id DESC) WHERE outcome IS NOT NULL.
   */
  readonly runsFinishedIndex: string;
  /** The schema, quoted. */
  readonly schema: string;
  /** The schema name as given (for catalog lookups). */
  readonly schemaName: string;
  /** The LISTEN/NOTIFY channel, unquoted (pg_notify takes it as text). */
  readonly channel: string;
  /** The key of the advisory lock that serialises schema creation, as a bigint string. */
  readonly lockKey: string;
  /**
   * The first key (int4) of the advisory locks that serialise counting a job's runs in flight
   * with writing new ones; the second is {@link jobLockKey} of the job id.
   */
  readonly runsLockSpace: number;
}

/** Double-quotes an identifier (doubling any quote inside it). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The names of the store on `schema`.`tableName` (both already validated as identifiers). */
export function storeNames(schema: string, tableName: string): StoreNames {
  const qualified = (name: string): string => `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
  // '.' cannot occur in either name, so no two (schema, table) pairs share a channel or lock.
  const full = `${schema}.${tableName}`;
  const channel = `kairos.${full}`;
  return {
    table: qualified(tableName),
    metaTable: qualified(fitIdentifier(tableName, '_meta')),
    nextRunTimeIndex: quoteIdentifier(fitIdentifier(tableName, '_next_run_time_idx')),
    runsTable: qualified(fitIdentifier(tableName, '_runs')),
    nodesTable: qualified(fitIdentifier(tableName, '_nodes')),
    runsJobIndex: quoteIdentifier(fitIdentifier(tableName, '_runs_job_idx')),
    runsTimeIndex: quoteIdentifier(fitIdentifier(tableName, '_runs_time_idx')),
    runsLeaseIndex: quoteIdentifier(fitIdentifier(tableName, '_runs_lease_idx')),
    runsFinishedIndex: quoteIdentifier(fitIdentifier(tableName, '_runs_finished_idx')),
    schema: quoteIdentifier(schema),
    schemaName: schema,
    channel:
      channel.length <= MAX_IDENTIFIER_BYTES ? channel : `kairos.${digest(full).slice(0, 40)}`,
    lockKey: BigInt.asIntN(64, BigInt(`0x${digest(`kairos:${full}`).slice(0, 16)}`)).toString(),
    runsLockSpace: int4(digest(`kairos-runs:${full}`)),
  };
}

/**
 * The second key of a job's advisory lock (see {@link StoreNames.runsLockSpace}): a hash of
 * its id. Two ids may share one; then they merely wait for each other.
 */
export function jobLockKey(jobId: string): number {
  return int4(digest(jobId));
}

/** The first 32 bits of a hex digest as a signed int4, as PostgreSQL takes it. */
function int4(hex: string): number {
  return Number.parseInt(hex.slice(0, 8), 16) | 0;
}

/**
 * `base + suffix`, or when that is longer than PostgreSQL keeps, a shortened base with a hash of
 * the whole base in it, so long table names still get distinct derived names.
 */
export function fitIdentifier(base: string, suffix: string): string {
  const name = base + suffix;
  if (name.length <= MAX_IDENTIFIER_BYTES) return name;
  const hash = digest(base).slice(0, 8);
  return `${base.slice(0, MAX_IDENTIFIER_BYTES - suffix.length - hash.length - 1)}_${hash}${suffix}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
