// BullMQ side of the Redis comparison, in a fresh process. Prints one JSON line.
//
//   node benchmarks/stores/bullmq_peer.mjs <schedulers> [--concurrency=N]
//
// BullMQ 6 job schedulers (`queue.upsertJobScheduler(id, { every })`), the closest BullMQ has to
// Kairos's interval jobs in a Redis store:
// - create: <schedulers> schedulers every hour, upserted one after the other (each also adds its
//   first job, due at once: BullMQ runs an `every` scheduler's first job immediately);
// - process: a Worker (no-op processor, `concurrency` N, started after all were created) runs
//   those <schedulers> due jobs; timed from worker.run() to the last 'completed' event. Each
//   run also makes BullMQ add the scheduler's next job (delayed an hour), as a Kairos fire
//   advances the job. Jobs are removed on completion (Kairos keeps no run history either).
import { Queue, Worker } from 'bullmq';

import { REDIS_URL } from './backends.mjs';

const LIMIT_MS = 180_000;
const [countText, ...rest] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(
  rest.find((a) => a.startsWith('--concurrency='))?.slice('--concurrency='.length) ?? 100,
);
const url = new URL(REDIS_URL);
const connection = {
  host: url.hostname,
  port: Number(url.port || 6379),
  db: Number(url.pathname.slice(1) || 0),
  maxRetriesPerRequest: null,
};
const prefix = 'kairos-bench-bull';
const template = { name: 'tick', data: {}, opts: { removeOnComplete: true } };

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/** Creates `n` schedulers on a new queue; the queue and the seconds it took. */
async function createSchedulers(name, n) {
  const queue = new Queue(name, { connection, prefix });
  await queue.waitUntilReady();
  await queue.obliterate({ force: true });
  const began = performance.now();
  for (let i = 0; i < n; i++) {
    await queue.upsertJobScheduler(`scheduler-${i}`, { every: 3_600_000 }, template);
  }
  return { queue, seconds: (performance.now() - began) / 1000 };
}

/** Runs a worker until `n` jobs completed; the milliseconds it took. */
async function processAll(name, n) {
  let completed = 0;
  let failed = 0;
  let finish = () => undefined;
  const done = new Promise((resolve, reject) => {
    finish = resolve;
    setTimeout(
      () => reject(new Error(`${completed} of ${n} after ${LIMIT_MS} ms`)),
      LIMIT_MS,
    ).unref();
  });
  const worker = new Worker(name, async () => undefined, {
    connection,
    prefix,
    concurrency,
    autorun: false,
  });
  worker.on('completed', () => {
    if (++completed === n) finish(performance.now());
  });
  worker.on('failed', () => failed++);
  await worker.waitUntilReady();
  const began = performance.now();
  void worker.run();
  const ended = await done;
  await worker.close();
  if (failed > 0) throw new Error(`${failed} jobs failed`);
  return ended - began;
}

async function main() {
  const name = `kairos-bench-${process.pid}`;
  // Warm-up on a queue of its own (JIT, script loading), then removed.
  const warm = await createSchedulers(`${name}-warm`, 200);
  await processAll(`${name}-warm`, 200);
  await warm.queue.obliterate({ force: true });
  await warm.queue.close();

  const { queue, seconds } = await createSchedulers(name, count);
  const waiting = await queue.getJobCounts('wait', 'prioritized', 'delayed');
  if (waiting.wait + waiting.prioritized !== count) {
    throw new Error(`${JSON.stringify(waiting)} after creating ${count} schedulers`);
  }
  const ms = await processAll(name, count);
  const after = await queue.getJobCounts('wait', 'active', 'delayed');
  await queue.obliterate({ force: true });
  await queue.close();
  const { version } = await import('bullmq/package.json', { with: { type: 'json' } }).then(
    (m) => m.default,
  );
  console.log(
    JSON.stringify({
      workload: 'bullmq',
      jobs: count,
      concurrency,
      version,
      createSeconds: seconds,
      createPerSecond: count / seconds,
      processMs: ms,
      processPerSecond: count / (ms / 1000),
      nextJobsDelayed: after.delayed,
    }),
  );
  process.exit(0);
}
