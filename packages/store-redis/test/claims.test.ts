import { UnrestorableJobs, type ClaimedRun } from '@kairos/core';
import {
  RecordingLogger,
  TestStoreContext,
  claimUntilEmpty,
  oneMinuteLater,
} from '@kairos/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimDueJobs } from '../src/claims.js';
import { RedisJobStore } from '../src/index.js';
import { keyLayout } from '../src/layout.js';
import { defineScripts } from '../src/scripts.js';
import { deleteKeys, inspector, REDIS_URL, redisAvailable, uniquePrefix } from './redis-server.js';

describe.skipIf(!redisAvailable)('RedisJobStore claims', () => {
  let keyPrefix: string;
  let redis: Redis;
  const started: RedisJobStore[] = [];
  const clients: Redis[] = [];

  /** A started store on this test's prefix, on a connection of its own. */
  async function startStore(
    context = new TestStoreContext(),
    options: { client?: Redis } = {},
  ): Promise<RedisJobStore> {
    const store = new RedisJobStore(
      options.client === undefined ? { url: REDIS_URL, keyPrefix } : { ...options, keyPrefix },
    );
    await store.start(context, 'default');
    started.push(store);
    return store;
  }

  beforeAll(() => {
    redis = inspector();
  });
  afterEach(async () => {
    for (const store of started.splice(0)) await store.shutdown();
    for (const client of clients.splice(0)) await client.quit();
    await deleteKeys(redis, keyPrefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('gives each of thousands of due jobs to exactly one of several processes', async () => {
    // On a loaded machine one claimer can empty the store before the others' first round trip,
    // and then nothing overlapped: each attempt must give every job exactly once, and some
    // attempt must show the claims overlapping.
    let overlapped = false;
    for (let attempt = 0; attempt < 5 && !overlapped; attempt += 1) {
      overlapped = await claimConcurrently();
    }
    expect(overlapped, 'no attempt had more than one claimer winning jobs').toBe(true);
  });

  /** One contention run: 3000 due jobs, five stores claiming them at once; whether they overlapped. */
  async function claimConcurrently(): Promise<boolean> {
    keyPrefix = uniquePrefix('claims-contention');
    const context = new TestStoreContext();
    const now = context.clock.now();
    const count = 3000;
    const first = await startStore(context);
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        first.addJob(context.job({ id: `job-${index}`, nextRunTime: now - (index % 13) })),
      ),
    );
    const claimers = [first];
    for (let index = 1; index < 5; index += 1) claimers.push(await startStore());
    const results = await Promise.all(
      claimers.map((store) =>
        claimUntilEmpty(store, { now, limit: 100, advance: oneMinuteLater(context) }),
      ),
    );
    const won = results.flat().map((run) => run.job.id);
    expect(won).toHaveLength(count);
    expect(new Set(won).size).toBe(count);
    expect(await redis.zcount(`${keyPrefix}run_times`, '-inf', now)).toBe(0);
    expect(await redis.zcard(`${keyPrefix}run_times`)).toBe(count);
    for (const store of started.splice(0)) await store.shutdown();
    await deleteKeys(redis, keyPrefix);
    // More than one claimer won something: the claims really overlapped.
    return results.filter((runs) => runs.length > 0).length > 1;
  }

  it('reads past due jobs that advance leaves alone, beyond the first batch', async () => {
    keyPrefix = uniquePrefix('claims-skip');
    const context = new TestStoreContext();
    const now = context.clock.now();
    const store = await startStore(context);
    for (let index = 0; index < 5; index += 1) {
      await store.addJob(context.job({ id: `stuck-${index}`, nextRunTime: now - 100 + index }));
    }
    for (let index = 0; index < 3; index += 1) {
      await store.addJob(context.job({ id: `fine-${index}`, nextRunTime: now - 10 + index }));
    }
    const advance = oneMinuteLater(context);
    const claim = (): Promise<ClaimedRun[]> =>
      store.claimDueJobs({
        now,
        limit: 2,
        advance: (job) => (job.id.startsWith('stuck') ? undefined : advance(job)),
      });
    expect((await claim()).map((run) => run.job.id)).toEqual(['fine-0', 'fine-1']);
    expect((await claim()).map((run) => run.job.id)).toEqual(['fine-2']);
    expect(await claim()).toEqual([]);
    expect(await redis.zcount(`${keyPrefix}run_times`, '-inf', now)).toBe(5);
  });

  it('keeps the runs of the batches it won when a later batch fails', async () => {
    keyPrefix = uniquePrefix('claims-partial');
    const logger = new RecordingLogger();
    const context = new TestStoreContext({ logger });
    const now = context.clock.now();
    const store = await startStore(context);
    await store.addJob(context.job({ id: 'fine', nextRunTime: now - 100 }));
    for (let index = 0; index < 3; index += 1) {
      await store.addJob(context.job({ id: `stuck-${index}`, nextRunTime: now - 50 + index }));
    }
    await store.addJob(context.job({ id: 'later', nextRunTime: now - 10 }));
    // The store's own scripts, whose second read of due jobs fails (the server went away).
    const client = new Redis(REDIS_URL);
    clients.push(client);
    const real = defineScripts(client, keyLayout(keyPrefix));
    let reads = 0;
    const scripts: typeof real = {
      ...real,
      dueJobs: (...args) => {
        reads += 1;
        return reads === 2 ? Promise.reject(new Error('connection lost')) : real.dueJobs(...args);
      },
    };
    const advance = oneMinuteLater(context);
    const claimed = await claimDueJobs(
      { context, scripts, unrestorable: new UnrestorableJobs(context, 'default') },
      { now, limit: 2, advance: (job) => (job.id.startsWith('stuck') ? undefined : advance(job)) },
    );
    expect(claimed.map((run) => run.job.id)).toEqual(['fine']);
    expect(logger.messages('warn')).toEqual([
      'Redis job store: a further batch of due jobs could not be claimed; the 1 run(s) already ' +
        'claimed go ahead, the rest wait for the next pass',
    ]);
  });

  it('does not claim a job whose run time changed after it was read', async () => {
    keyPrefix = uniquePrefix('claims-moved');
    const context = new TestStoreContext();
    const now = context.clock.now();
    // One connection: a command sent from advance() reaches Redis before the claim script.
    const client = new Redis(REDIS_URL);
    clients.push(client);
    const store = await startStore(context, { client });
    await store.addJob(context.job({ id: 'moved', nextRunTime: now - 5 }));
    await store.addJob(context.job({ id: 'kept', nextRunTime: now - 1 }));
    const advance = oneMinuteLater(context);
    const claimed = await store.claimDueJobs({
      now,
      limit: 10,
      advance: (job) => {
        if (job.id === 'moved') void client.zadd(`${keyPrefix}run_times`, now - 3, 'moved');
        return advance(job);
      },
    });
    expect(claimed.map((run) => run.job.id)).toEqual(['kept']);
    expect((await store.lookupJob('moved'))?.nextRunTimeMs).toBe(now - 3);
  });

  it('does not overwrite a job updated after it was read with the same run time', async () => {
    keyPrefix = uniquePrefix('claims-updated');
    const context = new TestStoreContext();
    const now = context.clock.now();
    const client = new Redis(REDIS_URL);
    clients.push(client);
    const store = await startStore(context, { client });
    await store.addJob(context.job({ id: 'a', args: ['old'], nextRunTime: now }));
    const updated = JSON.stringify(
      context.serializeJob(context.job({ id: 'a', args: ['new'], nextRunTime: now })),
    );
    const claimed = await store.claimDueJobs({
      now,
      limit: 10,
      advance: (job) => {
        void client.hset(`${keyPrefix}jobs`, 'a', updated);
        return oneMinuteLater(context)(job);
      },
    });
    expect(claimed).toEqual([]);
    const stored = await store.lookupJob('a');
    expect(stored?.args).toEqual(['new']);
    expect(stored?.nextRunTimeMs).toBe(now);
  });

  it('claims a job once per call even when its successor is still due', async () => {
    keyPrefix = uniquePrefix('claims-still-due');
    const context = new TestStoreContext();
    const now = context.clock.now();
    const store = await startStore(context);
    await store.addJob(context.job({ id: 'a', nextRunTime: now - 10 }));
    const claimed = await store.claimDueJobs({
      now,
      limit: 10,
      advance: (job) => context.withFields(job, { nextRunTimeMs: (job.nextRunTimeMs ?? 0) + 1 }),
    });
    expect(claimed.map((run) => run.next?.nextRunTimeMs)).toEqual([now - 9]);
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(now - 9);
  });
});
