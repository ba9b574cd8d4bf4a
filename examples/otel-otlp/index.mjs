// Kairos example: a scheduler's runs as OpenTelemetry traces and metrics sent over OTLP/HTTP to
// a collector (the OpenTelemetry Collector, Jaeger, Tempo, Grafana Alloy, a vendor's endpoint).
// Each run is a kairos.run span; the task runs inside it, so its own spans are the run's children.
//
//   node examples/otel-otlp/index.mjs           send to $OTEL_EXPORTER_OTLP_ENDPOINT
//                                               (default http://127.0.0.1:4318) until SIGINT/SIGTERM
//   node examples/otel-otlp/index.mjs --smoke   start a tiny collector on 127.0.0.1, send to it,
//                                               check it received the spans and metrics, exit 0
//                                               (CI runs this)
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrument } from '@kairos/otel';
import { BackgroundScheduler, consoleLogger } from 'kairos';

const smoke = process.argv.includes('--smoke');

// ─── a stand-in collector (smoke test only): it keeps what OTLP/HTTP JSON requests carry ──────

const received = { spans: [], metrics: [] };
let collector = null;
let endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318';
if (smoke) {
  collector = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (request.url === '/v1/traces') {
        for (const resource of body.resourceSpans ?? [])
          for (const scope of resource.scopeSpans ?? []) received.spans.push(...scope.spans);
      } else if (request.url === '/v1/metrics') {
        for (const resource of body.resourceMetrics ?? [])
          for (const scope of resource.scopeMetrics ?? []) received.metrics.push(...scope.metrics);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  endpoint = `http://127.0.0.1:${collector.address().port}`;
}

// ─── OpenTelemetry: the host's choice of SDK and exporters ────────────────────────────────────

// The task runs inside its run's span only with a context manager (AsyncLocalStorage here).
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const resource = resourceFromAttributes({ 'service.name': 'kairos-otlp-example' });
const tracerProvider = new BasicTracerProvider({
  resource,
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }), {
      scheduledDelayMillis: smoke ? 100 : 5000,
    }),
  ],
});
const meterProvider = new MeterProvider({
  resource,
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
      exportIntervalMillis: smoke ? 300 : 15_000,
    }),
  ],
});
trace.setGlobalTracerProvider(tracerProvider);

// ─── the scheduler ───────────────────────────────────────────────────────────────────────────

const scheduler = new BackgroundScheduler({
  timezone: 'UTC',
  logger: smoke ? false : consoleLogger('warn'),
});
const instrumentation = instrument(scheduler, { tracerProvider, meterProvider });

const tracer = trace.getTracer('example tasks');
/** A task with a span of its own: a child of its run's kairos.run span. */
async function refreshRates() {
  return tracer.startActiveSpan('fetch exchange rates', async (span) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    span.end();
    return { EURUSD: 1.08 };
  });
}

await scheduler.addJob(
  refreshRates,
  { type: 'interval', seconds: smoke ? 0.2 : 10 },
  {
    id: 'rates',
    name: 'refresh rates',
  },
);
await scheduler.addJob(
  () => {
    throw new RangeError('mailbox full');
  },
  { type: 'interval', seconds: smoke ? 0.3 : 60 },
  { id: 'digest', name: 'send digest' },
);
await scheduler.start();
console.log(`sending traces and metrics to ${endpoint}`);

async function stop() {
  instrumentation.shutdown();
  await scheduler.shutdown();
  // Flushes what is still buffered to the collector.
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  collector?.close();
}

if (smoke) {
  await new Promise((resolve) => setTimeout(resolve, 1200));
  await stop();
  const runs = received.spans.filter((span) => span.name === 'kairos.run');
  const attribute = (span, key) => {
    const value = span.attributes.find((each) => each.key === key)?.value;
    return value?.stringValue ?? value?.intValue ?? value?.boolValue;
  };
  const rates = runs.filter((span) => attribute(span, 'kairos.job.id') === 'rates');
  const digest = runs.filter((span) => attribute(span, 'kairos.job.id') === 'digest');
  assert.ok(rates.length >= 3, `expected runs of "rates", got ${JSON.stringify(received.spans)}`);
  assert.ok(digest.length >= 2);
  assert.equal(attribute(digest[0], 'kairos.run.outcome'), 'error');
  assert.equal(digest[0].status.code, 2); // STATUS_CODE_ERROR
  assert.equal(digest[0].events[0].name, 'exception');
  const child = received.spans.find((span) => span.name === 'fetch exchange rates');
  assert.ok(
    rates.some((span) => span.spanId === child?.parentSpanId),
    'task span not a child',
  );
  const names = new Set(received.metrics.map((metric) => metric.name));
  for (const name of ['kairos.runs', 'kairos.run.duration', 'kairos.run.lateness', 'kairos.jobs']) {
    assert.ok(names.has(name), `metric ${name} not received (got ${[...names].join(', ')})`);
  }
  console.log(`collector received ${runs.length} kairos.run spans and ${names.size} metrics`);
  console.log('smoke test passed');
} else {
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void stop());
}
