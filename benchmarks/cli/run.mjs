#!/usr/bin/env node
// CLI daemon benchmark: `kairos run` (packages/cli/dist/bin.js) against Debian's cron
// (/usr/sbin/cron -f) on the same crontab lines. Prints Markdown, progress on stderr.
//
//   pnpm run bench:cli                           (build first: pnpm run build; run as root)
//   node benchmarks/cli/run.mjs [--quick] [--minutes=N] [--idle-seconds=N] [--per-minute=N]
//                               [--no-cron] [--only=idle|latency]
//
// Idle: each daemon runs a generated crontab of 100 daily/weekly/monthly lines whose times are
// hours away (none fires during the window); VmRSS is sampled every 500 ms over the window
// and utime+stime (/proc/PID/stat) plus the run time of every thread (/proc/PID/task/*/schedstat)
// read at its start and end. Start latency: N identical `* * * * *` lines each append
// `date +%s.%N` to a file of their own; latency = that timestamp − the minute boundary.
// The daemons run one after the other, never at the same time.
//
// Debian's cron reads /etc/crontab and /etc/cron.d: the benchmark writes its lines to
// /etc/cron.d/kairos-bench-* while cron runs and removes them afterwards (also on Ctrl-C).
// It needs root for that and skips cron (saying why) when it is not root, cron is not
// installed, or a cron daemon is already running.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { startLoadMeter } from '../executors/machine-load.mjs';
import { median } from '../stats.mjs';

const KAIROS_BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const TIMER_FLOOR_SCRIPT = fileURLToPath(new URL('./timer-floor.mjs', import.meta.url));
const SPAWN_FLOOR_SCRIPT = fileURLToPath(new URL('./spawn-floor.mjs', import.meta.url));
const CRON = '/usr/sbin/cron';
const CRON_D = '/etc/cron.d';
/** Names of the files this benchmark puts in /etc/cron.d (cron wants [A-Za-z0-9_-] only). */
const CRON_D_PREFIX = 'kairos-bench-';
/** The kernel's clock ticks per second, the unit of utime and stime in /proc/PID/stat. */
const USER_HZ = 100;
const RSS_SAMPLE_MS = 500;
/**
 * Time between a daemon's start and its idle window: Node spends ~90 ms of CPU 5–30 s after
 * start-up (V8 shrinking its heap, RSS dropping by ~10 MB), a one-off the table shows apart.
 */
const IDLE_SETTLE_MS = 40_000;
/** Start-up time left before the first measured minute boundary. */
const SETTLE_MS = 5_000;
/** How long after the last measured boundary the daemon keeps running (cron is ~1 s late). */
const DRAIN_MS = 8_000;

const TARGETS = {
  idleRssMb: 60,
  latencyP99Ms: 20,
};

const options = parseOptions(process.argv.slice(2));
const workDir = mkdtempSync(join(os.tmpdir(), 'kairos-bench-cli-'));
/** Daemons started and not yet stopped, and /etc/cron.d files written: cleaned up on exit. */
const live = { children: new Set(), cronFiles: new Set() };

process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    progress(`${signal}: cleaning up`);
    process.exit(130);
  });
}

await main();

async function main() {
  const startedAt = performance.now();
  if (!existsSync(KAIROS_BIN)) {
    console.error(`${KAIROS_BIN} is missing: run pnpm run build first`);
    process.exit(2);
  }
  const cron = options.cron ? checkCron() : { ok: false, reason: 'disabled with --no-cron' };

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log("## CLI daemon: `kairos run` vs Debian's cron\n");
  console.log(
    `Node ${process.version}, ${os.cpus().length} cores (${cpu}), ${os.platform()} ${os.arch()}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${new Date().toISOString().slice(0, 16)}Z; ` +
      `idle windows of ${options.idleSeconds} s, ${options.minutes} minute(s) × ` +
      `${options.perMinute} lines for the start latency.\n`,
  );
  console.log(
    cron.ok
      ? `Debian cron ${cron.version} (${CRON} -f).\n`
      : `Debian cron: skipped (${cron.reason}).\n`,
  );

  const idle = [];
  const lines = generateLines(100);
  if (options.only !== 'latency') await measureIdle(idle, lines, cron);
  const latency = [];
  if (options.only !== 'idle') {
    latency.push(await latencyKairos());
    latency.push(...(cron.ok ? await latencyCron() : await latencyTimerFloor()));
  }

  if (idle.length > 0) printIdle(idle);
  if (latency.length > 0) printLatency(latency);
  printTargets(idle, latency);
  console.log(`\n(total run time ${((performance.now() - startedAt) / 1000).toFixed(0)} s)`);
}

