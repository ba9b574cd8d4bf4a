// One measurement of the cluster benchmark (issue 16), in a fresh process (run.mjs spawns it).
// Prints one JSON line.
//
//   node benchmarks/stores/cluster.mjs fleet <store> <jobs> <nodes> <mode> [--warmup=N]
//        [--task-ms=N] [--workers=N]
//   node benchmarks/stores/cluster.mjs ledger <store> <jobs>
//   node benchmarks/stores/cluster.mjs history <store> <rows> [--queries=N]
//   node benchmarks/stores/cluster.mjs clear <store>
//
// fleet: <nodes> schedulers (cluster-node.mjs, a process each) share the store; <jobs> jobs are
//   due at once and the fleet fires them. Mode full | leases | none (see cluster-node.mjs).
//   Timed from the moment the paused schedulers are told to resume to the last `job_executed`
//   and to the last outcome written to the ledger, over all processes (wall clock).
// ledger: the ledger's parts of a fire, store level (no scheduler): <jobs> due jobs claimed in
//   batches of 1,000 without and with run rows (`claim.runs`), then each run's outcome written
//   with `ledger.finish` (default retention) one at a time, and with `ledger.finishMany` in
//   batches of 500 (as the scheduler writes a busy turn's outcomes).
// history: <rows> finished runs bulk-filled into the store's ledger, then `ledger.getRuns`
//   timed on random jobs, and the other history reads (cluster-history.mjs).
// clear: removes every job, run and node the benchmark stored.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { DEFAULT_RETENTION, endedRow } from '@kairos/core';

import { backend, startedStore } from './backends.mjs';
import { history } from './cluster-history.mjs';
import { clearEverything } from './cluster-stores.mjs';

const NODE = fileURLToPath(new URL('./cluster-node.mjs', import.meta.url));
/**
 * Due jobs the fleet fires first (option --warmup), then removes: the JIT of every process
 * warms up on them.
 */
const WARMUP_DUE = 3000;
/** A fleet that has not fired (and recorded) every due job after this long fails. */
const FIRE_LIMIT_MS = 120_000;

const [workload, storeName, ...rest] = process.argv.slice(2);
const positional = rest.filter((a) => !a.startsWith('--'));
const flags = rest.filter((a) => a.startsWith('--'));
const option = (name, fallback) =>
  Number(flags.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);

const WORKLOADS = {
  fleet,
  ledger,
  history: () => history(storeName, Number(positional[0]), option('queries', 200)),
  clear: () => clearEverything(storeName).then(() => ({})),
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

async function main() {
  const run = WORKLOADS[workload];
  if (run === undefined) throw new Error(`unknown workload ${JSON.stringify(workload)}`);
  const result = await run();
  console.log(JSON.stringify({ workload, store: storeName, ...result }));
  process.exit(0);
}

const wallNow = () => performance.timeOrigin + performance.now();

// ─── fleet ────────────────────────────────────────────────────────────────────────────────────

/** A forked scheduler process and the messages it sent. */
function startNode(index, mode, nodeFlags) {
  const child = fork(NODE, [storeName, mode, String(index), ...nodeFlags], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const node = { child, round: 0, executed: 0, recorded: 0, waiting: new Map(), exited: null };
  child.on('message', (message) => {
    if (message.type === 'progress') {
      // A late progress message of the previous round is not this round's.
      if (message.round !== node.round) return;
      node.executed = message.executed;
      node.recorded = message.recorded;
    }
    node.waiting.get(message.type)?.(message);
    node.waiting.delete(message.type);
  });
  child.on('exit', (code, signal) => {
    node.exited = `scheduler ${index} exited (${code ?? signal})`;
    for (const reject of node.failures ?? []) reject(new Error(node.exited));
  });
  node.failures = new Set();
  /** The next message of `type` (and, with `send`, after sending it a message). */
  node.next = (type, send) =>
    new Promise((resolve, reject) => {
      if (node.exited !== null) return reject(new Error(node.exited));
      node.failures.add(reject);
      node.waiting.set(type, (message) => {
        node.failures.delete(reject);
        resolve(message);
      });
      if (send !== undefined) child.send(send);
    });
  return node;
}

/** Resolves once the fleet has executed `count` runs (and recorded them, with a ledger). */
function fired(nodes, count, recording) {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      const executed = nodes.reduce((sum, node) => sum + node.executed, 0);
      const recorded = nodes.reduce((sum, node) => sum + node.recorded, 0);
      const dead = nodes.find((node) => node.exited !== null);
      if (dead !== undefined) {
        clearInterval(check);
        reject(new Error(dead.exited));
      } else if (executed >= count && (!recording || recorded >= count)) {
        clearInterval(check);
        resolve();
      } else if (performance.now() - began > FIRE_LIMIT_MS) {
        clearInterval(check);
        reject(new Error(`${executed} executed, ${recorded} recorded of ${count} after 120 s`));
      }
    }, 10);
  });
}

