// Throughput of short CPU jobs, every way in ONE process: Kairos's worker pool (driven by
// `runJob` and by `addJob` of run-now jobs), the async executor in the main thread (the
// one-thread reference), piscina alone (the pool without the executor) and bree (a new worker
// thread per run). run.mjs spawns this; it prints
// one JSON line with every round's measurement.
//
//   node benchmarks/executors/throughput.mjs --iterations=N --kairos-runs=N --bree-runs=N
//        [--rounds=N] [--warmup-runs=N]
//
// Each measurement is N runs of tasks/cpu.mjs#burn(iterations), timed from the first submission
// (the first runJob / addJob / bree.run call) to the result of the last run arriving in the main
// thread (JOB_EXECUTED; bree's message from the worker), every result's hash checked. Kairos's
// pool and bree both run `cores` runs at once. Each measurement builds its scheduler (and pool)
// or its Bree instance afresh, so thread start-up counts on both sides. Every way first runs
// --warmup-runs untimed runs; the rounds then rotate the order.
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

import Bree from 'bree';
import { BackgroundScheduler } from '@kairos/core';
import { WorkerExecutor } from '@kairos/executor-worker';

import { startLoadMeter } from './machine-load.mjs';
import { burn } from './tasks/cpu.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
/** The task, as a module reference (absolute path: cwd does not matter). */
const TASK = `${here('./tasks/cpu.mjs')}#burn`;
const BREE_ROOT = here('./bree-jobs');
const BREE_JOB = here('./bree-jobs/short.mjs');
const CORES = os.availableParallelism();
/**
 * piscina, the pool under the worker executor, loaded from where @kairos/executor-worker finds
 * it (it is not a dependency of the benchmarks): the reference way runs the very same pool.
 */
const { Piscina } = createRequire(fileURLToPath(import.meta.resolve('@kairos/executor-worker')))(
  'piscina',
);
/** A measurement that takes longer than this fails (and is reported) instead of hanging. */
const MEASUREMENT_LIMIT_MS = 120_000;

const options = parseOptions(process.argv.slice(2));
const expectedHash = burn(options.iterations).hash;

/** The ways, in the order of the first round; `runs` picks the size. */
const WAYS = [
  { name: 'kairos-runjob', runs: options.kairosRuns, measure: kairosRunJob },
  { name: 'kairos-add', runs: options.kairosRuns, measure: kairosAdd },
  { name: 'async-runjob', runs: options.kairosRuns, measure: asyncRunJob },
  { name: 'piscina', runs: options.kairosRuns, measure: piscinaRun },
  { name: 'bree', runs: options.breeRuns, measure: breeRun },
];

if (options.warmupRuns > 0) for (const way of WAYS) await way.measure(options.warmupRuns);
const rounds = [];
for (let round = 0; round < options.rounds; round++) {
  for (let k = 0; k < WAYS.length; k++) {
    const way = WAYS[(round + k) % WAYS.length];
    const load = startLoadMeter();
    const result = await way.measure(way.runs).catch((error) => ({ error: String(error) }));
    rounds.push({ way: way.name, round, runs: way.runs, ...result, ...load.stop() });
    process.stderr.write(
      `  ${way.name} round ${round + 1}: ${
        result.error ?? `${Math.round(result.perSecond).toLocaleString('en-US')} runs/s`
      }\n`,
    );
  }
}
process.stdout.write(
  JSON.stringify({ cores: CORES, iterations: options.iterations, expectedHash, rounds }) + '\n',
);
process.exit(0);

/** Kairos: one paused job on the worker executor, `runJob` called `runs` times in a row. */
function kairosRunJob(runs) {
  return runJobOn({ worker: new WorkerExecutor({ maxWorkers: CORES }) }, 'worker', runs);
}

/** The same job on the default async executor: every run in the main thread, one at a time. */
function asyncRunJob(runs) {
  return runJobOn({}, 'default', runs);
}

/** One paused job on `executor`, `runJob` called `runs` times in a row. */
async function runJobOn(executors, executor, runs) {
  return withScheduler(executors, runs, async (s) => {
    await s.addJob(
      TASK,
      { type: 'interval', hours: 1 },
      // maxInstances: runs lets every runJob in, the executor queueing what it cannot start
      // yet; misfireGraceTime: null keeps the runs that wait over 1 s from being missed.
      {
        id: 'short',
        executor,
        args: [options.iterations],
        nextRunTime: null,
        maxInstances: runs,
        misfireGraceTime: null,
      },
    );
    return async () => {
      for (let i = 0; i < runs; i++) await s.runJob('short');
    };
  });
}

/**
 * Kairos: `runs` one-off jobs due now (no trigger) added to the running scheduler, which claims
 * them from its memory store and submits them to the worker executor.
 */
async function kairosAdd(runs) {
  return withScheduler({ worker: new WorkerExecutor({ maxWorkers: CORES }) }, runs, async (s) => {
    // Without misfireGraceTime: null the runs still queued 1 s after their due time would be
    // skipped as missed: the queue takes runs / (cores × 1000) s to drain.
    const jobOptions = { executor: 'worker', args: [options.iterations], misfireGraceTime: null };
    return async () => {
      for (let i = 0; i < runs; i++) await s.addJob(TASK, undefined, jobOptions);
    };
  });
}