/** The idle rows: kairos run on each kind of file, the Node references, cron. */
async function measureIdle(idle, lines, cron) {
  const crontab100 = writeWork('idle-100.crontab', crontabText(lines, false));
  const jobs100 = writeWork('idle-100.json', jobFileText(lines));
  const crontab1 = writeWork('idle-1.crontab', crontabText(lines.slice(0, 1), false));
  idle.push(await idleKairos('kairos run', '100 crontab lines', [crontab100]));
  idle.push(await idleKairos('kairos run', '100 jobs in a JSON job file', [jobs100]));
  idle.push(await idleKairos('kairos run', '1 crontab line', [crontab1]));
  // The low-memory setting docs/cli.md offers: V8 without its compilers (the daemon's own
  // JavaScript is scheduling between command runs).
  idle.push(
    await idleKairos('kairos run', '100 crontab lines, `NODE_OPTIONS=--jitless`', [crontab100], {
      NODE_OPTIONS: '--jitless',
    }),
  );
  idle.push(
    await idleNode('node (reference)', 'none: an empty event loop', [
      '-e',
      "console.log('ready'); setInterval(() => {}, 2 ** 30);",
    ]),
  );
  // Resolved from packages/cli, where `kairos` (the library the daemon runs on) is a dependency.
  idle.push(
    await idleNode('node (reference)', "none: `await import('kairos')` only", [
      '--input-type=module',
      '-e',
      "await import('kairos'); console.log('ready'); setInterval(() => {}, 2 ** 30);",
    ]),
  );
  if (cron.ok) {
    idle.push(await idleCron('cron', `100 lines in ${CRON_D}`, lines));
    idle.push(await idleCron('cron', 'no lines added (the system crontab only)', []));
  }
}

// ---------------------------------------------------------------------------------------------
// Workloads

/**
 * `count` crontab lines that do not fire for at least two hours: daily, weekday, weekly and
 * monthly schedules at hours 3–20 hours from now (host zone, as both daemons read them).
 * Each command, if it ever ran, would write to `fired.log`, which the idle check looks for.
 */
function generateLines(count) {
  const hour = new Date().getHours();
  const fired = join(workDir, 'fired.log');
  const shapes = ['* * *', '* * 1-5', '* * 0', '1 * *', '*/2 * *'];
  return Array.from({ length: count }, (_, i) => {
    const minute = (i * 7) % 60;
    const at = (hour + 3 + (i % 18)) % 24;
    const n = String(i).padStart(3, '0');
    return {
      name: `job-${n}`,
      schedule: `${minute} ${at} ${shapes[i % shapes.length]}`,
      command: `cd /srv/app-${n} 2>>${fired} && ./bin/report --since=yesterday >> ${fired} 2>&1`,
    };
  });
}

/** A crontab: user format, or system format (`/etc/cron.d`, user field `root`). */
function crontabText(lines, system) {
  const body = lines.map(
    (line) => `${line.schedule}${system ? ' root' : ''} ${line.command.replace(/%/g, '\\%')}`,
  );
  return `# generated by benchmarks/cli/run.mjs\nSHELL=/bin/sh\n${body.join('\n')}\n`;
}

function jobFileText(lines) {
  return `${JSON.stringify({ jobs: lines }, null, 2)}\n`;
}

