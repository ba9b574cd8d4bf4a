// One measurement of the job-store benchmark, in a fresh process (run.mjs spawns it with
// --expose-gc). Prints one JSON line.
//
//   node --expose-gc benchmarks/stores/workload.mjs <workload> <store> <jobs> [--concurrency=N]
//
// Workloads (store: sqlite | sqlite-full | postgres | redis):
//   add-store      store.addJob of <jobs> interval jobs built from stored states, N in flight
//   add-batch      store.addJobs of the same <jobs> jobs, one call
//   add-scheduler  scheduler.addJob(tick, {type: 'interval', hours: 1}) on a started scheduler
//   fire           <jobs> jobs due at once, fired by a BackgroundScheduler (no-op task)
//   claim          store.claimDueJobs in batches of 1,000 until none is due
//   fill           empties the storage, then bulk-fills <jobs> jobs (5 due, the rest a day ahead)
//   latency        getNextRunTime / claimDueJobs reading the 5 due jobs (advance leaves them
//                  due) / claimDueJobs with none due, over what `fill` stored
//   start          scheduler start() over what `fill` stored: time and memory
//   clear          removes everything the benchmark stored
import {
  BackgroundScheduler,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  EVENT_JOB_SUBMITTED,
} from '@kairos/core';

import { backend, startedStore } from './backends.mjs';
import { buildJob, TASK } from './context.mjs';

const HOUR = 3_600_000;
/** Calls per query in the latency workload (after 20 warm-up calls). */
const LATENCY_CALLS = 200;
/** Jobs due in a filled store (the first scheduler pass fires them). */
const FILL_DUE = 5;
/** Due jobs fired (or claimed) before the measured batch, so that it runs on warm code. */
const WARMUP_DUE = 5000;
/** A fire or claim that has not finished after this long is reported as failed. */
const FIRE_LIMIT_MS = 120_000;

const [workload, storeName, jobsText, ...rest] = process.argv.slice(2);
const jobs = Number(jobsText ?? 0);
const concurrency = Number(
  rest.find((a) => a.startsWith('--concurrency='))?.slice('--concurrency='.length) ?? 1,
);

