#!/usr/bin/env node
// Job-store benchmark: Kairos's SQLite, PostgreSQL and Redis job stores, driven directly and
// through a BackgroundScheduler, against APScheduler 3 (SQLAlchemyJobStore on SQLite), BullMQ 6
// job schedulers (Redis) and pg-boss 10 schedules (PostgreSQL). Prints Markdown (progress on
// stderr).
//
//   pnpm run bench:stores                      (build first: pnpm run build)
//   node benchmarks/stores/run.mjs [--quick] [--rounds=N] [--no-python] [--no-peers]
//                                  [--only=bulk|cluster]
//
// --only=bulk runs the bulk adds alone (store.addJobs against one-by-one store.addJob, and
// APScheduler's nearest, jobs added before start()), about a minute a round.
// --only=cluster runs the cluster section alone (issue 16; cluster.mjs, cluster-report.mjs):
// 1 … 4 scheduler processes on one PostgreSQL store, the cost of leases and history on each
// store, and the history query among 1M run rows (MongoDB too when KAIROS_BENCH_MONGODB_URL is
// set). A full run ends with it.
//
// Needs PostgreSQL (KAIROS_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test)
// and Redis (KAIROS_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0). Writes only to a temporary
// directory, the PostgreSQL schemas kairos_bench and kairos_bench_pgboss (dropped at the end) and
// Redis keys starting with kairos-bench (deleted at the end).
//
// Every measurement runs in a fresh child process (workload.mjs, apscheduler_peer.py,
// bullmq_peer.mjs, pgboss_peer.mjs). Throughput of adds and fires is the median of --rounds rounds
// (default 3), except PostgreSQL's one-at-a-time 100k adds (first round only); the 1k/1M scaling
// runs are measured once.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';

import { BACKENDS, POSTGRES_URL, REDIS_URL } from './backends.mjs';
import {
  clusterHistoryPlan,
  clusterRoundPlan,
  clusterSizes,
  reportCluster,
} from './cluster-report.mjs';
import { mongoBackend } from './cluster-stores.mjs';
import { median } from '../stats.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const WORKLOAD = here('./workload.mjs');
const CLUSTER = here('./cluster.mjs');
const APSCHEDULER = here('./apscheduler_peer.py');
const BULLMQ = here('./bullmq_peer.mjs');
const PGBOSS = here('./pgboss_peer.mjs');
/** Debian's interpreter: a pyenv `python3` earlier on PATH would not see python3-apscheduler. */
const PYTHON = '/usr/bin/python3';
const CHILD_TIMEOUT_MS = 600_000;

/** APScheduler's rates measured for the issue beforehand (SQLAlchemyJobStore on SQLite). */
const ISSUE_APSCHEDULER = { addsPerSecond: 300, firesPerSecond: 390 };

const TARGETS = {
  sqliteVsApscheduler: 50, // × APScheduler's adds/s and fires/s
  networkFiresPerSecond: 10_000, // PostgreSQL and Redis, local server
  latencyRatio: 2, // due query and next run time at 1M ÷ at 1k
  startRssSlackBytes: 16 * 2 ** 20, // RSS growth at 1M − at 1k
};

const options = parseOptions(process.argv.slice(2));

const SIZES = options.quick
  ? {
      add: 2_000,
      addFull: 300,
      addInFlight: 1_000,
      addScheduler: 2_000,
      addSchedulerNetwork: 500,
      fire: 2_000,
      fireSmall: 1_000,
      scaleSmall: 1_000,
      scaleLarge: 20_000,
      apschedulerAdd: 50,
      apschedulerFire: 100,
      bulk: 2_000,
      bulkLarge: 10_000,
      apschedulerBulk: 100,
      bullmq: 500,
      pgboss: 10,
    }
  : {
      add: 100_000,
      addFull: 10_000,
      addInFlight: 20_000,
      addScheduler: 100_000,
      addSchedulerNetwork: 20_000,
      fire: 10_000,
      fireSmall: 2_000,
      scaleSmall: 1_000,
      scaleLarge: 1_000_000,
      apschedulerAdd: 2_000,
      apschedulerFire: 2_000,
      bulk: 10_000,
      bulkLarge: 100_000,
      apschedulerBulk: 2_000,
      bullmq: 10_000,
      pgboss: 500,
    };

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

