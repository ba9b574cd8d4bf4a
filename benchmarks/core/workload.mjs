// One measurement in a fresh process: one workload, one library, one size. run.mjs spawns this
// (with --expose-gc) once per round and library; it prints one JSON line on stdout.
//
//   node --expose-gc benchmarks/core/workload.mjs <dispatch|lateness|hold> <library> <jobs>
//
// dispatch  `jobs` one-off jobs all due at the same instant, each with its own callback (a
//           closure made per job, as a user's jobs are) that only counts; fires per second from
//           the first callback to the last, and from the due instant to the last callback. Three
//           such bursts run one after the other: the first is reported as is (cold: V8 has run
//           the library's code only for the warm-up), the third with `warm` before each field
//           name (the code compiled as a service's is after it has run a while).
// lateness  `jobs` one-off jobs spread evenly over SPREAD_MS; (actual start − scheduled time) of
//           each run, in ms, with sub-ms resolution.
// hold      `jobs` one-off jobs an hour ahead, each with its own no-op closure, added to a running
//           scheduler: seconds to add them, and the heap (and RSS) they retain, per job (closure
//           included), after full GCs.
import { LIBRARIES } from './libraries.mjs';

/** How long the lateness workload's jobs are spread over. */
const SPREAD_MS = 10_000;
/** Minimum lead between the end of adding and the first due time. */
const LEAD_MS = 500;
/** Jobs added (and run, for dispatch and lateness) before measuring, to warm up the JIT. */
const WARMUP_JOBS = 1000;
/**
 * Dispatch bursts of `jobs` jobs in one process. The 1,000-job warm-up leaves much of a
 * scheduler's per-run code to V8's interpreter and baseline compiler (`node --trace-opt` shows
 * Kairos's run path still being optimized during a 10k burst), so the first burst measures code
 * that is still being compiled; by the third, it has been.
 */
const DISPATCH_BURSTS = 3;
/** Give up waiting for runs this long after the last one was due. */
const STRAGGLER_LIMIT_MS = 30_000;

const [workload, libraryName, jobsText] = process.argv.slice(2);
const library = LIBRARIES.find((l) => l.name === libraryName);
const jobs = Number(jobsText);
if (library === undefined || !Number.isInteger(jobs) || jobs <= 0) {
  console.error(
    `usage: workload.mjs <dispatch|lateness|hold> <${LIBRARIES.map((l) => l.name).join('|')}> <jobs>`,
  );
  process.exit(2);
}
const WORKLOADS = { dispatch, lateness, hold };
if (!(workload in WORKLOADS)) {
  console.error(`unknown workload ${workload}; one of ${Object.keys(WORKLOADS).join(', ')}`);
  process.exit(2);
}
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const scheduler = await library.open();
const result = await WORKLOADS[workload]();
process.stdout.write(JSON.stringify({ workload, library: library.name, jobs, ...result }) + '\n');
process.exit(0);

/** Wall-clock time in epoch ms with sub-ms resolution. */
function preciseNow() {
  return performance.timeOrigin + performance.now();
}

/** Adds one job, awaiting only libraries whose `add` is asynchronous. */
async function add(runAtMs, task) {
  const pending = scheduler.add(runAtMs, task);
  if (pending !== undefined) await pending;
}

/**
 * Adds `count` jobs, the i-th at `runAt(i)` with the task `makeTask(i)` (made here, one per
 * job): one call for a library with `addAll`, else one `add` after the other.
 */
async function addMany(count, runAt, makeTask) {
  if (scheduler.addAll !== undefined) {
    const jobs = [];
    for (let i = 0; i < count; i++) jobs.push([runAt(i), makeTask(i)]);
    await scheduler.addAll(jobs);
    return;
  }
  for (let i = 0; i < count; i++) await add(runAt(i), makeTask(i));
}

