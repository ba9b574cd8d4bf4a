/**
 * Restarts: process A adds jobs to a persistent store and is killed with SIGKILL; process B opens
 * the same store. Every job is there with the next run time A stored, and the runs missed while
 * no process was up are handled by each job's coalescing and misfire grace time.
 */
import { afterAll, describe, it } from 'vitest';
import { availableStores, STORE_KINDS } from './harness/stores.js';
import {
  duplicates,
  expectClean,
  gridTimes,
  report,
  scenario,
  wholeSecondAfter,
} from './harness/setup.js';
import {
  killAllProcesses,
  sleepUntil,
  type JobSnapshot,
  type MissedEvent,
  type RunEvent,
  type SubmittedEvent,
  type WorkerProcess,
} from './harness/worker.js';

const available = await availableStores();
afterAll(killAllProcesses);

/** How long no scheduler process runs in the missed-runs scenario. */
const DOWN_MS = 3200;

const byId = (a: { id: string }, b: { id: string }): number => a.id.localeCompare(b.id);

function jobsOf(worker: WorkerProcess): JobSnapshot[] {
  const event = worker.ofType('jobs').at(-1);
  if (event === undefined) throw new Error(`worker ${worker.role.name} printed no jobs`);
  return [...event.jobs].sort(byId);
}

