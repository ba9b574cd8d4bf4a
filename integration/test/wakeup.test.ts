/**
 * Wake-ups across processes: process B runs with an empty store (its loop sleeps for
 * maxSleepTime, 60 s); process A, paused so it runs nothing itself, adds a job due 1 s later.
 * B must learn of it from the store (PostgreSQL LISTEN/NOTIFY, Redis pub/sub, SQLite's poll of
 * PRAGMA data_version) and run it on time.
 */
import { afterAll, describe, it } from 'vitest';
import { expectClean, report, scenario } from './harness/setup.js';
import {
  availableStores,
  SQLITE_POLL_INTERVAL,
  STORE_KINDS,
  type StoreKind,
} from './harness/stores.js';
import { killAllProcesses } from './harness/worker.js';

const available = await availableStores();
afterAll(killAllProcesses);

/**
 * How far ahead A schedules each job: 1 s (B hears of it before it is due), and one due almost
 * at once, where B's lateness shows how fast the news travels (for SQLite: the poll interval).
 */
const SAMPLES_AHEAD_MS = [1000, 1000, 1000, 100];

/**
 * The latest B may start a run after its scheduled time: notifications arrive at once, so
 * within 1.5 s of the add (0.5 s late); the SQLite store only polls, every pollInterval.
 */
const ALLOWED_LATENESS_MS: Record<StoreKind, number> = {
  postgres: 500,
  redis: 500,
  sqlite: SQLITE_POLL_INTERVAL * 1000 + 500,
};

describe.concurrent('a job added by one process wakes another', () => {
  for (const kind of STORE_KINDS) {
    it.skipIf(!available[kind])(
      `${kind}: B runs the jobs A adds, within ${ALLOWED_LATENESS_MS[kind]} ms of its time`,
      async ({ expect, onTestFinished }) => {
        const { store, workers } = await scenario(kind, 'wakeup', onTestFinished);
        const b = await workers.ready({ name: 'B', store: store.spec, maxSleepTime: 60 });
        const a = await workers.ready({ name: 'A', store: store.spec, paused: true });

        const lateness: number[] = [];
        for (const [index, ahead] of SAMPLES_AHEAD_MS.entries()) {
          const id = `wake-${index + 1}`;
          const addedAt = Date.now();
          await a.command({
            cmd: 'add',
            job: { id, trigger: { type: 'date', runDate: { $nowPlus: ahead } } },
          });
          const added = await a.waitFor('added', (event) => event.id === id);
          const run = await b.waitFor('run', (event) => event.id === id, 10_000);
          expect(run.scheduled).toBe(added.nextRunTime);
          expect(run.scheduled - addedAt).toBeGreaterThanOrEqual(ahead);
          lateness.push(run.at - run.scheduled);
        }

        expect(a.runs(), 'A is paused and must run nothing').toEqual([]);
        expect(b.runs().map((run) => run.id)).toEqual(['wake-1', 'wake-2', 'wake-3', 'wake-4']);
        for (const late of lateness) {
          expect(late).toBeGreaterThanOrEqual(0);
          expect(late).toBeLessThanOrEqual(ALLOWED_LATENESS_MS[kind]);
        }
        for (const worker of [a, b]) expect(await worker.stop()).toEqual({ code: 0, signal: null });
        expectClean(expect, workers.all);
        report(kind, `wake-up lateness of B's runs: ${lateness.join(', ')} ms`);
      },
    );
  }
});
