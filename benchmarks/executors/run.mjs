#!/usr/bin/env node
// Worker executor benchmark (@kairos/executor-worker). Prints Markdown (progress on stderr).
//
//   pnpm run bench:executors                   (build first: pnpm run build)
//   node benchmarks/executors/run.mjs [--quick] [--rounds=N] [--only=lateness|throughput]
//
// 1. Lateness isolation (lateness.mjs, one fresh process per scenario): a 10 ms interval job on
//    the async executor records how late each run starts while 4 CPU-bound jobs of ~200 ms fire
//    every second, on a WorkerExecutor (maxWorkers the default = cores, 1, 4) or on the async
//    executor itself; and with no CPU jobs at all, the floor on this machine.
// 2. Throughput of ~1 ms CPU jobs (throughput.mjs, all ways in one process, --rounds rounds,
//    default 3): Kairos's worker pool driven by runJob and by addJob, the async executor
//    (one thread), piscina alone (the pool without the executor) and bree, which starts a worker
//    thread per run.
//
// The busy work (tasks/cpu.mjs#burn) is calibrated here, once, to ~200 ms and ~1 ms, and the
// same iteration counts go to every side. --quick: two lateness scenarios of 1.5 s and 100/20
// runs, one round (a smoke check of about 10 s, not a measurement).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { burn, calibrate } from './tasks/cpu.mjs';
import { median } from '../stats.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const LATENESS = here('./lateness.mjs');
const THROUGHPUT = here('./throughput.mjs');
const CHILD_TIMEOUT_MS = 180_000;

const TARGETS = {
  latenessP99Ms: 10, // interval job on async, CPU jobs on worker (default maxWorkers)
  throughputVsBree: 10, // Kairos pool runs/s ÷ bree runs/s
};

const options = parseOptions(process.argv.slice(2));
const SIZES = options.quick
  ? { warmupMs: 500, measureMs: 1500, kairosRuns: 100, breeRuns: 20, warmupRuns: 5, rounds: 1 }
  : {
      warmupMs: 1500,
      measureMs: 10_000,
      kairosRuns: 2000,
      // bree needs 40–90 ms per run per core here (a thread start-up each): 2,000 runs would
      // take 40–90 s a round.
      breeRuns: 150,
      warmupRuns: 50,
      rounds: options.rounds,
    };
/** Lateness scenarios: where the CPU jobs run. `maxWorkers` undefined = the executor's default. */
const SCENARIOS = options.quick
  ? [
      { cpuExecutor: 'worker', maxWorkers: undefined },
      { cpuExecutor: 'async', maxWorkers: undefined },
    ]
  : [
      { cpuExecutor: 'worker', maxWorkers: undefined },
      { cpuExecutor: 'worker', maxWorkers: 1 },
      { cpuExecutor: 'worker', maxWorkers: 4 },
      { cpuExecutor: 'async', maxWorkers: undefined },
      { cpuExecutor: 'none', maxWorkers: undefined },
    ];

const WAY_LABELS = {
  'kairos-runjob': 'Kairos worker pool, `scheduler.runJob(id)` × N',
  'kairos-add': 'Kairos worker pool, `scheduler.addJob(task)` (run now) × N',
  'async-runjob': 'Kairos async executor (main thread), `runJob` × N',
  piscina: 'piscina alone (the pool under the executor), `pool.run()` × N',
  bree: 'bree, `bree.run(name)`, a new worker per run',
};

main();

function main() {
  const startedAt = performance.now();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log('## Worker executor: lateness isolation and short-job throughput\n');
  console.log(
    `Node ${process.version}, ${os.cpus().length} cores (availableParallelism ` +
      `${os.availableParallelism()}; ${cpu}), ${os.platform()} ${os.arch()}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${new Date().toISOString().slice(0, 10)}` +
      `${options.quick ? '; --quick (smoke check, not a measurement)' : ''}.\n`,
  );

  progress('calibrating the busy loop');
  const long = calibrate(200);
  const short = calibrate(1);
  console.log(
    `Busy work (tasks/cpu.mjs#burn), calibrated in the main thread: ${formatInt(long)} ` +
      `iterations (${burn(long).ms.toFixed(0)} ms here) for the CPU jobs, ${formatInt(short)} ` +
      `(${burn(short).ms.toFixed(2)} ms) for the short jobs.\n`,
  );

  if (options.only !== 'throughput') printLateness(runLateness(long));
  if (options.only !== 'lateness') printThroughput(runThroughput(short));
  console.log(`\n(total run time ${((performance.now() - startedAt) / 1000).toFixed(0)} s)`);
}

