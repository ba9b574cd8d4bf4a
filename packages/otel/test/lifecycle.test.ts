/**
 * Attaching and detaching: `shutdown()` stops spans and metric points and ends the spans of
 * runs still running; `tracing`/`metrics` switches; the global providers by default; runs found
 * abandoned in a shared store; bad options named with their values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics, SpanStatusCode, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { SQLiteJobStore } from '@kairos/store-sqlite';
import { FakeClock, RecordingLogger } from '@kairos/testkit';
import { BackgroundScheduler, ConfigurationError } from 'kairos';
import { describe, expect, it } from 'vitest';
import { instrument } from '../src/index.js';
import {
  at,
  fakeSleep,
  instrumented,
  ManualReader,
  points,
  spanOf,
  T0,
  telemetryPerTest,
} from './helpers.js';

const setUp = telemetryPerTest();

describe('shutdown()', () => {
  it('detaches: no spans or metric points after it, and running runs’ spans end at it', async () => {
    const { scheduler, clock, instrumentation, runSpans, collect } = setUp();
    await scheduler.addJob(
      () => fakeSleep(clock, 10_000),
      { type: 'date', runDate: at(1) },
      {
        id: 'running',
      },
    );
    await scheduler.addJob(() => 1, { type: 'interval', seconds: 2 }, { id: 'tick' });
    await scheduler.start();
    await clock.advance(2000);
    expect(runSpans().map((span) => span.attributes['kairos.job.id'])).toEqual(['tick']);
    expect(instrumentation.attached).toBe(true);

    instrumentation.shutdown();
    instrumentation.shutdown(); // idempotent
    expect(instrumentation.attached).toBe(false);
    const running = spanOf(runSpans(), 'running');
    expect(running.attributes['kairos.run.outcome']).toBeUndefined();

    await clock.advance(20_000); // 'running' ends, 'tick' runs ten more times
    expect(runSpans()).toHaveLength(2);
    expect(points((await collect()).get('kairos.runs'))).toEqual([]);
  });

  it('leaves other run observers and listeners of the scheduler in place', async () => {
    const { scheduler, clock, instrumentation } = setUp();
    const executed: string[] = [];
    scheduler.on('job_executed', (event) => executed.push(event.jobId));
    await scheduler.addJob(() => 1, { type: 'interval', seconds: 1 }, { id: 'tick' });
    await scheduler.start();
    instrumentation.shutdown();
    await clock.advance(2000);
    expect(executed).toEqual(['tick', 'tick']);
  });
});

describe('options', () => {
  it('leaves tracing or metrics out when switched off', async () => {
    const noTracing = setUp({ tracing: false });
    await noTracing.scheduler.addJob(() => 1, { type: 'date', runDate: at(1) }, { id: 'a' });
    await noTracing.scheduler.start();
    await noTracing.clock.advance(1000);
    expect(noTracing.runSpans()).toEqual([]);
    expect(points((await noTracing.collect()).get('kairos.runs'))).toEqual([
      'kairos.job.id=a,kairos.job.name=anonymous,kairos.run.outcome=executed 1',
    ]);
    await noTracing.close();

    const noMetrics = setUp({ metrics: false });
    await noMetrics.scheduler.addJob(() => 1, { type: 'date', runDate: at(1) }, { id: 'b' });
    await noMetrics.scheduler.start();
    await noMetrics.clock.advance(1000);
    expect(noMetrics.runSpans()).toHaveLength(1);
    expect([...(await noMetrics.collect()).keys()]).toEqual([]);
  });

  it('uses the global tracer and meter providers when none is given', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const reader = new ManualReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    const clock = new FakeClock(T0);
    const scheduler = new BackgroundScheduler({ clock, logger: new RecordingLogger() });
    const instrumentation = instrument(scheduler);
    try {
      await scheduler.addJob(() => 1, { type: 'date', runDate: at(1) }, { id: 'global' });
      await scheduler.start();
      await clock.advance(1000);
      expect(exporter.getFinishedSpans().map((span) => span.instrumentationScope.name)).toEqual([
        '@kairos/otel',
      ]);
      const { resourceMetrics } = await reader.collect();
      const names = resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.map((metric) => metric.descriptor.name),
      );
      expect(names).toContain('kairos.runs');
    } finally {
      instrumentation.shutdown();
      await scheduler.shutdown();
      trace.disable();
      metrics.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    }
  });

  it('refuses bad options, naming the option and the value', () => {
    const scheduler = new BackgroundScheduler({ logger: new RecordingLogger() });
    const cases: [unknown, string][] = [
      [{ tracing: 'yes' }, 'instrument() option tracing: must be true or false, not "yes"'],
      [{ metricJobId: 0 }, 'instrument() option metricJobId: must be true or false, not 0'],
      [
        { spanKind: 7 },
        'instrument() option spanKind: must be a SpanKind of @opentelemetry/api (0 to 4), not 7',
      ],
      [
        { jobStatesMaxAgeMs: -1 },
        'instrument() option jobStatesMaxAgeMs: must be a number of milliseconds ≥ 0, not -1',
      ],
      [
        { tracerProvider: {} },
        'instrument() option tracerProvider: must be an OpenTelemetry provider with a getTracer() method, not Object',
      ],
      [
        { sampling: 1 },
        'instrument() option sampling: is not an option; the options are tracerProvider, meterProvider, tracing, metrics, spanKind, unstartedRunSpans, metricJobId, jobStates, jobStatesMaxAgeMs',
      ],
      ['all', 'instrument() options: must be an object, not "all"'],
    ];
    for (const [options, message] of cases) {
      expect(() => instrument(scheduler, options as never)).toThrow(ConfigurationError);
      expect(() => instrument(scheduler, options as never)).toThrow(message);
    }
    for (const [notScheduler, shown] of [
      [null, 'null'],
      [{}, 'Object'],
      [undefined, 'undefined'],
    ] as const) {
      expect(() => instrument(notScheduler as never)).toThrow(
        `instrument() scheduler: ${shown} is not a Kairos scheduler; pass the BackgroundScheduler or BlockingScheduler to instrument, e.g. instrument(scheduler)`,
      );
    }
  });
});

describe('runs found abandoned in a shared store', () => {
  it('become a kairos.run span with error status and an abandoned count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-otel-'));
    const path = join(dir, 'jobs.sqlite');
    const node = (name: string): { clock: FakeClock; scheduler: BackgroundScheduler } => {
      const clock = new FakeClock(T0);
      const scheduler = new BackgroundScheduler({
        clock,
        logger: new RecordingLogger(),
        schedulerId: name,
        leaseSeconds: 10,
        jobstores: { default: new SQLiteJobStore({ path }) },
        tasks: { slow: () => fakeSleep(clock, 60_000) },
      });
      return { clock, scheduler };
    };
    const a = node('a');
    const b = node('b');
    const seen = instrumented();
    const instrumentation = instrument(b.scheduler, {
      tracerProvider: seen.tracerProvider,
      meterProvider: seen.meterProvider,
    });
    try {
      await a.scheduler.start();
      await a.scheduler.addJob(
        'slow',
        { type: 'date', runDate: new Date(at(1)) },
        { id: 'report' },
      );
      await a.clock.advance(1000); // a starts the run, then stands still
      await b.scheduler.start();
      await b.clock.advance(15_000); // b finds a's lapsed lease
      const span = spanOf(seen.runSpans(), 'report');
      expect(span.attributes).toMatchObject({
        'kairos.run.outcome': 'abandoned',
        'kairos.job.id': 'report',
        'kairos.run.attempt': 0,
      });
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.status.message).toMatch(/^run a:\S+ was abandoned by scheduler a$/);
      const { resourceMetrics } = await seen.reader.collect();
      const runs = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((metric) => metric.descriptor.name === 'kairos.runs');
      expect(points(runs)).toEqual([
        'kairos.job.id=report,kairos.job.name=slow,kairos.run.outcome=abandoned 1',
      ]);
    } finally {
      instrumentation.shutdown();
      await seen.close();
      await a.scheduler.shutdown({ wait: false });
      await b.scheduler.shutdown({ wait: false });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
