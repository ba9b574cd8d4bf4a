// One scheduler of the cluster benchmark, in a process of its own: forked by cluster.mjs (the
// `fleet` workload) with an IPC channel, it runs a BackgroundScheduler on the shared store and
// does what the fleet says.
//
//   (forked) cluster-node.mjs <store> <mode> <index> [--task-ms=N] [--workers=N]
//
// mode: full (run ledger, history with the default retention), leases (ledger, `history:
// false`), none (the store without its ledger: no run rows, no leases, no history).
//
// Messages in: {type: 'go', round} resumes the paused scheduler (counters reset), {type: 'pause'},
// {type: 'report'}, {type: 'stop'}. Messages out: {type: 'ready'}, {type: 'progress', round,
// executed, recorded} every 50 ms while something changed, {type: 'report', …}, {type: 'stopped'}.
import {
  BackgroundScheduler,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
} from '@kairos/core';

import { backend } from './backends.mjs';
import { withoutLedger } from './cluster-stores.mjs';
import { TASK } from './context.mjs';

const [storeName, mode, indexText, ...rest] = process.argv.slice(2);
const option = (name, fallback) =>
  Number(rest.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const taskMs = option('task-ms', 0);
const workers = option('workers', 1000);

/** Wall-clock time in ms with sub-ms resolution, comparable between processes. */
const wallNow = () => performance.timeOrigin + performance.now();

const counts = { executed: 0, recorded: 0, missed: 0, error: 0, maxInstances: 0 };
/** Where the time went: claims (calls, jobs won, ms inside) and outcome writes (ms each). */
const spent = { claims: 0, claimed: 0, claimMs: 0, finishMs: 0 };
let executedJobs = [];
let lastExecutedAt = 0;
let lastRecordedAt = 0;
let changed = false;
let round = 0;

const { store: shared, close } = backend(storeName).createStore();
const store = mode === 'none' ? withoutLedger(shared) : shared;
if (mode !== 'none' && shared.ledger === undefined) {
  throw new Error(`the ${storeName} store has no run ledger: build its package with issue 16`);
}
const claimDueJobs = shared.claimDueJobs.bind(shared);
shared.claimDueJobs = async (claim) => {
  const began = performance.now();
  const won = await claimDueJobs(claim);
  spent.claimMs += performance.now() - began;
  spent.claims++;
  spent.claimed += won.length;
  return won;
};
if (mode !== 'none') {
  // Each outcome written (or refused by the compare-and-set) counts as recorded.
  const finish = shared.ledger.finish.bind(shared.ledger);
  shared.ledger.finish = async (row, retention) => {
    const began = performance.now();
    const written = await finish(row, retention);
    spent.finishMs += performance.now() - began;
    counts.recorded++;
    lastRecordedAt = wallNow();
    changed = true;
    return written;
  };
  // The scheduler writes a turn's outcomes together where the store can.
  if (shared.ledger.finishMany !== undefined) {
    const finishMany = shared.ledger.finishMany.bind(shared.ledger);
    shared.ledger.finishMany = async (rows, retention) => {
      const began = performance.now();
      const written = await finishMany(rows, retention);
      spent.finishMs += performance.now() - began;
      counts.recorded += rows.length;
      lastRecordedAt = wallNow();
      changed = true;
      return written;
    };
  }
}

const scheduler = new BackgroundScheduler({
  jobstores: { default: store },
  executors: { default: { type: 'async', maxWorkers: workers } },
  jobDefaults: { misfireGraceTime: null },
  // Jobs run the registered task only; no module may be loaded from the store.
  taskModules: [],
  tasks: {
    [TASK]: taskMs > 0 ? () => new Promise((resolve) => setTimeout(resolve, taskMs)) : () => {},
  },
  schedulerId: `bench-node-${indexText}`,
  ...(mode === 'leases' ? { history: false } : {}),
});
scheduler.addListener(
  (event) => {
    if (event.code === EVENT_JOB_EXECUTED) {
      counts.executed++;
      executedJobs.push(event.jobId);
      lastExecutedAt = wallNow();
      changed = true;
    } else if (event.code === EVENT_JOB_MISSED) counts.missed++;
    else if (event.code === EVENT_JOB_ERROR) counts.error++;
    else counts.maxInstances++;
  },
  EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES,
);

const progress = setInterval(() => {
  if (!changed) return;
  changed = false;
  process.send({ type: 'progress', round, executed: counts.executed, recorded: counts.recorded });
}, 50);

process.on('message', (message) => {
  handle(message).catch((error) => {
    console.error(error);
    process.exit(1);
  });
});

async function handle(message) {
  if (message.type === 'go') {
    round = message.round;
    Object.assign(counts, { executed: 0, recorded: 0, missed: 0, error: 0, maxInstances: 0 });
    Object.assign(spent, { claims: 0, claimed: 0, claimMs: 0, finishMs: 0 });
    executedJobs = [];
    lastExecutedAt = lastRecordedAt = 0;
    scheduler.resume();
  } else if (message.type === 'pause') {
    scheduler.pause();
  } else if (message.type === 'report') {
    const report = { ...counts, ...spent, lastExecutedAt, lastRecordedAt, executedJobs };
    process.send({ type: 'report', ...report });
  } else if (message.type === 'stop') {
    clearInterval(progress);
    await scheduler.shutdown();
    close();
    process.send({ type: 'stopped' }, () => process.exit(0));
  }
}

await scheduler.start({ paused: true });
process.send({ type: 'ready' });
