/**
 * Schema version 1 → 2: a store as the version-1 code (commit cb55fe8) left it is started by
 * this code, on the simulated server and, when KAIROS_TEST_MONGODB_URL is set, on a real one.
 *
 * No MongoDB server runs where the schema-v1 fixtures were captured, so the version-1 layout is
 * rebuilt here verbatim from `git show cb55fe8:packages/store-mongodb/src/schema.ts`
 * (`{_id, nextRunTime, state, writtenBy}` per job, `{_id: 'schema', schemaVersion: 1}` in
 * `<collection>_meta`, the index `{nextRunTime: 1, _id: 1}`), holding the job states the
 * version-1 code wrote in the captured Redis fixture (integration/fixtures/schema-v1).
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { runRow, RUN_TIME, TestStoreContext } from '@kairos/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoJobStore } from '../src/index.js';
import { LIVE_MONGODB_URL } from './live-server.js';
import { SimulatedServer } from './simulated-server.js';

const FIXTURE = new URL(
  '../../../integration/fixtures/schema-v1/store-redis.json',
  import.meta.url,
);

/** The job states of the fixture, as the version-1 code serialised them, by id. */
function fixtureStates(): Record<string, string> {
  const dump = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
    'kairos-v1-fixture:jobs': { value: Record<string, string> };
  };
  return dump['kairos-v1-fixture:jobs'].value;
}

/** The documents of a version-1 store holding the fixture's jobs. */
function versionOneLayout() {
  const jobs = Object.entries(fixtureStates()).map(([id, state]) => ({
    _id: id,
    nextRunTime: (JSON.parse(state) as { nextRunTime: number | null }).nextRunTime,
    state,
    writtenBy: 'a-version-1-store-instance',
  }));
  return { jobs, meta: { _id: 'schema', schemaVersion: 1 }, index: { nextRunTime: 1, _id: 1 } };
}

/** What a migrated store must show: every job kept, listed as before, and a working ledger. */
async function expectMigrated(store: MongoJobStore): Promise<void> {
  const jobs = await store.getAllJobs();
  expect(jobs.map((job) => [job.id, job.nextRunTimeMs])).toEqual([
    ['every-five', 1796598600000],
    ['new-year', 1924992000000],
    ['hourly', null],
  ]);
  expect(jobs.find((job) => job.id === 'new-year')?.args).toEqual([2031]);
  const row = runRow({ id: 'first-run', jobId: 'new-year' });
  expect(await store.ledger.open({ rows: [row], refused: [], maxInstances: 1 }, RUN_TIME)).toBe(
    true,
  );
  expect(await store.ledger.getRuns({ jobId: 'new-year', limit: 5 })).toEqual([row]);
}

describe('migration from schema version 1 on the simulated server', () => {
  it('keeps every job untouched, records version 2 and starts the ledger', async () => {
    const server = new SimulatedServer({ changeStreams: false });
    const layout = versionOneLayout();
    const jobs = server.collection('kairos.jobs');
    for (const document of layout.jobs) jobs.documents.set(document._id, { ...document });
    await jobs.createIndex(layout.index);
    server.collection('kairos.jobs_meta').documents.set('schema', { ...layout.meta });
    const store = new MongoJobStore({ client: server.client() });
    await store.start(new TestStoreContext(), 'default');
    try {
      expect(server.collection('kairos.jobs_meta').documents.get('schema')).toEqual({
        _id: 'schema',
        schemaVersion: 2,
      });
      expect([...jobs.documents.values()]).toEqual(layout.jobs);
      await expectMigrated(store);
      expect(server.collection('kairos.jobs_runs').indexes).toHaveLength(3);
    } finally {
      await store.shutdown();
    }
  });
});

const database = `kairos_migration_${randomUUID().slice(0, 8)}`;

describe.skipIf(LIVE_MONGODB_URL === undefined)(
  'migration from schema version 1 on a live server',
  () => {
    const url = LIVE_MONGODB_URL ?? '';

    afterAll(async () => {
      const client = new MongoClient(url);
      try {
        await client.db(database).dropDatabase();
      } finally {
        await client.close();
      }
    });

    it('keeps every job untouched, records version 2 and creates the ledger collections', async () => {
      const layout = versionOneLayout();
      const client = new MongoClient(url);
      const store = new MongoJobStore({ url, database });
      try {
        const db = client.db(database);
        await db.collection('jobs').createIndex(layout.index);
        await db.collection<{ _id: string }>('jobs').insertMany(layout.jobs);
        await db.collection<{ _id: string }>('jobs_meta').insertOne({ ...layout.meta });
        await store.start(new TestStoreContext(), 'default');
        expect(await db.collection('jobs_meta').findOne({})).toEqual({
          _id: 'schema',
          schemaVersion: 2,
        });
        expect(
          await db
            .collection('jobs')
            .find({}, { sort: { _id: 1 } })
            .toArray(),
        ).toEqual([...layout.jobs].sort((a, b) => (a._id < b._id ? -1 : 1)));
        await expectMigrated(store);
        const runIndexes = await db.collection('jobs_runs').indexes();
        expect(runIndexes.map((index) => index.key)).toEqual([
          { _id: 1 },
          { jobId: 1, scheduledRunTime: -1, _id: -1 },
          { scheduledRunTime: -1, _id: -1 },
          { outcome: 1, leaseUntil: 1, _id: 1 },
        ]);
      } finally {
        await store.shutdown();
        await client.close();
      }
    });
  },
);