/** `count` jobs due by now (run times 1 ms apart, the latest 1 s ago), bulk-filled. */
async function addDue(b, count) {
  const dueAt = Date.now() - count - 1000;
  await b.fill({ total: count, due: count, dueAt, futureFrom: 0 });
}

async function fleet() {
  const [jobsText, nodesText, mode] = positional;
  const jobs = Number(jobsText);
  const count = Number(nodesText);
  if (!['full', 'leases', 'none'].includes(mode)) throw new Error(`unknown mode ${mode}`);
  const recording = mode !== 'none';
  const b = backend(storeName);
  await clearEverything(storeName);
  // The tables / keys exist before the schedulers start (they would race to make them).
  const { store: own, stop: stopOwn } = await startedStore(b);
  const nodes = Array.from({ length: count }, (_, i) => startNode(i + 1, mode, flags));
  try {
    await Promise.all(nodes.map((node) => node.next('ready')));
    let rounds = 0;
    const round = async (due) => {
      rounds += 1;
      for (const node of nodes) Object.assign(node, { round: rounds, executed: 0, recorded: 0 });
      const began = wallNow();
      for (const node of nodes) node.child.send({ type: 'go', round: rounds });
      await fired(nodes, due, recording);
      for (const node of nodes) node.child.send({ type: 'pause' });
      const reports = await Promise.all(
        nodes.map((node) => node.next('report', { type: 'report' })),
      );
      return { began, reports };
    };
    // Warm-up, then everything it stored is removed (runs and nodes too).
    const warmup = option('warmup', WARMUP_DUE);
    await addDue(b, warmup);
    await round(warmup);
    await own.removeAllJobs();
    await own.ledger?.clear();

    await addDue(b, jobs);
    const { began, reports } = await round(jobs);
    const lastExecuted = Math.max(...reports.map((r) => r.lastExecutedAt));
    const lastRecorded = Math.max(...reports.map((r) => r.lastRecordedAt));
    const ended = recording ? Math.max(lastExecuted, lastRecorded) : lastExecuted;
    const executedMs = lastExecuted - began;
    const completeMs = ended - began;

    // Each due job ran exactly once across the fleet, and (with a ledger) left one row.
    const ran = reports.flatMap((r) => r.executedJobs);
    const distinct = new Set(ran).size;
    if (ran.length !== jobs || distinct !== jobs) {
      throw new Error(`${ran.length} runs of ${distinct} distinct jobs, ${jobs} due`);
    }
    // With history, one `executed` row per run; with `history: false`, none left once recorded.
    let rows = null;
    if (recording) {
      const stored = await own.ledger.getRuns({ limit: jobs + 1 });
      const executed = stored.filter((row) => row.outcome === 'executed');
      const kept = mode === 'full' ? jobs : 0;
      rows = stored.length;
      if (stored.length !== kept || executed.length !== kept) {
        throw new Error(
          `${stored.length} run rows (${executed.length} executed) kept, not ${kept}`,
        );
      }
    }
    const sum = (field) => reports.reduce((total, r) => total + r[field], 0);
    return {
      jobs,
      nodes: count,
      mode,
      executedMs,
      completeMs,
      perSecond: jobs / (completeMs / 1000),
      executedPerSecond: jobs / (executedMs / 1000),
      perNode: reports.map((r) => r.executed),
      claims: sum('claims'),
      claimMsPerJob: sum('claimMs') / sum('claimed'),
      claimMsPerCall: sum('claimMs') / sum('claims'),
      finishMsEach: recording ? sum('finishMs') / sum('recorded') : null,
      rows,
      missed: sum('missed'),
      errors: sum('error'),
      maxInstances: sum('maxInstances'),
    };
  } finally {
    await Promise.allSettled(
      nodes.map((node) => (node.exited === null ? node.next('stopped', { type: 'stop' }) : null)),
    );
    await stopOwn();
    await clearEverything(storeName);
  }
}

// ─── ledger ──────────────────────────────────────────────────────────────────────────────────

