/**
 * The chaos suite of issue 16: per store, three scheduler processes share 200 interval jobs
 * whose runs last from 50 ms to 9 s (some longer than the time between two kills). Every few
 * seconds one scheduler is SIGKILLed at a random moment (the nodes in turns, each turn in a
 * random order) and restarted under a new scheduler id;
 * half-way the store goes away for 4 s (PostgreSQL and Redis: the testkit's TCP proxy between
 * the processes and the server; SQLite: another connection holds the write lock); node N3's
 * clock is 10 s ahead (its injected `clock`). Each task appends its run start to a file
 * (O_APPEND, one line). Afterwards the run history and the file must agree
 * (harness/chaos-checks.ts): no duplicate, every killed run abandoned exactly once, every
 * abandoned `'retry'` run run again exactly once, nothing unrecorded. When every store passed,
 * the run writes docs/reliability.md.
 *
 * CI mode (the default): 40 s of runs and at least 8 kills per store, the stores side by side,
 * about 70 s in all. `KAIROS_CHAOS_LONG=1`: 150 s and at least 30 kills per store, about 3 min.
 */
import Database from 'better-sqlite3';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TcpProxy } from '@kairos/testkit';
import { afterAll, describe, it } from 'vitest';
import { analyseChaos, type ChaosPolicy } from './harness/chaos-checks.js';
import {
  killAllProcesses,
  type AbandonedEvent,
  type ChaosJobSpec,
  type ChaosRole,
  type HistoryRun,
} from './harness/chaos-process.js';
import {
  writeReliabilityPage,
  type ChaosSettings,
  type StoreResult,
} from './harness/chaos-report.js';
import { ChaosFleet } from './harness/chaos-fleet.js';
import { chaosScenario, expectCleanProcesses, readRunFile } from './harness/chaos-setup.js';
import { report, wholeSecondAfter } from './harness/setup.js';
import {
  availableStores,
  POSTGRES_URL,
  REDIS_URL,
  STORE_KINDS,
  type StoreKind,
} from './harness/stores.js';
import type { StoreSpec } from './harness/worker.js';
import { sleep, sleepUntil } from './harness/worker.js';

const available = await availableStores();
afterAll(killAllProcesses);

const LONG = process.env['KAIROS_CHAOS_LONG'] === '1';
/** How long the jobs are scheduled for, and the fewest kills a store must see. */
const CHAOS_MS = LONG ? 150_000 : 40_000;
const MIN_KILLS = LONG ? 30 : 8;
const SETTINGS: ChaosSettings = {
  mode: LONG ? 'long' : 'CI',
  schedulers: 3,
  jobs: 200,
  intervals: [3, 6],
  durations: [50, 9000],
  killEvery: [2000, 5000],
  leaseSeconds: 3,
  outageMs: 4000,
  clockOffsetMs: 10_000,
  maxRetries: 3,
};
/** Time for three processes to start and add the jobs before the first run time. */
const LEAD_MS = 10_000;
/** The longest wait for the last runs to finish and every lapsed lease to be found. */
const SETTLE_MS = 60_000;

const results: StoreResult[] = [];
const failures: string[] = [];
const tested = STORE_KINDS.filter((kind) => available[kind]);

afterAll(async () => {
  // Only a run in which every store that could be tested passed writes the page.
  if (failures.length > 0 || results.length !== tested.length || results.length === 0) return;
  const order = (kind: string): number => STORE_KINDS.indexOf(kind as StoreKind);
  results.sort((x, y) => order(x.store) - order(y.store));
  await writeReliabilityPage(
    SETTINGS,
    results,
    STORE_KINDS.filter((kind) => !available[kind]),
  );
});

/** A whole number from `min` to `max` picked from `seed` (the same jobs every run). */
function spread(seed: number, min: number, max: number): number {
  return min + (((seed * 2654435761) % 4294967296) % (max - min + 1));
}

/** The 200 jobs: their specs, policies and scheduled run times. */
function chaosJobs(
  first: number,
  last: number,
): {
  specs: ChaosJobSpec[];
  policies: Map<string, ChaosPolicy>;
  schedule: Map<string, number[]>;
} {
  const specs: ChaosJobSpec[] = [];
  const policies = new Map<string, ChaosPolicy>();
  const schedule = new Map<string, number[]>();
  for (let i = 0; i < SETTINGS.jobs; i++) {
    const policy: ChaosPolicy =
      i % 2 === 0
        ? { onAbandoned: 'fail', maxRetries: SETTINGS.maxRetries }
        : { onAbandoned: 'retry', maxRetries: SETTINGS.maxRetries };
    const id = `job-${String(i).padStart(3, '0')}-${policy.onAbandoned}`;
    const seconds =
      SETTINGS.intervals[0] + (i % (SETTINGS.intervals[1] - SETTINGS.intervals[0] + 1));
    // Mostly short runs, some of a few seconds, one in ten longer than the time between kills.
    const kind = i % 20;
    const durationMs =
      kind < 14
        ? spread(i, SETTINGS.durations[0], 800)
        : kind < 18
          ? spread(i, 1500, 3000)
          : spread(i, 6000, SETTINGS.durations[1]);
    const start = first + (i % 10) * 100;
    const times: number[] = [];
    for (let time = start; time <= last; time += seconds * 1000) times.push(time);
    specs.push({
      id,
      trigger: {
        type: 'interval',
        seconds,
        startDate: new Date(start).toISOString(),
        endDate: new Date(last).toISOString(),
      },
      options: {
        ...policy,
        coalesce: false,
        misfireGraceTime: null,
        maxInstances: durationMs > seconds * 1000 ? 2 : 1,
      },
      durationMs,
    });
    policies.set(id, policy);
    schedule.set(id, times);
  }
  return { specs, policies, schedule };
}

