import { TestStoreContext, claimUntilEmpty, oneMinuteLater, waitFor } from '@kairos/testkit';
import { Client, Pool } from 'pg';
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
const schema = uniqueSchema('claims');
const MINUTE = 60_000;

describe.skipIf(!available)('PostgresJobStore claims', () => {
  const context = new TestStoreContext();
  const store = new PostgresJobStore({ connectionString: POSTGRES_URL, schema, poolSize: 3 });
  const later = oneMinuteLater(context);

  beforeAll(() => store.start(context, 'default'));
  afterEach(() => store.removeAllJobs());
  afterAll(async () => {
    await store.shutdown();
    await dropSchema(schema);
  });

  it('passes over a job another transaction holds instead of waiting for it', async () => {
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'held', nextRunTime: now - 10 }));
    await store.addJob(context.job({ id: 'free', nextRunTime: now }));
    const holder = new Client(POSTGRES_URL);
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM "${schema}".kairos_jobs WHERE id = 'held' FOR UPDATE`);
      const claimed = await store.claimDueJobs({ now, limit: 10, advance: later });
      expect(claimed.map((run) => run.job.id)).toEqual(['free']);
      await holder.query('ROLLBACK');
      const after = await store.claimDueJobs({ now, limit: 10, advance: later });
      expect(after.map((run) => run.job.id)).toEqual(['held']);
    } finally {
      await holder.end();
    }
  });

  it('writes nothing when advance throws part-way through a batch', async () => {
    const now = context.clock.now();
    await store.addJob(context.job({ id: 'a', nextRunTime: now - 2 }));
    await store.addJob(context.job({ id: 'b', nextRunTime: now - 1 }));
    const claim = store.claimDueJobs({
      now,
      limit: 10,
      advance: (job) => {
        if (job.id === 'b') throw new Error('trigger failed');
        return later(job);
      },
    });
    await expect(claim).rejects.toThrow('trigger failed');
    expect((await store.lookupJob('a'))?.nextRunTimeMs).toBe(now - 2);
    const retried = await store.claimDueJobs({ now, limit: 10, advance: later });
    expect(retried.map((run) => run.job.id)).toEqual(['a', 'b']);
  });

  it('updates and deletes a mixed batch in one claim', async () => {
    const now = context.clock.now();
    for (let index = 0; index < 10; index += 1) {
      await store.addJob(context.job({ id: `j${index}`, nextRunTime: now - 100 + index }));
    }
    const claimed = await store.claimDueJobs({
      now,
      limit: 100,
      advance: (job) => (Number(job.id.slice(1)) % 2 === 0 ? later(job) : null),
    });
    expect(claimed).toHaveLength(10);
    const left = await store.getAllJobs();
    expect(left.map((job) => [job.id, job.nextRunTimeMs])).toEqual(
      [0, 2, 4, 6, 8].map((index) => [`j${index}`, now - 100 + index + MINUTE]),
    );
  });

  it('gives each run to one of several processes claiming round after round', async () => {
    const now = context.clock.now();
    const count = 600;
    const ownPool = new Pool({ connectionString: POSTGRES_URL, max: 2 });
    const claimers = [
      store,
      new PostgresJobStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 }),
      new PostgresJobStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 }),
      new PostgresJobStore({ pool: ownPool, schema }),
    ];
    for (const claimer of claimers.slice(1)) await claimer.start(new TestStoreContext(), 'default');
    try {
      for (let index = 0; index < count; index += 1) {
        await store.addJob(context.job({ id: `job-${index}`, nextRunTime: now - (index % 13) }));
      }
      for (let round = 0; round < 3; round += 1) {
        const at = now + round * MINUTE;
        const won = (
          await Promise.all(
            claimers.map((claimer) =>
              claimUntilEmpty(claimer, { now: at, limit: 25, advance: later }),
            ),
          )
        ).flat();
        expect(won).toHaveLength(count);
        expect(new Set(won.map((run) => run.job.id)).size).toBe(count);
        for (const run of won)
          expect(run.next?.nextRunTimeMs).toBe((run.job.nextRunTimeMs ?? 0) + MINUTE);
      }
      const jobs = await store.getAllJobs();
      for (const job of jobs) {
        expect(job.nextRunTimeMs).toBe(now - (Number(job.id.slice(4)) % 13) + 3 * MINUTE);
      }
    } finally {
      for (const claimer of claimers.slice(1)) await claimer.shutdown();
      await ownPool.end();
    }
  });
});

describe.skipIf(!available)('PostgresJobStore on a pool it is given', () => {
  const poolSchema = uniqueSchema('given_pool');
  afterAll(() => dropSchema(poolSchema));

  it('uses the pool, listens on a connection with its settings, and leaves it open', async () => {
    const pool = new Pool({ connectionString: POSTGRES_URL, max: 2 });
    const context = new TestStoreContext();
    const onPool = new PostgresJobStore({ pool, schema: poolSchema });
    const writer = new PostgresJobStore({ connectionString: POSTGRES_URL, schema: poolSchema });
    try {
      await onPool.start(context, 'default');
      await writer.start(new TestStoreContext(), 'default');
      await writer.addJob(context.job({ id: 'a' }));
      expect(await waitFor(() => context.wakeups.length > 0, 1500)).toBe(true);
      expect((await onPool.lookupJob('a'))?.id).toBe('a');
      await onPool.shutdown();
      expect(pool.ended).toBe(false);
      const rows = await pool.query(`SELECT id FROM "${poolSchema}".kairos_jobs`);
      expect(rows.rows).toEqual([{ id: 'a' }]);
      expect(pool.listenerCount('error')).toBe(0);
    } finally {
      await writer.shutdown();
      await pool.end();
    }
    // The server ends a closed connection's backend a moment after the client has gone.
    const listenersGone = await waitFor(
      () =>
        withAdmin(async (admin) => {
          const listeners = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE query = $1`, [
            `LISTEN "kairos.${poolSchema}.kairos_jobs"`,
          ]);
          return listeners.rowCount === 0;
        }),
      2000,
    );
    expect(listenersGone).toBe(true);
  });
});
