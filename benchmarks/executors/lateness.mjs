// Lateness isolation, one scenario in a fresh process: a 10 ms interval job on the async
// executor records how late each of its runs starts while 4 CPU-bound jobs of ~200 ms fire every
// second on the executor named by the first argument. run.mjs spawns this; it prints one JSON line.
//
//   node benchmarks/executors/lateness.mjs <worker|async|none> --cpu-iterations=N
//        [--max-workers=N] [--warmup-ms=N] [--measure-ms=N]
//
// worker  the CPU jobs run on a WorkerExecutor (alias `worker`; --max-workers, default: the
//         executor's own default, the number of cores)
// async   the CPU jobs run on the default AsyncExecutor, in the main thread with the interval job
// none    no CPU jobs: the interval job alone, the floor of its lateness on this machine
//
// Lateness of an interval run = (performance.timeOrigin + performance.now()) at the start of the
// task − currentJob().scheduledRunTime, for runs scheduled in [warm-up end, warm-up end +
// measure-ms). The interval job has coalesce: false and misfireGraceTime: null, so every
// scheduled run runs and counts, however late.
import { fileURLToPath } from 'node:url';

import { AsyncExecutor, BackgroundScheduler, currentJob } from '@kairos/core';
import { WorkerExecutor } from '@kairos/executor-worker';

import { startLoadMeter } from './machine-load.mjs';
import { burn } from './tasks/cpu.mjs';

const TICK_MS = 10;
const CPU_JOBS = 4;
const CPU_EVERY_MS = 1000;
/** The CPU task, a module reference any executor can run (absolute path, so cwd does not matter). */
const CPU_TASK = `${fileURLToPath(new URL('./tasks/cpu-job.mjs', import.meta.url))}#burnAsJob`;
/** Give up waiting for the last runs this long after the measured window. */
const STRAGGLER_LIMIT_MS = 30_000;

const options = parseOptions(process.argv.slice(2));

// The expected result of every CPU run; computing it here also warms up the loop's JIT.
const expectedHash = burn(options.cpuIterations).hash;

const workerExecutor = new WorkerExecutor(
  options.maxWorkers === undefined ? {} : { maxWorkers: options.maxWorkers },
);
const scheduler = new BackgroundScheduler({
  executors: { default: new AsyncExecutor(), worker: workerExecutor },
});

const lateness = [];
/** Ticks later than 10 ms, by when they were due: 100 ms buckets after the CPU jobs' fire time. */
const lateByPhase = new Array(CPU_EVERY_MS / 100).fill(0);
let ticksOutsideWindow = 0;
let tickMissed = 0;
let lastTickScheduled = -Infinity;
const cpu = {
  submitted: 0,
  executed: 0,
  missed: 0,
  maxInstances: 0,
  errors: 0,
  wrongHash: 0,
  taskMs: [],
  startLateMs: [],
  errorMessages: [],
};
const isCpuJob = (event) => event.jobId.startsWith('cpu-');
scheduler.on('job_submitted', (event) => {
  if (isCpuJob(event)) cpu.submitted++;
});
scheduler.on('job_executed', (event) => {
  if (!isCpuJob(event)) return;
  cpu.executed++;
  if (event.retval.hash !== expectedHash) cpu.wrongHash++;
  cpu.taskMs.push(event.retval.ms);
  cpu.startLateMs.push(event.retval.startLateMs);
});
scheduler.on('job_missed', (event) => {
  if (isCpuJob(event)) cpu.missed++;
  else tickMissed++; // stays 0: the interval job has no misfire grace limit
});
scheduler.on('job_max_instances', (event) => {
  if (isCpuJob(event)) cpu.maxInstances++;
});
scheduler.on('job_error', (event) => {
  if (isCpuJob(event)) cpu.errors++;
  if (cpu.errorMessages.length < 3) cpu.errorMessages.push(String(event.exception));
});

await scheduler.start();

// Fire times on a grid a little ahead, so that adding the jobs does not overrun the first one.
const t0 = Math.ceil((Date.now() + 300) / 100) * 100;
const windowStart = t0 + options.warmupMs;
const windowEnd = windowStart + options.measureMs;