/** How the store goes away for a while, and how its processes reach it. */
interface Outage {
  readonly description: string;
  /** The store as the processes reach it (through the proxy, when there is one). */
  readonly spec: StoreSpec;
  readonly storeOptions: Record<string, unknown>;
  /** Takes the store away for `ms`, then gives it back. */
  run(ms: number): Promise<void>;
  close(): Promise<void>;
}

async function outageFor(kind: StoreKind, spec: StoreSpec): Promise<Outage> {
  if (spec.type === 'sqlite') {
    const path = spec.path;
    return {
      description: 'another connection holds the write lock (BEGIN EXCLUSIVE); busyTimeout 1 s',
      spec,
      storeOptions: { busyTimeout: 1 },
      run: async (ms) => {
        const database = new Database(path, { timeout: 10_000 });
        try {
          database.exec('BEGIN EXCLUSIVE');
          await sleep(ms);
          database.exec('COMMIT');
        } finally {
          database.close();
        }
      },
      close: () => Promise.resolve(),
    };
  }
  const server = new URL(spec.type === 'postgres' ? POSTGRES_URL : REDIS_URL);
  const proxy = new TcpProxy(
    server.hostname,
    Number(server.port || (kind === 'redis' ? 6379 : 5432)),
  );
  await proxy.up();
  return {
    description:
      'the TCP proxy between the processes and the server resets and refuses connections',
    spec:
      spec.type === 'postgres'
        ? { ...spec, connectionString: proxy.url(spec.connectionString) }
        : { ...spec, url: proxy.url(spec.url) },
    storeOptions: {},
    run: async (ms) => {
      await proxy.down();
      await sleep(ms);
      await proxy.up();
    },
    close: () => proxy.down(),
  };
}