async function main() {
  const startedAt = performance.now();
  const directory = mkdtempSync(path.join(os.tmpdir(), 'kairos-bench-stores-'));
  const env = { ...process.env, KAIROS_BENCH_DIR: directory };
  const python = options.python && options.peers ? checkPython() : { ok: false };
  const failures = [];
  const results = new Map();
  const record = (key, result) => {
    const list = results.get(key) ?? [];
    list.push(result);
    results.set(key, list);
    if (result.error !== undefined) failures.push({ key, error: result.error });
  };
  try {
    const versions = await serverVersions();

    // 1. and 2. Adds and fires, in rounds. PostgreSQL's one-at-a-time 100k adds (about 90 s,
    // bound by one fsynced commit per job) run in the first round only.
    const addPlan = [
      ['add-store', 'sqlite', SIZES.add, 1],
      ['add-store', 'sqlite-full', SIZES.addFull, 1],
      ['add-store', 'postgres', SIZES.add, 1, 'once'],
      ['add-store', 'postgres', SIZES.addInFlight, 64],
      ['add-store', 'redis', SIZES.add, 1],
      ['add-store', 'redis', SIZES.addInFlight, 64],
      ['add-scheduler', 'sqlite', SIZES.addScheduler, 1],
      ['add-scheduler', 'sqlite-full', SIZES.addFull, 1],
      ['add-scheduler', 'postgres', SIZES.addSchedulerNetwork, 1],
      ['add-scheduler', 'redis', SIZES.addSchedulerNetwork, 1],
    ];
    const firePlan = [
      ['fire', 'sqlite', SIZES.fire],
      ['fire', 'sqlite', SIZES.fireSmall],
      ['fire', 'sqlite-full', SIZES.fireSmall],
      ['fire', 'postgres', SIZES.fire],
      ['fire', 'redis', SIZES.fire],
      ['claim', 'sqlite', SIZES.fire],
      ['claim', 'postgres', SIZES.fire],
      ['claim', 'redis', SIZES.fire],
    ];
    // Bulk adds: store.addJobs of N jobs in one call against N store.addJob calls.
    const bulkPlan = [
      ['add-batch', 'sqlite', SIZES.bulk],
      ['add-batch', 'sqlite', SIZES.bulkLarge],
      ['add-batch', 'sqlite-full', SIZES.bulk],
      ['add-batch', 'postgres', SIZES.bulk],
      ['add-batch', 'redis', SIZES.bulk],
      ['add-store', 'sqlite', SIZES.bulk],
      ['add-store', 'sqlite-full', SIZES.bulk],
      ['add-store', 'postgres', SIZES.bulk],
      ['add-store', 'redis', SIZES.bulk],
    ];
    for (let round = 0; round < options.rounds && options.only !== 'cluster'; round++) {
      for (const [name, store, jobs] of bulkPlan) {
        record(`bulk/${name}/${store}/${jobs}`, workload(env, name, store, jobs));
      }
      if (python.ok) {
        const args = [APSCHEDULER, 'bulk', SIZES.apschedulerBulk, directory];
        record('aps-bulk', child(PYTHON, args, env));
      }
      if (options.only === 'bulk') progress(`round ${round + 1}/${options.rounds} done`);
    }
    if (options.only === 'bulk') {
      const seconds = (performance.now() - startedAt) / 1000;
      reportBulk({ results, python, versions, seconds });
      return;
    }
    if (options.only === 'cluster') {
      await runCluster({ env, record, results, versions });
      return;
    }

    for (let round = 0; round < options.rounds; round++) {
      for (const [name, store, jobs, inFlight, once] of addPlan) {
        if (once === 'once' && round > 0) continue;
        record(`${name}/${store}/${inFlight}`, workload(env, name, store, jobs, inFlight));
      }
      if (python.ok) {
        const args = [APSCHEDULER, 'add', SIZES.apschedulerAdd, directory];
        record('aps-add', child(PYTHON, args, env));
      }
      if (options.peers) record('pgboss', child(process.execPath, [PGBOSS, SIZES.pgboss], env));
      for (const [name, store, jobs] of firePlan) {
        record(`${name}/${store}/${jobs}`, workload(env, name, store, jobs));
      }
      if (python.ok) {
        const args = [APSCHEDULER, 'fire', SIZES.apschedulerFire, directory];
        record('aps-fire', child(PYTHON, args, env));
      }
      if (options.peers) record('bullmq', child(process.execPath, [BULLMQ, SIZES.bullmq], env));
      progress(`round ${round + 1}/${options.rounds} done`);
    }

    // 3. and 4. Scaling: fill, latency, start; small then large.
    for (const store of stores()) {
      for (const size of [SIZES.scaleSmall, SIZES.scaleLarge]) {
        // `fill` empties the storage first.
        for (const name of ['fill', 'latency', 'start']) {
          record(`${name}/${store}/${size}`, workload(env, name, store, size));
        }
      }
    }

    const seconds = (performance.now() - startedAt) / 1000;
    report({ results, python, versions, seconds });
    reportBulk({ results, python, versions, seconds, heading: false });
    await runCluster({ env, record, results, versions });
    if (failures.length > 0) {
      console.log('\n### Failed measurements\n');
      for (const { key, error } of failures) console.log(`- ${key}: ${error}`);
    }
  } finally {
    if (failures.length > 0 && (options.only === 'bulk' || options.only === 'cluster')) {
      console.log('\n### Failed measurements\n');
      for (const { key, error } of failures) console.log(`- ${key}: ${error}`);
    }
    for (const name of ['sqlite', 'postgres', 'redis']) workload(env, 'clear', name, 0);
    // The runs' and nodes' keys too (Redis), and MongoDB's database when it was used.
    for (const name of ['redis', 'mongodb']) child(process.execPath, [CLUSTER, 'clear', name], env);
    rmSync(directory, { recursive: true, force: true });
  }
}

