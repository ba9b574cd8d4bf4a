/**
 * The Redis server the tests use (`KAIROS_TEST_REDIS_URL`, default the local one), whether it
 * answered, and key prefixes of their own for each test file so files can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { REDIS_URL } from './redis-url.js';

export { REDIS_URL };

/** Whether the server answered `test/global-setup.ts`'s probe at the start of the run. */
export const redisAvailable: boolean = inject('redisAvailable');

/** A key prefix no other test file uses: `kairos-test:<name>:<random>:`. */
export function uniquePrefix(name: string): string {
  return `kairos-test:${name}:${randomBytes(6).toString('hex')}:`;
}

/** A plain connection for inspecting what the store wrote; close it with `quit()`. */
export function inspector(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** Deletes every key starting with `prefix` (one from {@link uniquePrefix}: no glob characters). */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}
