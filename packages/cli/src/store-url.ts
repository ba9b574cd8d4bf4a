/**
 * `--store URL` → the job store spec a scheduler configuration takes (`{ type, …options }`).
 * The connection URL goes to the store as it is; the Kairos options (table, schema, key
 * prefix, database, collection) ride in query parameters that are taken off it first.
 */
import { redactUrl } from 'kairos';
import { UsageError } from './errors.js';

/** A job store spec for the scheduler's `jobstores` configuration. */
export type StoreSpec =
  | { type: 'sqlite'; path: string; tableName?: string }
  | { type: 'postgres'; connectionString: string; schema?: string; tableName?: string }
  | { type: 'redis'; url: string; keyPrefix?: string }
  | { type: 'mongodb'; url: string; database?: string; collection?: string };

/** The URL forms, for messages and `--help`. */
export const STORE_URL_FORMS = [
  'sqlite:PATH[?table=NAME]',
  'postgres://USER@HOST:PORT/DB[?schema=NAME&table=NAME]',
  'redis://HOST:PORT/DB[?prefix=PREFIX]',
  'mongodb://HOST:PORT[?database=NAME&collection=NAME]',
] as const;

/** The store spec a `--store` URL names. */
export function parseStoreUrl(text: string): StoreSpec {
  if (text.startsWith('sqlite:')) {
    const [rest = '', query = ''] = text.slice('sqlite:'.length).split('?', 2);
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (path === '')
      throw badUrl(text, 'names no file: write sqlite:PATH, e.g. sqlite:var/jobs.sqlite');
    const params = takeParams(text, new URLSearchParams(query), ['table']);
    return { type: 'sqlite', path, ...optional('tableName', params.table) };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badUrl(text, 'is not a URL');
  }
  switch (url.protocol) {
    case 'postgres:':
    case 'postgresql:': {
      const params = takeParams(text, url.searchParams, ['schema', 'table']);
      return {
        type: 'postgres',
        connectionString: url.toString(),
        ...optional('schema', params.schema),
        ...optional('tableName', params.table),
      };
    }
    case 'redis:':
    case 'rediss:': {
      const params = takeParams(text, url.searchParams, ['prefix']);
      return { type: 'redis', url: url.toString(), ...optional('keyPrefix', params.prefix) };
    }
    case 'mongodb:':
    case 'mongodb+srv:': {
      const params = takeParams(text, url.searchParams, ['database', 'collection']);
      return {
        type: 'mongodb',
        url: url.toString(),
        ...optional('database', params.database),
        ...optional('collection', params.collection),
      };
    }
    default:
      throw badUrl(text, `has the unknown scheme '${url.protocol}'`);
  }
}

/** Removes the named Kairos parameters from `params` and returns their values. */
function takeParams<K extends string>(
  text: string,
  params: URLSearchParams,
  names: readonly K[],
): Partial<Record<K, string>> {
  const taken: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = params.get(name);
    if (value === null) continue;
    if (value === '') throw badUrl(text, `has an empty '${name}' parameter`);
    taken[name] = value;
    params.delete(name);
  }
  return taken;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function badUrl(text: string, problem: string): UsageError {
  return new UsageError(
    `--store '${redactUrl(text)}' ${problem}; the forms are ${STORE_URL_FORMS.join(', ')}`,
  );
}
