/**
 * Connecting {@link PostgresJobStore} at `start()`: the server as error messages name it
 * (without a password), and a failure to connect as a JobStoreError that says, in words, what
 * went wrong and what to do, keeping the driver's error as its `cause`.
 */
import { JobStoreError, redactUrl } from '@kairos/core';
import type { PoolConfig } from 'pg';
import type { PoolSource } from './options.js';

/** Why a connection failed and what to do about it, as a message says them. */
interface Diagnosis {
  readonly cause: string;
  readonly advice: string;
}

/** What to do when nothing more precise is known (the Redis store's wording). */
const GENERAL_ADVICE =
  'check that the server is running and reachable, and the credentials in the connection string';

/**
 * The server a store connects to, as error messages name it: its connection string without the
 * password, or what the options of a given pool say of it.
 */
export function describeServer(source: PoolSource): string {
  if (source.kind === 'connectionString') return redactUrl(source.connectionString);
  const options: PoolConfig = source.pool.options;
  if (typeof options.connectionString === 'string') {
    return `the server of the given pool (${redactUrl(options.connectionString)})`;
  }
  const known = (['host', 'port', 'database'] as const).flatMap((key) => {
    const value = options[key];
    return typeof value === 'string' || typeof value === 'number' ? [`${key} ${value}`] : [];
  });
  return known.length === 0
    ? "the server of the given pool (pg's defaults)"
    : `the server of the given pool (${known.join(', ')})`;
}

/**
 * Runs a step of `start()` that connects; a failure becomes a JobStoreError naming the store
 * and the server, with the cause in words and what to do.
 * @param store names the store, e.g. `PostgreSQL job store 'default'`
 * @param server names the server ({@link describeServer})
 */
export async function connecting<T>(
  store: string,
  server: string,
  connect: () => Promise<T>,
): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    const { cause, advice } = diagnose(error);
    throw new JobStoreError(`${store}: cannot connect to ${server} (${cause}); ${advice}`, {
      cause: error,
    });
  }
}

/** Node's socket and DNS codes, and SQLSTATEs, of a server that cannot be reached or went away. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/**
 * The error of a call made while started, in Kairos's words when the server could not be
 * reached or the connection went away (a JobStoreError naming the store and the server, with
 * the driver's error as `cause`); any other error as it is.
 * @param store names the store, e.g. `PostgreSQL job store 'default'`
 * @param server names the server ({@link describeServer})
 */
export function connectionLost(store: string, server: string, error: unknown): unknown {
  const code = codeOf(error);
  const lost =
    (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08'))) ||
    /connection terminated|timeout exceeded when trying to connect|connection ended/i.test(
      messageOf(error),
    );
  if (!lost) return error;
  const { cause } = diagnose(error);
  return new JobStoreError(
    `${store}: no connection to ${server} (${cause}); the pool connects again by itself at ` +
      `the next call: retry once the server is back`,
    { cause: error },
  );
}

/** What a connection error of `pg` (or of Node underneath it) means, in words. */
function diagnose(error: unknown): Diagnosis {
  const message = messageOf(error);
  const code = codeOf(error);
  switch (code) {
    case 'ECONNREFUSED':
      return {
        cause: `connection refused: ${message}`,
        advice:
          'check that the server is running and listens on that host and port ' +
          '(listen_addresses and port in postgresql.conf)',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return {
        cause: `unknown host${hostOf(error)}: ${message}`,
        advice: 'check the host name in the connection string and that DNS resolves it',
      };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return {
        cause: `the host cannot be reached: ${message}`,
        advice: 'check the host and port, and that no firewall drops the connection',
      };
    case '3D000': {
      const database = /database "(.*)" does not exist/.exec(message)?.[1];
      return {
        cause: `the database does not exist: ${message}`,
        advice:
          (database === undefined
            ? 'create it (CREATE DATABASE …)'
            : `create it (CREATE DATABASE ${database})`) +
          ' or fix the database name in the connection string',
      };
    }
    case '28P01':
    case '28000':
      return {
        cause: `authentication failed: ${message}`,
        advice:
          'check the user name and password in the connection string, and that the ' +
          "server's pg_hba.conf lets this user connect from this host",
      };
    case '57P03':
      return {
        cause: `the server is starting up or shutting down: ${message}`,
        advice: 'retry once it is up',
      };
    case '53300':
      return {
        cause: `the server has no connection slot left: ${message}`,
        advice: "lower 'poolSize' (or other clients' pools), or raise the server's max_connections",
      };
  }
  if (/does not support SSL/i.test(message)) {
    return {
      cause: `the server does not accept SSL: ${message}`,
      advice:
        'remove sslmode (or set sslmode=disable) in the connection string, or enable SSL on the server',
    };
  }
  return { cause: message, advice: GENERAL_ADVICE };
}

/** An error's message; for an AggregateError (one per address tried), its first error's. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  const first: unknown = error instanceof AggregateError ? error.errors[0] : undefined;
  return first instanceof Error ? first.message : error.name;
}

/** The `code` of a Node error or of a PostgreSQL error (its SQLSTATE). */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** ` 'host'` for a DNS error that names its host, else nothing. */
function hostOf(error: unknown): string {
  const hostname = (error as { hostname?: unknown } | null)?.hostname;
  return typeof hostname === 'string' ? ` '${hostname}'` : '';
}
