import { TestStoreContext, waitFor } from '@kairos/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { storeNames } from '../src/names.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresAvailable,
  uniqueSchema,
  withAdmin,
} from './postgres-server.js';

const available = await postgresAvailable();
const schema = uniqueSchema('wakeups');

describe.skipIf(!available)('PostgresJobStore wake-ups (LISTEN/NOTIFY)', () => {
  let started: PostgresJobStore[] = [];

  async function startStore(
    tableName = 'kairos_jobs',
  ): Promise<{ store: PostgresJobStore; context: TestStoreContext }> {
    const store = new PostgresJobStore({
      connectionString: POSTGRES_URL,
      schema,
      tableName,
      poolSize: 2,
    });
    const context = new TestStoreContext();
    await store.start(context, 'default');
    started.push(store);
    return { store, context };
  }

  afterEach(async () => {
    for (const store of started) await store.shutdown();
    started = [];
    // Only 'hears only its own table' writes to another table, once.
    await withAdmin((admin) => admin.query(`DELETE FROM "${schema}".kairos_jobs`));
  });
  afterAll(() => dropSchema(schema));

  it('wakes the other instances with the next run time of an added or updated job', async () => {
    const writer = await startStore();
    const reader = await startStore();
    const now = writer.context.clock.now();
    await writer.store.addJob(writer.context.job({ id: 'a', nextRunTime: now + 5000 }));
    expect(await waitFor(() => reader.context.wakeups.length === 1, 1500)).toBe(true);
    await writer.store.updateJob(writer.context.job({ id: 'a', nextRunTime: now + 3000 }));
    expect(await waitFor(() => reader.context.wakeups.length === 2, 1500)).toBe(true);
    expect(reader.context.wakeups).toEqual([now + 5000, now + 3000]);
  });

  it('ignores its own notifications', async () => {
    const writer = await startStore();
    const reader = await startStore();
    await writer.store.addJob(writer.context.job({ id: 'a' }));
    expect(await waitFor(() => reader.context.wakeups.length === 1, 1500)).toBe(true);
    // Notifications arrive in commit order on every connection: the writer's own has come too.
    expect(writer.context.wakeups).toEqual([]);
  });

  it('does not notify for paused jobs, nor for failed writes', async () => {
    const writer = await startStore();
    const reader = await startStore();
    const now = writer.context.clock.now();
    await writer.store.addJob(writer.context.job({ id: 'paused', nextRunTime: null }));
    await writer.store.addJob(writer.context.job({ id: 'a', nextRunTime: now + 1 }));
    await writer.store.updateJob(writer.context.job({ id: 'paused', nextRunTime: null }));
    await expect(
      writer.store.addJob(writer.context.job({ id: 'a', nextRunTime: now + 2 })),
    ).rejects.toThrow(/conflicts/);
    await expect(
      writer.store.updateJob(writer.context.job({ id: 'missing', nextRunTime: now + 3 })),
    ).rejects.toThrow(/No job/);
    await writer.store.addJob(writer.context.job({ id: 'last', nextRunTime: now + 4 }));
    expect(await waitFor(() => reader.context.wakeups.length === 2, 1500)).toBe(true);
    expect(reader.context.wakeups).toEqual([now + 1, now + 4]);
  });

  it('hears only its own table', async () => {
    const writer = await startStore('other_jobs');
    const reader = await startStore();
    const marker = await startStore();
    await writer.store.addJob(writer.context.job({ id: 'elsewhere' }));
    await marker.store.addJob(marker.context.job({ id: 'here' }));
    expect(await waitFor(() => reader.context.wakeups.length > 0, 1500)).toBe(true);
    expect(reader.context.wakeups).toEqual([marker.context.clock.now()]);
  });

  it('wakes without a time for a notification it did not write', async () => {
    const reader = await startStore();
    await withAdmin((admin) =>
      admin.query('SELECT pg_notify($1, $2)', [
        storeNames(schema, 'kairos_jobs').channel,
        'jobs were imported',
      ]),
    );
    expect(await waitFor(() => reader.context.wakeups.length > 0, 1500)).toBe(true);
    expect(reader.context.wakeups).toEqual([undefined]);
  });

  it('stops listening at shutdown', async () => {
    const writer = await startStore();
    const reader = await startStore();
    const marker = await startStore();
    await reader.store.shutdown();
    await writer.store.addJob(writer.context.job({ id: 'a' }));
    expect(await waitFor(() => marker.context.wakeups.length > 0, 1500)).toBe(true);
    expect(reader.context.wakeups).toEqual([]);
  });
});
