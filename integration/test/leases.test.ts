/**
 * Run leases across real processes: a date job whose task runs 5 s starts in process A, and A is
 * SIGKILLed 2 s into the run. Process B, sharing the store, finds the run once A's lease lapses:
 * it logs the abandoned warning, emits `job_abandoned` once with A as the owner, and the history
 * shows the run `abandoned` once; under `onAbandoned: 'fail'` nothing runs again, under
 * `'retry'` B runs it again exactly once (attempt 1) even though the date job has left the store.
 * A clean shutdown instead leaves no abandoned run, and `getNodes()` tells dead from alive.
 * Leases of 2 s keep it short: a lapsed run is found within 3 s (lease + half a lease).
 */
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import { killAllProcesses, type ChaosProcess, type ChaosRole } from './harness/chaos-process.js';
import {
  chaosScenario,
  expectCleanProcesses,
  readRunFile,
  type ChaosScenario,
} from './harness/chaos-setup.js';
import { report } from './harness/setup.js';
import { availableStores, STORE_KINDS } from './harness/stores.js';
import { sleep, sleepUntil } from './harness/worker.js';

const available = await availableStores();
afterAll(killAllProcesses);

const LEASE_SECONDS = 2;
/** The longest a lapsed run may wait to be found: its lease, then up to half a lease to a scan. */
const FOUND_WITHIN_MS = LEASE_SECONDS * 1500;
/** How long the task runs. */
const RUN_MS = 5000;
/** When, after the task started, A is killed. */
const KILL_AFTER_MS = 2000;

/** The role of process `name` of the scenario: one date job `long` when `policy` is given. */
function role(
  scenario: ChaosScenario,
  name: string,
  policy?: { onAbandoned: 'fail' | 'retry' },
): ChaosRole {
  return {
    name,
    schedulerId: scenario.schedulerId(name),
    store: scenario.store.spec,
    leaseSeconds: LEASE_SECONDS,
    runFile: scenario.runFile,
    logLevel: 'warn',
    jobs:
      policy === undefined
        ? []
        : [
            {
              id: 'long',
              trigger: { type: 'date', runDate: { $nowPlus: 300 } },
              options: { ...policy, misfireGraceTime: null },
              durationMs: RUN_MS,
            },
          ],
  };
}

/** Starts A with the job and kills it KILL_AFTER_MS into the run; resolves to when it died. */
async function killDuringRun(a: ChaosProcess): Promise<number> {
  const started = await a.waitFor('run', (run) => run.id === 'long', 20_000);
  await sleepUntil(started.at + KILL_AFTER_MS);
  await a.kill();
  return Date.now();
}

/** Checks B's view of the dead A and of itself. */
async function expectNodes(expect: ExpectStatic, a: ChaosProcess, b: ChaosProcess): Promise<void> {
  const { nodes } = await b.command('nodes', {});
  const byId = new Map(nodes.map((node) => [node.id, node]));
  expect(byId.get(a.schedulerId)?.alive, JSON.stringify(nodes)).toBe(false);
  expect(byId.get(b.schedulerId)?.alive, JSON.stringify(nodes)).toBe(true);
  expect(byId.get(b.schedulerId)?.pid).toBe(b.events[0]?.pid);
}

/** The warning B logged for the abandoned run of A. */
function abandonedWarnings(b: ChaosProcess, a: ChaosProcess): string[] {
  return b
    .warnings()
    .filter((message) => message.includes('was abandoned') && message.includes(a.schedulerId));
}

