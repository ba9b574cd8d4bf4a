/**
 * What `start()` checks and records before the store is used: that the store's keys hold what
 * it expects, and the schema version in `<prefix>meta`.
 */
import type { Redis } from 'ioredis';
import { SCHEMA_VERSION, type KeyLayout } from './layout.js';

/** The store's keys hold something this code cannot use; the message says what to do. */
export class SchemaMismatchError extends Error {
  constructor(message: string) {
    super(`Redis job store: ${message}`);
    this.name = 'SchemaMismatchError';
  }
}

/** The Redis type each key must have when it exists. */
function expectedTypes(keys: KeyLayout): [key: string, type: string][] {
  return [
    [keys.jobs, 'hash'],
    [keys.runTimes, 'zset'],
    [keys.meta, 'hash'],
  ];
}

/**
 * Checks the types of the store's keys, records the schema version when none is stored yet,
 * and refuses a version newer than this code knows.
 * @throws SchemaMismatchError naming the key and what to do when a key holds something else
 *   or the stored schema version is newer or unreadable
 */
export async function prepareSchema(client: Redis, keys: KeyLayout): Promise<void> {
  const expected = expectedTypes(keys);
  const types = await Promise.all(expected.map(([key]) => client.type(key)));
  expected.forEach(([key, type], index) => {
    const actual = types[index];
    if (actual !== 'none' && actual !== type) {
      throw new SchemaMismatchError(
        `key '${key}' holds a ${actual}, not a ${type}; another application ` +
          `uses it. Choose another keyPrefix, or delete the key if it is left over`,
      );
    }
  });
  await client.hsetnx(keys.meta, 'schema_version', String(SCHEMA_VERSION));
  const stored = await client.hget(keys.meta, 'schema_version');
  const version = Number(stored);
  if (!Number.isInteger(version) || version < 1) {
    throw new SchemaMismatchError(
      `'${keys.meta}' field schema_version is ${JSON.stringify(stored)}, not a ` +
        `schema version; fix or delete that field (this code writes ${SCHEMA_VERSION})`,
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new SchemaMismatchError(
      `the jobs under '${keys.prefix}' have schema ` +
        `version ${version}, but this @kairos/store-redis knows versions up to ` +
        `${SCHEMA_VERSION}; upgrade @kairos/store-redis (or use another keyPrefix)`,
    );
  }
}
