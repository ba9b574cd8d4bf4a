// The cluster section of the job-store benchmark (issue 16): what run.mjs measures for it, and
// its Markdown tables and targets. The measurements are cluster.mjs children.
import os from 'node:os';

import { median } from '../stats.mjs';

/** The targets. */
export const CLUSTER_TARGETS = {
  scaling: 0.6, // fires/s with N schedulers ≥ 0.6·N × the one-scheduler rate
  maxCost: 0.15, // leases and history cost ≤ 15 % of the fires/s without them
  historyMs: 5, // last 20 runs of a job among 1M run rows
};

/** Scheduler processes of the scaling runs: 1 … this many. */
const MAX_NODES = 4;
/** The stores of the cost and history measurements (MongoDB's history when its URL is set). */
const STORES = ['sqlite', 'postgres', 'redis'];
/** The modes of cluster-node.mjs, in the tables' order. */
const MODES = ['none', 'leases', 'full'];

const LABELS = { sqlite: 'SQLite', postgres: 'PostgreSQL', redis: 'Redis', mongodb: 'MongoDB' };

/**
 * The sizes of the section (`quick` for a smoke check): due jobs per cost measurement (`jobs`)
 * and per scaling measurement (`scaleJobs`: a scheduler claims up to 1,000 due jobs at a time,
 * so a burst needs many batches for four schedulers to share it), warm-up fires per fleet,
 * run rows of the history fill and timed queries per kind.
 */
export function clusterSizes(quick) {
  return quick
    ? { jobs: 1_000, scaleJobs: 3_000, warmup: 500, historyRows: 20_000, historyQueries: 50 }
    : {
        jobs: 5_000,
        scaleJobs: 20_000,
        warmup: 3_000,
        historyRows: 1_000_000,
        historyQueries: 200,
      };
}

/** The key a fleet measurement is recorded under. */
function fleetKey(store, nodes, mode, jobs) {
  return `cluster/fleet/${store}/${nodes}/${mode}/${jobs}`;
}

/**
 * The measurements of one round, as cluster.mjs arguments and result keys: PostgreSQL with
 * 1 … 4 schedulers, with leases and history and without the ledger; each store with one
 * scheduler in each mode; each store's ledger parts without a scheduler.
 */
export function clusterRoundPlan(sizes) {
  const plan = [];
  const fleet = (store, nodes, mode, jobs) =>
    plan.push({
      key: fleetKey(store, nodes, mode, jobs),
      args: ['fleet', store, jobs, nodes, mode, `--warmup=${sizes.warmup}`],
    });
  for (let nodes = 1; nodes <= MAX_NODES; nodes++) {
    fleet('postgres', nodes, 'full', sizes.scaleJobs);
    fleet('postgres', nodes, 'none', sizes.scaleJobs);
  }
  for (const store of STORES) for (const mode of MODES) fleet(store, 1, mode, sizes.jobs);
  for (const store of STORES) {
    plan.push({ key: `cluster/ledger/${store}`, args: ['ledger', store, sizes.jobs] });
  }
  return plan;
}

/** The history measurements (once per run), MongoDB when `mongodb` says it can be. */
export function clusterHistoryPlan(sizes, mongodb) {
  const stores = mongodb ? [...STORES, 'mongodb'] : STORES;
  return stores.map((store) => ({
    key: `cluster/history/${store}`,
    args: ['history', store, sizes.historyRows, `--queries=${sizes.historyQueries}`],
  }));
}

/**
 * Prints the section. `format` has run.mjs's `fmt`, `fmtRatio` and `table`; `machine` the load
 * averages at the section's start and end and the server versions.
 */
