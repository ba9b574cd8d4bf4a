/**
 * @kairos/otel: OpenTelemetry for Kairos. `instrument(scheduler)` gives a `kairos.run` span per
 * run and the `kairos.*` metrics (runs by outcome, run duration and lateness, jobs by state, runs
 * in flight), through `@opentelemetry/api` only: the host chooses the SDK and the exporters
 * (Prometheus, OTLP, …). See docs/otel.md.
 */
export { KairosAttributes } from './attributes.js';
export { instrument, INSTRUMENTATION_SCOPE, KairosInstrumentation } from './instrument.js';
export { DURATION_BUCKETS_S, KairosMetrics, LATENESS_BUCKETS_S } from './metrics.js';
export type { InstrumentOptions } from './options.js';
export { RUN_SPAN_NAME } from './tracing.js';
