// The cost of @kairos/otel on dispatch: a Kairos scheduler's fires/s without instrument() and
// with it (a real SDK: BasicTracerProvider with a BatchSpanProcessor, MeterProvider with a
// PeriodicExportingMetricReader, both exporting to an exporter that discards), side by side in
// one run. Each measurement runs in its own process (dispatch.mjs); the variants of a case run
// one after the other within a round, the order rotating each round; the table gives medians.
//
//   node benchmarks/otel/run.mjs [--rounds=N] [--jobs=N]
//
// --jobs (default 100,000) is the batch of the sync and async tasks; the `work` task (100 µs
// each) runs a tenth of it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const option = (name, fallback) => {
  const given = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return given === undefined ? fallback : Number(given.slice(name.length + 3));
};
const rounds = option('rounds', 5);
const jobs = option('jobs', 100_000);
const VARIANTS = ['off', 'tracing+metrics', 'metrics', 'tracing 1%+metrics'];
const TASKS = ['sync', 'async', 'work'];
const jobsOf = (task) => (task === 'work' ? Math.round(jobs / 10) : jobs);

const results = new Map(); // `${task} ${variant}` → [{ perSecond, fromDuePerSecond }]
const started = Date.now();
for (let round = 0; round < rounds; round++) {
  for (const task of TASKS) {
    for (let index = 0; index < VARIANTS.length; index++) {
      const variant = VARIANTS[(index + round) % VARIANTS.length];
      const child = spawnSync(
        process.execPath,
        [join(here, 'dispatch.mjs'), variant, task, String(jobsOf(task))],
        {
          encoding: 'utf8',
        },
      );
      if (child.status !== 0) {
        process.stderr.write(child.stderr);
        throw new RangeError(`dispatch.mjs ${variant} ${task} exited with ${child.status}`);
      }
      const result = JSON.parse(child.stdout.trim().split('\n').pop());
      if (result.overran)
        process.stderr.write(`warning: ${variant} ${task} added past the due time\n`);
      const key = `${task} ${variant}`;
      results.set(key, [...(results.get(key) ?? []), result]);
      process.stderr.write(
        `round ${round + 1}/${rounds} ${key}: ${Math.round(result.perSecond).toLocaleString('en')} fires/s\n`,
      );
    }
  }
}

const format = (value) => Math.round(value).toLocaleString('en');
console.log(
  `One-off jobs due at one instant (${jobs.toLocaleString('en')}; ` +
    `${jobsOf('work').toLocaleString('en')} for work), ${rounds} rounds, medians; ` +
    `Node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s\n`,
);
console.log(
  '| Task | Instrumentation | fires/s first → last | fires/s due → last | vs off | cost per run |',
);
console.log(
  '| ---- | --------------- | -------------------: | -----------------: | -----: | -----------: |',
);
for (const task of TASKS) {
  const off = median(results.get(`${task} off`).map((r) => r.perSecond));
  for (const variant of VARIANTS) {
    const rows = results.get(`${task} ${variant}`);
    const perSecond = median(rows.map((r) => r.perSecond));
    const fromDue = median(rows.map((r) => r.fromDuePerSecond));
    const ratio = variant === 'off' ? '' : `${((perSecond / off - 1) * 100).toFixed(0)} %`;
    const cost = variant === 'off' ? '' : `${(1e6 / perSecond - 1e6 / off).toFixed(1)} µs`;
    console.log(
      `| ${task} | ${variant} | ${format(perSecond)} | ${format(fromDue)} | ${ratio} | ${cost} |`,
    );
  }
}