/**
 * The reference: piscina alone, set up as the worker executor sets it up (maxThreads = cores,
 * minThreads 0, atomics 'async'), the same task (`burn`, a named export of tasks/cpu.mjs), all
 * `runs` handed to it at once.
 */
async function piscinaRun(runs) {
  const pool = new Piscina({
    filename: pathToFileURL(here('./tasks/cpu.mjs')).href,
    name: 'burn',
    minThreads: 0,
    maxThreads: CORES,
    atomics: 'async',
  });
  const results = collector(runs);
  results.start(performance.now());
  for (let i = 0; i < runs; i++) {
    pool.run(options.iterations).then(
      (retval) => results.add(retval),
      (error) => results.fail(error),
    );
  }
  try {
    return await results.done;
  } finally {
    await pool.destroy();
  }
}

/**
 * Starts a scheduler with these executors, lets `prepare` add its jobs (untimed), then times
 * the submissions `prepare` returned until the `runs`-th JOB_EXECUTED.
 */
async function withScheduler(executors, runs, prepare) {
  const scheduler = new BackgroundScheduler({ executors });
  const results = collector(runs);
  scheduler.on('job_executed', (event) => results.add(event.retval));
  scheduler.on('job_error', (event) => results.fail(event.exception));
  scheduler.on('job_missed', () => results.fail(new Error('a run was missed')));
  scheduler.on('job_max_instances', () => results.fail(new Error('a run hit maxInstances')));
  await scheduler.start();
  try {
    const submitAll = await prepare(scheduler);
    const started = performance.now();
    results.start(started);
    await submitAll();
    return await results.done;
  } finally {
    await scheduler.shutdown({ wait: false });
  }
}

/**
 * bree: `cores` job definitions (one file, bree-jobs/short.mjs), each run again with
 * `bree.run(name)` as soon as bree reports its previous worker gone, until `runs` runs are done.
 * bree runs one worker per job name at a time, hence one name per concurrent run.
 */
async function breeRun(runs) {
  const results = collector(runs);
  const concurrency = Math.min(CORES, runs);
  let launched = 0;
  const bree = new Bree({
    root: BREE_ROOT,
    logger: false,
    jobs: Array.from({ length: concurrency }, (_, i) => ({
      name: `short-${i}`,
      path: BREE_JOB,
      worker: { workerData: { iterations: options.iterations } },
    })),
    workerMessageHandler: ({ message }) => {
      if (message !== 'done') results.add(message);
    },
    errorHandler: (error) => results.fail(error),
  });
  await bree.init();
  const runNext = (name) => {
    if (launched >= runs) return;
    launched++;
    bree.run(name).catch((error) => results.fail(error));
  };
  bree.on('worker deleted', runNext);
  results.start(performance.now());
  for (const job of bree.config.jobs) runNext(job.name);
  try {
    return await results.done;
  } finally {
    await bree.stop();
  }
}

/** Counts results up to `runs`, checks each hash, and resolves with the measurement. */
function collector(runs) {
  let started = 0;
  let count = 0;
  let wrongHash = 0;
  let taskMs = 0;
  let settle;
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${count} of ${runs} runs within ${MEASUREMENT_LIMIT_MS} ms`)),
      MEASUREMENT_LIMIT_MS,
    );
    settle = (error, value) => {
      clearTimeout(timer);
      if (error === undefined) resolve(value);
      else reject(error);
    };
  });
  return {
    done,
    start(at) {
      started = at;
    },
    add(retval) {
      count++;
      if (retval?.hash !== expectedHash) wrongHash++;
      taskMs += retval?.ms ?? NaN;
      if (count !== runs) return;
      const ms = performance.now() - started;
      settle(undefined, {
        ms,
        perSecond: (runs * 1000) / ms,
        taskMsMean: taskMs / runs,
        wrongHash,
      });
    },
    fail(error) {
      settle(error instanceof Error ? error : new Error(String(error)));
    },
  };
}

function parseOptions(argv) {
  const result = { rounds: 3, warmupRuns: 50 };
  const names = {
    iterations: 'iterations',
    'kairos-runs': 'kairosRuns',
    'bree-runs': 'breeRuns',
    rounds: 'rounds',
    'warmup-runs': 'warmupRuns',
  };
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(\d+)$/.exec(arg);
    if (match === null || !(match[1] in names)) usage(`unknown option ${arg}`);
    result[names[match[1]]] = Number(match[2]);
  }
  for (const [flag, key] of Object.entries(names)) {
    if (!(result[key] >= (key === 'warmupRuns' ? 0 : 1))) usage(`--${flag}=N is required (N ≥ 1)`);
  }
  return result;
}

function usage(problem) {
  console.error(
    `${problem}\nusage: throughput.mjs --iterations=N --kairos-runs=N --bree-runs=N ` +
      '[--rounds=N] [--warmup-runs=N]',
  );
  process.exit(2);
}
