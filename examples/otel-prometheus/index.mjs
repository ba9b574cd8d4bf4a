// Kairos example: a scheduler's runs as Prometheus metrics, through OpenTelemetry.
// @kairos/otel's instrument() records the kairos.* metrics on an OpenTelemetry MeterProvider
// whose reader is the Prometheus exporter; Prometheus scrapes /metrics.
//
//   node examples/otel-prometheus/index.mjs           serve /metrics on 127.0.0.1:9464 until
//                                                     SIGINT or SIGTERM
//   node examples/otel-prometheus/index.mjs --smoke   serve on a free port, let a few runs
//                                                     happen, scrape /metrics, check the kairos_
//                                                     metrics, exit 0 (CI runs this)
//
//   curl 127.0.0.1:9464/metrics
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { instrument } from '@kairos/otel';
import { BackgroundScheduler, consoleLogger } from 'kairos';

const smoke = process.argv.includes('--smoke');

// The exporter is a MetricReader: Prometheus pulls, so nothing is pushed anywhere. Its own
// server is not started; its request handler is mounted on ours (one server, our address).
const exporter = new PrometheusExporter({ preventServerStart: true });
const meterProvider = new MeterProvider({ readers: [exporter] });

const scheduler = new BackgroundScheduler({
  timezone: 'UTC',
  logger: smoke ? false : consoleLogger('warn'),
});
// Before start(), so that every run is seen. Job ids are few and stable here: keep them.
const instrumentation = instrument(scheduler, { meterProvider, tracing: false });

await scheduler.addJob(
  () => Math.random(),
  { type: 'interval', seconds: smoke ? 0.2 : 5 },
  {
    id: 'sample',
    name: 'sample',
  },
);
await scheduler.addJob(
  () => {
    throw new RangeError('upstream returned 503');
  },
  { type: 'interval', seconds: smoke ? 0.3 : 30 },
  { id: 'sync-upstream', name: 'sync upstream' },
);
await scheduler.addJob(() => 'weekly', { type: 'crontab', expr: '0 9 * * 1' }, { id: 'weekly' });

const server = createServer((request, response) => {
  if (request.url === '/metrics') exporter.getMetricsRequestHandler(request, response);
  else response.writeHead(404).end('see /metrics\n');
});
server.listen(smoke ? 0 : Number(process.env.PORT ?? 9464), '127.0.0.1');
await once(server, 'listening');
const { port } = server.address();
await scheduler.start();
console.log(`Prometheus metrics on http://127.0.0.1:${port}/metrics`);

async function stop() {
  instrumentation.shutdown();
  await scheduler.shutdown();
  server.close();
  await meterProvider.shutdown();
}

if (smoke) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  const line = (pattern) => text.split('\n').find((each) => pattern.test(each));
  const executed = line(
    /^kairos_runs_total\{.*kairos_job_id="sample".*kairos_run_outcome="executed"/,
  );
  assert.ok(executed, `no executed runs of "sample" in:\n${text}`);
  assert.ok(Number(executed.split(' ').pop()) >= 3, executed);
  assert.ok(
    line(/^kairos_runs_total\{.*kairos_job_id="sync-upstream".*kairos_run_outcome="error"/),
  );
  assert.ok(line(/^kairos_run_duration_bucket\{.*kairos_job_id="sample"/));
  assert.ok(line(/^kairos_run_lateness_count\{.*kairos_job_id="sample"/));
  assert.ok(line(/^kairos_jobs\{.*kairos_job_state="scheduled".*\} 3/), text);
  assert.ok(line(/^kairos_runs_in_flight\{.*kairos_executor="default".*\} 0/), text);
  console.log(executed);
  await stop();
  console.log('smoke test passed');
} else {
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void stop());
}