/** `perMinute` lines `* * * * *`, each appending a high-resolution timestamp to its own file. */
function stampLines(kind) {
  return Array.from({ length: options.perMinute }, (_, i) => ({
    name: `stamp-${i}`,
    schedule: '* * * * *',
    command: `date +%s.%N >> ${join(workDir, `${kind}-stamp-${i}.txt`)}`,
    file: join(workDir, `${kind}-stamp-${i}.txt`),
  }));
}

// ---------------------------------------------------------------------------------------------
// Measurements

async function idleKairos(daemon, jobs, files, env = {}) {
  progress(`idle: ${daemon}, ${jobs} (${options.idleSeconds} s)`);
  const kairos = await startKairos(files, env);
  const result = await settleAndSample(kairos.pid);
  const runs = kairos.events.filter((e) => e.event === 'started').length;
  await stopChild(kairos.child);
  return { daemon, jobs, ...result, fired: runs + firedLines() };
}

/** A reference Node process (not a daemon) that prints `ready` once loaded. */
async function idleNode(daemon, jobs, args) {
  progress(`idle: ${daemon}, ${jobs} (${options.idleSeconds} s)`);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('../../packages/cli/', import.meta.url)),
  });
  live.children.add(child);
  await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk) => chunk.includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`node ${args.join(' ')} exited ${code}`)));
  });
  const result = await settleAndSample(child.pid);
  await stopChild(child);
  return { daemon, jobs, ...result, fired: 0 };
}

async function idleCron(daemon, jobs, lines) {
  progress(`idle: ${daemon}, ${jobs} (${options.idleSeconds} s)`);
  const file = lines.length > 0 ? writeCronD('idle', crontabText(lines, true)) : null;
  const cron = await startCron();
  const result = await settleAndSample(cron.pid);
  await stopChild(cron.child);
  if (file !== null) removeCronD(file);
  return { daemon, jobs, ...result, fired: firedLines() };
}

/** RSS at start, CPU time in the settling time, then the idle window's figures. */
async function settleAndSample(pid) {
  const rssAtStartKb = readRssKb(pid);
  const ticks = cpuTicks(pid);
  await sleep(IDLE_SETTLE_MS);
  const settleCpuMs = (cpuTicks(pid) - ticks) * (1000 / USER_HZ);
  return { rssAtStartKb, settleCpuMs, ...(await sampleIdle(pid, options.idleSeconds)) };
}

/** RSS samples and CPU time of a process over `seconds`. */
async function sampleIdle(pid, seconds) {
  const rssKb = [];
  const load = startLoadMeter();
  const began = performance.now();
  const cpuBefore = cpuTicks(pid);
  const runBefore = runTimeNs(pid);
  while (performance.now() - began < seconds * 1000) {
    rssKb.push(readRssKb(pid));
    await sleep(RSS_SAMPLE_MS);
  }
  const cpuAfter = cpuTicks(pid);
  const runAfter = runTimeNs(pid);
  const minutes = (performance.now() - began) / 60_000;
  const daemonCores = (cpuAfter - cpuBefore) / USER_HZ / 60 / minutes;
  const { otherCores } = load.stop();
  return {
    rssMedianKb: median(rssKb),
    rssMaxKb: Math.max(...rssKb),
    cpuMsPerMinute: ((cpuAfter - cpuBefore) * (1000 / USER_HZ)) / minutes,
    runMsPerMinute: (runAfter - runBefore) / 1e6 / minutes,
    threads: readStatus(pid).Threads,
    otherCores: otherCores === null ? null : Math.max(0, otherCores - daemonCores),
  };
}

