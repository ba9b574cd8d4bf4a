#!/usr/bin/env node
// Core scheduler benchmark: Kairos's BackgroundScheduler (memory store, async executor) against
// toad-scheduler, croner, node-schedule and, when Debian's python3-apscheduler is installed,
// APScheduler 3. Prints Markdown.
//
//   pnpm run bench:core                          (build first: pnpm run build)
//   node benchmarks/core/run.mjs [--quick] [--rounds=N] [--no-python]
//
// Workloads (see workload.mjs): dispatch of 10k and 100k one-off jobs due at the same instant,
// cold (the first burst after a 1,000-job warm-up) and warm (the third burst in the process);
// lateness of 10k jobs spread over 10 s; adding 100k and 1M one-off jobs an hour ahead (time to
// add, heap retained per job). Every measurement runs in a fresh child process, so that no
// library inherits another's heap or GC state; the libraries are interleaved round by round (the
// order rotating each round) and the tables give the median over the rounds.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { LIBRARIES } from './libraries.mjs';
import { median } from '../stats.mjs';

const WORKLOAD_SCRIPT = fileURLToPath(new URL('./workload.mjs', import.meta.url));
const PYTHON_SCRIPT = fileURLToPath(new URL('./apscheduler_peer.py', import.meta.url));
/** Debian's interpreter: a pyenv `python3` earlier on PATH would not see python3-apscheduler. */
const PYTHON = '/usr/bin/python3';
/** A child that takes longer than this is killed and its measurement reported as failed. */
const CHILD_TIMEOUT_MS = 240_000;

const options = parseOptions(process.argv.slice(2));

/** What is measured: each workload at each size, for every library. */
const PLAN = [
  { workload: 'dispatch', jobs: 10_000 },
  { workload: 'dispatch', jobs: 100_000 },
  { workload: 'lateness', jobs: 10_000 },
  { workload: 'hold', jobs: 100_000 },
  { workload: 'hold', jobs: 1_000_000 },
];

/**
 * Largest size a peer is run at, per workload. Above it the tables show the capped measurement
 * (per-job figures as measured, add times extrapolated linearly) and say so.
 */
const CAPS = {
  // ~83 KB of heap per Cron object: 100k jobs would need ~8 GB of heap.
  croner: { dispatch: 10_000, hold: 10_000 },
  // Dispatches ~1k jobs/s (10k due at once take 11 s, 100k minutes); its add time grows
  // with the number of jobs already due at the same instant.
  'node-schedule': { dispatch: 2_000, hold: 100_000 },
  // ~90 µs per add_job and ~10k fires/s: dispatching 100k takes ~28 s per round (9.2k fires/s
  // when it was measured, close to its 10k rate) and holding 1M ~100 s.
  APScheduler: { dispatch: 10_000, hold: 100_000 },
};

const TARGETS = {
  dispatchVsCroner: 10, // Kairos ≥ 10× croner's fires/s (and ≥ toad-scheduler's)
  heapPerJob: 400, // bytes
  latenessP99Ms: 1,
  addVsToad: 0.5, // adding 100k jobs takes at most this share of toad-scheduler's time
};

main();

function main() {
  const startedAt = performance.now();
  const python = options.python
    ? checkPython()
    : { ok: false, reason: 'disabled with --no-python' };
  const names = [...LIBRARIES.map((l) => l.name), ...(python.ok ? ['APScheduler'] : [])];

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log('## Core scheduler: Kairos vs toad-scheduler, croner, node-schedule, APScheduler\n');
  console.log(
    `Node ${process.version}, ${os.cpus().length} cores (${cpu}), ${os.platform()} ${os.arch()}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${options.rounds} rounds, each measurement ` +
      `in a fresh process; ${new Date().toISOString().slice(0, 10)}.\n`,
  );
  console.log(
    python.ok
      ? `APScheduler ${python.version} (${PYTHON}, Python ${python.pythonVersion}).\n`
      : `APScheduler: skipped (${python.reason}).\n`,
  );

  // samples.get(key) = one result per round; key = workload/library/jobs actually run.
  const samples = new Map();
  for (let round = 0; round < options.rounds; round++) {
    for (const { workload, jobs } of PLAN) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(round + k) % names.length];
        const size = cappedSize(name, workload, jobs);
        const key = `${workload}/${name}/${size}`;
        const done = samples.get(key) ?? [];
        if (done.length > round) continue; // a capped size shared by two plan entries
        const began = performance.now();
        done.push(measure(workload, name, size));
        const seconds = ((performance.now() - began) / 1000).toFixed(1);
        progress(
          `round ${round + 1}/${options.rounds}: ${workload} ${name} ${size} (${seconds} s)`,
        );
        samples.set(key, done);
      }
    }
  }
  const results = summarize(samples);
  const at = (workload, name, jobs) => {
    const size = cappedSize(name, workload, jobs);
    return { size, capped: size < jobs, ...results.get(`${workload}/${name}/${size}`) };
  };

  printDispatch(names, at);
  printLateness(names, at);
  printHold(names, at);
  printTargets(names, at);
  const failures = [...samples.values()].flat().filter((s) => s.error !== undefined);
  if (failures.length > 0) {
    console.log('\n### Failed measurements\n');
    for (const f of failures) console.log(`- ${f.workload} ${f.library} ${f.jobs}: ${f.error}`);
  }
  console.log(`\n(total run time ${((performance.now() - startedAt) / 1000).toFixed(0)} s)`);
}

