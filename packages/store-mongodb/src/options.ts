/**
 * The options of {@link MongoJobStore}: their zod schema (as configuration dictionaries give
 * them), MongoDB's naming rules for databases and collections, and the defaults.
 */
import { ConfigurationError, MAX_TIMER_MS, parseOptions, redactUrl, seconds } from '@kairos/core';
import { MongoClient } from 'mongodb';
import { z } from 'zod';

/** Options of {@link MongoJobStore}. Give `url` or `client`, not both. */
export interface MongoJobStoreOptions {
  /**
   * Connection string (`mongodb://host:27017`, `mongodb+srv://cluster.example.net`). The store
   * opens its own client at `start()` and closes it at `shutdown()`. The database in the
   * string's path is only the one to authenticate against; the store uses `database`.
   */
  url?: string;
  /** A client the application owns instead of `url`; the store never connects or closes it. */
  client?: MongoClient;
  /** Database holding the jobs. Default `'kairos'`. */
  database?: string;
  /**
   * Collection of the jobs. Default `'jobs'`. Beside it: `<collection>_meta` (the schema
   * version), `<collection>_runs`, `<collection>_nodes` and `<collection>_slots` (the run ledger).
   */
  collection?: string;
  /**
   * Seconds between checks for jobs other processes added, when change streams are not
   * available (a standalone server) or while the change stream is down. Default 1.
   */
  pollInterval?: number;
}

/** The options with their defaults filled in. */
export interface ResolvedOptions {
  /** Where the store gets its client: made from `url` (and owned), or given. */
  readonly source: { readonly url: string } | { readonly client: MongoClient };
  readonly database: string;
  readonly collection: string;
  readonly pollIntervalMs: number;
}

/** The collection that holds the schema document, beside the jobs collection. */
export function metaCollectionName(collection: string): string {
  return `${collection}_meta`;
}

/** The collections of the run ledger, beside the jobs collection (schema version 2). */
export function ledgerCollectionNames(collection: string): {
  /** One document per run: in flight or finished (the run history). */
  readonly runs: string;
  /** One document per scheduler that beats. */
  readonly nodes: string;
  /** One document per job: its runs in flight, what `maxInstances` is counted on. */
  readonly slots: string;
} {
  return { runs: `${collection}_runs`, nodes: `${collection}_nodes`, slots: `${collection}_slots` };
}

/** Every collection the store keeps beside the jobs collection. */
function companionCollectionNames(collection: string): string[] {
  return [metaCollectionName(collection), ...Object.values(ledgerCollectionNames(collection))];
}

const MISSING_SOURCE =
  "missing: give url (a connection string such as 'mongodb://localhost:27017') or client (a MongoClient)";
const DEFAULT_DATABASE = 'kairos';
const DEFAULT_COLLECTION = 'jobs';
const DEFAULT_POLL_INTERVAL = 1;
/** MongoDB's limit on `<database>.<collection>` (bytes, MongoDB 4.4 and later). */
const MAX_NAMESPACE_BYTES = 255;
/** MongoDB's limit on database names: fewer than 64 bytes. */
const MAX_DATABASE_BYTES = 63;
const DATABASE_FORBIDDEN = ['/', '\\', '.', ' ', '"', '$', '\0'];

/** A value as error messages show it. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Shows a character of a name, NUL included, readably. */
function describeCharacter(character: string): string {
  return character === '\0' ? 'NUL' : character === ' ' ? 'a space' : `'${character}'`;
}

/** Why a string cannot name a MongoDB database, or undefined when it can. */
export function databaseNameProblem(name: string): string | undefined {
  if (name === '') return 'a database name cannot be empty';
  const bad = DATABASE_FORBIDDEN.find((character) => name.includes(character));
  if (bad !== undefined) {
    return `a database name cannot contain ${describeCharacter(bad)} (MongoDB forbids / \\ . " $, spaces and NUL)`;
  }
  if (Buffer.byteLength(name) > MAX_DATABASE_BYTES) {
    return `a database name must be shorter than 64 bytes; this one has ${Buffer.byteLength(name)}`;
  }
  return undefined;
}