async function latencyKairos() {
  const lines = stampLines('kairos');
  const file = writeWork('stamp.crontab', crontabText(lines, false));
  progress(`latency: kairos run, ${options.minutes} minute(s) × ${lines.length} lines`);
  const kairos = await startKairos([file]);
  const load = startLoadMeter();
  const window = planBoundaries();
  await waitForBoundaries(kairos.child, window);
  const { otherCores } = load.stop();
  await stopChild(kairos.child);
  // The scheduler's own part: when the daemon logged the run as started, against its due time.
  const dispatch = kairos.events
    .filter((e) => e.event === 'started' && inWindow(Date.parse(e.due), window))
    .map((e) => ({ boundary: Date.parse(e.due), ms: Date.parse(e.time) - Date.parse(e.due) }));
  return { daemon: 'kairos run', stamps: readStamps(lines, window), dispatch, otherCores };
}

async function latencyCron() {
  const lines = stampLines('cron');
  progress(`latency: cron, ${options.minutes} minute(s) × ${lines.length} lines`);
  const file = writeCronD('stamp', crontabText(lines, true));
  const cron = await startCron();
  const load = startLoadMeter();
  const window = planBoundaries();
  // cron starts its commands ~1 s after the boundary: the probes are done before, alone.
  const probes = startProbes(window);
  await waitForBoundaries(cron.child, window);
  const { otherCores } = load.stop();
  await stopChild(cron.child);
  removeCronD(file);
  return [
    { daemon: 'cron', stamps: readStamps(lines, window), dispatch: [], otherCores },
    ...(await probes).map((probe) => ({ ...probe, otherCores })),
  ];
}

/** The timer probes alone, when cron is not run. */
async function latencyTimerFloor() {
  progress(`latency: setTimeout and spawn probes, ${options.minutes} minute(s)`);
  const load = startLoadMeter();
  const window = planBoundaries();
  const probes = startProbes(window);
  await waitForBoundaries(null, window);
  const { otherCores } = load.stop();
  return (await probes).map((probe) => ({ ...probe, otherCores }));
}

/** The machine's floors over the window: the timer probes and the spawn probe. */
async function startProbes(window) {
  const [timers, spawns] = await Promise.all([startTimerFloor(window), startSpawnFloor(window)]);
  return [...timers, spawns];
}

/**
 * Runs spawn-floor.mjs over the window: how long a small process (bash) takes to start the
 * latency lines' commands at once on this machine, from its own start. Resolves to a result
 * shaped as the daemons' are.
 */
async function startSpawnFloor(window) {
  const output = await runProbe(SPAWN_FLOOR_SCRIPT, [
    String(window.first),
    String(options.minutes),
    String(options.perMinute),
    workDir,
  ]);
  return {
    daemon: `bash starting the ${options.perMinute} commands at once (reference)`,
    measured: 'command timestamp − bash start',
    stamps: output.map(({ boundary, ms }) => ({ boundary, ms })),
    dispatch: [],
  };
}

