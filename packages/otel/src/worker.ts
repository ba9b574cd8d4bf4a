/**
 * `@kairos/otel/worker`: the two hooks of `@kairos/executor-worker` that carry a run's trace
 * context into its worker thread, so that the spans its task makes there are children of its
 * `kairos.run` span.
 */
import {
  ROOT_CONTEXT,
  context,
  createTraceState,
  isSpanContextValid,
  trace,
  type SpanContext,
} from '@opentelemetry/api';

/** W3C Trace Context's `traceparent`, version 00: trace id, parent span id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The trace context active now, as a carrier for a worker thread: W3C Trace Context's
 * `traceparent` (and `tracestate` when the span has one), or undefined when no span is active.
 * Written with `@opentelemetry/api` alone, so it needs no registered propagator. Give it to the
 * worker executor: `new WorkerExecutor({ setup, captureContext })`.
 */
export function captureContext(): Record<string, string> | undefined {
  const spanContext = trace.getSpanContext(context.active());
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  const { traceId, spanId, traceFlags } = spanContext;
  const flags = (traceFlags & 0xff).toString(16).padStart(2, '0');
  const carrier: Record<string, string> = { traceparent: `00-${traceId}-${spanId}-${flags}` };
  const traceState = spanContext.traceState?.serialize();
  if (traceState !== undefined && traceState !== '') carrier['tracestate'] = traceState;
  return carrier;
}

/**
 * Runs `run` inside the trace context of a carrier made by {@link captureContext}, so the spans
 * it starts are children of the carrier's span. Export it from the worker executor's `setup`
 * module: `export { runInContext } from '@kairos/otel/worker'`. The thread needs a context
 * manager (the SDK's, or `AsyncLocalStorageContextManager`) for the context to last across
 * `await`s.
 * @throws TypeError when the carrier's `traceparent` is not W3C Trace Context (the worker executor
 *   logs it and runs the task without the context)
 */
export function runInContext<T>(carrier: Readonly<Record<string, string>>, run: () => T): T {
  const { traceparent, tracestate } = carrier;
  if (traceparent === undefined) return run();
  const match = TRACEPARENT.exec(traceparent);
  const spanContext: SpanContext | null =
    match === null
      ? null
      : {
          traceId: match[1] ?? '',
          spanId: match[2] ?? '',
          traceFlags: Number.parseInt(match[3] ?? '', 16),
          isRemote: true,
          ...(tracestate === undefined ? {} : { traceState: createTraceState(tracestate) }),
        };
  if (spanContext === null || !isSpanContextValid(spanContext)) {
    throw new TypeError(
      `runInContext: the carrier's traceparent ${JSON.stringify(traceparent)} is not W3C ` +
        `Trace Context ('00-<32 hex trace id>-<16 hex span id>-<2 hex flags>'); pass the ` +
        `carrier captureContext made`,
    );
  }
  return context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), run);
}
