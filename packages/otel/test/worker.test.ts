/**
 * `@kairos/otel/worker` on its own, in one thread: `captureContext` writes the active span as a
 * W3C Trace Context carrier, and `runInContext` runs a function under that span again (its spans
 * children of it), whatever propagator is registered; a malformed carrier is refused in words.
 */
import { ROOT_CONTEXT, TraceFlags, context, createTraceState, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { captureContext, runInContext } from '../src/worker.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const spanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};

describe('captureContext', () => {
  it('writes the active span as traceparent', () => {
    const carrier = context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), captureContext);
    expect(carrier).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
  });

  it('adds tracestate when the span has one, and keeps unsampled flags', () => {
    const traced = trace.setSpanContext(ROOT_CONTEXT, {
      ...spanContext,
      traceFlags: TraceFlags.NONE,
      traceState: createTraceState('vendor=a1,other=b2'),
    });
    expect(context.with(traced, captureContext)).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00',
      tracestate: 'vendor=a1,other=b2',
    });
  });

  it('gives nothing when no span is active', () => {
    expect(captureContext()).toBeUndefined();
  });
});

describe('runInContext', () => {
  it("runs the function with the carrier's span as parent of the spans it starts", () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    }).getTracer('test');
    const carrier = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=a1',
    };
    const returned = runInContext(carrier, () => {
      tracer.startSpan('task').end();
      return trace.getActiveSpan()?.spanContext();
    });
    expect(returned).toMatchObject({ ...spanContext, isRemote: true });
    expect(returned?.traceState?.get('vendor')).toBe('a1');
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(spanContext.traceId);
    expect(span?.parentSpanContext?.spanId).toBe(spanContext.spanId);
  });

  it('carries the span captureContext captured', () => {
    const traced = trace.setSpanContext(ROOT_CONTEXT, spanContext);
    const carrier = context.with(traced, captureContext) ?? {};
    expect(runInContext(carrier, () => trace.getActiveSpan()?.spanContext().spanId)).toBe(
      spanContext.spanId,
    );
  });

  it('runs the function as it is without a traceparent', () => {
    expect(runInContext({}, () => trace.getActiveSpan())).toBeUndefined();
  });

  it.each([
    'not a traceparent',
    '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    '00-00000000000000000000000000000000-b7ad6b7169203331-01',
  ])('refuses the traceparent %j, saying what it should be', (traceparent) => {
    let ran = false;
    expect(() =>
      runInContext({ traceparent }, () => {
        ran = true;
      }),
    ).toThrow(
      new TypeError(
        `runInContext: the carrier's traceparent ${JSON.stringify(traceparent)} is not W3C ` +
          `Trace Context ('00-<32 hex trace id>-<16 hex span id>-<2 hex flags>'); pass the ` +
          `carrier captureContext made`,
      ),
    );
    expect(ran).toBe(false);
  });
});