/** Outcomes per `finishMany` call in the batched part of the `ledger` workload. */
const FINISHES_BATCH = 500;
/** Outcome writes timed one at a time (the rest go in batches). */
const FINISHES_ONE_BY_ONE = 1000;

async function ledger() {
  const jobs = Number(positional[0]);
  const b = backend(storeName);
  await clearEverything(storeName);
  const { store, stop } = await startedStore(b);
  let sequence = 0;
  /** The rows a scheduler's claim opens for `job` (one run, as cluster.ts builds them). */
  const opening = (job, now) => {
    const id = `bench-ledger:${++sequence}`;
    const row = {
      id,
      jobId: job.id,
      jobName: job.name,
      jobstore: 'default',
      executor: 'default',
      schedulerId: 'bench-ledger',
      scheduledRunTime: job.nextRunTimeMs,
      coalescedRunTimes: [],
      submittedAt: now,
      startedAt: null,
      finishedAt: null,
      outcome: null,
      error: null,
      attempt: 0,
      slot: id,
      leaseUntil: now + 30_000,
      onAbandoned: 'fail',
      maxRetries: 1,
      // As the scheduler: the job document only for jobs retried when abandoned.
      job: null,
    };
    const refusal = { name: 'MaxInstancesReachedError', message: 'max instances', stack: null };
    return {
      rows: [row],
      // As the scheduler: made only when the store writes them.
      get refused() {
        return [endedRow(row, { outcome: 'skipped', finishedAt: now, error: refusal })];
      },
      maxInstances: job.maxInstances,
    };
  };
  /** Claims every due job in batches of 1,000; the rows opened, and the time it took. */
  const claimAll = async (withRuns) => {
    const now = Date.now();
    const opened = [];
    const began = performance.now();
    for (;;) {
      const won = await store.claimDueJobs({
        now,
        limit: 1000,
        advance: (job) => job.with({ nextRunTimeMs: job.nextRunTimeMs + 3_600_000 }),
        ...(withRuns
          ? {
              runs: {
                open: (job) => {
                  const planned = opening(job, now);
                  opened.push(planned.rows[0]);
                  return planned;
                },
              },
            }
          : {}),
      });
      if (won.length === 0) break;
      if (won.some((claimed) => claimed.refused === true)) throw new Error('a claim was refused');
    }
    return { ms: performance.now() - began, opened };
  };
  /** Records the outcomes one `finish` at a time, or in `finishMany` batches of `batch`. */
  const finishAll = async (rows, batch) => {
    const now = Date.now();
    const ended = rows.map((row) =>
      endedRow(row, { outcome: 'executed', startedAt: now, finishedAt: now + 1 }),
    );
    const began = performance.now();
    for (let start = 0; start < ended.length; start += batch) {
      const part = ended.slice(start, start + batch);
      const written =
        batch === 1
          ? [await store.ledger.finish(part[0], DEFAULT_RETENTION)]
          : await store.ledger.finishMany(part, DEFAULT_RETENTION);
      if (written.some((ok) => !ok)) throw new Error(`a run of ${part[0].id}… was not recorded`);
    }
    return performance.now() - began;
  };
  const measure = async (count) => {
    await addDue(b, count);
    const plain = await claimAll(false);
    await store.removeAllJobs();
    await addDue(b, count);
    const withRuns = await claimAll(true);
    if (withRuns.opened.length !== count) throw new Error(`${withRuns.opened.length} opened`);
    const oneByOne = withRuns.opened.slice(0, Math.min(FINISHES_ONE_BY_ONE, count / 2));
    const concurrent = withRuns.opened.slice(oneByOne.length);
    const oneByOneMs = await finishAll(oneByOne, 1);
    const concurrentMs = await finishAll(concurrent, FINISHES_BATCH);
    await store.removeAllJobs();
    await store.ledger.clear();
    return {
      claimsPerSecond: count / (plain.ms / 1000),
      claimsWithRunsPerSecond: count / (withRuns.ms / 1000),
      finishesPerSecond: oneByOne.length / (oneByOneMs / 1000),
      finishesInFlightPerSecond: concurrent.length / (concurrentMs / 1000),
    };
  };
  try {
    if (store.ledger === undefined) throw new Error(`the ${storeName} store has no run ledger`);
    await measure(Math.min(jobs, 2000)); // warm-up: JIT, connections, statement caches
    return { jobs, ...(await measure(jobs)) };
  } finally {
    await stop();
    await clearEverything(storeName);
  }
}
