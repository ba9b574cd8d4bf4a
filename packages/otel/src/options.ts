/**
 * The options of `instrument()`, checked up front: a bad one fails with a message naming the
 * option and the value.
 */
import { SpanKind, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { ConfigurationError } from 'kairos';

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** Where spans go; default: the global tracer provider (`trace.setGlobalTracerProvider`). */
  tracerProvider?: TracerProvider;
  /** Where metrics go; default: the global meter provider (`metrics.setGlobalMeterProvider`). */
  meterProvider?: MeterProvider;
  /** A `kairos.run` span per run (default true). */
  tracing?: boolean;
  /** The `kairos.*` metrics (default true). */
  metrics?: boolean;
  /** The kind of `kairos.run` spans (default `SpanKind.INTERNAL`). */
  spanKind?: SpanKind;
  /**
   * Spans for runs that never started: missed, skipped (max instances, full queue) and
   * cancelled while queued (default true). Each covers the run's time from hand-over to the
   * decision. Their counts are in `kairos.runs` either way.
   */
  unstartedRunSpans?: boolean;
  /**
   * Whether metric points carry `kairos.job.id` beside `kairos.job.name` (default true). Set it
   * to false when jobs are many and short-lived (one-off `date` jobs with generated ids): the
   * series are then one per job name.
   */
  metricJobId?: boolean;
  /** The `kairos.jobs` gauge (default true): it lists the jobs with `getJobs()` at collection. */
  jobStates?: boolean;
  /** How long a `getJobs()` count is reused by the `kairos.jobs` gauge, in ms (default 10000). */
  jobStatesMaxAgeMs?: number;
}

/** {@link InstrumentOptions} with their defaults. */
export interface ParsedInstrumentOptions {
  tracerProvider: TracerProvider | null;
  meterProvider: MeterProvider | null;
  tracing: boolean;
  metrics: boolean;
  spanKind: SpanKind;
  unstartedRunSpans: boolean;
  metricJobId: boolean;
  jobStates: boolean;
  jobStatesMaxAgeMs: number;
}

const KNOWN = new Set([
  'tracerProvider',
  'meterProvider',
  'tracing',
  'metrics',
  'spanKind',
  'unstartedRunSpans',
  'metricJobId',
  'jobStates',
  'jobStatesMaxAgeMs',
]);

const SPAN_KINDS = new Set<unknown>(
  Object.values(SpanKind).filter((value) => typeof value === 'number'),
);

/**
 * Checks and completes the options.
 * @throws ConfigurationError naming the option and the value
 */
export function parseInstrumentOptions(options: unknown): ParsedInstrumentOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') {
    throw new ConfigurationError('instrument() options', `must be an object, not ${show(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN.has(key)) {
      throw new ConfigurationError(
        `instrument() option ${key}`,
        `is not an option; the options are ${[...KNOWN].join(', ')}`,
      );
    }
  }
  const flag = (key: string): boolean => {
    const value = given[key];
    if (value === undefined) return true;
    if (typeof value !== 'boolean') {
      throw new ConfigurationError(
        `instrument() option ${key}`,
        `must be true or false, not ${show(value)}`,
      );
    }
    return value;
  };
  const provider = <T>(key: string, method: string): T | null => {
    const value = given[key];
    if (value === undefined || value === null) return null;
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new ConfigurationError(
        `instrument() option ${key}`,
        `must be an OpenTelemetry provider with a ${method}() method, not ${show(value)}`,
      );
    }
    return value as T;
  };
  const spanKind = given.spanKind ?? SpanKind.INTERNAL;
  if (!SPAN_KINDS.has(spanKind)) {
    throw new ConfigurationError(
      'instrument() option spanKind',
      `must be a SpanKind of @opentelemetry/api (0 to 4), not ${show(spanKind)}`,
    );
  }
  const maxAge = given.jobStatesMaxAgeMs ?? 10_000;
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 0) {
    throw new ConfigurationError(
      'instrument() option jobStatesMaxAgeMs',
      `must be a number of milliseconds ≥ 0, not ${show(maxAge)}`,
    );
  }
  return {
    tracerProvider: provider<TracerProvider>('tracerProvider', 'getTracer'),
    meterProvider: provider<MeterProvider>('meterProvider', 'getMeter'),
    tracing: flag('tracing'),
    metrics: flag('metrics'),
    spanKind: spanKind as SpanKind,
    unstartedRunSpans: flag('unstartedRunSpans'),
    metricJobId: flag('metricJobId'),
    jobStates: flag('jobStates'),
    jobStatesMaxAgeMs: maxAge,
  };
}

/** A value as option errors quote it: a string quoted, an object by its class. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'an object';
  return String(value);
}