/** Runs a probe script to its end; the JSON lines it printed. */
async function runProbe(script, args) {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  live.children.add(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  await new Promise((resolve) => child.once('exit', resolve));
  live.children.delete(child);
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/**
 * Runs timer-floor.mjs in both modes over the window: how late plain Node timers wake at the
 * boundaries on this machine. Resolves to one result per mode, shaped as the daemons' are.
 */
function startTimerFloor(window) {
  return Promise.all(
    ['one-timer', 'two-step'].map(async (mode) => {
      const output = await runProbe(TIMER_FLOOR_SCRIPT, [
        mode,
        String(window.first),
        String(options.minutes),
      ]);
      const stamps = output.map(({ boundary, lateMs }) => ({ boundary, ms: lateMs }));
      const label = mode === 'one-timer' ? 'one timer to the boundary' : 'two steps, 1 s before';
      return {
        daemon: `node setTimeout (reference), ${label}`,
        stamps,
        dispatch: [],
        perMinute: 1,
      };
    }),
  );
}

/** The `options.minutes` minute boundaries to measure, the first ≥ SETTLE_MS from now. */
function planBoundaries() {
  const first = Math.ceil((Date.now() + SETTLE_MS) / 60_000) * 60_000;
  return { first, last: first + (options.minutes - 1) * 60_000 };
}

/** Waits through the window's boundaries and DRAIN_MS more; fails if the daemon exits. */
async function waitForBoundaries(child, { first, last }) {
  progress(
    `  boundaries ${new Date(first).toISOString().slice(11, 16)}–` +
      `${new Date(last).toISOString().slice(11, 16)} UTC; done at ` +
      `${new Date(last + DRAIN_MS).toISOString().slice(11, 19)}`,
  );
  while (Date.now() < last + DRAIN_MS) {
    if (child !== null && child.exitCode !== null) {
      throw new Error(`the daemon exited early (${child.exitCode})`);
    }
    await sleep(Math.min(1000, last + DRAIN_MS - Date.now()));
  }
}

function inWindow(boundaryMs, { first, last }) {
  return boundaryMs >= first && boundaryMs <= last;
}

/** The latency (ms) of each timestamp written for one of the window's boundaries. */
function readStamps(lines, window) {
  const stamps = [];
  for (const line of lines) {
    const text = existsSync(line.file) ? readFileSync(line.file, 'utf8') : '';
    for (const stamp of text.split('\n').filter(Boolean)) {
      const [seconds, fraction = '0'] = stamp.trim().split('.');
      const ms = Number(seconds) * 1000 + Number(`0.${fraction}`) * 1000;
      const boundary = Math.floor(ms / 60_000) * 60_000;
      if (inWindow(boundary, window)) stamps.push({ boundary, ms: ms - boundary });
    }
  }
  return stamps;
}

// ---------------------------------------------------------------------------------------------
// Daemons

/** Starts `kairos run --json FILE…`; resolves once it has logged its start line. */
async function startKairos(files, env = {}) {
  const child = spawn(process.execPath, [KAIROS_BIN, 'run', '--json', ...files], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: workDir,
    env: { ...process.env, ...env },
  });
  live.children.add(child);
  const events = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  let buffered = '';
  const started = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        let event;
        try {
          event = JSON.parse(line);
        } catch {
          progress(`  kairos (not JSON): ${line}`);
          continue;
        }
        events.push(event);
        if (event.event === 'daemon' && event.message.startsWith('started:')) resolve();
        if (event.level === 'error') progress(`  kairos: ${event.message}`);
      }
    });
    child.on('exit', (code) => reject(new Error(`kairos run exited ${code}: ${stderr.trim()}`)));
  });
  await started;
  return { child, pid: child.pid, events };
}

/** Starts Debian's cron in the foreground; resolves after it has had a second to read. */
async function startCron() {
  const child = spawn(CRON, ['-f'], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  await sleep(1000);
  if (child.exitCode !== null) throw new Error(`cron exited ${child.exitCode}: ${stderr.trim()}`);
  return { child, pid: child.pid };
}

async function stopChild(child) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  live.children.delete(child);
}

/** Whether Debian's cron can be run here, and its package version. */
function checkCron() {
  if (!existsSync(CRON)) return { ok: false, reason: `${CRON} not found (apt-get install cron)` };
  if (process.getuid?.() !== 0) {
    return { ok: false, reason: `not root: the benchmark writes its lines to ${CRON_D}` };
  }
  const running = readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'cron';
    } catch {
      return false;
    }
  });
  if (running.length > 0) {
    return { ok: false, reason: `a cron daemon already runs (pid ${running.join(', ')})` };
  }
  const probe = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'cron'], { encoding: 'utf8' });
  return { ok: true, version: probe.status === 0 ? probe.stdout.trim() : 'unknown version' };
}

function writeCronD(name, text) {
  const file = join(CRON_D, `${CRON_D_PREFIX}${name}`);
  writeFileSync(file, text, { mode: 0o644 });
  live.cronFiles.add(file);
  return file;
}

function removeCronD(file) {
  rmSync(file, { force: true });
  live.cronFiles.delete(file);
}

function cleanUp() {
  for (const child of live.children) child.kill('SIGKILL');
  for (const file of live.cronFiles) rmSync(file, { force: true });
  rmSync(workDir, { recursive: true, force: true });
}

