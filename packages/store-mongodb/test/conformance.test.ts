/**
 * The job store conformance suite on a real MongoDB server, in a database of its own that is
 * dropped afterwards. Runs when KAIROS_TEST_MONGODB_URL is set (see live-server.ts).
 */
import { randomUUID } from 'node:crypto';
import { runJobStoreConformance } from '@kairos/testkit';
import { MongoClient } from 'mongodb';
import { afterAll, describe } from 'vitest';
import type { JobDocument } from '../src/schema.js';
import { MongoJobStore } from '../src/index.js';
import { LIVE_MONGODB_URL } from './live-server.js';

const database = `kairos_conformance_${randomUUID().slice(0, 8)}`;
/** Polls (standalone servers) run this often; a change stream is faster. */
const POLL_INTERVAL = 0.25;

describe.skipIf(LIVE_MONGODB_URL === undefined)('MongoJobStore on a live server', () => {
  runJobStoreConformance({
    name: 'MongoJobStore',
    createStore: () =>
      new MongoJobStore({ url: LIVE_MONGODB_URL, database, pollInterval: POLL_INTERVAL }),
    shared: true,
    persistent: true,
    wakeups: { withinMs: POLL_INTERVAL * 1000 + 1250 },
    async writeRawJob(id, state, nextRunTime) {
      const client = new MongoClient(LIVE_MONGODB_URL ?? '');
      try {
        await client
          .db(database)
          .collection<JobDocument>('jobs')
          .insertOne({ _id: id, nextRunTime, state, writtenBy: 'conformance' });
      } finally {
        await client.close();
      }
    },
  });

  afterAll(async () => {
    const client = new MongoClient(LIVE_MONGODB_URL ?? '');
    try {
      await client.db(database).dropDatabase();
    } finally {
      await client.close();
    }
  });
});
