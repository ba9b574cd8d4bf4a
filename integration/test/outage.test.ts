/**
 * Server outages under a running scheduler process (an interval job every second,
 * jobstoreRetryInterval 1): the process logs the failures, retries, resumes once the server is
 * back, keeps its job and stays alive; its wake-up channel (LISTEN / SUBSCRIBE) comes back too.
 *
 * The tests here run one after the other, and vitest runs this file alone (fileParallelism is
 * off in vitest.config.ts): stopping PostgreSQL must not hit another test.
 */
import { execFile } from 'node:child_process';
import { access, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { TcpProxy } from '@kairos/testkit';
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import { expectClean, report, scenario } from './harness/setup.js';
import { availableStores, REDIS_URL, withPostgres, type StoreKind } from './harness/stores.js';
import { killAllProcesses, sleep, type WorkerGroup, type WorkerProcess } from './harness/worker.js';

const run = promisify(execFile);
const available = await availableStores();
const postgresControl = await findPostgresCluster();
afterAll(killAllProcesses);

/** How long the server is away. */
const OUTAGE_MS = 4000;

/**
 * The local PostgreSQL cluster's version, when this machine can stop and start it
 * (pg_ctlcluster, Debian's wrapper); otherwise null, with one loud line (a failure under CI).
 */
async function findPostgresCluster(): Promise<string | null> {
  try {
    await access('/usr/bin/pg_ctlcluster');
    const versions = await readdir('/etc/postgresql');
    if (versions.length !== 1 || versions[0] === undefined) {
      throw new Error(`expected one version in /etc/postgresql, found ${versions.join(', ')}`);
    }
    return versions[0];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (!['', 'false', '0', undefined].includes(process.env['CI'])) {
      throw new Error(
        `cannot restart PostgreSQL here (${reason}); CI=true, so the outage test cannot be skipped`,
      );
    }
    console.warn(
      `\n!!! PostgreSQL outage test SKIPPED: cannot restart the server here (${reason}).\n`,
    );
    return null;
  }
}

async function postgresCluster(version: string, action: 'stop' | 'start'): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action], {
    timeout: 60_000,
  });
}