// ─── cluster (issue 16) ───────────────────────────────────────────────────────────────────────

/**
 * The cluster section: its fleet measurements in rounds, the history queries once, then its
 * report (cluster-report.mjs).
 */
async function runCluster({ env, record, results, versions }) {
  const began = performance.now();
  const loadBefore = os.loadavg();
  const sizes = clusterSizes(options.quick);
  for (let round = 0; round < options.rounds; round++) {
    for (const { key, args } of clusterRoundPlan(sizes)) {
      record(key, child(process.execPath, [CLUSTER, ...args], env));
    }
    progress(`cluster round ${round + 1}/${options.rounds} done`);
  }
  const mongo = await mongoBackend();
  const mongoNote =
    mongo.reason === undefined
      ? "MongoDB: `insertMany` of the store's run documents."
      : `MongoDB: not measured (${mongo.reason}).`;
  for (const { key, args } of clusterHistoryPlan(sizes, mongo.reason === undefined)) {
    record(key, child(process.execPath, [CLUSTER, ...args], env));
  }
  reportCluster({
    results,
    sizes,
    rounds: options.rounds,
    quick: options.quick,
    mongoNote,
    machine: {
      versions,
      loadBefore,
      loadAfter: os.loadavg(),
      seconds: (performance.now() - began) / 1000,
    },
    format: { fmt, fmtRatio, table },
  });
}

// ─── children ─────────────────────────────────────────────────────────────────────────────────

function workload(env, name, store, jobs, inFlight = 1) {
  const args = ['--expose-gc', WORKLOAD, name, store, String(jobs), `--concurrency=${inFlight}`];
  return child(process.execPath, args, env);
}

/** Runs one child; its last stdout line as JSON, or `{error}`. */
function child(command, args, env) {
  const began = performance.now();
  const run = spawnSync(command, args.map(String), {
    encoding: 'utf8',
    env,
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 1 << 20,
  });
  const label = args
    .map(String)
    .filter((a) => !a.startsWith('--expose'))
    .map((a) => (a.includes(path.sep) ? path.basename(a) : a))
    .join(' ');
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  const line = run.stdout?.trim().split('\n').at(-1) ?? '';
  try {
    const result = JSON.parse(line);
    progress(`${label} (${seconds} s)`);
    return result;
  } catch {
    const why = run.error?.message ?? `exit ${run.status ?? run.signal}`;
    const detail = (run.stderr ?? '').trim().split('\n').slice(-3).join(' / ');
    progress(`${label} FAILED (${seconds} s): ${why} ${detail}`);
    return { error: `${why}${detail ? `: ${detail}` : ''}` };
  }
}