function cappedSize(name, workload, jobs) {
  return Math.min(jobs, CAPS[name]?.[workload] ?? Infinity);
}

/** Runs one measurement in a child process; its JSON result, or `{error}`. */
function measure(workload, name, jobs) {
  const [command, args] =
    name === 'APScheduler'
      ? [PYTHON, [PYTHON_SCRIPT, workload, String(jobs)]]
      : [process.execPath, ['--expose-gc', WORKLOAD_SCRIPT, workload, name, String(jobs)]];
  const child = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 1 << 20,
  });
  const line = child.stdout?.trim().split('\n').at(-1) ?? '';
  let result;
  try {
    result = JSON.parse(line);
  } catch {
    const why = child.error?.message ?? `exit ${child.status ?? child.signal}`;
    const detail = (child.stderr ?? '').trim().split('\n').slice(-3).join(' / ');
    return { workload, library: name, jobs, error: `${why}${detail ? `: ${detail}` : ''}` };
  }
  if (result.overran) {
    progress(`  warning: ${name} was still adding jobs when the first was due`);
  }
  if (result.fired !== undefined && result.fired < jobs) {
    progress(`  warning: ${name} ran ${result.fired} of ${jobs} jobs`);
  }
  return result;
}

/** Median of every numeric field over the successful rounds, per measurement. */
function summarize(samples) {
  const results = new Map();
  for (const [key, rounds] of samples) {
    const ok = rounds.filter((r) => r.error === undefined);
    const summary = { rounds: ok.length, overran: ok.some((r) => r.overran) };
    for (const field of Object.keys(ok[0] ?? {})) {
      const values = ok.map((r) => r[field]).filter((v) => typeof v === 'number');
      if (values.length > 0) summary[field] = median(values);
    }
    summary.minFired = Math.min(...ok.map((r) => r.fired ?? Infinity));
    summary.warmMinFired = Math.min(...ok.map((r) => r.warmFired ?? Infinity));
    summary.warmOverran = ok.some((r) => r.warmOverran);
    results.set(key, summary);
  }
  return results;
}

function printDispatch(names, at) {
  console.log('### Dispatch: one-off jobs due at the same instant (fires/s, higher is better)\n');
  console.log(
    'A task of its own per job that only counts; cells give fires/s (peer ÷ Kairos). *first → last*: from the first callback ' +
      'to the last (the target’s measure); *due → last*: from the instant the jobs were due to ' +
      'the last callback, which also counts the work a scheduler does before its first callback. ' +
      '*Cold*: the first burst in a process, after a 1,000-job warm-up, while V8 is still ' +
      'compiling the code it runs; *warm*: the third burst of the same size in the same process.\n',
  );
  console.log(`| Jobs | Measured | ${names.join(' | ')} |`);
  console.log(`|---:|---|${names.map(() => '---:').join('|')}|`);
  for (const jobs of sizesOf('dispatch')) {
    for (const [field, label, burst] of [
      ['perSecond', 'first → last, cold', 'cold'],
      ['fromDuePerSecond', 'due → last, cold', 'cold'],
      ['warmPerSecond', 'first → last, warm', 'warm'],
      ['warmFromDuePerSecond', 'due → last, warm', 'warm'],
    ]) {
      const kairos = at('dispatch', 'Kairos', jobs)[field];
      const cells = names.map((name) => {
        const r = at('dispatch', name, jobs);
        if (r[field] === undefined) return 'failed';
        const note = r.capped ? ` at ${formatCount(r.size)}` : '';
        const ratio = name === 'Kairos' ? '' : ` (${formatRatio(r[field] / kairos)})`;
        return `${formatInt(r[field])}${ratio}${note}${incomplete(r, burst)}`;
      });
      console.log(`| ${formatCount(jobs)} | ${label} | ${cells.join(' | ')} |`);
    }
  }
}