export function reportCluster({ results, sizes, rounds, quick, machine, mongoNote, format }) {
  const { fmt, fmtRatio, table } = format;
  const ok = (key) => (results.get(key) ?? []).filter((r) => r.error === undefined);
  const med = (key, field) => median(ok(key).map((r) => r[field]));
  const range = (key, field) => {
    const values = ok(key).map((r) => r[field]);
    if (values.length === 0) return '–';
    if (values.length === 1) return 'one run';
    return `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;
  };
  const load = (loads) => loads.map((value) => value.toFixed(1)).join(' / ');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';

  console.log('\n## Cluster, leases and history\n');
  console.log(
    `Node ${process.version}, ${os.cpus().length} cores (${cpu}), ${os.platform()} ${os.arch()}; ` +
      `SQLite ${machine.versions.sqlite}, PostgreSQL ${machine.versions.postgres}, Redis ` +
      `${machine.versions.redis}; ${quick ? 'quick mode, ' : ''}${rounds} round(s) of fires; ` +
      `load average (1/5/15 min) ${load(machine.loadBefore)} at the start, ` +
      `${load(machine.loadAfter)} at the end; ${new Date().toISOString().slice(0, 16)}Z; ` +
      `${machine.seconds.toFixed(0)} s.\n`,
  );
  console.log(
    `_Fires/s_: ${fmt(sizes.jobs)} due jobs (no-op task) / time from telling the paused ` +
      'schedulers to resume to the last outcome written to the ledger (to the last ' +
      '`job_executed` without a ledger), wall clock across the processes; median of ' +
      `${rounds}. _Executed/s_: to the last \`job_executed\`. _Claim_: ms inside ` +
      '`claimDueJobs` per job won. _Outcome write_: ms of `ledger.finish`/`finishMany` calls ' +
      'per outcome written (outcomes go in batches where the store has `finishMany`; queueing ' +
      'for a pooled connection included). Modes: _full_ = run ledger with the ' +
      'default history (keep 100, a week); _leases_ = run ledger, `history: false`; _none_ = ' +
      'the same store wrapped in a proxy that forwards every `JobStore` member except ' +
      '`ledger` (no run rows, no leases, no history).\n',
  );

  // Scaling.
  const single = {
    full: med(fleetKey('postgres', 1, 'full', sizes.scaleJobs), 'perSecond'),
    none: med(fleetKey('postgres', 1, 'none', sizes.scaleJobs), 'perSecond'),
  };
  const scalingRows = [];
  const worstScaling = { full: Infinity, none: Infinity };
  for (const mode of ['full', 'none']) {
    for (let nodes = 1; nodes <= MAX_NODES; nodes++) {
      const key = fleetKey('postgres', nodes, mode, sizes.scaleJobs);
      const rate = med(key, 'perSecond');
      const ratio = rate / single[mode];
      if (nodes > 1) {
        worstScaling[mode] = Math.min(
          worstScaling[mode],
          ratio / (CLUSTER_TARGETS.scaling * nodes),
        );
      }
      const split = ok(key)[0]?.perNode?.join(' / ') ?? '–';
      scalingRows.push([
        String(nodes),
        mode,
        fmt(rate),
        range(key, 'perSecond'),
        fmt(med(key, 'executedPerSecond')),
        fmtRatio(ratio),
        `${fmtRatio(CLUSTER_TARGETS.scaling * nodes)}`,
        nodes === 1 ? '' : ratio >= CLUSTER_TARGETS.scaling * nodes ? 'yes' : 'no',
        split,
        fmt(med(key, 'claimMsPerJob'), 2),
        mode === 'none' ? '' : fmt(med(key, 'finishMsEach'), 1),
      ]);
    }
  }
  console.log(
    `### N schedulers (processes) on one PostgreSQL store (${fmt(sizes.scaleJobs)} due jobs)\n`,
  );
  table(
    [
      'N',
      'Mode',
      'Fires/s',
      'Range',
      'Executed/s',
      '÷ N=1',
      'Target 0.6·N',
      'Met',
      'Jobs per scheduler (first round)',
      'Claim ms/job',
      'Outcome write ms',
    ],
    ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'c', 'l', 'r', 'r'],
    scalingRows,
  );

  // Cost.
  const costRows = [];
  const costs = {};
  for (const store of STORES) {
    const rate = Object.fromEntries(
      MODES.map((mode) => [mode, med(fleetKey(store, 1, mode, sizes.jobs), 'perSecond')]),
    );
    const executed = med(fleetKey(store, 1, 'full', sizes.jobs), 'executedPerSecond');
    costs[store] = { leases: 1 - rate.leases / rate.none, full: 1 - rate.full / rate.none };
    costRows.push([
      LABELS[store],
      fmt(rate.none),
      fmt(rate.leases),
      fmt(rate.full),
      fmt(executed),
      `${fmt(100 * costs[store].leases)} %`,
      `${fmt(100 * costs[store].full)} %`,
      costs[store].full <= CLUSTER_TARGETS.maxCost ? 'yes' : 'no',
      fmt(med(fleetKey(store, 1, 'full', sizes.jobs), 'claimMsPerJob'), 2),
      fmt(med(fleetKey(store, 1, 'none', sizes.jobs), 'claimMsPerJob'), 2),
      fmt(med(fleetKey(store, 1, 'full', sizes.jobs), 'finishMsEach'), 1),
    ]);
  }
  console.log(`### The cost of leases and history (one scheduler, ${fmt(sizes.jobs)} due jobs)\n`);
  table(
    [
      'Store',
      'none fires/s',
      'leases fires/s',
      'full fires/s',
      'full executed/s',
      'Cost, leases',
      'Cost, leases + history',
      '≤ 15 %',
      'Claim ms/job, full',
      'Claim ms/job, none',
      'Outcome write ms, full',
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'c', 'r', 'r', 'r'],
    costRows,
  );

  // The ledger's parts, store level.
  const partRows = STORES.map((store) => {
    const key = `cluster/ledger/${store}`;
    const claims = med(key, 'claimsPerSecond');
    const withRuns = med(key, 'claimsWithRunsPerSecond');
    const finishes = med(key, 'finishesInFlightPerSecond');
    // A fire with the ledger is a claim with runs and an outcome write.
    const bound = 1 / (1 / withRuns + 1 / finishes);
    return [
      LABELS[store],
      fmt(claims),
      fmt(withRuns),
      fmt(med(key, 'finishesPerSecond')),
      fmt(finishes),
      fmt(bound),
      `${fmt(100 * (1 - bound / claims))} %`,
    ];
  });
  console.log(
    `### The ledger's parts, store level (no scheduler; ${fmt(sizes.jobs)} due jobs, median ` +
      `of ${rounds})\n`,
  );
  console.log(
    '`store.claimDueJobs` in batches of 1,000 until none is due, without and with ' +
      '`claim.runs` (one run row in flight per job, no job document: `onAbandoned` is ' +
      "`'fail'`, as a scheduler opens it); then the outcome of each of those runs: " +
      '`store.ledger.finish(row, DEFAULT_RETENTION)` one at a time (the first 1,000, or half ' +
      'when fewer), and `finishMany` in batches of 500 (the rest), as the scheduler writes a ' +
      'busy turn. _Bound_: a fire with the ledger is one claim with runs plus one batched ' +
      'outcome write, 1 / (1/claims + 1/batched writes); _Bound cost_ is its shortfall from ' +
      'plain claims.\n',
  );
  table(
    [
      'Store',
      'Claims/s',
      'Claims with runs/s',
      'Outcome writes/s, 1 at a time',
      'Outcome writes/s, batches of 500',
      'Bound, fires/s',
      'Bound cost',
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    partRows,
  );

  // History.
  const historyRows = [];
  const historyStores = [...STORES, 'mongodb'];
  const worstHistory = {};
  for (const store of historyStores) {
    const found = ok(`cluster/history/${store}`)[0];
    const failed = (results.get(`cluster/history/${store}`) ?? [])[0]?.error;
    if (found === undefined) {
      if (store === 'mongodb') continue;
      historyRows.push([LABELS[store], '–', '–', failed ?? 'not run', '', '', '', '', '']);
      continue;
    }
    const ms = found.milliseconds;
    const pair = (kind) => `${fmt(ms[kind].p50, 2)} / ${fmt(ms[kind].p99, 2)}`;
    worstHistory[store] = ms.job;
    historyRows.push([
      LABELS[store],
      fmt(found.rows),
      fmt(found.fillSeconds, 1),
      pair('job'),
      pair('jobPage2'),
      pair('jobErrors'),
      pair('all'),
      pair('lastRuns100'),
      found.plan,
    ]);
  }
  const rows = sizes.historyRows >= 1e6 ? `${sizes.historyRows / 1e6}M` : fmt(sizes.historyRows);
  console.log(
    `### History queries among ${rows} run rows (ms, p50 / p99 of ${sizes.historyQueries} ` +
      'calls on random jobs)\n',
  );
  console.log(
    `${rows} finished runs: ${fmt(sizes.historyRows / 100)} jobs × 100 runs (the default ` +
      "retention's `keep`), one a minute; 2 % `error`, 1 % `missed`. Bulk-filled in each " +
      "store's layout (SQLite prepared INSERTs, PostgreSQL `INSERT … SELECT generate_series`, " +
      'Redis pipelined HSET/ZADD), then timed through `store.ledger`: _job_ `getRuns({jobId, ' +
      "limit: 20})`, _page 2_ the same `after` the 20th, _errors_ `outcomes: ['error']`, " +
      "_all_ `getRuns({limit: 20})`, _lastRuns_ of 100 jobs (each listed job's `lastRun`). " +
      `${mongoNote}\n`,
  );
  table(
    ['Store', 'Rows', 'Fill (s)', 'job', 'page 2', 'errors', 'all', 'lastRuns(100)', 'Plan'],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    historyRows,
  );

  // Targets.
  const verdict = (met) => (met ? '**met**' : '**not met**');
  const targets = [];
  const scalingResult = (mode) => {
    const parts = [];
    for (let nodes = 2; nodes <= MAX_NODES; nodes++) {
      const rate = med(fleetKey('postgres', nodes, mode, sizes.scaleJobs), 'perSecond');
      parts.push(`N=${nodes} ${fmtRatio(rate / single[mode])} (needs ${fmtRatio(0.6 * nodes)})`);
    }
    return `${verdict(worstScaling[mode] >= 1)}: ${parts.join(', ')}; N=1 ${fmt(single[mode])}/s`;
  };
  targets.push([
    'PostgreSQL, N = 1…4 schedulers: fires/s ≥ 0.6·N × one scheduler (leases + history)',
    scalingResult('full'),
  ]);
  targets.push([
    'Same, without the ledger (reference: the claim path alone)',
    scalingResult('none'),
  ]);
  for (const store of STORES) {
    const cost = costs[store];
    targets.push([
      `${LABELS[store]}: leases + history cost ≤ 15 % of fires/s`,
      `${verdict(cost.full <= CLUSTER_TARGETS.maxCost)}: ${fmt(100 * cost.full)} % fewer ` +
        `(leases alone ${fmt(100 * cost.leases)} %)`,
    ]);
  }
  for (const [store, job] of Object.entries(worstHistory)) {
    targets.push([
      `${LABELS[store]}: last 20 runs of a job among ${rows} ≤ ${CLUSTER_TARGETS.historyMs} ms`,
      `p50 ${verdict(job.p50 <= CLUSTER_TARGETS.historyMs)}: ${fmt(job.p50, 2)} ms; p99 ` +
        `${verdict(job.p99 <= CLUSTER_TARGETS.historyMs)}: ${fmt(job.p99, 2)} ms ` +
        `(max ${fmt(job.max, 2)})`,
    ]);
  }
  console.log('### Cluster targets\n');
  table(['Target', 'Result'], ['l', 'l'], targets);
}