await scheduler.addJob(
  function tick() {
    const scheduled = currentJob().scheduledRunTime.getTime();
    const late = performance.timeOrigin + performance.now() - scheduled;
    if (scheduled >= windowStart && scheduled < windowEnd) {
      lateness.push(late);
      if (late > 10) lateByPhase[Math.floor(((scheduled - t0) % CPU_EVERY_MS) / 100)]++;
    } else {
      ticksOutsideWindow++;
    }
    lastTickScheduled = Math.max(lastTickScheduled, scheduled);
  },
  { type: 'interval', seconds: TICK_MS / 1000, startDate: t0, endDate: windowEnd + 5 * TICK_MS },
  { id: 'tick', coalesce: false, misfireGraceTime: null },
);
const cpuJobs = options.cpuExecutor === 'none' ? 0 : CPU_JOBS;
for (let k = 0; k < cpuJobs; k++) {
  await scheduler.addJob(
    CPU_TASK,
    { type: 'interval', seconds: CPU_EVERY_MS / 1000, startDate: t0, endDate: windowEnd - 1 },
    {
      id: `cpu-${k}`,
      executor: options.cpuExecutor === 'worker' ? 'worker' : 'default',
      args: [options.cpuIterations],
      // A run that overruns its second may overlap the next one instead of skipping it, and a run
      // that waits for a thread (or for the blocked event loop) is never dropped as missed.
      maxInstances: 2,
      misfireGraceTime: null,
    },
  );
}
const expectedCpuRuns = cpuJobs * Math.ceil((windowEnd - t0) / CPU_EVERY_MS);
await sleepUntil(windowStart);
const load = startLoadMeter();
await sleepUntil(windowEnd);
const loadInWindow = load.stop();

// Wait for the window to pass, the interval job's last run and every CPU run to finish.
const deadline = windowEnd + STRAGGLER_LIMIT_MS;
while (Date.now() < deadline) {
  const cpuDone = cpu.executed + cpu.missed + cpu.errors + cpu.maxInstances >= expectedCpuRuns;
  if (Date.now() > windowEnd && lastTickScheduled >= windowEnd - TICK_MS && cpuDone) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await scheduler.shutdown({ wait: true });

const sorted = Float64Array.from(lateness).sort();
const cpuTask = Float64Array.from(cpu.taskMs).sort();
const cpuStartLate = Float64Array.from(cpu.startLateMs).sort();
process.stdout.write(
  JSON.stringify({
    cpuExecutor: options.cpuExecutor,
    maxWorkers: options.cpuExecutor === 'worker' ? workerExecutor.maxWorkers : null,
    measureMs: options.measureMs,
    ticks: sorted.length,
    expectedTicks: options.measureMs / TICK_MS,
    ticksOutsideWindow,
    tickMissed,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? NaN,
    minMs: sorted[0] ?? NaN,
    over10Ms: sorted.filter((ms) => ms > 10).length,
    lateByPhase,
    ...loadInWindow,
    cpuExpected: expectedCpuRuns,
    cpuSubmitted: cpu.submitted,
    cpuExecuted: cpu.executed,
    cpuMissed: cpu.missed,
    cpuMaxInstances: cpu.maxInstances,
    cpuErrors: cpu.errors,
    cpuWrongHash: cpu.wrongHash,
    cpuTaskMsP50: quantile(cpuTask, 0.5),
    cpuTaskMsMax: cpuTask.at(-1) ?? NaN,
    cpuStartLateMsP50: quantile(cpuStartLate, 0.5),
    cpuStartLateMsMax: cpuStartLate.at(-1) ?? NaN,
    errorMessages: cpu.errorMessages,
  }) + '\n',
);
process.exit(0);

function sleepUntil(epochMs) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));
}

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function parseOptions(argv) {
  const [cpuExecutor, ...rest] = argv;
  if (!['worker', 'async', 'none'].includes(cpuExecutor)) usage(`unknown executor ${cpuExecutor}`);
  const result = { cpuExecutor, maxWorkers: undefined, warmupMs: 2000, measureMs: 10_000 };
  for (const arg of rest) {
    const match = /^--(max-workers|warmup-ms|measure-ms|cpu-iterations)=(\d+)$/.exec(arg);
    if (match === null) usage(`unknown option ${arg}`);
    const value = Number(match[2]);
    if (match[1] === 'max-workers') result.maxWorkers = value;
    else if (match[1] === 'warmup-ms') result.warmupMs = value;
    else if (match[1] === 'measure-ms') result.measureMs = value;
    else result.cpuIterations = value;
  }
  if (result.cpuIterations === undefined) usage('--cpu-iterations is required');
  return result;
}

function usage(problem) {
  console.error(
    `${problem}\nusage: lateness.mjs <worker|async|none> --cpu-iterations=N [--max-workers=N] ` +
      '[--warmup-ms=N] [--measure-ms=N]',
  );
  process.exit(2);
}