describe.concurrent(`chaos (${SETTINGS.mode} mode)`, () => {
  for (const kind of STORE_KINDS) {
    it.skipIf(!available[kind])(
      `${kind}: 3 schedulers, 200 jobs, kills every few seconds, an outage, a clock 10 s off`,
      { timeout: CHAOS_MS + LEAD_MS + SETTLE_MS + 120_000 },
      async ({ expect, onTestFinished }) => {
        const scenario = await chaosScenario(kind, 'chaos', onTestFinished);
        const { processes } = scenario;
        const outage = await outageFor(kind, scenario.store.spec);
        onTestFinished(() => outage.close());
        const historyDirectory = await mkdtemp(join(tmpdir(), 'kairos-it-chaos-history-'));
        onTestFinished(() => rm(historyDirectory, { recursive: true, force: true }));
        try {
          const first = wholeSecondAfter(LEAD_MS);
          const last = first + CHAOS_MS;
          const { specs, policies, schedule } = chaosJobs(first, last);
          const roleOf = (node: number, generation: number): ChaosRole => ({
            name: `N${node + 1}.${generation}`,
            schedulerId: scenario.schedulerId(`N${node + 1}.${generation}`),
            store: outage.spec,
            storeOptions: outage.storeOptions,
            leaseSeconds: SETTINGS.leaseSeconds,
            history: { keep: 1000, maxAge: 86_400 },
            // The third node's clock is off.
            clockOffsetMs: node === 2 ? SETTINGS.clockOffsetMs : 0,
            runFile: scenario.runFile,
            printRuns: false,
            maxWorkers: 100,
            jobstoreRetryInterval: 1,
            maxSleepTime: 2,
            // The first process of the first node adds the jobs.
            jobs: node === 0 && generation === 0 ? specs : [],
          });
          const fleet = new ChaosFleet(processes, SETTINGS.schedulers, roleOf);
          await fleet.ready(LEAD_MS + 20_000);
          expect(Date.now(), 'the processes were not ready before the first run time').toBeLessThan(
            first,
          );

          // Kill one node at a random moment every few seconds (it restarts at once); the
          // outage half-way goes on beside the kills.
          const outageAt = first + CHAOS_MS / 2;
          let outageEnd = Infinity;
          const outageDone = sleepUntil(outageAt).then(async () => {
            await outage.run(SETTINGS.outageMs);
            outageEnd = Date.now();
          });
          while (Date.now() < last || fleet.killed.size < MIN_KILLS) {
            const [shortest, longest] = SETTINGS.killEvery;
            await sleep(shortest + Math.random() * (longest - shortest));
            await fleet.killOne();
          }
          await outageDone;
          await fleet.ready();
          // A node (re)started while the store was away may fail to start (and is started
          // again): only then, and only for that reason.
          for (const refused of fleet.refusedStarts) {
            expect(refused.at, refused.process.describe()).toBeGreaterThanOrEqual(outageAt);
            expect(refused.at, refused.process.describe()).toBeLessThanOrEqual(outageEnd + 5000);
          }

          // Settle: the last runs finish, every lapsed lease is found, every retry runs.
          const longest = SETTINGS.durations[1];
          await sleepUntil(last + longest + SETTINGS.leaseSeconds * 1500 + 2000);
          const [reader] = fleet.nodes;
          if (reader === undefined) throw new Error('the fleet has no node');
          let inFlight: HistoryRun[] = [];
          for (const deadline = Date.now() + SETTLE_MS; ;) {
            inFlight = (await reader.command('history', { query: { outcome: [null] } })).runs ?? [];
            if (inFlight.length === 0 || Date.now() > deadline) break;
            await sleep(1000);
          }
          expect(inFlight, 'runs still in flight after settling').toEqual([]);
          const historyFile = join(historyDirectory, `${kind}.json`);
          const paged = await reader.command('history', { pageSize: 500, file: historyFile });
          const history = JSON.parse(await readFile(historyFile, 'utf8')) as HistoryRun[];
          expect(history).toHaveLength(paged.count ?? -1);
          for (const { process, exit } of await fleet.stop()) {
            expect(exit, process.describe()).toEqual({ code: 0, signal: null });
          }

          const file = await readRunFile(scenario.runFile);
          const abandonedEvents = processes.all.flatMap((p) =>
            p.ofType('abandoned').map((event: AbandonedEvent) => ({
              runId: event.runId,
              finder: p.schedulerId,
            })),
          );
          const figures = analyseChaos({
            starts: file.starts,
            ended: file.ended,
            history,
            killed: fleet.killedIds,
            policies,
            schedule,
            abandonedEvents,
          });
          const clockWarned = processes.all
            .filter((p) => p.role.clockOffsetMs !== 0)
            .some((p) => p.warnings().some((message) => message.includes('ahead of job store')));
          const runsPerNode: Record<string, number> = {};
          for (const start of file.starts) {
            const node = /-(N\d)\.\d+$/.exec(start.schedulerId)?.[1] ?? start.schedulerId;
            runsPerNode[node] = (runsPerNode[node] ?? 0) + 1;
          }
          const result: StoreResult = {
            store: kind,
            outage: outage.description,
            kills: fleet.killed.size,
            chaosMs: CHAOS_MS,
            clockWarned,
            storeErrors: processes.all.reduce(
              (sum, p) => sum + p.ofType('error').filter((e) => e.source === 'jobstore').length,
              0,
            ),
            refusedStarts: fleet.refusedStarts.length,
            runsPerNode,
            figures,
          };
          report(
            kind,
            `chaos (${SETTINGS.mode}): ${JSON.stringify({ ...figures, problems: figures.problems.length })}, ` +
              `history in ${paged.pages} pages; ${JSON.stringify({ ...result, figures: undefined })}`,
          );

          expect(figures.problems, 'what the history and the run file disagree on').toEqual([]);
          expect(figures).toMatchObject({
            duplicates: 0,
            unrecorded: 0,
            phantoms: 0,
            inFlight: 0,
            killedNotAbandoned: 0,
            reportedTwice: 0,
            badRetries: 0,
          });
          // The chaos did what it is for: kills hit runs, which were abandoned and retried.
          expect(fleet.killed.size).toBeGreaterThanOrEqual(MIN_KILLS);
          expect(figures.killedRuns).toBeGreaterThan(0);
          expect(figures.abandoned).toBeGreaterThanOrEqual(figures.killedRuns);
          expect(figures.retried).toBeGreaterThan(0);
          expect(figures.runs).toBeGreaterThan(SETTINGS.jobs);
          // The outage was one: calls failed.
          expect(result.storeErrors).toBeGreaterThan(0);
          // On a server the store's clock decides, and the node whose clock is off says so.
          if (kind !== 'sqlite') {
            expect(clockWarned, 'the clock offset warning').toBe(true);
            expect(figures.earlyStarts, 'runs started early by the node whose clock is off').toBe(
              0,
            );
          }
          const refused = new Set(fleet.refusedStarts.map((start) => start.process));
          expectCleanProcesses(
            expect,
            processes.all.filter((p) => !refused.has(p)),
            fleet.killed,
          );
          expect(await scenario.store.readJobs(), 'every job ran its course').toEqual([]);
          results.push(result);
        } catch (error) {
          failures.push(kind);
          throw error;
        }
      },
    );
  }
});