const WORKLOADS = {
  'add-store': addStore,
  'add-batch': addBatch,
  'add-scheduler': addScheduler,
  fire,
  claim,
  fill,
  latency,
  start,
  clear: async (b) => {
    await b.clear();
    return {};
  },
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

async function main() {
  const run = WORKLOADS[workload];
  if (run === undefined) throw new Error(`unknown workload ${JSON.stringify(workload)}`);
  const result = await run(backend(storeName));
  console.log(JSON.stringify({ workload, store: storeName, jobs, concurrency, ...result }));
  // Pools, subscriptions and timers of the stores are closed; exit even if a library lingers.
  process.exit(0);
}

/** Calls `work(item)` for every item, with at most `limit` calls pending. */
async function inFlight(items, limit, work) {
  if (limit <= 1) {
    for (const item of items) await work(item);
    return;
  }
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function fullGc() {
  for (let i = 0; i < 3; i++) globalThis.gc?.();
}

/** Nearest-rank quantile of sorted numbers. */
function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

// ─── adds ─────────────────────────────────────────────────────────────────────────────────────

async function addStore(b) {
  const { store, context, stop } = await startedStore(b);
  try {
    await store.removeAllJobs();
    const base = Date.now() + HOUR;
    // Warm-up (JIT, connections, statement caches), then removed.
    const warm = Array.from({ length: 1000 }, (_, i) => buildJob(context, `warm-${i}`, base + i));
    await inFlight(warm, concurrency, (job) => store.addJob(job));
    await store.removeAllJobs();
    const batch = Array.from({ length: jobs }, (_, i) => buildJob(context, `add-${i}`, base + i));
    fullGc();
    const began = performance.now();
    await inFlight(batch, concurrency, (job) => store.addJob(job));
    const seconds = (performance.now() - began) / 1000;
    if ((await store.lookupJob(`add-${jobs - 1}`)) === null) throw new Error('last job missing');
    if ((await store.getNextRunTime()) !== base) throw new Error('wrong earliest run time');
    await store.removeAllJobs();
    return { seconds, perSecond: jobs / seconds };
  } finally {
    await stop();
  }
}

async function addBatch(b) {
  const { store, context, stop } = await startedStore(b);
  try {
    await store.removeAllJobs();
    const base = Date.now() + HOUR;
    // Warm-up (JIT, connections, statement caches, the script cache), then removed.
    const warm = Array.from({ length: 1000 }, (_, i) => buildJob(context, `warm-${i}`, base + i));
    await store.addJobs(warm);
    await store.removeAllJobs();
    const batch = Array.from({ length: jobs }, (_, i) => buildJob(context, `add-${i}`, base + i));
    fullGc();
    const began = performance.now();
    await store.addJobs(batch);
    const seconds = (performance.now() - began) / 1000;
    if ((await store.lookupJob(`add-${jobs - 1}`)) === null) throw new Error('last job missing');
    if ((await store.getNextRunTime()) !== base) throw new Error('wrong earliest run time');
    await store.removeAllJobs();
    return { seconds, perSecond: jobs / seconds };
  } finally {
    await stop();
  }
}

function newScheduler(store, maxWorkers = 10) {
  return new BackgroundScheduler({
    jobstores: { default: store },
    executors: { default: { type: 'async', maxWorkers } },
    jobDefaults: { misfireGraceTime: null },
    tasks: { [TASK]: () => undefined },
  });
}

async function addScheduler(b) {
  const { store, close } = b.createStore();
  const scheduler = newScheduler(store);
  await scheduler.start();
  try {
    await scheduler.removeAllJobs();
    const trigger = { type: 'interval', hours: 1 };
    for (let i = 0; i < 1000; i++) await scheduler.addJob(TASK, trigger);
    await scheduler.removeAllJobs();
    fullGc();
    const began = performance.now();
    for (let i = 0; i < jobs; i++) await scheduler.addJob(TASK, trigger);
    const seconds = (performance.now() - began) / 1000;
    const stored = (await scheduler.getJobs()).length;
    if (stored !== jobs) throw new Error(`${stored} jobs stored, ${jobs} added`);
    await scheduler.removeAllJobs();
    return { seconds, perSecond: jobs / seconds };
  } finally {
    await scheduler.shutdown();
    close();
  }
}

// ─── fires ────────────────────────────────────────────────────────────────────────────────────

/**
 * Stores `count` jobs due by now (their run times 1 ms apart, the latest 1 s ago), with the
 * backend's bulk fill: adding 10k jobs one by one would dominate the measurement's duration.
 */
async function addDue(b, count) {
  const dueAt = Date.now() - count - 1000;
  await b.fill({ total: count, due: count, dueAt, futureFrom: 0 });
}

async function fire(b) {
  await b.clear();
  const { store, close } = b.createStore();
  const scheduler = newScheduler(store, 1000);
  const counts = { submitted: 0, executed: 0, missed: 0, error: 0, maxInstances: 0 };
  let firstSubmitted = 0;
  let lastSubmitted = 0;
  let expected = 0;
  let finish = () => undefined;
  scheduler.addListener(
    (event) => {
      if (event.code === EVENT_JOB_SUBMITTED) {
        if (counts.submitted++ === 0) firstSubmitted = performance.now();
        lastSubmitted = performance.now();
      } else if (event.code === EVENT_JOB_EXECUTED) {
        if (++counts.executed === expected) finish(performance.now());
      } else if (event.code === EVENT_JOB_MISSED) counts.missed++;
      else if (event.code === EVENT_JOB_ERROR) counts.error++;
      else counts.maxInstances++;
    },
    EVENT_JOB_SUBMITTED |
      EVENT_JOB_EXECUTED |
      EVENT_JOB_MISSED |
      EVENT_JOB_ERROR |
      EVENT_JOB_MAX_INSTANCES,
  );
  await scheduler.start({ paused: true });
  /** Resumes the paused scheduler and waits for `count` executed runs; the time it took. */
  const pass = async (count) => {
    expected = count;
    Object.assign(counts, { submitted: 0, executed: 0, missed: 0, error: 0, maxInstances: 0 });
    const done = new Promise((resolve, reject) => {
      finish = resolve;
      setTimeout(
        () => reject(new Error(`${counts.executed} of ${count} runs after ${FIRE_LIMIT_MS} ms`)),
        FIRE_LIMIT_MS,
      ).unref();
    });
    const began = performance.now();
    scheduler.resume();
    const ended = await done;
    scheduler.pause();
    return {
      ms: ended - began,
      firstSubmittedMs: firstSubmitted - began,
      lastSubmittedMs: lastSubmitted - began,
    };
  };
  try {
    // Warm-up through the same scheduler (the JIT needs a few thousand claims to settle), then
    // removed.
    await addDue(b, WARMUP_DUE);
    await pass(WARMUP_DUE);
    await scheduler.removeAllJobs();
    await addDue(b, jobs);
    const timing = await pass(jobs);
    const after = { ...counts };
    const left = (await scheduler.getJobs()).filter((job) => job.nextRunTimeMs <= Date.now());
    await scheduler.removeAllJobs();
    return {
      ...timing,
      perSecond: jobs / (timing.ms / 1000),
      submitPerSecond: jobs / (timing.lastSubmittedMs / 1000),
      counts: after,
      stillDue: left.length,
    };
  } finally {
    await scheduler.shutdown({ wait: false });
    close();
  }
}

async function claim(b) {
  await b.clear();
  const { store, stop } = await startedStore(b);
  const claimAll = async (now) => {
    let total = 0;
    let batches = 0;
    for (;;) {
      const runs = await store.claimDueJobs({
        now,
        limit: 1000,
        advance: (job) => {
          const next = job.trigger.getNextFireTime(new Date(job.nextRunTimeMs), new Date(now));
          return job.with({ nextRunTimeMs: next === null ? null : next.getTime() });
        },
      });
      if (runs.length === 0) return { total, batches };
      total += runs.length;
      batches++;
    }
  };
  try {
    await addDue(b, WARMUP_DUE);
    await claimAll(Date.now());
    await store.removeAllJobs();
    await addDue(b, jobs);
    const began = performance.now();
    const { total, batches } = await claimAll(Date.now());
    const ms = performance.now() - began;
    if (total !== jobs) throw new Error(`claimed ${total} of ${jobs} due jobs`);
    await store.removeAllJobs();
    return { ms, batches, perSecond: jobs / (ms / 1000) };
  } finally {
    await stop();
  }
}

// ─── scaling: fill, latency, start ────────────────────────────────────────────────────────────

async function fill(b) {
  await b.clear();
  const now = Date.now();
  const began = performance.now();
  await b.fill({ total: jobs, due: FILL_DUE, dueAt: now - 60_000, futureFrom: now + 24 * HOUR });
  return { seconds: (performance.now() - began) / 1000 };
}

async function latency(b) {
  const { store, context, stop } = await startedStore(b);
  try {
    const earliest = await store.getNextRunTime();
    const now = Date.now();
    const queries = {
      getNextRunTime: async () => {
        if ((await store.getNextRunTime()) !== earliest) throw new Error('earliest changed');
      },
      // The due query: the 5 due jobs read and restored, none claimed (advance leaves them).
      claimDueLeft: async () => {
        let asked = 0;
        const runs = await store.claimDueJobs({
          now,
          limit: 1000,
          advance: () => {
            asked += 1;
            return undefined;
          },
        });
        if (runs.length !== 0 || asked !== FILL_DUE) {
          throw new Error(`${asked} due jobs read, not ${FILL_DUE}`);
        }
      },
      claimNoneDue: async () => {
        const runs = await store.claimDueJobs({
          now: earliest - 1,
          limit: 1000,
          advance: () => {
            throw new Error('nothing is due');
          },
        });
        if (runs.length !== 0) throw new Error(`claimed ${runs.length} jobs`);
      },
    };
    const result = {};
    for (const [name, query] of Object.entries(queries)) {
      for (let i = 0; i < 20; i++) await query();
      const samples = [];
      for (let i = 0; i < LATENCY_CALLS; i++) {
        const began = performance.now();
        await query();
        samples.push((performance.now() - began) * 1000);
      }
      samples.sort((x, y) => x - y);
      result[name] = { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
    }
    if (context.unrestorable > 0) throw new Error(`${context.unrestorable} jobs unrestorable`);
    return { microseconds: result };
  } finally {
    await stop();
  }
}

async function start(b) {
  const { store, close } = b.createStore();
  // The end of the first pass: its last store call is getNextRunTime.
  let firstPassDone = () => undefined;
  const firstPass = new Promise((resolve) => {
    firstPassDone = resolve;
  });
  const getNextRunTime = store.getNextRunTime.bind(store);
  store.getNextRunTime = async () => {
    const next = await getNextRunTime();
    firstPassDone(performance.now());
    return next;
  };
  const scheduler = newScheduler(store);
  let executed = 0;
  scheduler.addListener(() => executed++, EVENT_JOB_EXECUTED);
  fullGc();
  const before = process.memoryUsage();
  const began = performance.now();
  await scheduler.start();
  const runningMs = performance.now() - began;
  if (scheduler.state !== 'running') throw new Error(`state ${scheduler.state} after start()`);
  const firstPassMs = (await firstPass) - began;
  const peak = process.memoryUsage();
  fullGc();
  const settled = process.memoryUsage();
  // The runs of the first pass (the due jobs) finish on their own.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const executedInFirstPass = executed;
  await scheduler.shutdown();
  close();
  return {
    runningMs,
    firstPassMs,
    executedInFirstPass,
    rssGrowth: peak.rss - before.rss,
    heapGrowth: settled.heapUsed - before.heapUsed,
  };
}
