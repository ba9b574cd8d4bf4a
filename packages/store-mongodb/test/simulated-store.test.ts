/**
 * MongoJobStore's own logic on the simulated server (see simulated-server.ts): the conformance
 * suite, on a replica set (change streams) and on a standalone server (polling), then the
 * layout, the wake-up modes and outages. The driver and a real server are covered by the
 * suites that run when KAIROS_TEST_MONGODB_URL is set.
 */
import type { Job } from '@kairos/core';
import {
  RecordingLogger,
  runJobStoreConformance,
  TestStoreContext,
  waitFor,
} from '@kairos/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobDocument } from '../src/schema.js';
import { MongoJobStore } from '../src/index.js';
import { sleep, textOf } from './helpers.js';
import { SimulatedServer } from './simulated-server.js';

const POLL_INTERVAL = 0.05;

for (const changeStreams of [true, false]) {
  const server = new SimulatedServer({ changeStreams });
  runJobStoreConformance({
    name: `MongoJobStore on a simulated ${changeStreams ? 'replica set' : 'standalone server'}`,
    createStore: () => new MongoJobStore({ client: server.client(), pollInterval: POLL_INTERVAL }),
    shared: true,
    persistent: true,
    wakeups: { withinMs: 1000 },
    async writeRawJob(id, state, nextRunTime) {
      const document: JobDocument = { _id: id, nextRunTime, state, writtenBy: 'conformance' };
      await server.collection('kairos.jobs').insertOne({ ...document });
    },
  });
}

