/**
 * A real scheduler on a fake clock with a real OpenTelemetry SDK whose exported data the tests
 * read back: spans through an InMemorySpanExporter (SimpleSpanProcessor), metrics through a
 * manual MetricReader's collect().
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { FakeClock, RecordingLogger } from '@kairos/testkit';
import { afterEach } from 'vitest';
import { BackgroundScheduler, type SchedulerOptions } from 'kairos';
import { instrument, type InstrumentOptions, type KairosInstrumentation } from '../src/index.js';

/** The instant every fake clock starts at. */
export const T0 = Date.parse('2030-01-01T00:00:00Z');

/** The instant `seconds` after {@link T0}. */
export function at(seconds: number): number {
  return T0 + seconds * 1000;
}

/** A metric reader collected on demand. */
export class ManualReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** A scheduler, its instrumentation and the SDK pieces that read the telemetry back. */
export interface Telemetry {
  readonly clock: FakeClock;
  readonly logger: RecordingLogger;
  readonly scheduler: BackgroundScheduler;
  readonly instrumentation: KairosInstrumentation;
  readonly exporter: InMemorySpanExporter;
  readonly tracerProvider: BasicTracerProvider;
  readonly reader: ManualReader;
  readonly meterProvider: MeterProvider;
  /** The finished `kairos.run` spans (other spans left out). */
  readonly runSpans: () => ReadableSpan[];
  /** The metrics collected now, by name. */
  readonly collect: () => Promise<Map<string, MetricData>>;
  /** Detaches, stops the scheduler and shuts the providers down. */
  readonly close: () => Promise<void>;
}

/** A scheduler on a fake clock at {@link T0}, instrumented with a real SDK. */
export function instrumented(
  options: InstrumentOptions = {},
  schedulerOptions: SchedulerOptions = {},
): Telemetry {
  const clock = new FakeClock(T0);
  const logger = new RecordingLogger();
  const scheduler = new BackgroundScheduler({
    timezone: 'UTC',
    logger,
    ...schedulerOptions,
    clock,
  });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = instrument(scheduler, {
    tracerProvider,
    meterProvider,
    jobStatesMaxAgeMs: 0,
    ...options,
  });
  return {
    clock,
    logger,
    scheduler,
    instrumentation,
    exporter,
    tracerProvider,
    reader,
    meterProvider,
    runSpans: () => exporter.getFinishedSpans().filter((span) => span.name === 'kairos.run'),
    collect: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
      return byName;
    },
    close: async () => {
      instrumentation.shutdown();
      if (scheduler.running) await scheduler.shutdown({ wait: false });
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/**
 * Registers an `afterEach` that closes the telemetry the test made, and returns the function
 * that makes it ({@link instrumented}'s arguments).
 */
export function telemetryPerTest(): (...args: Parameters<typeof instrumented>) => Telemetry {
  let telemetry: Telemetry | null = null;
  afterEach(async () => {
    await telemetry?.close();
    telemetry = null;
  });
  return (...args) => {
    telemetry = instrumented(...args);
    return telemetry;
  };
}

/** A promise resolved after `ms` of fake time: what a long-running task awaits. */
export function fakeSleep(clock: FakeClock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(resolve, ms);
  });
}

/** The span of a job's run (the only one expected). */
export function spanOf(spans: readonly ReadableSpan[], jobId: string): ReadableSpan {
  const found = spans.filter((span) => span.attributes['kairos.job.id'] === jobId);
  if (found.length !== 1) {
    throw new RangeError(`expected one span of job ${jobId}, found ${found.length}`);
  }
  return found[0] as ReadableSpan;
}

/** Epoch ms of an HrTime. */
export function ms(time: readonly [number, number]): number {
  return time[0] * 1000 + time[1] / 1e6;
}

/** A metric's points as `attributes → value` lines, sorted. */
export function points(metric: MetricData | undefined): string[] {
  if (metric === undefined) return [];
  return (metric.dataPoints as DataPoint<unknown>[])
    .map((point) => {
      const labels = Object.entries(point.attributes)
        .map(([key, value]) => `${key}=${String(value)}`)
        .sort()
        .join(',');
      const { value } = point;
      if (typeof value === 'number') return `${labels} ${value}`;
      const histogram = value as Histogram;
      return `${labels} count=${histogram.count} sum=${histogram.sum}`;
    })
    .sort();
}