function printLateness(names, at) {
  const jobs = sizesOf('lateness')[0];
  console.log(
    `\n### Lateness: ${formatCount(jobs)} jobs spread evenly over 10 s ` +
      '(actual start − scheduled time, ms; lower is better)\n',
  );
  console.log('Medians over the rounds of each round’s quantile.\n');
  console.log('| Library | p50 | p99 | max | p99 ÷ Kairos |');
  console.log('|---|---:|---:|---:|---:|');
  const kairos = at('lateness', 'Kairos', jobs).p99Ms;
  for (const name of names) {
    const r = at('lateness', name, jobs);
    if (r.p99Ms === undefined) {
      console.log(`| ${name} | failed | | | |`);
      continue;
    }
    console.log(
      `| ${name} | ${formatMs(r.p50Ms)} | ${formatMs(r.p99Ms)}${incomplete(r)} | ` +
        `${formatMs(r.maxMs)} | ${name === 'Kairos' ? '' : formatRatio(r.p99Ms / kairos)} |`,
    );
  }
}

function printHold(names, at) {
  const [small, large] = sizesOf('hold');
  console.log(
    `\n### Jobs held: one-off jobs an hour ahead added to a running scheduler ` +
      '(lower is better)\n',
  );
  console.log(
    `Heap: (heapUsed after − before) / jobs after full GCs (\`--expose-gc\`); APScheduler has no ` +
      `JS heap, its column is RSS. Add time: one job after the other, awaiting Kairos's ` +
      `\`addJob\` (Kairos addJobs: one call); capped peers are extrapolated linearly from the size shown.\n`,
  );
  console.log(
    `| Library | Add ${formatCount(small)} (s) | add ÷ Kairos | Heap/job at ${formatCount(small)} | ` +
      `Heap/job at ${formatCount(large)} | heap ÷ Kairos | RSS/job at ${formatCount(small)} |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const kairosSmall = at('hold', 'Kairos', small);
  for (const name of names) {
    const s = at('hold', name, small);
    const l = at('hold', name, large);
    if (s.addSeconds === undefined) {
      console.log(`| ${name} | failed | | | | | |`);
      continue;
    }
    const addSeconds = (s.addSeconds * small) / s.size;
    const add = s.capped
      ? `≈ ${addSeconds.toFixed(2)} (from ${formatCount(s.size)})`
      : addSeconds.toFixed(2);
    const heap = (r) =>
      r.heapPerJob === undefined
        ? r.rssPerJob === undefined
          ? '—'
          : `${formatBytes(r.rssPerJob)} RSS${r.capped ? ` at ${formatCount(r.size)}` : ''}`
        : `${formatBytes(r.heapPerJob)}${r.capped ? ` at ${formatCount(r.size)}` : ''}`;
    // APScheduler has only RSS: compare it with Kairos's RSS.
    const heapRatio =
      s.heapPerJob === undefined
        ? `${formatRatio(s.rssPerJob / kairosSmall.rssPerJob)} (RSS)`
        : formatRatio(s.heapPerJob / kairosSmall.heapPerJob);
    console.log(
      `| ${name} | ${add} | ${name === 'Kairos' ? '' : formatRatio(addSeconds / kairosSmall.addSeconds)} ` +
        `| ${heap(s)} | ${heap(l)} | ` +
        `${name === 'Kairos' ? '' : heapRatio} ` +
        `| ${formatBytes(s.rssPerJob)} |`,
    );
  }
}

function printTargets(names, at) {
  console.log('\n### Targets\n');
  const met = (ok) => (ok ? '**met**' : '**not met**');
  for (const jobs of sizesOf('dispatch')) {
    const kairos = at('dispatch', 'Kairos', jobs);
    const toad = at('dispatch', 'toad-scheduler', jobs);
    const croner = at('dispatch', 'croner', jobs);
    for (const [burst, perSecond, fromDue] of [
      ['warm', 'warmPerSecond', 'warmFromDuePerSecond'],
      ['cold', 'perSecond', 'fromDuePerSecond'],
    ]) {
      console.log(
        `- Dispatch ${formatCount(jobs)} ${burst} (first → last), Kairos ≥ toad-scheduler: ` +
          `${met(kairos[perSecond] >= toad[perSecond])} (${formatInt(kairos[perSecond])} vs ` +
          `${formatInt(toad[perSecond])} fires/s, ${formatRatio(kairos[perSecond] / toad[perSecond])}); ` +
          `≥ ${TARGETS.dispatchVsCroner}× croner: ` +
          `${met(kairos[perSecond] >= TARGETS.dispatchVsCroner * croner[perSecond])} ` +
          `(${formatRatio(kairos[perSecond] / croner[perSecond])}` +
          `${croner.capped ? `, croner at ${formatCount(croner.size)}` : ''}). Due → last: ` +
          `${formatRatio(kairos[fromDue] / toad[fromDue])} toad-scheduler, ` +
          `${formatRatio(kairos[fromDue] / croner[fromDue])} croner`,
      );
    }
  }
  const [small, large] = sizesOf('hold');
  for (const jobs of [small, large]) {
    const heap = at('hold', 'Kairos', jobs).heapPerJob;
    console.log(
      `- Heap ≤ ${TARGETS.heapPerJob} B per job at ${formatCount(jobs)}: ` +
        `${met(heap <= TARGETS.heapPerJob)} (${formatBytes(heap)})`,
    );
  }
  const p99 = at('lateness', 'Kairos', sizesOf('lateness')[0]).p99Ms;
  console.log(
    `- Lateness p99 ≤ ${TARGETS.latenessP99Ms} ms: ${met(p99 <= TARGETS.latenessP99Ms)} ` +
      `(${formatMs(p99)} ms)`,
  );
  const add = at('hold', 'Kairos', small).addSeconds;
  const toadAdd = at('hold', 'toad-scheduler', small).addSeconds;
  const bulk = names.includes('Kairos addJobs')
    ? `; one addJobs call ${at('hold', 'Kairos addJobs', small).addSeconds.toFixed(2)} s`
    : '';
  console.log(
    `- Adding ${formatCount(small)} jobs (one awaited addJob each) ≤ ${TARGETS.addVsToad}× ` +
      `toad-scheduler's time: ${met(add <= TARGETS.addVsToad * toadAdd)} (${add.toFixed(2)} s, ` +
      `${formatRatio(add / toadAdd)}; toad-scheduler ${toadAdd.toFixed(2)} s${bulk})`,
  );
}