function writeWork(name, text) {
  const file = join(workDir, name);
  writeFileSync(file, text);
  return file;
}

/** Lines the idle crontabs' commands wrote: each means a run that should not have happened. */
function firedLines() {
  const file = join(workDir, 'fired.log');
  if (!existsSync(file)) return 0;
  const count = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  rmSync(file);
  return count;
}

// ---------------------------------------------------------------------------------------------
// /proc

function readStatus(pid) {
  const fields = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const [key, value] = line.split(':\t');
    if (value !== undefined) fields[key] = value.trim();
  }
  return fields;
}

function readRssKb(pid) {
  return Number.parseInt(readStatus(pid).VmRSS, 10);
}

/** utime + stime of the process (all its threads, including ones that ended), in ticks. */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields from 3 (state) on: utime is field 14, stime 15.
  return Number(fields[14 - 3]) + Number(fields[15 - 3]);
}

/** Time on a CPU of the process's current threads (ns; /proc/PID/task/TID/schedstat). */
function runTimeNs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Output

function printIdle(rows) {
  console.log('### Idle: memory and CPU between runs (lower is better)\n');
  console.log(
    `The daemon starts (\`kairos run --json\`: at its \`started\` line; cron: 1 s after its ` +
      `start; the reference Node processes: once loaded), then runs ${IDLE_SETTLE_MS / 1000} s ` +
      `before the idle window of ${options.idleSeconds} s. _At start_: VmRSS at that moment; ` +
      '_CPU settling_: utime+stime (ms) in those seconds, a one-off after start; ' +
      `median and max: VmRSS sampled every ${RSS_SAMPLE_MS} ms in the window. CPU in the ` +
      `window, as ms per minute: utime+stime (/proc/PID/stat, ${1000 / USER_HZ} ms ticks) and ` +
      'the run time of its threads (/proc/PID/task/*/schedstat, ns). _Other load_: cores busy ' +
      'with other processes meanwhile (this 2-core machine is shared). _Fired_: runs in the ' +
      'window (0 expected). The _node (reference)_ rows are not daemons: they show the floor a ' +
      'Node process starts from.\n',
  );
  console.log(
    '| Process | Jobs | RSS at start (MB) | RSS median (MB) | RSS max (MB) | CPU settling (ms) ' +
      '| CPU, stat (ms/min) | CPU, schedstat (ms/min) | Threads | Other load (cores) | Fired |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.daemon} | ${r.jobs} | ${formatMb(r.rssAtStartKb)} | ${formatMb(r.rssMedianKb)} | ` +
        `${formatMb(r.rssMaxKb)} | ${Math.round(r.settleCpuMs)} | ${r.cpuMsPerMinute.toFixed(1)} | ` +
        `${r.runMsPerMinute.toFixed(2)} | ${r.threads} | ` +
        `${r.otherCores === null ? '—' : r.otherCores.toFixed(2)} | ${r.fired} |`,
    );
  }
}

