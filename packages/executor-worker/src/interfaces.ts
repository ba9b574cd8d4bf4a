/**
 * The hooks that carry a context (a tracing span's) from the main thread into the worker
 * threads: `captureContext` on the main side, the setup module's `runInContext` export on the
 * thread's side. `@kairos/otel/worker` implements both for OpenTelemetry.
 */

/**
 * A context as it crosses to a worker thread: a few strings (for tracing, W3C's `traceparent`
 * and `tracestate`).
 */
export type ContextCarrier = Readonly<Record<string, string>>;

/**
 * The `captureContext` option: called in the main thread as a run starts, inside the context
 * the scheduler starts it in (`instrument()`'s span); returns a carrier of that context, or
 * undefined for none.
 */
export type CaptureContext = () => ContextCarrier | undefined;

/**
 * The `runInContext` export of a `setup` module: calls `run` once, synchronously, inside the
 * context `carrier` describes, and returns what it returns (as OpenTelemetry's `context.with`).
 */
export type RunInContext = <T>(carrier: ContextCarrier, run: () => T) => T;