describe.concurrent('restart after SIGKILL', () => {
  for (const kind of STORE_KINDS) {
    describe.skipIf(!available[kind])(kind, () => {
      it('process B finds every job A added, with the next run times A stored', async ({
        expect,
        onTestFinished,
      }) => {
        const { store, workers } = await scenario(kind, 'restart', onTestFinished);
        const a = await workers.ready({
          name: 'A',
          store: store.spec,
          paused: true,
          printJobs: true,
          jobs: [
            {
              id: 'every-minute',
              trigger: { type: 'interval', minutes: 1 },
              options: { name: 'every minute', args: [1, 'two', { three: [3] }, null] },
            },
            {
              id: 'quarter-hours',
              trigger: { type: 'cron', minute: '*/15' },
              options: { coalesce: false, misfireGraceTime: 30, maxInstances: 2 },
            },
            {
              id: 'tomorrow',
              trigger: { type: 'date', runDate: { $nowPlus: 86_400_000 } },
              options: { misfireGraceTime: null },
            },
            { id: 'paused', trigger: { type: 'interval', hours: 1 }, paused: true },
            {
              id: 'weekdays',
              trigger: { type: 'crontab', expr: '30 8 * * 1-5' },
              options: { args: [{ nested: { deep: ['list', 2] } }] },
            },
          ],
        });
        const printedByA = jobsOf(a);
        expect(printedByA.map((job) => job.id)).toEqual([
          'every-minute',
          'paused',
          'quarter-hours',
          'tomorrow',
          'weekdays',
        ]);
        expect(printedByA.find((job) => job.id === 'paused')?.nextRunTime).toBeNull();
        const aStarted = a.events[0]?.at ?? 0;
        for (const job of printedByA.filter((job) => job.id !== 'paused')) {
          expect(job.nextRunTime, job.id).toBeGreaterThanOrEqual(aStarted);
        }
        const added = new Map(a.ofType('added').map((event) => [event.id, event.nextRunTime]));
        for (const job of printedByA) expect(job.nextRunTime, job.id).toBe(added.get(job.id));

        const killed = await a.kill();
        expect(killed.signal).toBe('SIGKILL');

        const b = await workers.ready({
          name: 'B',
          store: store.spec,
          paused: true,
          printJobs: true,
        });
        // The same jobs, field for field: next run times to the millisecond, triggers, args,
        // policies.
        expect(jobsOf(b)).toEqual(printedByA);
        // The store's own copy of the next run times (its index column / sorted set).
        expect(await store.readJobs()).toEqual(
          printedByA.map((job) => ({ id: job.id, nextRunTime: job.nextRunTime })),
        );
        expect(b.runs()).toEqual([]);
        expect(await b.stop()).toEqual({ code: 0, signal: null });
        expectClean(expect, workers.all);
      });

      it('runs missed while down: coalesced, run one by one, or skipped past the grace time', async ({
        expect,
        onTestFinished,
      }) => {
        const { store, workers } = await scenario(kind, 'missed', onTestFinished);
        const startDate = new Date(wholeSecondAfter(2500)).toISOString();
        const every = (options: Record<string, unknown>) => ({
          trigger: { type: 'interval', seconds: 1, startDate },
          options,
        });
        // A and B are one scheduler before and after its restart (a stable id): B ends what A
        // left in flight at once instead of waiting for its leases to lapse.
        const a = await workers.ready({
          name: 'A',
          schedulerId: 'restarted',
          store: store.spec,
          jobs: [
            { id: 'coalesce', ...every({ coalesce: true, misfireGraceTime: null }) },
            { id: 'catch-up', ...every({ coalesce: false, misfireGraceTime: null }) },
            { id: 'skip', ...every({ coalesce: false, misfireGraceTime: 0.5 }) },
          ],
        });
        // Kill A right after a round of runs (its second at least), when it is normally idle
        // until the next second. (Should it have claimed the next round already, its
        // `submitted` lines say so: the run times A claimed are A's, run or not.)
        const first = Date.parse(startDate);
        await a.waitFor(
          'run',
          (run) =>
            run.scheduled >= first + 1000 &&
            ['coalesce', 'catch-up'].every((id) =>
              a.runs(id).some((other) => other.scheduled === run.scheduled),
            ),
          20_000,
        );
        await a.kill();
        const killedAt = Date.now();

        await sleepUntil(killedAt + DOWN_MS);
        const b = await workers.ready({ name: 'B', schedulerId: 'restarted', store: store.spec });
        const bReady = (await b.waitFor('ready', () => true)).at;
        // Let B run a regular (not catch-up) round after its first claim.
        await b.waitFor(
          'run',
          (run) => run.id === 'catch-up' && run.scheduled > bReady + 1000,
          15_000,
        );
        expect(await b.stop()).toEqual({ code: 0, signal: null });

        for (const worker of [a, b]) {
          expect(worker.ofType('error'), worker.role.name).toEqual([]);
          expect(worker.ofType('log').filter((line) => line.level === 'error')).toEqual([]);
        }
        const claimed = (worker: WorkerProcess, id: string): number[] =>
          worker
            .ofType('submitted')
            .filter((event) => event.id === id)
            .flatMap((event) => event.runTimes);
        const scheduled = (events: (RunEvent | MissedEvent)[], id: string): number[] =>
          events.filter((event) => event.id === id).map((event) => event.scheduled);

        const missedWhileDown = (id: string): { gap: number[]; firstClaim: SubmittedEvent } => {
          const lastOfA = Math.max(...claimed(a, id));
          const firstClaim = b.ofType('submitted').find((event) => event.id === id);
          if (firstClaim === undefined) throw new Error(`B never submitted ${id}\n${b.describe()}`);
          const gap = gridTimes(lastOfA + 1000, Math.max(...firstClaim.runTimes));
          // Down for more than 3 s: at least three run times passed while no process was up.
          expect(gap.length, id).toBeGreaterThanOrEqual(3);
          return { gap, firstClaim };
        };

        for (const id of ['coalesce', 'catch-up', 'skip']) {
          // No run time of any job ran twice, in one process or across the two.
          const ran = [...scheduled(a.runs(), id), ...scheduled(b.runs(), id)];
          expect(duplicates(ran), id).toEqual([]);
          // B only ran what A had not claimed.
          const ofA = new Set(claimed(a, id));
          expect(
            scheduled(b.runs(), id).filter((time) => ofA.has(time)),
            id,
          ).toEqual([]);
        }

        const figures: string[] = [];
        // coalesce: true → the missed run times collapse into one catch-up run, the latest.
        {
          const { gap, firstClaim } = missedWhileDown('coalesce');
          figures.push(`coalesce: ${gap.length} run times due while down, 1 run`);
          expect(firstClaim.runTimes).toEqual([gap.at(-1)]);
          const ranInGap = scheduled(b.runs(), 'coalesce').filter((time) => time <= gap.at(-1)!);
          expect(ranInGap).toEqual([gap.at(-1)]);
          expect(scheduled(b.ofType('missed'), 'coalesce')).toEqual([]);
        }
        // coalesce: false, no grace limit → every missed run time runs, once, in order.
        {
          const { gap, firstClaim } = missedWhileDown('catch-up');
          figures.push(`catch-up: ${gap.length} due, ${gap.length} runs`);
          expect(firstClaim.runTimes).toEqual(gap);
          const ranInGap = scheduled(b.runs(), 'catch-up').filter((time) => time <= gap.at(-1)!);
          expect(ranInGap).toEqual(gap);
          expect(scheduled(b.ofType('missed'), 'catch-up')).toEqual([]);
        }
        // coalesce: false, grace 0.5 s → the run times older than that are skipped as missed
        // (job_missed), each run time either runs or is reported missed, never both.
        {
          const { gap, firstClaim } = missedWhileDown('skip');
          expect(firstClaim.runTimes).toEqual(gap);
          const missed = scheduled(b.ofType('missed'), 'skip').filter(
            (time) => time <= gap.at(-1)!,
          );
          const ranInGap = scheduled(b.runs(), 'skip').filter((time) => time <= gap.at(-1)!);
          expect(missed.length).toBeGreaterThanOrEqual(gap.length - 1);
          expect([...missed, ...ranInGap].sort((x, y) => x - y)).toEqual(gap);
          // The oldest missed run time was seconds late when B looked at it.
          expect(missed[0]).toBe(gap[0]);
          figures.push(
            `skip: ${gap.length} due, ${missed.length} reported missed, ${ranInGap.length} ran`,
          );
        }
        expectClean(expect, workers.all);
        report(kind, `missed runs after ${DOWN_MS} ms down: ${figures.join('; ')}`);
      });
    });
  }
});
