/**
 * Asks once per test run whether the Redis server answers, so a missing server prints one skip
 * line rather than one per test file (and fails the run under CI=true).
 */
import { serverAvailable } from '@kairos/testkit';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { REDIS_URL } from './redis-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisAvailable: boolean;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const available = await serverAvailable('Redis', REDIS_URL, async () => {
    const probe = new Redis(REDIS_URL, {
      lazyConnect: true,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // ioredis reports the cause (ECONNREFUSED, …) as an event and rejects with a generic error.
    let cause: unknown;
    probe.on('error', (error: unknown) => {
      cause ??= error;
    });
    try {
      await probe.connect();
      await probe.ping();
    } catch (error) {
      throw cause ?? error;
    } finally {
      probe.disconnect();
    }
  });
  project.provide('redisAvailable', available);
}
