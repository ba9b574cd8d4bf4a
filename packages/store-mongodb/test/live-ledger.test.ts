/**
 * The run ledger against a real server: "the last 20 runs of a job" answered from the
 * `{jobId, scheduledRunTime, _id}` index (explain: an index scan, no sort, 20 documents read),
 * and openings and claims racing over separate clients (in transactions on a replica set,
 * single-document decisions on a standalone server). Runs when KAIROS_TEST_MONGODB_URL is set
 * (see live-server.ts); the conformance suite's ledger tests run in conformance.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { finishedRow, runClaim, runRow, RUN_TIME, TestStoreContext } from '@kairos/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MongoJobStore } from '../src/index.js';
import { HISTORY_ORDER, historyFilter, runDocument } from '../src/ledger-queries.js';
import type { RunDocument } from '../src/schema.js';
import { LIVE_MONGODB_URL } from './live-server.js';

const database = `kairos_ledger_${randomUUID().slice(0, 8)}`;
const HOUR = 3_600_000;

describe.skipIf(LIVE_MONGODB_URL === undefined)('MongoJobStore run ledger on a live server', () => {
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

  async function started(collection: string) {
    const context = new TestStoreContext();
    const store = new MongoJobStore({ url, database, collection, pollInterval: 0.2 });
    await store.start(context, context.alias);
    stores.push(store);
    return { store, context };
  }

  const fresh = () => `jobs_${randomUUID().slice(0, 8)}`;

  it('answers the last 20 runs of a job from the history index, reading 20 documents', async () => {
    const collection = fresh();
    const { store } = await started(collection);
    const runs = admin.db(database).collection<RunDocument>(`${collection}_runs`);
    // 50 jobs × 400 finished runs, interleaved in time.
    for (let job = 0; job < 50; job += 1) {
      const documents = Array.from({ length: 400 }, (_, index) =>
        runDocument(
          finishedRow(
            runRow({
              id: `job${job}-${index}`,
              jobId: `job${job}`,
              scheduledRunTime: RUN_TIME + index * 1000 + job,
            }),
            'executed',
            RUN_TIME + index * 1000 + job + 5,
          ),
        ),
      );
      await runs.insertMany(documents, { ordered: false });
    }
    const query = { jobId: 'job7', limit: 20 };
    const explained = await runs
      .find(historyFilter(query), { sort: HISTORY_ORDER, limit: query.limit })
      .explain('executionStats');
    const plan = JSON.stringify(explained);
    expect(plan).toContain('"stage":"IXSCAN"');
    expect(plan).toContain('jobId_1_scheduledRunTime_-1__id_-1');
    expect(plan).not.toContain('"stage":"SORT"');
    const stats = (explained as { executionStats?: { totalDocsExamined?: number } }).executionStats;
    expect(stats?.totalDocsExamined).toBeLessThanOrEqual(20);
    const last = await store.ledger.getRuns(query);
    expect(last.map((row) => row.id)).toEqual(
      Array.from({ length: 20 }, (_, index) => `job7-${399 - index}`),
    );
  });

  it('lets exactly maxInstances of concurrent openings over separate clients take a slot', async () => {
    const collection = fresh();
    const one = await started(collection);
    const two = await started(collection);
    const openings = Array.from({ length: 10 }, (_, index) => {
      const row = runRow({ id: `r${index}`, jobId: 'a', leaseUntil: RUN_TIME + HOUR });
      return { rows: [row], refused: [finishedRow(row, 'skipped', RUN_TIME)], maxInstances: 2 };
    });
    const results = await Promise.all(
      openings.map((opening, index) =>
        (index % 2 === 0 ? one : two).store.ledger.open(opening, RUN_TIME),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(2);
    expect(await one.store.ledger.getRuns({ outcomes: [null], limit: 20 })).toHaveLength(2);
    expect(await one.store.ledger.getRuns({ outcomes: ['skipped'], limit: 20 })).toHaveLength(8);
  });

  it('writes the runs of a claim with the claim, and none for the claimer that lost', async () => {
    const collection = fresh();
    const one = await started(collection);
    const two = await started(collection);
    const { context } = one;
    await one.store.addJob(context.job({ id: 'a', nextRunTime: RUN_TIME, maxInstances: 3 }));
    const claim = (store: MongoJobStore, schedulerId: string) =>
      store.claimDueJobs({
        now: RUN_TIME,
        limit: 5,
        advance: (job) => context.job({ id: job.id, nextRunTime: RUN_TIME + HOUR }),
        runs: runClaim(context, { schedulerId, leaseUntil: RUN_TIME + HOUR, now: RUN_TIME }),
      });
    const [first, second] = await Promise.all([claim(one.store, 'n1'), claim(two.store, 'n2')]);
    expect([...(first ?? []), ...(second ?? [])].map((run) => run.refused)).toEqual([false]);
    const rows = await one.store.ledger.getRuns({ limit: 10 });
    expect(rows.map((row) => row.schedulerId)).toEqual([first?.length === 1 ? 'n1' : 'n2']);
  });

  it("reads the server's clock", async () => {
    const { store } = await started(fresh());
    const before = Date.now();
    const time = (await store.ledger.serverTime?.()) ?? 0;
    // The server's clock may differ from this host's, but not by an hour on a test machine.
    expect(Math.abs(time - before)).toBeLessThan(HOUR);
  });
});