describe('MongoJobStore on the simulated server', () => {
  let stores: MongoJobStore[] = [];

  afterEach(async () => {
    for (const store of stores) await store.shutdown();
    stores = [];
  });

  async function started(
    server: SimulatedServer,
    context = new TestStoreContext({ logger: new RecordingLogger() }),
  ): Promise<{ store: MongoJobStore; context: TestStoreContext }> {
    const store = new MongoJobStore({ client: server.client(), pollInterval: POLL_INTERVAL });
    await store.start(context, context.alias);
    stores.push(store);
    return { store, context };
  }

  function entriesOf(context: TestStoreContext) {
    return (context.logger as RecordingLogger).entries;
  }

  describe('layout', () => {
    it('stores {_id, nextRunTime, state as JSON text, writtenBy} and the schema version', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      const job = context.withFields(context.job({ id: 'a', nextRunTime: 5000 }), {
        args: [new Date(0), { $weird: 1 }, { 'dotted.key': true }],
      });
      await store.addJob(job);
      const { writtenBy, ...stored } = server.collection('kairos.jobs').documents.get('a') ?? {};
      expect(stored).toEqual({
        _id: 'a',
        nextRunTime: 5000,
        state: JSON.stringify(context.serializeJob(job)),
      });
      expect(writtenBy).toMatch(/^[0-9a-f-]{36}$/);
      expect(server.collection('kairos.jobs_meta').documents.get('schema')).toEqual({
        _id: 'schema',
        schemaVersion: 2,
      });
      expect(server.collection('kairos.jobs').indexes.map((index) => index['keys'])).toEqual([
        { nextRunTime: 1, _id: 1 },
      ]);
    });

    it('uses the database and collection it is given', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const context = new TestStoreContext();
      const store = new MongoJobStore({
        client: server.client(),
        database: 'app',
        collection: 'cron',
      });
      await store.start(context, 'default');
      stores.push(store);
      await store.addJob(context.job({ id: 'a' }));
      expect(server.collection('app.cron').documents.has('a')).toBe(true);
      expect(server.collection('app.cron_meta').documents.has('schema')).toBe(true);
    });

    it('advances nextRunTime and the state in a claim, leaving writtenBy', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      const now = context.clock.now();
      await store.addJob(context.job({ id: 'a', nextRunTime: now }));
      const before = server.collection('kairos.jobs').documents.get('a');
      await store.claimDueJobs({
        now,
        limit: 10,
        advance: (job) => context.withFields(job, { nextRunTimeMs: now + 60_000 }),
      });
      const after = server.collection('kairos.jobs').documents.get('a');
      expect(after?.['nextRunTime']).toBe(now + 60_000);
      expect(JSON.parse(String(after?.['state']))).toMatchObject({ nextRunTime: now + 60_000 });
      expect(after?.['writtenBy']).toBe(before?.['writtenBy']);
    });

    it('trusts the nextRunTime field over the copy in the state', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      await store.addJob(context.job({ id: 'a', nextRunTime: 1000 }));
      const document = server.collection('kairos.jobs').documents.get('a');
      if (document !== undefined) document['nextRunTime'] = 2000;
      expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(2000);
      expect(await store.getNextRunTime()).toBe(2000);
    });

    it('reads a state stored as an object, and reports a document without one', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      const state = context.serializeJob(context.job({ id: 'object', nextRunTime: 10 }));
      const jobs = server.collection('kairos.jobs');
      jobs.documents.set('object', { _id: 'object', nextRunTime: 10, state });
      jobs.documents.set('broken', { _id: 'broken', nextRunTime: 5 });
      expect((await store.lookupJob('object'))?.id).toBe('object');
      expect(await store.lookupJob('broken')).toBeNull();
      expect(context.reported.map((report) => report.id)).toEqual(['broken']);
      expect(jobs.documents.has('broken')).toBe(true);
    });
  });

  describe('lifecycle', () => {
    it('refuses calls before start, naming the store', async () => {
      const store = new MongoJobStore({
        client: new SimulatedServer({ changeStreams: true }).client(),
      });
      await expect(store.getNextRunTime()).rejects.toThrow(
        'MongoJobStore (kairos.jobs) is not started; add it to a scheduler, or call start(context, alias) first',
      );
    });

    it('refuses a second start, and starts again after shutdown', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      await expect(store.start(context, 'default')).rejects.toThrow(/is already started/);
      await store.addJob(context.job({ id: 'kept' }));
      // The simulated client rejects close(): a client the application passed is never closed.
      await store.shutdown();
      expect(server.feeds.size).toBe(0);
      await store.start(new TestStoreContext(), 'default');
      expect((await store.lookupJob('kept'))?.id).toBe('kept');
    });

    it('refuses a collection with a newer schema version at start', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      server
        .collection('kairos.jobs_meta')
        .documents.set('schema', { _id: 'schema', schemaVersion: 3 });
      const store = new MongoJobStore({ client: server.client() });
      await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(
        /job store 'default' \(kairos\.jobs\): its schema document records schema version 3, newer than version 2/,
      );
      await expect(store.lookupJob('a')).rejects.toThrow(/is not started/);
    });

    it('fails start when the server is down, and starts once it is back', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      server.down = true;
      const store = new MongoJobStore({ client: server.client() });
      await expect(store.start(new TestStoreContext(), 'default')).rejects.toThrow(/ECONNREFUSED/);
      server.down = false;
      await store.start(new TestStoreContext(), 'default');
      stores.push(store);
      expect(await store.getAllJobs()).toEqual([]);
    });
  });

  describe('addJobs on a server without transactions', () => {
    it('deletes what it inserted when an id is taken between its check and its insert', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      const collection = server.collection('kairos.jobs');
      const find = collection.find.bind(collection);
      // Another process adds 'c' right after the store checked the ids.
      collection.find = (filter, options) => {
        const result = find(filter, options);
        return {
          toArray: async () => {
            const found = await result.toArray();
            collection.documents.set('c', {
              _id: 'c',
              nextRunTime: null,
              state: '{}',
              writtenBy: 'x',
            });
            return found;
          },
        };
      };
      const batch = ['a', 'b', 'c', 'd'].map((id) => context.job({ id }));
      await expect(store.addJobs(batch)).rejects.toMatchObject({
        name: 'ConflictingIdError',
        jobId: 'c',
      });
      collection.find = find;
      expect([...collection.documents.keys()]).toEqual(['c']);
    });

    it('marks all jobs of a batch but the earliest quiet', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      const now = context.clock.now();
      await store.addJobs([
        context.job({ id: 'late', nextRunTime: now + 2000 }),
        context.job({ id: 'early', nextRunTime: now + 1000 }),
        context.job({ id: 'paused', nextRunTime: null }),
      ]);
      const quiet = (id: string) => server.collection('kairos.jobs').documents.get(id)?.['quiet'];
      expect([quiet('late'), quiet('early'), quiet('paused')]).toEqual([true, undefined, true]);
    });
  });

  describe('the fire step', () => {
    it('does not claim a job changed between its read and its write', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      const now = context.clock.now();
      await store.addJob(context.job({ id: 'moved', nextRunTime: now - 10 }));
      await store.addJob(context.job({ id: 'kept', nextRunTime: now - 5 }));
      const claimed = await store.claimDueJobs({
        now,
        limit: 10,
        advance: (job) => {
          // Another scheduler reschedules 'moved' after this one read it.
          const stored = server.collection('kairos.jobs').documents.get('moved');
          if (job.id === 'moved' && stored !== undefined) stored['nextRunTime'] = now + 999;
          return context.withFields(job, { nextRunTimeMs: now + 60_000 });
        },
      });
      expect(claimed.map((run) => run.job.id)).toEqual(['kept']);
      expect((await store.lookupJob('moved'))?.nextRunTimeMs).toBe(now + 999);
    });

    it('does not claim a job replaced between its read and its write at the same time', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      const now = context.clock.now();
      await store.addJob(context.job({ id: 'a', name: 'before', nextRunTime: now }));
      const other = await started(server);
      let replacing: Promise<void> | undefined;
      const claimed = await store.claimDueJobs({
        now,
        limit: 10,
        advance: (job) => {
          // Another scheduler renames the job, keeping its next run time, after the read.
          replacing = other.store.updateJob(
            other.context.job({ id: 'a', name: 'after', nextRunTime: now }),
          );
          return context.withFields(job, { nextRunTimeMs: now + 60_000 });
        },
      });
      await replacing;
      expect(claimed).toEqual([]);
      expect(await store.lookupJob('a')).toMatchObject({ name: 'after', nextRunTimeMs: now });
    });

    it('returns the runs it won when some writes fail, and logs the failures', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      const now = context.clock.now();
      for (const id of ['a', 'b', 'c']) await store.addJob(context.job({ id, nextRunTime: now }));
      const jobs = server.collection('kairos.jobs');
      const update = jobs.findOneAndUpdate.bind(jobs);
      jobs.findOneAndUpdate = (filter, ...rest) =>
        filter['_id'] === 'b'
          ? Promise.reject(new Error('connection reset'))
          : update(filter, ...rest);
      const advance = (job: Job) => context.withFields(job, { nextRunTimeMs: now + 60_000 });
      const claimed = await store.claimDueJobs({ now, limit: 10, advance });
      expect(claimed.map((run) => run.job.id)).toEqual(['a', 'c']);
      const warnings = textOf(entriesOf(context)).filter((line) => line.startsWith('warn'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/: 1 of 3 claims failed; those jobs stay due/);
      // 'b' stays due and is claimed once writes work again.
      jobs.findOneAndUpdate = () => Promise.reject(new Error('connection reset'));
      await expect(store.claimDueJobs({ now, limit: 10, advance })).rejects.toThrow(
        'connection reset',
      );
      jobs.findOneAndUpdate = update;
      expect(
        (await store.claimDueJobs({ now, limit: 10, advance })).map((run) => run.job.id),
      ).toEqual(['b']);
    });

    it('claims nothing for a limit of 0', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const { store, context } = await started(server);
      await store.addJob(context.job({ id: 'a' }));
      expect(
        await store.claimDueJobs({ now: context.clock.now(), limit: 0, advance: () => null }),
      ).toEqual([]);
    });
  });

  describe('wake-ups', () => {
    it('streams changes on a replica set, ignoring its own writes and claims', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const one = await started(server);
      const two = await started(server);
      expect(server.feeds.size).toBe(2);
      const now = one.context.clock.now();
      await one.store.addJob(one.context.job({ id: 'a', nextRunTime: now + 10 }));
      await one.store.updateJob(one.context.job({ id: 'a', nextRunTime: now + 5 }));
      await one.store.addJob(one.context.job({ id: 'paused', nextRunTime: null }));
      expect(await waitFor(() => two.context.wakeups.length === 2)).toBe(true);
      expect(two.context.wakeups).toEqual([now + 10, now + 5]);
      await one.store.claimDueJobs({
        now: now + 5,
        limit: 10,
        advance: (job) => one.context.withFields(job, { nextRunTimeMs: now + 60_000 }),
      });
      await sleep(POLL_INTERVAL * 1000 * 3);
      expect(one.context.wakeups).toEqual([]);
      expect(two.context.wakeups).toHaveLength(2);
    });

    it('polls a standalone server, saying so once', async () => {
      const server = new SimulatedServer({ changeStreams: false });
      const one = await started(server);
      const two = await started(server);
      expect(textOf(entriesOf(two.context))).toHaveLength(1);
      expect(textOf(entriesOf(two.context))[0]).toMatch(
        /^info MongoDB job store 'default' \(kairos\.jobs\): change streams are not available \(The \$changeStream stage is only supported on replica sets\); checking for jobs added by other processes every 0\.05 s$/,
      );
      const now = one.context.clock.now();
      await one.store.addJob(one.context.job({ id: 'a', nextRunTime: now + 10 }));
      expect(await waitFor(() => two.context.wakeups.length > 0)).toBe(true);
      expect(two.context.wakeups).toEqual([now + 10]);
      // An unchanged earliest time wakes no one; an earlier one does.
      await one.store.addJob(one.context.job({ id: 'b', nextRunTime: now + 20 }));
      await sleep(POLL_INTERVAL * 1000 * 3);
      expect(two.context.wakeups).toEqual([now + 10]);
      await one.store.addJob(one.context.job({ id: 'c', nextRunTime: now + 1 }));
      expect(await waitFor(() => two.context.wakeups.length > 1)).toBe(true);
      expect(two.context.wakeups).toEqual([now + 10, now + 1]);
      // It never tries a change stream again.
      expect(server.watchCalls).toBe(2);
    });

    it('falls back to polling when the stream fails, and reopens it', async () => {
      const server = new SimulatedServer({ changeStreams: true });
      const one = await started(server);
      const two = await started(server);
      const [feedOfTwo] = [...server.feeds].slice(1);
      server.streamFailure = new Error('not primary');
      feedOfTwo?.fail(new Error('connection to the primary lost'));
      expect(textOf(entriesOf(two.context))).toHaveLength(1);
      expect(textOf(entriesOf(two.context))[0]).toMatch(
        /^warn .*: its change stream failed \(connection to the primary lost\); checking/,
      );
      // While it polls, changes still wake it.
      const now = one.context.clock.now();
      await one.store.addJob(one.context.job({ id: 'a', nextRunTime: now + 10 }));
      expect(await waitFor(() => two.context.wakeups.includes(now + 10))).toBe(true);
      // The stream comes back at a poll once the server can stream again.
      expect(server.watchCalls).toBeGreaterThan(2);
      server.streamFailure = undefined;
      expect(await waitFor(() => server.feeds.size === 2)).toBe(true);
      expect(
        await waitFor(() => entriesOf(two.context).some((entry) => /reopened/.test(entry.message))),
      ).toBe(true);
      two.context.wakeups.length = 0;
      await one.store.addJob(one.context.job({ id: 'b', nextRunTime: now + 3 }));
      expect(await waitFor(() => two.context.wakeups.includes(now + 3))).toBe(true);
    });

    it('warns once while the server is down, and works again when it is back', async () => {
      const server = new SimulatedServer({ changeStreams: false });
      const { store, context } = await started(server);
      server.down = true;
      await expect(store.addJob(context.job({ id: 'a' }))).rejects.toThrow(/ECONNREFUSED/);
      await expect(store.addJobs([context.job({ id: 'b' })])).rejects.toThrow(/ECONNREFUSED/);
      await sleep(POLL_INTERVAL * 1000 * 5);
      const warnings = () => textOf(entriesOf(context)).filter((line) => line.startsWith('warn'));
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toMatch(/cannot check for changes \(.*ECONNREFUSED/);
      server.down = false;
      expect(
        await waitFor(() => entriesOf(context).some((entry) => /works again/.test(entry.message))),
      ).toBe(true);
      await store.addJob(context.job({ id: 'a' }));
      expect((await store.lookupJob('a'))?.id).toBe('a');
      expect(warnings()).toHaveLength(1);
    });

    it('stops streaming and polling on shutdown', async () => {
      const streaming = new SimulatedServer({ changeStreams: true });
      const polled = new SimulatedServer({ changeStreams: false });
      const one = await started(streaming);
      const two = await started(polled);
      await one.store.shutdown();
      await two.store.shutdown();
      expect(streaming.feeds.size).toBe(0);
      polled.down = true;
      await sleep(POLL_INTERVAL * 1000 * 3);
      // A poll after shutdown would have logged the outage.
      expect(entriesOf(two.context).filter((entry) => entry.level === 'warn')).toEqual([]);
    });
  });
});