function runLateness(iterations) {
  const results = [];
  for (const scenario of SCENARIOS) {
    const args = [
      LATENESS,
      scenario.cpuExecutor,
      `--cpu-iterations=${iterations}`,
      `--warmup-ms=${SIZES.warmupMs}`,
      `--measure-ms=${SIZES.measureMs}`,
      ...(scenario.maxWorkers === undefined ? [] : [`--max-workers=${scenario.maxWorkers}`]),
    ];
    const label = scenarioLabel(scenario);
    progress(`lateness, CPU jobs on: ${label}`);
    const result = runChild(args);
    results.push({ scenario, label, ...result });
    if (result.error === undefined) {
      progress(
        `  p50 ${formatMs(result.p50Ms)} ms, p99 ${formatMs(result.p99Ms)} ms, ` +
          `other load ${formatCores(result.otherCores)}`,
      );
    }
  }
  return results;
}

function runThroughput(iterations) {
  progress(
    `throughput: ${SIZES.kairosRuns} Kairos runs, ${SIZES.breeRuns} bree runs, ` +
      `${SIZES.rounds} round(s)`,
  );
  const result = runChild([
    THROUGHPUT,
    `--iterations=${iterations}`,
    `--kairos-runs=${SIZES.kairosRuns}`,
    `--bree-runs=${SIZES.breeRuns}`,
    `--rounds=${SIZES.rounds}`,
    `--warmup-runs=${SIZES.warmupRuns}`,
  ]);
  return result;
}

function printLateness(results) {
  console.log(
    '### Lateness of a 10 ms interval job on the async executor while 4 CPU jobs of ~200 ms ' +
      'fire every second\n',
  );
  console.log(
    `Lateness = start of the task − \`currentJob().scheduledRunTime\` (ms, lower is better), ` +
      `over the runs due in ${SIZES.measureMs / 1000} s after a ${SIZES.warmupMs / 1000} s ` +
      'warm-up. _CPU runs_: completed of due (all 4 jobs, warm-up included); _CPU run_: time ' +
      'of the busy loop inside its thread, median / max; _CPU start_: start − scheduled time, ' +
      'median / max. _Other load_: cores used by other processes meanwhile (+ stolen by the ' +
      'hypervisor).\n',
  );
  console.log(
    '| CPU jobs on | Interval runs | p50 | p99 | max | > 10 ms | CPU runs | CPU run (ms) | ' +
      'CPU start (ms) | Other load |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    if (r.error !== undefined) {
      console.log(`| ${r.label} | failed: ${r.error} | | | | | | | | |`);
      continue;
    }
    const skipped =
      r.cpuMissed + r.cpuMaxInstances + r.cpuErrors > 0
        ? ` (${[
            r.cpuMissed > 0 ? `${r.cpuMissed} missed` : '',
            r.cpuMaxInstances > 0 ? `${r.cpuMaxInstances} max-instances` : '',
            r.cpuErrors > 0 ? `${r.cpuErrors} errors` : '',
          ]
            .filter(Boolean)
            .join(', ')})`
        : '';
    console.log(
      `| ${r.label} | ${r.ticks} of ${r.expectedTicks} | ${formatMs(r.p50Ms)} | ` +
        `${formatMs(r.p99Ms)} | ${formatMs(r.maxMs)} | ${r.over10Ms} | ` +
        `${r.cpuExecuted} of ${r.cpuExpected}${skipped}${r.cpuWrongHash > 0 ? ' **wrong hash**' : ''} | ` +
        `${formatInt(r.cpuTaskMsP50)} / ${formatInt(r.cpuTaskMsMax)} | ` +
        `${formatInt(r.cpuStartLateMsP50)} / ${formatInt(r.cpuStartLateMsMax)} | ` +
        `${formatCores(r.otherCores)} (+${formatCores(r.stealCores)}) |`,
    );
  }
  console.log(
    '\nInterval runs later than 10 ms, by when they were due (100 ms buckets after the CPU ' +
      'jobs fire):\n',
  );
  console.log(`| CPU jobs on | ${Array.from({ length: 10 }, (_, i) => `${i}xx ms`).join(' | ')} |`);
  console.log(`|---|${Array.from({ length: 10 }, () => '---:').join('|')}|`);
  for (const r of results) {
    if (r.lateByPhase !== undefined) console.log(`| ${r.label} | ${r.lateByPhase.join(' | ')} |`);
  }
  const worker = results.find(
    (r) => r.scenario.cpuExecutor === 'worker' && r.scenario.maxWorkers === undefined,
  );
  if (worker !== undefined && worker.error === undefined) {
    console.log(
      `\nTarget p99 < ${TARGETS.latenessP99Ms} ms with the CPU jobs on \`worker\` ` +
        `(default maxWorkers ${worker.maxWorkers}): ` +
        `${met(worker.p99Ms < TARGETS.latenessP99Ms)} (${formatMs(worker.p99Ms)} ms).`,
    );
  }
}

