// One measurement of the otel benchmark, in a process of its own:
//   node benchmarks/otel/dispatch.mjs <variant> <sync|async|work> <jobs>
//
// Tasks: `sync` only records the time (Kairos's own dispatch cost, as in benchmarks/core),
// `async` awaits once first, `work` first spins for 100 µs (a task that does something).
//
// `jobs` one-off jobs all due at one instant on a started Kairos BackgroundScheduler (memory
// store, async executor with 10 workers, misfireGraceTime null), each with its own callback
// that records performance.now(), as in benchmarks/core's dispatch workload; the variant says
// what OpenTelemetry does meanwhile (see VARIANTS). Prints one JSON line: fires/s from the first
// callback to the last, and from the due instant to the last.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { instrument } from '@kairos/otel';
import { BackgroundScheduler } from 'kairos';

/** What each variant instruments. */
export const VARIANTS = {
  off: null,
  'tracing+metrics': { tracing: true, metrics: true, ratio: 1 },
  metrics: { tracing: false, metrics: true, ratio: 1 },
  'tracing 1%+metrics': { tracing: true, metrics: true, ratio: 0.01 },
};

const WARMUP_JOBS = 2000;
const LEAD_MS = 500;

/** An exporter that drops what it is given (the SDK's work is measured, not a network). */
class DiscardingExporter {
  export(_items, resultCallback) {
    resultCallback({ code: 0 });
  }
  forceFlush() {
    return Promise.resolve();
  }
  shutdown() {
    return Promise.resolve();
  }
}

const [variantName, taskKind, jobsText] = process.argv.slice(2);
const variant = VARIANTS[variantName];
const jobs = Number(jobsText);
if (variant === undefined || !['sync', 'async', 'work'].includes(taskKind) || !(jobs > 0)) {
  console.error(
    `usage: dispatch.mjs <${Object.keys(VARIANTS).join('|')}> <sync|async|work> <jobs>`,
  );
  process.exit(2);
}

const scheduler = new BackgroundScheduler({
  logger: false,
  jobDefaults: { misfireGraceTime: null },
  executors: { default: { type: 'async', maxWorkers: 10 } },
});
const providers = [];
if (variant !== null) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracerProvider = new BasicTracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(variant.ratio) }),
    spanProcessors: [
      new BatchSpanProcessor(new DiscardingExporter(), {
        maxQueueSize: 4 * (jobs + WARMUP_JOBS),
        maxExportBatchSize: 512,
      }),
    ],
  });
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new DiscardingExporter(),
        exportIntervalMillis: 1000,
      }),
    ],
  });
  providers.push(tracerProvider, meterProvider);
  instrument(scheduler, {
    tracerProvider,
    meterProvider,
    tracing: variant.tracing,
    metrics: variant.metrics,
    // The workload's 100k one-off jobs each have an id of their own: one series per job name.
    metricJobId: false,
  });
}
await scheduler.start();

/** Runs `count` jobs due together; resolves with the callback times. */
async function batch(count) {
  let fired = 0;
  let first = 0;
  let last = 0;
  let resolve;
  const done = new Promise((settle) => {
    resolve = settle;
  });
  const record = () => {
    const now = performance.now();
    if (fired === 0) first = now;
    last = now;
    if (++fired === count) resolve();
  };
  const dueAt = Math.ceil(Date.now() + LEAD_MS + count / 50);
  const runDate = new Date(dueAt);
  const entries = [];
  for (let index = 0; index < count; index++) {
    // Each job its own callback, as a user's jobs are.
    const task =
      taskKind === 'sync'
        ? () => record()
        : taskKind === 'async'
          ? async () => {
              await null;
              record();
            }
          : () => {
              const until = performance.now() + 0.1;
              while (performance.now() < until);
              record();
            };
    entries.push({ task, trigger: { type: 'date', runDate } });
  }
  // The scheduler's timers leave the process free to exit (daemon): hold it open meanwhile.
  const keepAlive = setInterval(() => undefined, 1000);
  await scheduler.addJobs(entries);
  const overran = Date.now() >= dueAt;
  await done;
  clearInterval(keepAlive);
  return { fired, first, last, dueAt, overran };
}

await batch(WARMUP_JOBS);
const { fired, first, last, dueAt, overran } = await batch(jobs);
const fromDueMs = performance.timeOrigin + last - dueAt;
const result = {
  variant: variantName,
  task: taskKind,
  jobs,
  perSecond: ((fired - 1) * 1000) / (last - first),
  fromDuePerSecond: (fired * 1000) / fromDueMs,
  overran,
};
await scheduler.shutdown();
for (const provider of providers) await provider.shutdown();
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);