/** Why a string cannot name a MongoDB collection, or undefined when it can. */
export function collectionNameProblem(name: string): string | undefined {
  if (name === '') return 'a collection name cannot be empty';
  if (name.includes('$')) return "a collection name cannot contain '$'";
  if (name.includes('\0')) return 'a collection name cannot contain NUL';
  if (name.startsWith('system.')) return "names starting with 'system.' are reserved by MongoDB";
  return undefined;
}

/** Why a string is not a usable connection string, or undefined when the driver accepts it. */
export function urlProblem(url: string): string | undefined {
  if (!/^mongodb(\+srv)?:\/\//.test(url)) {
    return `${describe(redactUrl(url))} is not a MongoDB connection string; it must start with mongodb:// or mongodb+srv://`;
  }
  try {
    // Parses and checks the string and its options; connects to nothing.
    new MongoClient(url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `${describe(redactUrl(url))} cannot be used: ${reason}`;
  }
  return undefined;
}

/** A MongoClient, judged by shape so that a client of another copy of the driver passes too. */
function isClientLike(value: unknown): value is MongoClient {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { db?: unknown }).db === 'function'
  );
}

const nameOf = (kind: string, problem: (name: string) => string | undefined) =>
  z
    .string({ error: (issue) => `${describe(issue.input)} is not a ${kind} name (a string)` })
    .superRefine((name, context) => {
      const found = problem(name);
      if (found !== undefined)
        context.addIssue({ code: 'custom', message: `${describe(name)}: ${found}` });
    });

const pollIntervalSchema = seconds.refine((value) => value > 0 && value * 1000 <= MAX_TIMER_MS, {
  error: (issue) =>
    `${describe(issue.input)} is not a number of seconds > 0 and ≤ ${Math.floor(MAX_TIMER_MS / 1000)}`,
});

/** The schema of {@link MongoJobStoreOptions}, as configuration dictionaries give them. */
export const mongoJobStoreOptions = z
  .strictObject({
    url: z
      .string({
        error: (issue) =>
          `${describe(issue.input)} is not a connection string; expected 'mongodb://host:27017' or 'mongodb+srv://cluster.example.net'`,
      })
      .superRefine((url, context) => {
        const problem = urlProblem(url);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    client: z
      .custom<MongoClient>(isClientLike, {
        error: (issue) =>
          `${describe(issue.input)} is not a MongoClient; pass one made with new MongoClient(url) from the mongodb package`,
      })
      .optional(),
    database: nameOf('database', databaseNameProblem).optional(),
    collection: nameOf('collection', collectionNameProblem).optional(),
    pollInterval: pollIntervalSchema.optional(),
  })
  .superRefine((options, context) => {
    if (options.url !== undefined && options.client !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['client'],
        message:
          'give url (a connection string) or client (a MongoClient), not both; the store would not know which to use',
      });
    } else if (options.url === undefined && options.client === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['url'],
        message: MISSING_SOURCE,
      });
    }
    const database = options.database ?? DEFAULT_DATABASE;
    const collection = options.collection ?? DEFAULT_COLLECTION;
    // The longest of the namespaces beside the jobs' is the one that can overflow.
    const namespace = companionCollectionNames(collection)
      .map((name) => `${database}.${name}`)
      .reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a));
    if (Buffer.byteLength(namespace) > MAX_NAMESPACE_BYTES) {
      context.addIssue({
        code: 'custom',
        path: ['collection'],
        message: `${describe(collection)} makes the namespace '${namespace}' longer than MongoDB's ${MAX_NAMESPACE_BYTES} bytes; choose a shorter name`,
      });
    }
  });

/**
 * Validates options and fills in the defaults.
 * @throws ConfigurationError naming the option (`MongoJobStore.<option>`) and its value
 */
export function resolveOptions(options: MongoJobStoreOptions): ResolvedOptions {
  const parsed = parseOptions(mongoJobStoreOptions, options, 'MongoJobStore');
  const { url, client } = parsed;
  // The schema already refused neither and both; this tells the compiler.
  const source = client !== undefined ? { client } : url !== undefined ? { url } : undefined;
  if (source === undefined) throw new ConfigurationError('MongoJobStore.url', MISSING_SOURCE);
  return {
    source,
    database: parsed.database ?? DEFAULT_DATABASE,
    collection: parsed.collection ?? DEFAULT_COLLECTION,
    pollIntervalMs: (parsed.pollInterval ?? DEFAULT_POLL_INTERVAL) * 1000,
  };
}
