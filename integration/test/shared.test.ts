/**
 * One store, three scheduler processes: 100 interval jobs every second for 30 s, each run
 * appended to a run log (a separate SQLite database / PostgreSQL table / Redis list) with its
 * job id, scheduled run time and process id. Every (job, run time) must be there exactly once,
 * including after one of the processes is killed with SIGKILL half-way through.
 */
import { afterAll, describe, it } from 'vitest';
import {
  duplicates,
  expectClean,
  gridTimes,
  report,
  scenario,
  wholeSecondAfter,
} from './harness/setup.js';
import { availableStores, STORE_KINDS, type LoggedRun } from './harness/stores.js';
import { killAllProcesses, sleep, sleepUntil, type JobSpec } from './harness/worker.js';

const available = await availableStores();
afterAll(killAllProcesses);

const JOB_COUNT = 100;
/** Run times per job: one a second for 30 s. */
const RUN_COUNT = 30;
/** Time for three processes to start (on a loaded two-core machine) before the first run. */
const LEAD_MS = 8000;
/** When, after the first run time, one process is killed. */
const KILL_AFTER_MS = 14_500;
/**
 * Run times a killed process may have claimed without running them (the documented guarantee:
 * a run in flight when its process dies is not run again): those scheduled up to this long
 * before the kill. Any other missing run is a failure.
 */
const IN_FLIGHT_WINDOW_MS = 3000;

describe.concurrent('three scheduler processes share one store', () => {
  for (const kind of STORE_KINDS) {
    it.skipIf(!available[kind])(
      `${kind}: 100 jobs every second for 30 s, one process killed half-way: every run once`,
      async ({ expect, onTestFinished }) => {
        const { store, workers } = await scenario(kind, 'shared', onTestFinished);
        const first = wholeSecondAfter(LEAD_MS);
        const last = first + (RUN_COUNT - 1) * 1000;
        const expectedTimes = gridTimes(first, last);
        const jobIds = Array.from(
          { length: JOB_COUNT },
          (_, i) => `job-${String(i).padStart(3, '0')}`,
        );
        const jobs: JobSpec[] = jobIds.map((id) => ({
          id,
          trigger: {
            type: 'interval',
            seconds: 1,
            startDate: new Date(first).toISOString(),
            endDate: new Date(last).toISOString(),
          },
          // Every run time must run, however late a loaded machine makes it: no coalescing, no
          // misfire limit; a few instances in case a run-log write is slow.
          options: { coalesce: false, misfireGraceTime: null, maxInstances: 3 },
        }));
        const processes = ['P1', 'P2', 'P3'].map((name, index) =>
          workers.start({
            name,
            // The store class itself here (the restart tests build it from a `type` spec).
            store: { ...store.spec, via: 'instance' },
            runLog: store.runLog,
            printRuns: false,
            maxWorkers: 20,
            // P1 adds the jobs; all three run them.
            jobs: index === 0 ? jobs : [],
          }),
        );
        const ready = await Promise.all(
          processes.map((p) => p.waitFor('ready', () => true, 60_000)),
        );
        expect(
          Math.max(...ready.map((event) => event.at)),
          'the processes were not ready before the first run time',
        ).toBeLessThan(first);

        // Half-way: kill the process that ran the most runs in the last five seconds.
        await sleepUntil(first + KILL_AFTER_MS);
        const before = await store.readLog();
        const recent = new Map<number, number>();
        for (const run of before) {
          if (run.scheduled >= first + KILL_AFTER_MS - 5000) {
            recent.set(run.pid, (recent.get(run.pid) ?? 0) + 1);
          }
        }
        const victimPid = [...recent.entries()].sort((x, y) => y[1] - x[1])[0]?.[0];
        const victim = processes.find((p) => p.pid === victimPid);
        if (victim === undefined)
          throw new Error(`no process ran anything by the kill: ${before.length} runs logged`);
        await victim.kill();
        const killedAt = Date.now();
        const survivors = processes.filter((p) => p !== victim);

        // Wait for the last run time, then until the log is complete (or stops growing).
        await sleepUntil(last + 1500);
        const expectedCount = JOB_COUNT * RUN_COUNT;
        let rows: LoggedRun[] = await store.readLog();
        for (
          let deadline = Date.now() + 15_000;
          rows.length < expectedCount && Date.now() < deadline;
        ) {
          await sleep(1000);
          rows = await store.readLog();
        }
        for (const survivor of survivors) {
          expect(survivor.alive, survivor.describe()).toBe(true);
          expect(await survivor.stop(), survivor.describe()).toEqual({ code: 0, signal: null });
        }

        // Exactly once: no (job, run time) twice, nothing outside the schedule.
        const keys = rows.map((run) => `${run.jobId}@${run.scheduled}`);
        const doubled = duplicates(keys);
        expect(doubled, 'runs logged twice').toEqual([]);
        const expected = new Set(
          jobIds.flatMap((id) => expectedTimes.map((time) => `${id}@${time}`)),
        );
        expect(
          keys.filter((key) => !expected.has(key)),
          'runs outside the schedule',
        ).toEqual([]);

        // Every run time ran, except runs the killed process had claimed just before it died.
        const logged = new Set(keys);
        const missing = [...expected].filter((key) => !logged.has(key));
        const scheduledOf = (key: string): number => Number(key.slice(key.indexOf('@') + 1));
        const unexplained = missing.filter(
          (key) =>
            !(scheduledOf(key) > killedAt - IN_FLIGHT_WINDOW_MS && scheduledOf(key) <= killedAt),
        );
        expect(unexplained, 'run times nobody ran').toEqual([]);

        // After the kill the two others ran everything.
        const afterKill = rows.filter((run) => run.scheduled > killedAt);
        expect(afterKill.filter((run) => run.pid === victim.pid)).toEqual([]);
        expect(afterKill.length).toBe(
          JOB_COUNT * expectedTimes.filter((time) => time > killedAt).length,
        );

        // Nothing went wrong in any process, and every job ran its course (the store is empty:
        // each job was removed after its last run time).
        for (const p of processes) {
          expect(p.ofType('error'), p.describe()).toEqual([]);
          expect(p.ofType('missed')).toEqual([]);
          expect(p.events.filter((e) => ['max_instances', 'job_error'].includes(e.type))).toEqual(
            [],
          );
        }
        expect(await store.readJobs()).toEqual([]);
        expectClean(expect, workers.all);

        const perProcess = processes.map(
          (p) =>
            `${p.role.name}${p === victim ? ' (killed)' : ''}: ${rows.filter((run) => run.pid === p.pid).length}`,
        );
        const lateness = rows.map((run) => run.at - run.scheduled).sort((x, y) => x - y);
        report(
          kind,
          `shared store: ${rows.length}/${expectedCount} runs logged, duplicates ${doubled.length}, ` +
            `lost in flight at the kill ${missing.length}; runs per process ${perProcess.join(', ')}; ` +
            `lateness median ${lateness[Math.floor(lateness.length / 2)] ?? '-'} ms, ` +
            `p99 ${lateness[Math.floor(lateness.length * 0.99)] ?? '-'} ms, max ${lateness.at(-1) ?? '-'} ms`,
        );
      },
    );
  }
});