describe.concurrent('run leases: a process killed during a run', () => {
  for (const kind of STORE_KINDS) {
    it.skipIf(!available[kind])(
      `${kind}: onAbandoned 'fail': B ends A's run as abandoned once, and nothing runs again`,
      async ({ expect, onTestFinished }) => {
        const scenario = await chaosScenario(kind, 'leasefail', onTestFinished);
        const { processes } = scenario;
        // Both run before the job is due: whichever claims it is A, the other one B.
        const first = await processes.ready(role(scenario, 'P1'));
        const second = await processes.ready(role(scenario, 'P2', { onAbandoned: 'fail' }));
        const a = await Promise.any(
          [first, second].map(async (p) => {
            await p.waitFor('run', (run) => run.id === 'long', 20_000);
            return p;
          }),
        );
        const b = a === first ? second : first;
        const killedAt = await killDuringRun(a);

        const abandoned = await b.waitFor('abandoned', () => true, FOUND_WITHIN_MS + 10_000);
        const foundAfterMs = abandoned.at - killedAt;
        expect(abandoned).toMatchObject({ id: 'long', owner: a.schedulerId, retried: false });
        expect(abandoned.attempt).toBe(0);
        // Long enough for several more scans: nothing else happens.
        await sleep(FOUND_WITHIN_MS + 1000);
        expect(b.ofType('abandoned'), b.describe()).toHaveLength(1);
        expect(abandonedWarnings(b, a), b.describe()).toHaveLength(1);
        expect(b.ofType('run'), 'B ran the job again').toEqual([]);

        const { runs = [] } = await b.command('history', { query: { jobId: 'long' } });
        expect(runs).toEqual([
          expect.objectContaining({
            id: abandoned.runId,
            outcome: 'abandoned',
            attempt: 0,
            schedulerId: a.schedulerId,
          }),
        ]);
        const file = await readRunFile(scenario.runFile);
        expect(file.starts.map((run) => [run.runId, run.schedulerId, run.attempt])).toEqual([
          [abandoned.runId, a.schedulerId, 0],
        ]);
        expect(file.ended.size, 'the killed run ended').toBe(0);
        await expectNodes(expect, a, b);
        // The date job left the store with A's claim: it is not run again.
        expect(await scenario.store.readJobs()).toEqual([]);

        expect(await b.stop()).toEqual({ code: 0, signal: null });
        expectCleanProcesses(expect, processes.all, new Set([a]));
        report(
          kind,
          `lease 'fail': A's run found abandoned by B ${foundAfterMs} ms after the kill`,
        );
      },
    );

    it.skipIf(!available[kind])(
      `${kind}: onAbandoned 'retry': B ends A's run as abandoned once and runs it again once`,
      async ({ expect, onTestFinished }) => {
        const scenario = await chaosScenario(kind, 'leaseretry', onTestFinished);
        const { processes } = scenario;
        const a = await processes.ready(role(scenario, 'A', { onAbandoned: 'retry' }));
        const killedAt = await killDuringRun(a);
        // B starts after A died: its first scan (at start) or a later one finds the run.
        const b = await processes.ready(role(scenario, 'B'));

        const abandoned = await b.waitFor('abandoned', () => true, FOUND_WITHIN_MS + 10_000);
        const foundAfterMs = abandoned.at - killedAt;
        expect(abandoned).toMatchObject({ id: 'long', owner: a.schedulerId, retried: true });
        const retry = await b.waitFor('run', (run) => run.id === 'long', 10_000);
        expect(retry.attempt).toBe(1);
        expect(retry.scheduled).toBe(abandoned.scheduled);
        await b.waitFor('ran', (run) => run.runId === retry.runId, RUN_MS + 10_000);
        await sleep(FOUND_WITHIN_MS + 1000);
        expect(b.ofType('abandoned'), b.describe()).toHaveLength(1);
        expect(abandonedWarnings(b, a), b.describe()).toHaveLength(1);
        expect(b.ofType('run'), 'B ran the job more than once').toHaveLength(1);

        // Newest first: the same scheduled time, so by id descending (B's ids sort after A's).
        const { runs = [] } = await b.command('history', { query: { jobId: 'long' } });
        expect(runs).toHaveLength(2);
        expect(runs).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              id: abandoned.runId,
              outcome: 'abandoned',
              attempt: 0,
              schedulerId: a.schedulerId,
            }),
            expect.objectContaining({
              id: retry.runId,
              outcome: 'executed',
              attempt: 1,
              schedulerId: b.schedulerId,
            }),
          ]),
        );
        expect(runs.map((run) => run.scheduled)).toEqual([
          abandoned.scheduled,
          abandoned.scheduled,
        ]);
        const file = await readRunFile(scenario.runFile);
        expect(file.starts.map((run) => [run.runId, run.schedulerId, run.attempt])).toEqual([
          [abandoned.runId, a.schedulerId, 0],
          [retry.runId, b.schedulerId, 1],
        ]);
        expect([...file.ended]).toEqual([retry.runId]);
        await expectNodes(expect, a, b);
        // The retry ran although the date job had left the store.
        expect(await scenario.store.readJobs()).toEqual([]);

        expect(await b.stop()).toEqual({ code: 0, signal: null });
        expectCleanProcesses(expect, processes.all, new Set([a]));
        report(
          kind,
          `lease 'retry': found abandoned ${foundAfterMs} ms after the kill, retried ` +
            `${retry.at - abandoned.at} ms later`,
        );
      },
    );

    it.skipIf(!available[kind])(
      `${kind}: a clean shutdown during a run leaves no abandoned run, and the node leaves`,
      async ({ expect, onTestFinished }) => {
        const scenario = await chaosScenario(kind, 'leaseclean', onTestFinished);
        const { processes } = scenario;
        const a = await processes.ready(role(scenario, 'A', { onAbandoned: 'retry' }));
        const started = await a.waitFor('run', (run) => run.id === 'long', 20_000);
        const b = await processes.ready(role(scenario, 'B'));
        const before = await b.command('nodes', {});
        expect(
          before.nodes.map((node) => [node.id, node.alive]),
          'both alive while A runs',
        ).toEqual([
          [a.schedulerId, true],
          [b.schedulerId, true],
        ]);

        // A shuts down while its run goes on: it waits for the run and records its outcome.
        expect(await a.stop()).toEqual({ code: 0, signal: null });
        expect(a.ofType('ran').map((run) => run.runId)).toEqual([started.runId]);
        await sleep(FOUND_WITHIN_MS + 1000);
        expect(b.ofType('abandoned'), b.describe()).toEqual([]);
        expect(b.ofType('run')).toEqual([]);
        const { runs = [] } = await b.command('history', {});
        expect(runs).toEqual([
          expect.objectContaining({
            id: started.runId,
            outcome: 'executed',
            attempt: 0,
            schedulerId: a.schedulerId,
          }),
        ]);
        const after = await b.command('nodes', {});
        expect(after.nodes.map((node) => [node.id, node.alive])).toEqual([[b.schedulerId, true]]);

        expect(await b.stop()).toEqual({ code: 0, signal: null });
        expectCleanProcesses(expect, processes.all);
        report(kind, `lease clean shutdown: A's run executed, no abandoned run, A left the nodes`);
      },
    );
  }
});