function sizesOf(workload) {
  return PLAN.filter((p) => p.workload === workload).map((p) => p.jobs);
}

/** Whether APScheduler can run: Debian's python3 with python3-apscheduler. */
function checkPython() {
  const probe = spawnSync(
    PYTHON,
    ['-c', 'import sys, apscheduler; print(apscheduler.__version__, sys.version.split()[0])'],
    { encoding: 'utf8' },
  );
  if (probe.error !== undefined) return { ok: false, reason: `${PYTHON} not found` };
  if (probe.status !== 0) {
    return {
      ok: false,
      reason: `python3-apscheduler is not installed for ${PYTHON}; apt-get install python3-apscheduler`,
    };
  }
  const [version, pythonVersion] = probe.stdout.trim().split(' ');
  return { ok: true, version, pythonVersion };
}

/**
 * A marker when some round did not run every job or added past the due time (of the dispatch
 * workload's `warm` burst when asked).
 */
function incomplete(result, burst = 'cold') {
  const marks = [];
  const minFired = burst === 'warm' ? result.warmMinFired : result.minFired;
  if (minFired !== Infinity && minFired < result.size) marks.push('some runs missing');
  if (burst === 'warm' ? result.warmOverran : result.overran)
    marks.push('adding overran the due time');
  return marks.length > 0 ? ` (${marks.join(', ')})` : '';
}

function progress(text) {
  process.stderr.write(`${text}\n`);
}

function formatInt(value) {
  return Math.round(value).toLocaleString('en-US');
}

function formatCount(jobs) {
  return jobs >= 1_000_000 ? `${jobs / 1_000_000}M` : `${jobs / 1000}k`;
}

function formatMs(ms) {
  return ms >= 100 ? formatInt(ms) : ms.toFixed(2);
}

function formatRatio(ratio) {
  if (ratio >= 10) return `${ratio.toFixed(0)}×`;
  return `${ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2)}×`;
}

function formatBytes(bytes) {
  return bytes >= 10_240
    ? `${(bytes / 1024).toFixed(1)} KB`
    : `${Math.round(bytes).toLocaleString('en-US')} B`;
}

/** `--quick` (2 rounds), `--rounds=N` (default 5), `--no-python`. */
function parseOptions(argv) {
  const result = { rounds: 5, python: true };
  for (const arg of argv) {
    const rounds = /^--rounds=(\d+)$/.exec(arg);
    if (rounds) result.rounds = Math.max(1, Number(rounds[1]));
    else if (arg === '--quick') result.rounds = 2;
    else if (arg === '--no-python') result.python = false;
    else {
      console.error(`unknown option ${arg}; options: --quick, --rounds=N, --no-python`);
      process.exit(2);
    }
  }
  return result;
}