function printLatency(results) {
  console.log(
    '\n### Start latency at the minute boundary (timestamp the command writes − the boundary, ' +
      'ms; lower is better)\n',
  );
  console.log(
    `${options.perMinute} identical \`* * * * *\` lines (\`date +%s.%N >> FILE\`, one file ` +
      `each) for ${options.minutes} minute(s); the daemons run one after the other. Quantiles ` +
      'by nearest rank (with fewer than 100 runs, p99 is the largest). _all runs_: every ' +
      'line, every minute; _first of each minute_: the earliest timestamp of each minute (what ' +
      "one line alone would come close to). _dispatch_: the time of the daemon's `started` log " +
      "line − the run's due time, ms resolution: the scheduler's part, logged before the run's " +
      'spawn (and after the spawns of the runs submitted before it in the same minute). ' +
      '_node setTimeout (reference)_: a plain Node process (`timer-floor.mjs`, no Kairos) ' +
      "waking at the same boundaries, run during cron's minutes (cron starts its commands " +
      '~1 s after the boundary, so they do not compete): _one timer_ sleeps from one boundary to ' +
      'the next in one `setTimeout`, as a scheduler sleeping until its next run time does; ' +
      '_two steps_ sleeps to 1 s before the boundary, then sets a timer for the rest. ' +
      '_bash starting the commands at once (reference)_ (`spawn-floor.mjs`, during the same ' +
      "minutes): at each boundary one bash starts the lines' commands, each through `sh -c` in " +
      "the background; measured from bash's own start (`$EPOCHREALTIME`), so neither Node nor " +
      'a timer is in it: what starting that many processes at once costs on this machine. ' +
      '_Other load_: cores busy with other processes during the minutes measured.\n',
  );
  console.log('| Daemon | Runs | Measured | min | p50 | p90 | p99 | max | Other load (cores) |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const load = r.otherCores === null ? '—' : r.otherCores.toFixed(2);
    const expected = options.minutes * (r.perMinute ?? options.perMinute);
    const measured = r.measured ?? 'command timestamp';
    const rows =
      r.perMinute === 1
        ? [['each minute', 'callback (Date.now())', r.stamps, expected]]
        : [
            ['all runs', measured, r.stamps, expected],
            ['first of each minute', measured, firstOfMinute(r.stamps), options.minutes],
          ];
    if (r.dispatch.length > 0) {
      rows.push(['all runs', 'dispatch', r.dispatch, expected]);
      rows.push(['first of each minute', 'dispatch', firstOfMinute(r.dispatch), options.minutes]);
    }
    for (const [runs, measured, samples, of] of rows) {
      const values = samples.map((sample) => sample.ms);
      console.log(
        `| ${r.daemon} | ${runs} (${values.length}/${of}) | ${measured} | ${quantiles(values)} ` +
          `| ${load} |`,
      );
    }
  }
}

/** The earliest sample of each minute boundary. */
function firstOfMinute(samples) {
  const first = new Map();
  for (const sample of samples) {
    const seen = first.get(sample.boundary);
    if (seen === undefined || sample.ms < seen.ms) first.set(sample.boundary, sample);
  }
  return [...first.values()];
}

function printTargets(idle, latency) {
  console.log('\n### Targets\n');
  const met = (ok) => (ok ? '**met**' : '**not met**');
  const kairos = idle.find((r) => r.daemon === 'kairos run' && r.jobs === '100 crontab lines');
  const kairosJson = idle.find((r) => r.jobs === '100 jobs in a JSON job file');
  const cron = idle.find((r) => r.daemon === 'cron' && r.jobs.startsWith('100'));
  const ratio = (a, b) =>
    b === undefined ? '' : `; ${(a / b).toFixed(1)}× cron's ${formatMb(b)} MB`;
  for (const r of kairos === undefined ? [] : [kairos, kairosJson]) {
    const mb = r.rssMaxKb / 1024;
    console.log(
      `- Idle RSS ≤ ${TARGETS.idleRssMb} MB, ${r.jobs}: ${met(mb <= TARGETS.idleRssMb)} ` +
        `(max ${mb.toFixed(1)} MB, median ${formatMb(r.rssMedianKb)} MB` +
        `${ratio(r.rssMedianKb, cron?.rssMedianKb)})`,
    );
  }
  // "≈ 0": below one 10 ms tick per minute, the resolution of utime+stime.
  const cpuOk = kairos !== undefined && kairos.cpuMsPerMinute < 1000 / USER_HZ;
  if (kairos !== undefined)
    console.log(
      `- CPU between runs ≈ 0 (under one ${1000 / USER_HZ} ms tick a minute): ${met(cpuOk)} ` +
        `(${kairos.cpuMsPerMinute.toFixed(1)} ms/min by stat, ${kairos.runMsPerMinute.toFixed(2)} ` +
        `ms/min by schedstat` +
        `${cron ? `; cron ${cron.cpuMsPerMinute.toFixed(1)} and ${cron.runMsPerMinute.toFixed(2)} ms/min` : ''})`,
    );
  const k = latency.find((r) => r.daemon === 'kairos run');
  const c = latency.find((r) => r.daemon === 'cron');
  const floor = latency.find((r) => r.daemon.includes('one timer'));
  const spawnFloor = latency.find((r) => r.daemon.startsWith('bash starting'));
  if (k === undefined) return;
  const expected = options.minutes * options.perMinute;
  const p99 = nearestRank(
    k.stamps.map((sample) => sample.ms),
    0.99,
  );
  const cronP99 =
    c === undefined
      ? undefined
      : nearestRank(
          c.stamps.map((sample) => sample.ms),
          0.99,
        );
  console.log(
    `- Start latency p99 ≤ ${TARGETS.latencyP99Ms} ms: ` +
      `${met(k.stamps.length === expected && p99 <= TARGETS.latencyP99Ms)} ` +
      `(${formatMs(p99)} ms over ${k.stamps.length}/${expected} runs` +
      `${cronP99 === undefined ? '' : `; cron ${formatMs(cronP99)} ms, kairos ÷ cron ${(p99 / cronP99).toPrecision(2)}×`}` +
      `${floor === undefined ? '' : `; a plain Node setTimeout to the boundary woke ${quantileRange(floor.stamps)} ms late`}` +
      `${
        spawnFloor === undefined
          ? ''
          : `; bash alone starting the same commands at once: p99 ${formatMs(
              nearestRank(
                spawnFloor.stamps.map((sample) => sample.ms),
                0.99,
              ),
            )} ms from its start`
      })`,
  );
}

