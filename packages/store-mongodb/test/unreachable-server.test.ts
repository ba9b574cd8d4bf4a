/**
 * The real driver against an address where no server listens: start fails with the driver's
 * error after the server selection timeout, leaves nothing open, and can be tried again.
 */
import { TestStoreContext } from '@kairos/testkit';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { MongoJobStore } from '../src/index.js';

// Port 9 (discard) refuses connections on a machine that runs no such service.
const NOWHERE = 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300&connectTimeoutMS=300';

describe('MongoJobStore when the server cannot be reached', () => {
  it('rejects start with the driver error, and can be started again later', async () => {
    const store = new MongoJobStore({ url: NOWHERE });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const started = Date.now();
      await expect(store.start(new TestStoreContext(), 'default')).rejects.toMatchObject({
        name: 'MongoServerSelectionError',
      });
      expect(Date.now() - started).toBeLessThan(5000);
    }
    await expect(store.lookupJob('a')).rejects.toThrow(/is not started/);
    await store.shutdown();
  });

  it('rejects start on a client it was given, without closing that client', async () => {
    const client = new MongoClient(NOWHERE);
    let closed = 0;
    const close = client.close.bind(client);
    client.close = (...args) => {
      closed += 1;
      return close(...args);
    };
    const store = new MongoJobStore({ client });
    await expect(store.start(new TestStoreContext(), 'default')).rejects.toMatchObject({
      name: 'MongoServerSelectionError',
    });
    expect(closed).toBe(0);
    await close();
  });
});
