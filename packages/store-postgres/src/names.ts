/**
 * The SQL names a store uses: the schema and table the user chose (validated, always
 * double-quoted) and the names derived from them (meta table, index, notification channel,
 * advisory lock key). Names never reach SQL any other way, so none can inject SQL.
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
  /** The schema, quoted. */
  readonly schema: string;
  /** The schema name as given (for catalog lookups). */
  readonly schemaName: string;
  /** The LISTEN/NOTIFY channel, unquoted (pg_notify takes it as text). */
  readonly channel: string;
  /** The key of the advisory lock that serialises schema creation, as a bigint string. */
  readonly lockKey: string;
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
    schema: quoteIdentifier(schema),
    schemaName: schema,
    channel:
      channel.length <= MAX_IDENTIFIER_BYTES ? channel : `kairos.${digest(full).slice(0, 40)}`,
    lockKey: BigInt.asIntN(64, BigInt(`0x${digest(`kairos:${full}`).slice(0, 16)}`)).toString(),
  };
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