/** `min–max` of the samples' ms. */
function quantileRange(samples) {
  const values = samples.map((sample) => sample.ms);
  return values.length === 0
    ? '—'
    : `${formatMs(Math.min(...values))}–${formatMs(Math.max(...values))}`;
}

function nearestRank(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function quantiles(values) {
  if (values.length === 0) return '— | — | — | — | —';
  return [0, 0.5, 0.9, 0.99, 1]
    .map((q) => formatMs(q === 0 ? Math.min(...values) : nearestRank(values, q)))
    .join(' | ');
}

function formatMs(ms) {
  return Number.isNaN(ms)
    ? '—'
    : ms >= 100
      ? Math.round(ms).toLocaleString('en-US')
      : ms.toFixed(2);
}

function formatMb(kb) {
  return (kb / 1024).toFixed(1);
}

function progress(text) {
  process.stderr.write(`${text}\n`);
}

/**
 * `--quick`, `--minutes=N` (3), `--idle-seconds=N` (30), `--per-minute=N` (10), `--no-cron`,
 * `--only=idle|latency`.
 */
function parseOptions(argv) {
  const result = { minutes: 3, idleSeconds: 30, perMinute: 10, cron: true, only: null };
  const usage =
    'options: --quick, --minutes=N, --idle-seconds=N, --per-minute=N, --no-cron, ' +
    '--only=idle|latency';
  let quick = false;
  const given = {};
  for (const arg of argv) {
    const match = /^--(minutes|idle-seconds|per-minute)=(\d+)$/.exec(arg);
    if (match) given[match[1]] = Math.max(1, Number(match[2]));
    else if (arg === '--quick') quick = true;
    else if (arg === '--no-cron') result.cron = false;
    else if (arg === '--only=idle' || arg === '--only=latency') result.only = arg.slice(7);
    else {
      console.error(`unknown option ${arg}; ${usage}`);
      process.exit(2);
    }
  }
  if (quick) Object.assign(result, { minutes: 1, idleSeconds: 15 });
  if (given.minutes !== undefined) result.minutes = given.minutes;
  if (given['idle-seconds'] !== undefined) result.idleSeconds = given['idle-seconds'];
  if (given['per-minute'] !== undefined) result.perMinute = given['per-minute'];
  return result;
}