function checkPython() {
  const run = spawnSync(
    PYTHON,
    [
      '-c',
      'import apscheduler, sqlalchemy; print(apscheduler.__version__, sqlalchemy.__version__)',
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) {
    const reason = (run.stderr || run.error?.message || 'not found').trim().split('\n').at(-1);
    progress(`APScheduler comparison skipped: ${reason}`);
    return { ok: false, reason };
  }
  const [apscheduler, sqlalchemy] = run.stdout.trim().split(' ');
  return { ok: true, apscheduler, sqlalchemy };
}

async function serverVersions() {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  const postgres = (await client.query('SHOW server_version')).rows[0].server_version;
  await client.end();
  const redis = new Redis(REDIS_URL);
  const info = await redis.info('server');
  redis.disconnect();
  const database = new Database(':memory:');
  const sqlite = database.prepare('SELECT sqlite_version() AS v').get().v;
  database.close();
  return { postgres, redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?', sqlite };
}

// ─── report ───────────────────────────────────────────────────────────────────────────────────

function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function fmtRatio(value) {
  if (!Number.isFinite(value)) return '–';
  if (value >= 100) return `${fmt(value)}×`;
  return value >= 10 ? `${fmt(value, 1)}×` : `${fmt(value, 2)}×`;
}

function fmtJobs(n) {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);
}

function fmtBytes(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MB` : '–';
}

function table(header, align, rows) {
  console.log(`| ${header.join(' | ')} |`);
  console.log(
    `| ${align.map((a) => (a === 'r' ? '---:' : a === 'c' ? ':--:' : '---')).join(' | ')} |`,
  );
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log('');
}

function report({ results, python, versions, seconds }) {
  const ok = (key) => (results.get(key) ?? []).filter((r) => r.error === undefined);
  const med = (key, field) => median(ok(key).map((r) => r[field]));
  const spread = (key, field) => {
    const values = ok(key).map((r) => r[field]);
    return values.length > 1
      ? `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`
      : values.length === 1
        ? 'one run'
        : '–';
  };
  const label = (store) => BACKENDS[store].label;

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log('## Job stores: SQLite, PostgreSQL, Redis vs APScheduler, BullMQ, pg-boss\n');
  console.log(
    `Node ${process.version}, ${os.cpus().length} cores (${cpu}), ${os.platform()} ${os.arch()}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; SQLite ${versions.sqlite} (better-sqlite3), ` +
      `PostgreSQL ${versions.postgres}, Redis ${versions.redis}; ` +
      `${options.quick ? 'quick mode, ' : ''}${options.rounds} round(s) of adds and fires; ` +
      `${new Date().toISOString().slice(0, 10)}; ${seconds.toFixed(0)} s.\n`,
  );
  console.log(
    python.ok
      ? `APScheduler ${python.apscheduler} with SQLAlchemy ${python.sqlalchemy} (${PYTHON}).\n`
      : `APScheduler: skipped (${python.reason ?? 'disabled'}); the issue's figures are used: ` +
          `≈ ${ISSUE_APSCHEDULER.addsPerSecond} adds/s, ≈ ${ISSUE_APSCHEDULER.firesPerSecond} fires/s.\n`,
  );

  // Adds.
  const apsAdd = python.ok ? med('aps-add', 'perSecond') : ISSUE_APSCHEDULER.addsPerSecond;
  const apsAddNote = python.ok ? '' : ' (issue)';
  const addRows = [];
  const addRow = (store, what, workloadName, jobs, inFlight) => {
    const key = `${workloadName}/${store}/${inFlight}`;
    const rate = med(key, 'perSecond');
    const vsAps = store.startsWith('sqlite') ? fmtRatio(rate / apsAdd) : '';
    addRows.push([label(store), what, fmtJobs(jobs), fmt(rate), spread(key, 'perSecond'), vsAps]);
  };
  addRow('sqlite', '`store.addJob`, one at a time', 'add-store', SIZES.add, 1);
  addRow('sqlite-full', '`store.addJob`, one at a time', 'add-store', SIZES.addFull, 1);
  addRow('postgres', '`store.addJob`, one at a time', 'add-store', SIZES.add, 1);
  addRow('postgres', '`store.addJob`, 64 in flight', 'add-store', SIZES.addInFlight, 64);
  addRow('redis', '`store.addJob`, one at a time', 'add-store', SIZES.add, 1);
  addRow('redis', '`store.addJob`, 64 in flight', 'add-store', SIZES.addInFlight, 64);
  addRow('sqlite', '`scheduler.addJob`, one at a time', 'add-scheduler', SIZES.addScheduler, 1);
  addRow('sqlite-full', '`scheduler.addJob`, one at a time', 'add-scheduler', SIZES.addFull, 1);
  addRow(
    'postgres',
    '`scheduler.addJob`, one at a time',
    'add-scheduler',
    SIZES.addSchedulerNetwork,
    1,
  );
  addRow(
    'redis',
    '`scheduler.addJob`, one at a time',
    'add-scheduler',
    SIZES.addSchedulerNetwork,
    1,
  );
  addRows.push([
    `APScheduler${apsAddNote}`,
    '`scheduler.add_job`, SQLAlchemyJobStore on SQLite',
    python.ok ? fmtJobs(SIZES.apschedulerAdd) : '–',
    fmt(apsAdd),
    python.ok ? spread('aps-add', 'perSecond') : '',
    '1×',
  ]);
  if (options.peers) {
    const bull = ok('bullmq');
    addRows.push([
      'BullMQ',
      '`queue.upsertJobScheduler(id, {every})`, one at a time',
      fmtJobs(SIZES.bullmq),
      fmt(median(bull.map((r) => r.createPerSecond))),
      spread('bullmq', 'createPerSecond'),
      '',
    ]);
    addRows.push([
      'pg-boss',
      '`schedule(queue, cron)` on existing queues, one at a time',
      fmtJobs(SIZES.pgboss),
      fmt(med('pgboss', 'schedulePerSecond')),
      spread('pgboss', 'schedulePerSecond'),
      '',
    ]);
    addRows.push([
      'pg-boss',
      '`createQueue(queue)` (each schedule needs a queue of its own)',
      fmtJobs(SIZES.pgboss),
      fmt(med('pgboss', 'createQueuePerSecond')),
      spread('pgboss', 'createQueuePerSecond'),
      '',
    ]);
    addRows.push([
      'pg-boss',
      '`schedule(queue, cron)` replacing an existing schedule',
      fmtJobs(SIZES.pgboss),
      fmt(med('pgboss', 'reschedulePerSecond')),
      spread('pgboss', 'reschedulePerSecond'),
      '',
    ]);
  }
  console.log(`### Adding jobs (jobs/s, median of ${options.rounds}; higher is better)\n`);
  table(
    ['Store', 'How', 'Jobs', 'Jobs/s', 'Range', '÷ APScheduler'],
    ['l', 'l', 'r', 'r', 'r', 'r'],
    addRows,
  );

  // Fires.
  const apsFire = python.ok ? med('aps-fire', 'perSecond') : ISSUE_APSCHEDULER.firesPerSecond;
  const fireRows = [];
  const fireRow = (store, jobs) => {
    const key = `fire/${store}/${jobs}`;
    const rate = med(key, 'perSecond');
    fireRows.push([
      label(store),
      'scheduler: `resume()` → last `job_executed`',
      fmtJobs(jobs),
      fmt(rate),
      spread(key, 'perSecond'),
      fmt(med(key, 'submitPerSecond')),
      store.startsWith('sqlite') ? fmtRatio(rate / apsFire) : '',
    ]);
  };
  fireRow('sqlite', SIZES.fire);
  fireRow('sqlite', SIZES.fireSmall);
  fireRow('sqlite-full', SIZES.fireSmall);
  fireRow('postgres', SIZES.fire);
  fireRow('redis', SIZES.fire);
  for (const store of stores()) {
    const key = `claim/${store}/${SIZES.fire}`;
    fireRows.push([
      label(store),
      '`store.claimDueJobs`, batches of 1,000',
      fmtJobs(SIZES.fire),
      fmt(med(key, 'perSecond')),
      spread(key, 'perSecond'),
      '',
      '',
    ]);
  }
  fireRows.push([
    `APScheduler${python.ok ? '' : ' (issue)'}`,
    'scheduler: `resume()` → last `EVENT_JOB_EXECUTED`',
    python.ok ? fmtJobs(SIZES.apschedulerFire) : '2k',
    fmt(apsFire),
    python.ok ? spread('aps-fire', 'perSecond') : '',
    '',
    '1×',
  ]);
  if (options.peers) {
    fireRows.push([
      'BullMQ',
      `Worker (concurrency ${ok('bullmq')[0]?.concurrency ?? '?'}): \`run()\` → last \`completed\``,
      fmtJobs(SIZES.bullmq),
      fmt(med('bullmq', 'processPerSecond')),
      spread('bullmq', 'processPerSecond'),
      '',
      '',
    ]);
  }
  console.log(`### Firing due jobs (fires/s, median of ${options.rounds}; higher is better)\n`);
  console.log(
    '_Submitted/s_: jobs / time to the last `job_submitted` (claimed and handed to the executor).\n',
  );
  table(
    ['Store', 'Measured', 'Due jobs', 'Fires/s', 'Range', 'Submitted/s', '÷ APScheduler'],
    ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
    fireRows,
  );

  // Latency.
  const latencyRows = [];
  const worstRatio = {};
  for (const store of stores()) {
    const small = ok(`latency/${store}/${SIZES.scaleSmall}`)[0]?.microseconds;
    const large = ok(`latency/${store}/${SIZES.scaleLarge}`)[0]?.microseconds;
    for (const query of ['getNextRunTime', 'claimDueLeft', 'claimNoneDue']) {
      const a = small?.[query];
      const b = large?.[query];
      const ratio50 = b?.p50 / a?.p50;
      worstRatio[store] = Math.max(worstRatio[store] ?? 0, Number.isFinite(ratio50) ? ratio50 : 0);
      latencyRows.push([
        label(store),
        {
          getNextRunTime: '`getNextRunTime()`',
          claimDueLeft: '`claimDueJobs`, 5 due, left due',
          claimNoneDue: '`claimDueJobs`, none due',
        }[query],
        fmt(a?.p50, 1),
        fmt(a?.p99, 1),
        fmt(b?.p50, 1),
        fmt(b?.p99, 1),
        fmtRatio(ratio50),
        fmtRatio(b?.p99 / a?.p99),
      ]);
    }
  }
  const small = fmtJobs(SIZES.scaleSmall);
  const large = fmtJobs(SIZES.scaleLarge);
  console.log(`### Query latency with ${small} and ${large} stored jobs (µs, 200 calls each)\n`);
  table(
    [
      'Store',
      'Query',
      `p50 ${small}`,
      `p99 ${small}`,
      `p50 ${large}`,
      `p99 ${large}`,
      'p50 ratio',
      'p99 ratio',
    ],
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
    latencyRows,
  );

  // Start.
  const startRows = [];
  const startRss = {};
  for (const store of stores()) {
    const s = ok(`start/${store}/${SIZES.scaleSmall}`)[0] ?? {};
    const l = ok(`start/${store}/${SIZES.scaleLarge}`)[0] ?? {};
    startRss[store] = { small: s.rssGrowth, large: l.rssGrowth, s, l };
    startRows.push([
      label(store),
      fmt(ok(`fill/${store}/${SIZES.scaleLarge}`)[0]?.seconds, 1),
      `${fmt(s.runningMs, 1)} / ${fmt(l.runningMs, 1)}`,
      `${fmt(s.firstPassMs, 1)} / ${fmt(l.firstPassMs, 1)}`,
      `${fmtBytes(s.rssGrowth)} / ${fmtBytes(l.rssGrowth)}`,
      `${fmtBytes(s.heapGrowth)} / ${fmtBytes(l.heapGrowth)}`,
    ]);
  }
  console.log(`### Scheduler start over ${small} / ${large} stored jobs (5 of them due)\n`);
  table(
    [
      'Store',
      `Bulk fill ${large} (s)`,
      '`start()` → running (ms)',
      '→ first pass done (ms)',
      'RSS growth',
      'Heap growth (after GC)',
    ],
    ['l', 'r', 'r', 'r', 'r', 'r'],
    startRows,
  );

  // Targets.
  const verdict = (met) => (met ? '**met**' : '**not met**');
  const targetRows = [];
  const want = TARGETS.sqliteVsApscheduler;
  const versusAps = (what, rate, aps) =>
    targetRows.push([
      `SQLite ${what} ≥ ${want}× APScheduler`,
      `${verdict(rate / aps >= want)}: ${fmtRatio(rate / aps)} (${fmt(rate)}/s vs ${fmt(aps)}/s)`,
    ]);
  const addVariants = [
    ['sqlite', 'add-store', 'adds, `store.addJob`, synchronous=NORMAL'],
    ['sqlite', 'add-scheduler', 'adds, `scheduler.addJob`, synchronous=NORMAL'],
    ['sqlite-full', 'add-store', 'adds, `store.addJob`, synchronous=FULL'],
    ['sqlite-full', 'add-scheduler', 'adds, `scheduler.addJob`, synchronous=FULL'],
  ];
  for (const [store, name, what] of addVariants) {
    versusAps(what, med(`${name}/${store}/1`, 'perSecond'), apsAdd);
  }
  const fireVariants = [
    ['sqlite', SIZES.fireSmall, 'synchronous=NORMAL'],
    ['sqlite-full', SIZES.fireSmall, 'synchronous=FULL'],
    ['sqlite', SIZES.fire, 'synchronous=NORMAL'],
  ];
  for (const [store, jobs, what] of fireVariants) {
    const dueNote = `${fmtJobs(jobs)} due vs APScheduler's ${fmtJobs(SIZES.apschedulerFire)}`;
    versusAps(`fires, ${what}, ${dueNote}`, med(`fire/${store}/${jobs}`, 'perSecond'), apsFire);
  }
  for (const store of ['postgres', 'redis']) {
    const rate = med(`fire/${store}/${SIZES.fire}`, 'perSecond');
    const raw = med(`claim/${store}/${SIZES.fire}`, 'perSecond');
    targetRows.push([
      `${label(store)} ≥ ${fmt(TARGETS.networkFiresPerSecond)} fires/s (${fmtJobs(SIZES.fire)} due)`,
      `${verdict(rate >= TARGETS.networkFiresPerSecond)}: ${fmt(rate)} through the scheduler, ` +
        `${fmt(raw)} raw claims`,
    ]);
  }
  for (const store of stores()) {
    targetRows.push([
      `${label(store)} queries at ${large} within ${TARGETS.latencyRatio}× of ${small} (p50)`,
      `${verdict(worstRatio[store] <= TARGETS.latencyRatio)}: worst p50 ratio ${fmtRatio(worstRatio[store])}`,
    ]);
  }
  for (const store of stores()) {
    const { small: s, large: l, s: atSmall, l: atLarge } = startRss[store];
    targetRows.push([
      `${label(store)} start with ${large} stored jobs does not load them`,
      `${verdict(l - s <= TARGETS.startRssSlackBytes)}: RSS growth ${fmtBytes(l)} at ${large} vs ` +
        `${fmtBytes(s)} at ${small}; first pass done after ${fmt(atLarge.firstPassMs, 1)} ms ` +
        `(${fmt(atSmall.firstPassMs, 1)} ms at ${small})`,
    ]);
  }
  console.log('### Targets\n');
  table(['Target', 'Result'], ['l', 'l'], targetRows);
}

