import { JobStoreError } from '@kairos/core';
import { RecordingLogger, TcpProxy, TestStoreContext, waitFor } from '@kairos/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresAvailable,
  uniqueSchema,
  withAdmin,
} from './postgres-server.js';

const available = await postgresAvailable();
const schema = uniqueSchema('outage');
// Marks this file's connections so terminating them leaves other test files alone.
const applicationName = schema;

/** A URL whose connections carry this file's application_name. */
function markedUrl(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
}

/** Terminates this file's server connections: the LISTEN one, or the pooled ones. */
async function terminate(which: 'listener' | 'pool'): Promise<number> {
  return withAdmin(async (admin) => {
    const result = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = $1 AND (query LIKE 'LISTEN %') = $2`,
      [applicationName, which === 'listener'],
    );
    return result.rowCount ?? 0;
  });
}

/** Whether a call succeeds now. */
async function succeeds(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!available)('PostgresJobStore when connections drop', () => {
  let started: PostgresJobStore[] = [];

  async function startStore(
    url = markedUrl(POSTGRES_URL),
  ): Promise<{ store: PostgresJobStore; context: TestStoreContext; logger: RecordingLogger }> {
    const logger = new RecordingLogger();
    const context = new TestStoreContext({ logger });
    const store = new PostgresJobStore({ connectionString: url, schema, poolSize: 2 });
    await store.start(context, 'default');
    started.push(store);
    return { store, context, logger };
  }

  beforeAll(async () => {
    // Creates the tables before any connection is cut.
    const { store } = await startStore(POSTGRES_URL);
    await store.shutdown();
  });
  afterEach(async () => {
    for (const store of started) await store.shutdown();
    started = [];
    await withAdmin((admin) => admin.query(`DELETE FROM "${schema}".kairos_jobs`));
  });
  afterAll(() => dropSchema(schema));

  it('reconnects a terminated LISTEN connection, wakes once, and hears notifications again', async () => {
    const reader = await startStore();
    const writer = await startStore(POSTGRES_URL);
    expect(await terminate('listener')).toBe(1);
    expect(await waitFor(() => reader.logger.messages('warn').length > 0, 2000)).toBe(true);
    expect(reader.logger.messages('warn')[0]).toMatch(
      /PostgresJobStore 'default' .*LISTEN connection was lost.*reconnecting in 1 s/,
    );
    // Notifications sent while it was down are lost: after reconnecting it wakes without a time.
    expect(await waitFor(() => reader.context.wakeups.length > 0, 3000)).toBe(true);
    expect(reader.context.wakeups).toEqual([undefined]);
    expect(reader.logger.messages('info')).toContainEqual(
      expect.stringMatching(/LISTEN connection is back/),
    );
    const now = writer.context.clock.now();
    await writer.store.addJob(writer.context.job({ id: 'after', nextRunTime: now + 42 }));
    expect(await waitFor(() => reader.context.wakeups.length > 1, 1500)).toBe(true);
    expect(reader.context.wakeups).toEqual([undefined, now + 42]);
  });

  it('says in its own words that the server is gone, and works again once it is back', async () => {
    const target = new URL(POSTGRES_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.up();
    try {
      const { store, context } = await startStore(proxy.url(markedUrl(POSTGRES_URL)));
      await store.addJob(context.job({ id: 'a' }));
      await proxy.down();
      const calls: [string, () => Promise<unknown>][] = [
        ['lookupJob', () => store.lookupJob('a')],
        ['getAllJobs', () => store.getAllJobs()],
        ['addJob', () => store.addJob(context.job({ id: 'b' }))],
        ['removeJob', () => store.removeJob('a')],
        ['claimDueJobs', () => store.claimDueJobs({ now: 0, limit: 1, advance: () => null })],
      ];
      for (const [name, call] of calls) {
        const error = await call().then(
          () => null,
          (failed: unknown) => failed,
        );
        expect(error, name).toBeInstanceOf(JobStoreError);
        expect((error as Error).message, name).toMatch(
          /^PostgreSQL job store 'default': no connection to postgres:\/\/.*127\.0\.0\.1:\d+\/.* \(.*\); the pool connects again by itself at the next call: retry once the server is back$/,
        );
      }
      await proxy.up();
      expect(await waitFor(() => succeeds(() => store.lookupJob('a')), 3000)).toBe(true);
    } finally {
      await proxy.down();
    }
  });

  it('works again after its pooled connections are terminated', async () => {
    const { store, context, logger } = await startStore();
    await store.addJob(context.job({ id: 'a' }));
    // Both pooled connections in use, so both are idle in the pool when terminated.
    await Promise.all([store.lookupJob('a'), store.getAllJobs()]);
    expect(await terminate('pool')).toBeGreaterThan(0);
    // A query may still pick a connection whose termination has not arrived yet, and reject.
    expect(await waitFor(() => succeeds(() => store.lookupJob('a')), 3000)).toBe(true);
    const claimed = await store.claimDueJobs({
      now: context.clock.now(),
      limit: 10,
      advance: () => null,
    });
    expect(claimed.map((run) => run.job.id)).toEqual(['a']);
    expect(logger.messages('warn').some((line) => /pooled connection failed/.test(line))).toBe(
      true,
    );
  });

  describe('through a server that goes away and comes back', () => {
    const target = new URL(POSTGRES_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    beforeAll(() => proxy.up());
    afterAll(() => proxy.down());

    it('rejects calls while the server is away and works without a restart after', async () => {
      const reader = await startStore(markedUrl(proxy.url(POSTGRES_URL)));
      const writer = await startStore(POSTGRES_URL);
      const now = reader.context.clock.now();
      await reader.store.addJob(reader.context.job({ id: 'a', nextRunTime: now }));

      await proxy.down();
      await expect(reader.store.lookupJob('a')).rejects.toThrow();
      await expect(
        reader.store.claimDueJobs({ now, limit: 10, advance: () => null }),
      ).rejects.toThrow();
      await expect(reader.store.addJob(reader.context.job({ id: 'b' }))).rejects.toThrow();
      expect(await waitFor(() => reader.logger.messages('warn').length >= 2, 3000)).toBe(true);
      expect(reader.logger.messages('warn').join('\n')).toMatch(
        /reconnecting the LISTEN connection failed.*retrying in 2 s/,
      );

      await proxy.up();
      expect(await waitFor(() => succeeds(() => reader.store.lookupJob('a')), 3000)).toBe(true);
      expect(await waitFor(() => reader.context.wakeups.includes(undefined), 5000)).toBe(true);
      await writer.store.addJob(writer.context.job({ id: 'c', nextRunTime: now + 7 }));
      expect(await waitFor(() => reader.context.wakeups.includes(now + 7), 1500)).toBe(true);
      const claimed = await reader.store.claimDueJobs({ now, limit: 10, advance: () => null });
      expect(claimed.map((run) => run.job.id)).toEqual(['a']);
    }, 20_000);

    it('stops reconnecting at shutdown', async () => {
      const { store, logger } = await startStore(markedUrl(proxy.url(POSTGRES_URL)));
      await proxy.down();
      try {
        expect(await waitFor(() => logger.messages('warn').length > 0, 2000)).toBe(true);
        await store.shutdown();
        const warnings = logger.entries.length;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(logger.entries).toHaveLength(warnings);
      } finally {
        await proxy.up();
      }
    }, 10_000);
  });
});
