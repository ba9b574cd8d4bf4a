// Kairos example: CPU-bound jobs on a pool of worker threads while an interval job on the async
// executor keeps firing on time.
//
// Two executors side by side: `default` (async: the scheduler's own thread) runs a heartbeat
// every 50 ms that measures how late it fires; `cpu` (worker: @kairos/executor-worker) runs a
// prime sieve and a SHA-256 chain from tasks.mjs, each about 150 ms of computation, every
// second. The computation happens on other threads, so the heartbeat stays on time. (With one
// thread, on a two-core machine, the two CPU jobs take turns: the second starts late by the
// first's run time, as the "started … late" column shows.)
//
//   node examples/cpu-jobs/index.mjs             run for 10 s (or until Ctrl-C), print each CPU
//                                                run and a summary of the heartbeat's lateness
//   node examples/cpu-jobs/index.mjs --blocking  the same with the CPU jobs on the async executor:
//                                                watch the heartbeat fall behind
//   node examples/cpu-jobs/index.mjs --smoke     run for 5 s; exit 0 only if every CPU run
//                                                completed and the heartbeat's p99 lateness
//                                                stayed under 50 ms (CI runs this)
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BackgroundScheduler, consoleLogger, currentJob } from 'kairos';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    blocking: { type: 'boolean', default: false },
  },
});
const seconds = values.smoke ? 5 : 10;
const cpuExecutor = values.blocking ? 'default' : 'cpu';
const SMOKE_P99_LIMIT_MS = 50;

const log = (line) => console.log(`${new Date().toISOString().slice(11, 23)}  ${line}`);

// The task module by absolute path: the references resolve whatever the working directory.
const TASKS = fileURLToPath(new URL('./tasks.mjs', import.meta.url));

// Up to two threads, leaving a core to the event loop: computing threads on every core would
// compete with the scheduler's own thread for CPU time.
const workers = String(Math.max(1, Math.min(2, availableParallelism() - 1)));

// A flat config dictionary, as a config file or the environment would give it.
const scheduler = new BackgroundScheduler({
  'kairos.executors.default.type': 'async',
  'kairos.executors.cpu.type': 'worker',
  'kairos.executors.cpu.max_workers': workers,
  // Threads started with the scheduler, so the first runs do not wait for one to start.
  'kairos.executors.cpu.min_workers': workers,
  // A name for a module reference: jobs (and persistent stores) can refer to the task by name.
  'kairos.tasks.chainHash': `${TASKS}#chainHash`,
  'kairos.logger': consoleLogger('warn'),
});

// ─── the heartbeat: on the async executor, measuring its own lateness ─────────────────────────

/** How late each heartbeat ran after its scheduled time, in ms. */
const lateness = [];
let worstSinceLastLine = 0;

function heartbeat() {
  const late = Date.now() - currentJob().scheduledRunTime.getTime();
  lateness.push(late);
  worstSinceLastLine = Math.max(worstSinceLastLine, late);
  return late;
}

// Every run time runs, however late (no coalescing, no misfire): a blocked event loop shows up
// as lateness instead of as runs silently merged or skipped.
await scheduler.addJob(
  heartbeat,
  { type: 'interval', seconds: 0.05 },
  { id: 'heartbeat', coalesce: false, misfireGraceTime: null },
);

// ─── the CPU-bound jobs: on the worker executor, by module reference ──────────────────────────

// Time a run spends waiting for a free thread counts against its misfire grace time: give CPU
// jobs one that covers the queue you expect.
const cpuJobOptions = { executor: cpuExecutor, misfireGraceTime: 10 };
await scheduler.addJob(
  `${TASKS}#countPrimes`,
  { type: 'interval', seconds: 1 },
  { ...cpuJobOptions, id: 'primes', args: [15_000_000] },
);
await scheduler.addJob(
  'chainHash',
  { type: 'interval', seconds: 1 },
  { ...cpuJobOptions, id: 'hash', args: ['kairos', 80_000] },
);

/** The run times (ms) of each CPU job's completed runs. */
const cpuRuns = { primes: [], hash: [] };
const failures = [];

scheduler.on('job_executed', (event) => {
  if (event.jobId === 'heartbeat') return;
  const { result, ms, late } = event.retval;
  cpuRuns[event.jobId].push(ms);
  log(
    `${event.jobId.padEnd(6)} ${result} in ${ms} ms (started ${late} ms late); ` +
      `heartbeat at most ${worstSinceLastLine} ms late since the last line`,
  );
  worstSinceLastLine = 0;
});
scheduler.on('job_error', (event) => {
  failures.push(`${event.jobId}: ${String(event.exception)}`);
  log(`${event.jobId} failed: ${String(event.exception)}`);
});
scheduler.on('job_missed', (event) => {
  failures.push(`${event.jobId}: missed its run at ${event.scheduledRunTime.toISOString()}`);
  log(`${event.jobId} missed a run (it started more than misfireGraceTime late)`);
});
scheduler.on('error', (failure) => {
  failures.push(`${failure.action}: ${String(failure.error)}`);
  log(`scheduler error while ${failure.action}: ${String(failure.error)}`);
});

// ─── run, stop, summarise ─────────────────────────────────────────────────────────────────────

if (values.smoke) {
  // A hung smoke test fails CI instead of stalling it.
  setTimeout(() => {
    console.error('smoke: timed out');
    process.exit(1);
  }, 30_000).unref();
}

await scheduler.start();
log(
  `running for ${seconds} s: heartbeat every 50 ms on 'default' (async), ` +
    `CPU jobs every second on '${cpuExecutor}' ` +
    (cpuExecutor === 'cpu' ? `(${workers} worker thread(s))` : `(async: the same thread)`),
);
await new Promise((resolve) => {
  const timer = setTimeout(resolve, seconds * 1000);
  process.once('SIGINT', () => {
    clearTimeout(timer);
    resolve();
  });
});
await scheduler.shutdown(); // waits for the CPU runs in progress

const sorted = [...lateness].sort((a, b) => a - b);
const percentile = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const p99 = percentile(0.99);
const allCpuRuns = Object.values(cpuRuns).flat();
console.log(`
summary: ${seconds} s, CPU jobs on '${cpuExecutor}'
  CPU runs:  ${cpuRuns.primes.length} primes + ${cpuRuns.hash.length} hash completed, ${Math.min(...allCpuRuns)}–${Math.max(...allCpuRuns)} ms each; ${failures.length} problem(s)
  heartbeat: ${lateness.length} runs, late by p50 ${percentile(0.5)} ms, p99 ${p99} ms, max ${sorted.at(-1)} ms`);

if (values.smoke) {
  const problems = [...failures];
  for (const [jobId, runs] of Object.entries(cpuRuns)) {
    if (runs.length < 2) problems.push(`${jobId}: only ${runs.length} run(s) completed`);
  }
  if (lateness.length < seconds * 10) problems.push(`only ${lateness.length} heartbeats ran`);
  if (!(p99 < SMOKE_P99_LIMIT_MS)) {
    problems.push(`heartbeat p99 lateness ${p99} ms, not under ${SMOKE_P99_LIMIT_MS} ms`);
  }
  if (problems.length > 0) {
    console.error(`smoke: FAILED\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('smoke: passed');
  }
}