function reportBulk({ results, python, versions, seconds, heading = true }) {
  const ok = (key) => (results.get(key) ?? []).filter((r) => r.error === undefined);
  const med = (key) => median(ok(key).map((r) => r.perSecond));
  const spread = (key) => {
    const values = ok(key).map((r) => r.perSecond);
    return values.length > 1
      ? `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`
      : values.length === 1
        ? 'one run'
        : '–';
  };
  if (heading) {
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log('## Job stores: bulk adds\n');
    console.log(
      `Node ${process.version}, ${os.cpus().length} cores (${cpu}), ${os.platform()} ` +
        `${os.arch()}; SQLite ${versions.sqlite} (better-sqlite3), PostgreSQL ` +
        `${versions.postgres}, Redis ${versions.redis}; load average ` +
        `${os
          .loadavg()
          .map((load) => load.toFixed(1))
          .join(' / ')} at the end; ` +
        `${options.quick ? 'quick mode, ' : ''}${options.rounds} round(s); ` +
        `${new Date().toISOString().slice(0, 10)}; ${seconds.toFixed(0)} s.\n`,
    );
    console.log(
      python.ok
        ? `APScheduler ${python.apscheduler} with SQLAlchemy ${python.sqlalchemy} (${PYTHON}).\n`
        : `APScheduler: skipped (${python.reason ?? 'disabled'}).\n`,
    );
  }
  const aps = python.ok ? med('aps-bulk') : Number.NaN;
  const rows = [];
  const plans = [
    ['sqlite', SIZES.bulk],
    ['sqlite', SIZES.bulkLarge],
    ['sqlite-full', SIZES.bulk],
    ['postgres', SIZES.bulk],
    ['redis', SIZES.bulk],
  ];
  for (const [store, jobs] of plans) {
    const batch = `bulk/add-batch/${store}/${jobs}`;
    const single = `bulk/add-store/${store}/${SIZES.bulk}`;
    rows.push([
      BACKENDS[store].label,
      fmtJobs(jobs),
      fmt(med(batch)),
      spread(batch),
      fmt(med(single)),
      fmtRatio(med(batch) / med(single)),
      store.startsWith('sqlite') ? fmtRatio(med(batch) / aps) : '',
    ]);
  }
  rows.push([
    'APScheduler',
    python.ok ? fmtJobs(SIZES.apschedulerBulk) : '–',
    fmt(aps),
    python.ok ? spread('aps-bulk') : '',
    '',
    '',
    '1×',
  ]);
  console.log(
    `### Bulk adds (jobs/s, median of ${options.rounds}; higher is better)\n\n` +
      '_addJobs_: `store.addJobs(jobs)`, one call. _addJob_: `store.addJob(job)` one at a time, ' +
      `${fmtJobs(SIZES.bulk)} jobs. APScheduler: jobs added before \`start()\`, which writes them ` +
      'to its SQLAlchemyJobStore on SQLite (its nearest to a bulk add).\n',
  );
  table(
    ['Store', 'Jobs', 'addJobs/s', 'Range', 'addJob/s', 'addJobs ÷ addJob', '÷ APScheduler'],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows,
  );
  const want = TARGETS.sqliteVsApscheduler;
  const targetRows = [];
  for (const [store, jobs] of plans.filter(([store]) => store.startsWith('sqlite'))) {
    const rate = med(`bulk/add-batch/${store}/${jobs}`);
    targetRows.push([
      `${BACKENDS[store].label} \`addJobs\` of ${fmtJobs(jobs)} ≥ ${want}× APScheduler`,
      `${rate / aps >= want ? '**met**' : '**not met**'}: ${fmtRatio(rate / aps)} ` +
        `(${fmt(rate)}/s vs ${fmt(aps)}/s)`,
    ]);
  }
  console.log('### Bulk add targets\n');
  table(['Target', 'Result'], ['l', 'l'], targetRows);
}

function stores() {
  return ['sqlite', 'postgres', 'redis'];
}

// ─── options and progress ─────────────────────────────────────────────────────────────────────

function parseOptions(args) {
  const parsed = { quick: false, rounds: undefined, python: true, peers: true, only: undefined };
  for (const arg of args) {
    if (arg === '--quick') parsed.quick = true;
    else if (arg === '--no-python') parsed.python = false;
    else if (arg === '--no-peers') parsed.peers = false;
    else if (arg.startsWith('--rounds=')) parsed.rounds = Number(arg.slice('--rounds='.length));
    else if (arg === '--only=bulk') parsed.only = 'bulk';
    else if (arg === '--only=cluster') parsed.only = 'cluster';
    else {
      console.error(
        `unknown option ${arg}; use --quick, --rounds=N, --no-python, --no-peers, ` +
          '--only=bulk|cluster',
      );
      process.exit(2);
    }
  }
  parsed.rounds ??= parsed.quick ? 1 : 3;
  if (!Number.isInteger(parsed.rounds) || parsed.rounds < 1) {
    console.error('--rounds must be a positive integer');
    process.exit(2);
  }
  return parsed;
}

function progress(message) {
  process.stderr.write(`[stores] ${message}\n`);
}
