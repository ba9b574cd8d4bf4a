/**
 * MongoJobStore against a real server: the stored layout, the schema version, the wake-up mode
 * the server allows, a client the application owns, and claims racing over separate clients.
 * Runs when KAIROS_TEST_MONGODB_URL is set (see live-server.ts); each test uses collections of
 * its own in a database that is dropped afterwards.
 */
import { randomUUID } from 'node:crypto';
import { RecordingLogger, TestStoreContext, claimUntilEmpty, waitFor } from '@kairos/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobDocument } from '../src/schema.js';
import { MongoJobStore } from '../src/index.js';
import { LIVE_MONGODB_URL } from './live-server.js';

const database = `kairos_store_${randomUUID().slice(0, 8)}`;

describe.skipIf(LIVE_MONGODB_URL === undefined)('MongoJobStore on a live server', () => {
  const url = LIVE_MONGODB_URL ?? '';
  let admin: MongoClient;
  let stores: MongoJobStore[] = [];

  beforeAll(async () => {
    admin = new MongoClient(url);
    await admin.connect();
  });

  afterEach(async () => {
    for (const store of stores) await store.shutdown();
    stores = [];
  });

  afterAll(async () => {
    await admin.db(database).dropDatabase();
    await admin.close();
  });

  /** A started store on a collection of its own (or the one given). */
  async function started(collection: string, options: { client?: MongoClient } = {}) {
    const logger = new RecordingLogger();
    const context = new TestStoreContext({ logger });
    const store = new MongoJobStore({
      ...(options.client === undefined ? { url } : { client: options.client }),
      database,
      collection,
      pollInterval: 0.2,
    });
    await store.start(context, context.alias);
    stores.push(store);
    return { store, context, logger };
  }

  const fresh = () => `jobs_${randomUUID().slice(0, 8)}`;

  it('stores the layout its README describes', async () => {
    const collection = fresh();
    const { store, context } = await started(collection);
    const job = context.withFields(context.job({ id: 'a', nextRunTime: 1_900_000_000_000 }), {
      args: [new Date(0), { $date: 'not a tag', 'dotted.key': 1 }, 5n],
    });
    await store.addJob(job);
    await store.addJob(context.job({ id: 'paused', nextRunTime: null }));
    const db = admin.db(database);
    const jobs = db.collection<JobDocument>(collection);
    const { writtenBy, ...stored } = (await jobs.findOne({ _id: 'a' })) ?? { writtenBy: '' };
    expect(stored).toEqual({
      _id: 'a',
      nextRunTime: 1_900_000_000_000,
      state: JSON.stringify(context.serializeJob(job)),
    });
    expect(writtenBy).toMatch(/^[0-9a-f-]{36}$/);
    expect((await jobs.findOne({ _id: 'paused' }))?.nextRunTime).toBeNull();
    expect(await db.collection(`${collection}_meta`).findOne({})).toEqual({
      _id: 'schema',
      schemaVersion: 2,
    });
    const indexes = await db.collection(collection).indexes();
    expect(indexes.map((index) => index.key)).toContainEqual({ nextRunTime: 1, _id: 1 });
    expect((await store.lookupJob('a'))?.args).toEqual(job.args);
  });

  it('claims jobs whose arguments hold $-tags and dotted keys', async () => {
    const { store, context } = await started(fresh());
    const now = context.clock.now();
    await store.addJob(
      context.withFields(context.job({ id: 'a', nextRunTime: now }), {
        args: [new Date(1), { $object: 1 }, { 'a.b': { $bigint: 'x' } }],
      }),
    );
    const claimed = await store.claimDueJobs({
      now,
      limit: 10,
      advance: (job) => context.withFields(job, { nextRunTimeMs: now + 60_000 }),
    });
    expect(claimed.map((run) => run.job.id)).toEqual(['a']);
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(now + 60_000);
  });

  it('starts twice on one collection without error (the schema is set up idempotently)', async () => {
    const collection = fresh();
    await Promise.all([started(collection), started(collection), started(collection)]);
    expect(await admin.db(database).collection(`${collection}_meta`).countDocuments()).toBe(1);
  });

  it('refuses a collection with a newer schema version', async () => {
    const collection = fresh();
    await admin
      .db(database)
      .collection<{ _id: string; schemaVersion: number }>(`${collection}_meta`)
      .insertOne({ _id: 'schema', schemaVersion: 3 });
    const store = new MongoJobStore({ url, database, collection });
    await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(
      /records schema version 3, newer than version 2/,
    );
  });

  it('leaves a client the application owns open', async () => {
    const client = new MongoClient(url);
    await client.connect();
    try {
      const { store } = await started(fresh(), { client });
      await store.shutdown();
      expect(await client.db(database).command({ ping: 1 })).toMatchObject({ ok: 1 });
    } finally {
      await client.close();
    }
  });

  it('wakes another instance by change stream on a replica set, by polling otherwise', async () => {
    const adminDb = admin.db('admin');
    // `hello` since MongoDB 4.4.2; `isMaster` before.
    const hello = await adminDb.command({ hello: 1 }).catch(() => adminDb.command({ isMaster: 1 }));
    const streams = typeof hello['setName'] === 'string' || hello['msg'] === 'isdbgrid';
    const collection = fresh();
    const one = await started(collection);
    const two = await started(collection);
    const notAvailable = two.logger.entries.filter((entry) => /not available/.test(entry.message));
    expect(notAvailable).toHaveLength(streams ? 0 : 1);
    const nextRunTime = one.context.clock.now() + 1000;
    await one.store.addJob(one.context.job({ id: 'new', nextRunTime }));
    expect(await waitFor(() => two.context.wakeups.length > 0, streams ? 1000 : 1500)).toBe(true);
    expect(two.context.wakeups[0]).toBe(nextRunTime);
  });

  it('gives each due job to one of several stores on separate clients', async () => {
    const collection = fresh();
    const stores = await Promise.all([1, 2, 3, 4].map(() => started(collection)));
    const [first] = stores;
    if (first === undefined) throw new Error('no store');
    const now = first.context.clock.now();
    for (let index = 0; index < 200; index += 1) {
      await first.store.addJob(
        first.context.job({ id: `job-${index}`, nextRunTime: now - (index % 5) }),
      );
    }
    const won = await Promise.all(
      stores.map(async ({ store, context }) => {
        const runs = await claimUntilEmpty(store, {
          now,
          limit: 13,
          advance: (job) => context.withFields(job, { nextRunTimeMs: now + 60_000 }),
        });
        return runs.map((run) => run.job.id);
      }),
    );
    const all = won.flat();
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
  });
});