/** Runs a small batch due soon, so that the measured batch does not pay for JIT warm-up. */
async function warmUp() {
  let left = WARMUP_JOBS;
  const { promise, resolve } = deferred();
  const count = () => {
    if (--left === 0) resolve();
  };
  const runAt = Date.now() + LEAD_MS + (WARMUP_JOBS * library.addCostUs) / 1000;
  await addMany(
    WARMUP_JOBS,
    () => runAt,
    () => () => count(),
  );
  await withDeadline(promise, runAt + STRAGGLER_LIMIT_MS);
}

async function dispatch() {
  await warmUp();
  const cold = await dispatchBurst();
  let warm = cold;
  for (let burst = 1; burst < DISPATCH_BURSTS; burst++) warm = await dispatchBurst();
  const result = { ...cold };
  for (const [field, value] of Object.entries(warm)) {
    result[`warm${field[0].toUpperCase()}${field.slice(1)}`] = value;
  }
  return result;
}

/** One burst: `jobs` jobs due at one instant, added, run and timed. */
async function dispatchBurst() {
  let fired = 0;
  let first = 0;
  let last = 0;
  const { promise, resolve } = deferred();
  const count = () => {
    const now = performance.now();
    if (fired === 0) first = now;
    last = now;
    if (++fired === jobs) resolve();
  };
  const dueAt = Math.ceil(Date.now() + LEAD_MS + (jobs * library.addCostUs) / 1000);
  const addStart = performance.now();
  // Each job its own callback function, as a user's jobs are (not one function shared by all).
  await addMany(
    jobs,
    () => dueAt,
    () => () => count(),
  );
  const addMs = performance.now() - addStart;
  const overran = fired > 0 || Date.now() >= dueAt;
  await withDeadline(promise, dueAt + STRAGGLER_LIMIT_MS);
  const spanMs = last - first;
  const fromDueMs = performance.timeOrigin + last - dueAt;
  return {
    fired,
    spanMs,
    perSecond: fired > 1 ? ((fired - 1) * 1000) / spanMs : 0,
    // The whole batch from its due instant: also counts work done before the first callback.
    fromDuePerSecond: (fired * 1000) / fromDueMs,
    firstLateMs: performance.timeOrigin + first - dueAt,
    addMs,
    overran,
  };
}

async function lateness() {
  await warmUp();
  const late = new Float64Array(jobs).fill(NaN);
  let fired = 0;
  const { promise, resolve } = deferred();
  const start = Math.ceil(Date.now() + LEAD_MS + (jobs * library.addCostUs) / 1000);
  const stepMs = SPREAD_MS / jobs;
  const runAtOf = (i) => Math.round(start + i * stepMs);
  await addMany(jobs, runAtOf, (i) => {
    const runAt = runAtOf(i);
    return () => {
      late[i] = preciseNow() - runAt;
      if (++fired === jobs) resolve();
    };
  });
  const overran = fired > 0 || Date.now() >= start;
  await withDeadline(promise, start + SPREAD_MS + STRAGGLER_LIMIT_MS);
  const sorted = late.filter((value) => !Number.isNaN(value)).sort();
  return {
    fired,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? NaN,
    minMs: sorted[0] ?? NaN,
    overran,
  };
}

async function hold() {
  const base = Date.now() + 3_600_000;
  // Warm-up jobs stay scheduled (an hour ahead too); they are in the baseline. Every job has its
  // own no-op closure, counted in its heap.
  await addMany(
    WARMUP_JOBS,
    (i) => base - WARMUP_JOBS + i,
    () => () => undefined,
  );
  const before = memoryAfterGc();
  const addStart = performance.now();
  await addMany(
    jobs,
    (i) => base + i,
    () => () => undefined,
  );
  const addMs = performance.now() - addStart;
  const after = memoryAfterGc();
  return {
    addSeconds: addMs / 1000,
    heapPerJob: (after.heapUsed - before.heapUsed) / jobs,
    rssPerJob: (after.rss - before.rss) / jobs,
  };
}

function memoryAfterGc() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage();
}

/** Resolves with `promise`, or at epoch ms `deadline` if it has not settled by then. */
function withDeadline(promise, deadline) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, Math.max(deadline - Date.now(), 0));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
