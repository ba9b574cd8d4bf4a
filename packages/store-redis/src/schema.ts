/**
 * What `start()` checks and records before the store is used: that the store's keys hold what
 * it expects, and the schema version in `<prefix>meta`, migrating a store of an older version.
 *
 * Versions: 1 had the jobs (`jobs`, `run_times`, `meta`); 2 adds the run ledger (`runs…`,
 * `nodes…`), keys that a version-1 store does not have, so the migration from 1 only records
 * the new version.
 */
import { checkSchemaVersion, JobStoreError, SchemaVersionError } from '@kairos/core';
import type { Redis } from 'ioredis';
import { SCHEMA_VERSION, type KeyLayout } from './layout.js';

/** A key of the store holds another Redis type: another application uses it. */
export class KeyTypeError extends JobStoreError {
  constructor(message: string) {
    super(message);
    this.name = 'KeyTypeError';
  }
}

/** Whether `start()` failed on what the keys hold (not on the connection). */
export function isSchemaError(error: unknown): boolean {
  return error instanceof SchemaVersionError || error instanceof KeyTypeError;
}

/** The Redis type each key must have when it exists. */
function expectedTypes(keys: KeyLayout): [key: string, type: string][] {
  return [
    [keys.jobs, 'hash'],
    [keys.runTimes, 'zset'],
    [keys.meta, 'hash'],
    [keys.runs, 'hash'],
    [keys.runsAll, 'zset'],
    [keys.runLeases, 'zset'],
    [keys.runJobs, 'set'],
    [keys.nodes, 'hash'],
    [keys.nodesSeen, 'zset'],
  ];
}

/**
 * KEYS: the meta hash. ARGV: this code's version. Records it on a new store, migrates a store
 * of version 1 to it (in one script, so processes starting together do not race), and returns
 * the version now recorded; any other version is left as it is for the check to refuse.
 */
const PREPARE_VERSION = `
local found = redis.call('HGET', KEYS[1], 'schema_version')
if not found or found == '1' then
  redis.call('HSET', KEYS[1], 'schema_version', ARGV[1])
  return ARGV[1]
end
return found
`;

/**
 * Checks the types of the store's keys, records the schema version when none is stored yet,
 * migrates a version-1 store, and refuses any other version than this code's.
 * @param where names the store in error messages
 * @throws KeyTypeError naming the key and what to do when a key holds something else;
 *   SchemaVersionError when the stored schema version is newer or unreadable
 */
export async function prepareSchema(client: Redis, keys: KeyLayout, where: string): Promise<void> {
  const expected = expectedTypes(keys);
  const types = await Promise.all(expected.map(([key]) => client.type(key)));
  expected.forEach(([key, type], index) => {
    const actual = types[index];
    if (actual !== 'none' && actual !== type) {
      throw new KeyTypeError(
        `${where}: key '${key}' holds a ${actual}, not a ${type}; another application ` +
          `uses it. Choose another keyPrefix, or delete the key if it is left over`,
      );
    }
  });
  checkSchemaVersion({
    found: await client.eval(PREPARE_VERSION, 1, keys.meta, String(SCHEMA_VERSION)),
    expected: SCHEMA_VERSION,
    where: `${where}: '${keys.meta}' field schema_version`,
    packageName: '@kairos/store-redis',
    otherwise: 'use another keyPrefix',
  });
}
