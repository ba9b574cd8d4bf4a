/**
 * The options of {@link PostgresJobStore}: their schema (as configuration dictionaries deliver
 * them, strings included), their defaults, and their resolution into the settings a store runs
 * with.
 */
import { ConfigurationError, parseOptions, positiveInteger } from '@kairos/core';
import type { Pool } from 'pg';
import { z } from 'zod';
import { connectionStringProblem } from './connection-string.js';
import { IDENTIFIER } from './names.js';

/** The schema used when `schema` is not given. */
export const DEFAULT_SCHEMA = 'public';
/** The jobs table used when `tableName` is not given. */
export const DEFAULT_TABLE_NAME = 'kairos_jobs';
/** Connections of the pool a store opens from `connectionString`, when `poolSize` is not given. */
export const DEFAULT_POOL_SIZE = 10;

/** Options of {@link PostgresJobStore}. Give exactly one of `connectionString` and `pool`. */
export interface PostgresJobStoreOptions {
  /**
   * The database to connect to, as `pg` reads it:
   * `postgres://user:password@host:5432/database?sslmode=require` (or `postgresql://…`), or
   * for a Unix socket `socket:/var/run/postgresql?db=database`. Any other string (a libpq
   * `key=value` string, another scheme) is refused when the store is constructed. The store
   * opens a pool of `poolSize` connections at `start()` and closes it at `shutdown()`.
   */
  connectionString?: string;
  /**
   * A `pg.Pool` to use instead of opening one. The store does not end it at `shutdown()`. It
   * opens one extra connection, for LISTEN, with the pool's own settings (`pool.options`).
   */
  pool?: Pool;
  /**
   * The schema holding the tables; created when missing. A plain identifier (letters, digits,
   * `_`, not starting with a digit, ≤ 63 characters), used as written (case-sensitive).
   * Default `'public'`.
   */
  schema?: string;
  /**
   * The jobs table; the schema version lives in `<tableName>_meta`. A plain identifier, as for
   * `schema`. Default `'kairos_jobs'`.
   */
  tableName?: string;
  /** Connections in the pool opened from `connectionString`. Default 10. */
  poolSize?: number;
}

/** A value as an error message quotes it. */
function quote(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Whether a value looks like a `pg.Pool` (duck-typed: another copy of `pg` may have made it). */
function isPool(value: unknown): value is Pool {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'connect' | 'query' | 'end' | 'options', unknown>>;
  return (
    typeof candidate.connect === 'function' &&
    typeof candidate.query === 'function' &&
    typeof candidate.end === 'function' &&
    typeof candidate.options === 'object'
  );
}

/** A schema or table name: a plain identifier, so names cannot carry SQL. */
function identifier(what: string, example: string) {
  return z
    .string({ error: (issue) => `${quote(issue.input)} is not a ${what} name` })
    .regex(IDENTIFIER, {
      error: (issue) =>
        `${quote(issue.input)} is not a plain SQL identifier; use 1 to 63 letters, digits ` +
        `and '_', not starting with a digit (e.g. '${example}')`,
    });
}

/** The schema of {@link PostgresJobStoreOptions}, as configuration dictionaries give them. */
export const postgresJobStoreOptions = z.strictObject({
  connectionString: z
    .string({ error: (issue) => `${quote(issue.input)} is not a connection string` })
    .min(1, {
      error: "an empty connection string names no database; use e.g. 'postgres://host/db'",
    })
    .superRefine((connectionString, context) => {
      const problem = connectionStringProblem(connectionString);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  pool: z
    .custom<Pool>(isPool, {
      error: "expected a pg Pool (new Pool({...}) from 'pg')",
    })
    .optional(),
  schema: identifier('schema', DEFAULT_SCHEMA).optional(),
  tableName: identifier('table', DEFAULT_TABLE_NAME).optional(),
  poolSize: positiveInteger.optional(),
});

/** Where a store's connections come from: a pool it opens, or a pool it was given. */
export type PoolSource =
  | { readonly kind: 'connectionString'; readonly connectionString: string; readonly size: number }
  | { readonly kind: 'given'; readonly pool: Pool };

/** The options of a store with their defaults applied. */
export interface ResolvedOptions {
  readonly source: PoolSource;
  readonly schema: string;
  readonly tableName: string;
}

/**
 * Validates options and applies their defaults.
 * @param where names the options in error messages (`PostgresJobStore`, or the alias)
 * @throws ConfigurationError naming the option and the value
 */
export function resolveOptions(options: unknown, where: string): ResolvedOptions {
  const parsed = parseOptions(postgresJobStoreOptions, options, where);
  const common = {
    schema: parsed.schema ?? DEFAULT_SCHEMA,
    tableName: parsed.tableName ?? DEFAULT_TABLE_NAME,
  };
  if (parsed.pool !== undefined) {
    for (const key of ['connectionString', 'poolSize'] as const) {
      if (parsed[key] !== undefined) {
        throw new ConfigurationError(
          `${where}.${key}`,
          `cannot be combined with 'pool': the store uses the pool it is given as it is; ` +
            `pass either 'pool' or 'connectionString' (with 'poolSize')`,
        );
      }
    }
    return { source: { kind: 'given', pool: parsed.pool }, ...common };
  }
  if (parsed.connectionString === undefined) {
    throw new ConfigurationError(
      `${where}.connectionString`,
      `is missing; give a connection string (e.g. 'postgres://user@host:5432/db') or ` +
        `a pg Pool as 'pool'`,
    );
  }
  return {
    source: {
      kind: 'connectionString',
      connectionString: parsed.connectionString,
      size: parsed.poolSize ?? DEFAULT_POOL_SIZE,
    },
    ...common,
  };
}
