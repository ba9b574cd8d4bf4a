/**
 * The options of {@link RedisJobStore}: their schema (as configuration dictionaries deliver
 * them), their defaults, and their resolution into the settings a store runs with.
 */
import { ConfigurationError, parseOptions } from '@kairos/core';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** The server used when neither `url` nor `client` is given. */
export const DEFAULT_URL = 'redis://127.0.0.1:6379/0';
/** The prefix of every key when `keyPrefix` is not given. */
export const DEFAULT_KEY_PREFIX = 'kairos:';

/** Options of {@link RedisJobStore}. */
export interface RedisJobStoreOptions {
  /**
   * The server to connect to, as ioredis reads it: `redis://[user:password@]host[:port][/db]`,
   * `rediss://…` for TLS, or the absolute path of a Unix socket (`?db=N` selects a database).
   * The database is a whole number; `start()` fails when the server refuses it. Default
   * `'redis://127.0.0.1:6379/0'`. Not allowed together with `client`.
   */
  url?: string;
  /**
   * An ioredis `Redis` connection to use instead of opening one from `url`. The store leaves
   * its settings as they are and does not close it at `shutdown()`; it listens for wake-ups on
   * `client.duplicate()`, which it does close. With ioredis' defaults (offline queue on, 20
   * retries per request) calls wait while the server is down instead of failing fast.
   */
  client?: Redis;
  /**
   * Prepended to every key and to the wake-up channel, so several stores (or applications)
   * can share one database. Non-empty, without whitespace. Default `'kairos:'`.
   */
  keyPrefix?: string;
  /**
   * Seconds a call waits for the server's answer on the connections the store opens (not on a
   * given `client`) before it fails with a JobStoreError: a server that hangs (frozen, or a
   * network that drops packets) then fails calls as one that is down does, instead of holding
   * the scheduler's loop and its shutdown. Default 30.
   */
  commandTimeout?: number;
}

/** The default of {@link RedisJobStoreOptions.commandTimeout}, in seconds. */
export const DEFAULT_COMMAND_TIMEOUT = 30;

/** A value as an error message quotes it. */
function quote(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * The database part of a Redis URL as ioredis reads it: the path of a `redis://` or `rediss://`
 * URL, else its `db` query parameter (the only place a Unix socket path can name one); null when
 * there is none, or when the URL does not parse.
 */
function databasePart(url: string): string | null {
  if (url.startsWith('/')) {
    const query = url.indexOf('?');
    return query === -1 ? null : new URLSearchParams(url.slice(query + 1)).get('db');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const path = parsed.pathname.slice(1);
  return path === '' ? parsed.searchParams.get('db') : path;
}

/** Whether a URL names no database, or one by a whole number (ioredis would misread others). */
function hasDatabaseIndex(url: string): boolean {
  const database = databasePart(url);
  return database === null || /^\d+$/.test(database);
}

/** Whether a value looks like an ioredis `Redis` connection (not a Cluster, not node-redis). */
function isRedisClient(value: unknown): value is Redis {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'defineCommand' | 'duplicate' | 'evalsha', unknown>>;
  return (
    typeof candidate.defineCommand === 'function' &&
    typeof candidate.duplicate === 'function' &&
    typeof candidate.evalsha === 'function'
  );
}

/** The schema of {@link RedisJobStoreOptions}, as configuration dictionaries give them. */
export const redisJobStoreOptions = z.strictObject({
  url: z
    .string({ error: (issue) => `${quote(issue.input)} is not a Redis URL` })
    .regex(/^(?:rediss?:\/\/|\/)/, {
      error: (issue) =>
        `${quote(issue.input)} is not a Redis URL; use redis://host:port/db ` +
        `(rediss:// for TLS, or the path of a Unix socket), e.g. 'redis://127.0.0.1:6379/0'`,
    })
    .refine(hasDatabaseIndex, {
      error: (issue) =>
        `${quote(issue.input)} selects database ${quote(databasePart(String(issue.input)))}, ` +
        `which is not a whole number; put the database's index there (0 to 15 on a default ` +
        `server), e.g. 'redis://127.0.0.1:6379/0'`,
    })
    .optional(),
  client: z
    .custom<Redis>(isRedisClient, {
      error: "expected an ioredis Redis connection (new Redis(...) from 'ioredis')",
    })
    .optional(),
  keyPrefix: z
    .string({ error: (issue) => `${quote(issue.input)} is not a key prefix` })
    .min(1, { error: "an empty key prefix is not allowed; use e.g. 'kairos:'" })
    .regex(/^\S+$/, {
      error: (issue) =>
        `${quote(issue.input)} contains whitespace; use a prefix without spaces, e.g. 'kairos:'`,
    })
    .optional(),
  commandTimeout: z
    .number({ error: (issue) => `${quote(issue.input)} is not a number of seconds` })
    .gt(0, { error: (issue) => `${quote(issue.input)} is not a number of seconds > 0` })
    .optional(),
});

/** Where a store's connection comes from: a URL it connects to, or a client it was given. */
export type ConnectionSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'given'; readonly client: Redis };

/** The options of a store with their defaults applied. */
export interface ResolvedOptions {
  readonly source: ConnectionSource;
  readonly keyPrefix: string;
  /** Milliseconds (see {@link RedisJobStoreOptions.commandTimeout}). */
  readonly commandTimeoutMs: number;
}

/**
 * Validates options and applies their defaults.
 * @param where names the options in error messages (`RedisJobStore`)
 * @throws ConfigurationError naming the option and the value
 */
export function resolveOptions(options: unknown, where: string): ResolvedOptions {
  const parsed = parseOptions(redisJobStoreOptions, options, where);
  if (parsed.client !== undefined && parsed.url !== undefined) {
    throw new ConfigurationError(
      `${where}.url`,
      `cannot be combined with 'client': the store uses the connection it is given; ` +
        `pass either 'url' or 'client'`,
    );
  }
  return {
    source:
      parsed.client === undefined
        ? { kind: 'url', url: parsed.url ?? DEFAULT_URL }
        : { kind: 'given', client: parsed.client },
    keyPrefix: parsed.keyPrefix ?? DEFAULT_KEY_PREFIX,
    commandTimeoutMs: (parsed.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT) * 1000,
  };
}