/** Waits until PostgreSQL answers a query again. */
async function waitForPostgres(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await withPostgres(async (client) => {
        await client.query('SELECT 1');
      });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

interface OutageRun {
  expect: ExpectStatic;
  kind: StoreKind;
  workers: WorkerGroup;
  worker: WorkerProcess;
  readJobs: () => Promise<{ id: string; nextRunTime: number | null }[]>;
  spec: WorkerProcess['role']['store'];
  /** Makes the server unavailable to the worker for about OUTAGE_MS, then available again. */
  outage: () => Promise<void>;
}

/** The scenario both stores go through; `outage` is what differs. */
async function survivesOutage({
  expect,
  kind,
  workers,
  worker,
  readJobs,
  spec,
  outage,
}: OutageRun): Promise<void> {
  await worker.waitForRuns('tick', 2, 20_000);
  const downAt = Date.now();
  await outage();
  const backAt = Date.now();

  // It noticed, said so, and retried: failures reported through on('error') and logged.
  const failures = worker
    .ofType('error')
    .filter((event) => event.at >= downAt && event.source === 'jobstore');
  expect(failures.length, worker.describe()).toBeGreaterThan(0);
  expect(
    worker.ofType('log').filter((line) => line.at >= downAt && line.level === 'warn').length,
  ).toBeGreaterThan(0);
  // It resumes: runs started after the server came back.
  await worker.waitForRuns('tick', worker.runs('tick').length + 2, 20_000);
  const after = worker.runs('tick').filter((event) => event.at > backAt);
  expect(after.length).toBeGreaterThanOrEqual(2);
  // No run time ran twice.
  const times = worker.runs('tick').map((event) => event.scheduled);
  expect(new Set(times).size).toBe(times.length);

  // The job is still stored, with a next run time, and the process is alive.
  const stored = await readJobs();
  expect(stored.map((job) => job.id)).toEqual(['tick']);
  expect(stored[0]?.nextRunTime).toBeGreaterThan(backAt);
  expect(worker.alive, worker.describe()).toBe(true);
  expect(worker.events.filter((event) => event.type === 'crash')).toEqual([]);

  // Its wake-up channel came back. With no job of its own left, its loop sleeps for
  // maxSleepTime (60 s), so only the store's wake-ups make it run another process's jobs soon.
  await worker.command({ cmd: 'remove', id: 'tick' });
  const adder = await workers.ready({ name: 'adder', store: spec, paused: true });
  const probe = async (id: string, timeoutMs: number): Promise<number> => {
    await adder.command({
      cmd: 'add',
      job: { id, trigger: { type: 'date', runDate: { $nowPlus: 1000 } } },
    });
    const woken = await worker.waitFor('run', (event) => event.id === id, timeoutMs);
    return woken.at - woken.scheduled;
  };
  // The first job may come while the wake-up connection is still reconnecting (with a back-off
  // of up to 10 s); it runs once it is back (a reconnected listener wakes the scheduler).
  const firstLateness = await probe('probe-1', 15_000);
  // By then the channel is up: the next job runs on time.
  const secondLateness = await probe('probe-2', 10_000);
  expect(secondLateness).toBeLessThanOrEqual(500);

  for (const p of [worker, adder]) expect(await p.stop()).toEqual({ code: 0, signal: null });
  expectClean(expect, workers.all);
  report(
    kind,
    `outage of ${backAt - downAt} ms: ${failures.length} failed store calls reported, ` +
      `${after.length} runs after it; wake-ups after it ${firstLateness} ms, then ${secondLateness} ms late`,
  );
}

const ticking = {
  jobstoreRetryInterval: 1,
  maxSleepTime: 60,
  logLevel: 'info' as const,
  jobs: [
    {
      id: 'tick',
      trigger: { type: 'interval', seconds: 1 },
      options: { coalesce: true, misfireGraceTime: null },
    },
  ],
};

describe('server outages', () => {
  it.skipIf(!available.postgres || postgresControl === null)(
    'postgres: the server stops for 4 s and starts again; the scheduler retries and carries on',
    async ({ expect, onTestFinished }) => {
      const version = postgresControl ?? '';
      const { store, workers } = await scenario('postgres', 'outage', onTestFinished);
      const worker = await workers.ready({ name: 'S', store: store.spec, ...ticking });
      await survivesOutage({
        expect,
        kind: 'postgres',
        workers,
        worker,
        readJobs: () => store.readJobs(),
        spec: store.spec,
        outage: async () => {
          try {
            await postgresCluster(version, 'stop');
            await sleep(OUTAGE_MS);
          } finally {
            // Whatever happened, the server answers again before anything else runs.
            await postgresCluster(version, 'start');
            await waitForPostgres();
          }
        },
      });
    },
  );

  // Not a restart: the Redis server here runs with `--save ""` and no AOF, so a restart would
  // lose every key (the store's jobs included); CLIENT PAUSE would stall every client of the
  // server (other test runs too) without making a single call fail; CLIENT KILL only drops the
  // connections for the few milliseconds ioredis needs to reconnect. Instead the worker reaches
  // Redis through a proxy in this process, which resets its connections and refuses new ones
  // for the length of the outage: to the worker, exactly a server that went away and came back.
  it.skipIf(!available.redis)(
    'redis: the server is unreachable for 4 s; the scheduler retries and carries on',
    async ({ expect, onTestFinished }) => {
      const { store, workers } = await scenario('redis', 'outage', onTestFinished);
      if (store.spec.type !== 'redis') throw new Error('a Redis store');
      const server = new URL(REDIS_URL);
      const proxy = new TcpProxy(server.hostname, Number(server.port || 6379));
      await proxy.up();
      onTestFinished(() => proxy.down());
      const spec = { ...store.spec, url: proxy.url(REDIS_URL) };
      const worker = await workers.ready({ name: 'S', store: spec, ...ticking });
      await survivesOutage({
        expect,
        kind: 'redis',
        workers,
        worker,
        readJobs: () => store.readJobs(),
        spec,
        outage: async () => {
          await proxy.down();
          await sleep(OUTAGE_MS);
          await proxy.up();
        },
      });
    },
  );
});