function printThroughput(result) {
  console.log('\n### Throughput of short CPU jobs (~1 ms of busy work each)\n');
  if (result.error !== undefined) {
    console.log(`failed: ${result.error}`);
    return;
  }
  console.log(
    `${result.cores} runs at once on the pool and on bree (maxWorkers = ${result.cores}; bree: ` +
      `${result.cores} job names). Runs/s from the first submission to the last result in the ` +
      `main thread; median (range) of ${SIZES.rounds} round(s), each with a fresh scheduler ` +
      `or Bree instance. _In-task_: mean time of the busy loop inside its thread. _Other ` +
      `load_: median cores used by other processes meanwhile.\n`,
  );
  console.log('| Way | Runs | Runs/s | Range | ÷ bree | In-task (ms) | Other load |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const byWay = new Map();
  for (const round of result.rounds) {
    const list = byWay.get(round.way) ?? [];
    list.push(round);
    byWay.set(round.way, list);
  }
  const summary = new Map();
  for (const [way, rounds] of byWay) {
    const ok = rounds.filter((r) => r.error === undefined);
    summary.set(way, {
      runs: rounds[0].runs,
      failed: rounds.filter((r) => r.error !== undefined).map((r) => r.error),
      perSecond: ok.length > 0 ? median(ok.map((r) => r.perSecond)) : NaN,
      min: Math.min(...ok.map((r) => r.perSecond)),
      max: Math.max(...ok.map((r) => r.perSecond)),
      taskMs: ok.length > 0 ? median(ok.map((r) => r.taskMsMean)) : NaN,
      wrongHash: ok.reduce((sum, r) => sum + r.wrongHash, 0),
      otherCores: ok.length > 0 ? median(ok.map((r) => r.otherCores ?? NaN)) : NaN,
    });
  }
  const bree = summary.get('bree')?.perSecond ?? NaN;
  for (const [way, s] of summary) {
    const failed = s.failed.length > 0 ? ` (${s.failed.length} failed: ${s.failed[0]})` : '';
    const wrong = s.wrongHash > 0 ? ` **${s.wrongHash} wrong hashes**` : '';
    console.log(
      `| ${WAY_LABELS[way] ?? way} | ${formatInt(s.runs)} | ${formatInt(s.perSecond)}${failed}${wrong} | ` +
        `${formatInt(s.min)}–${formatInt(s.max)} | ` +
        `${way === 'bree' ? '1×' : formatRatio(s.perSecond / bree)} | ${s.taskMs.toFixed(2)} | ` +
        `${formatCores(s.otherCores)} |`,
    );
  }
  for (const way of ['kairos-runjob', 'kairos-add']) {
    const s = summary.get(way);
    if (s === undefined) continue;
    console.log(
      `\nTarget ≥ ${TARGETS.throughputVsBree}× bree, ${WAY_LABELS[way]}: ` +
        `${met(s.perSecond >= TARGETS.throughputVsBree * bree)} (${formatRatio(s.perSecond / bree)}).`,
    );
  }
}

/** Runs a child (node script + args); its last stdout line as JSON, or `{error}`. */
function runChild(args) {
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 1 << 22,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.stderr) process.stderr.write(child.stderr);
  const line = child.stdout?.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    const why = child.error?.message ?? `exit ${child.status ?? child.signal}`;
    const detail = (child.stderr ?? '').trim().split('\n').slice(-3).join(' / ');
    return { error: `${why}${detail ? `: ${detail}` : ''}` };
  }
}

function scenarioLabel({ cpuExecutor, maxWorkers }) {
  if (cpuExecutor === 'async') return '`async` (main thread)';
  if (cpuExecutor === 'none') return 'no CPU jobs (floor)';
  return `\`worker\`, maxWorkers ${maxWorkers ?? `${os.availableParallelism()} (default)`}`;
}

function met(ok) {
  return ok ? '**met**' : '**not met**';
}

function progress(text) {
  process.stderr.write(`${text}\n`);
}

function formatInt(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
}

function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  return ms >= 100 ? formatInt(ms) : ms.toFixed(2);
}

function formatCores(cores) {
  return typeof cores === 'number' && Number.isFinite(cores) ? cores.toFixed(2) : '—';
}

function formatRatio(ratio) {
  if (!Number.isFinite(ratio)) return '—';
  return ratio >= 10 ? `${ratio.toFixed(0)}×` : `${ratio.toFixed(2)}×`;
}

/** `--quick`, `--rounds=N` (default 3), `--only=lateness|throughput`. */
function parseOptions(argv) {
  const result = { quick: false, rounds: 3, only: undefined };
  for (const arg of argv) {
    const rounds = /^--rounds=(\d+)$/.exec(arg);
    const only = /^--only=(lateness|throughput)$/.exec(arg);
    if (rounds) result.rounds = Math.max(1, Number(rounds[1]));
    else if (only) result.only = only[1];
    else if (arg === '--quick') result.quick = true;
    else {
      console.error(
        `unknown option ${arg}; options: --quick, --rounds=N, --only=lateness|throughput`,
      );
      process.exit(2);
    }
  }
  return result;
}
