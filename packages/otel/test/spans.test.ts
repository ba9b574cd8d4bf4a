/**
 * The `kairos.run` span of each run, read back from an InMemorySpanExporter: attributes, times
 * on the scheduler's clock, status and exception events by outcome, FaaS attributes for cron
 * schedules, spans for runs that never started, and the span active inside the task.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { at, fakeSleep, instrumented, ms, spanOf, T0, telemetryPerTest } from './helpers.js';

const setUp = telemetryPerTest();

describe('a kairos.run span per run', () => {
  it('describes an executed run, from its real start to its finish', async () => {
    const { scheduler, clock, runSpans } = setUp();
    await scheduler.addJob(
      () => fakeSleep(clock, 250),
      { type: 'date', runDate: at(2) },
      {
        id: 'report',
        name: 'nightly report',
      },
    );
    await scheduler.start();
    await clock.advance(3000);
    const span = spanOf(runSpans(), 'report');
    expect(span.name).toBe('kairos.run');
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.parentSpanContext).toBeUndefined();
    expect(ms(span.startTime)).toBe(at(2));
    expect(ms(span.endTime)).toBe(at(2.25));
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events).toEqual([]);
    expect(span.attributes).toMatchObject({
      'kairos.job.id': 'report',
      'kairos.job.name': 'nightly report',
      'kairos.executor': 'default',
      'kairos.jobstore': 'default',
      'kairos.run.outcome': 'executed',
      'kairos.run.lateness_ms': 0,
      'kairos.run.attempt': 0,
      'kairos.run.coalesced': 0,
      'kairos.run.started': true,
      'faas.trigger': 'timer',
      'faas.time': new Date(at(2)).toISOString(),
    });
    expect(span.attributes['kairos.run.id']).toMatch(/:\d+$/);
    expect(span.attributes['faas.cron']).toBeUndefined();
  });

  it('marks an error with error status and the exception recorded', async () => {
    const { scheduler, clock, runSpans } = setUp();
    await scheduler.addJob(
      async () => {
        await fakeSleep(clock, 100);
        throw new TypeError('no such customer: 42');
      },
      { type: 'date', runDate: at(1) },
      { id: 'billing' },
    );
    await scheduler.start();
    await clock.advance(2000);
    const span = spanOf(runSpans(), 'billing');
    expect(span.attributes['kairos.run.outcome']).toBe('error');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no such customer: 42' });
    expect(span.events.map((event) => event.name)).toEqual(['exception']);
    const event = span.events[0];
    expect(event?.attributes?.['exception.type']).toBe('TypeError');
    expect(event?.attributes?.['exception.message']).toBe('no such customer: 42');
    expect(String(event?.attributes?.['exception.stacktrace'])).toContain(
      'TypeError: no such customer: 42',
    );
    expect(ms(event?.time ?? [0, 0])).toBe(at(1.1));
  });

  it('marks a timeout with error status and the JobTimeoutError recorded', async () => {
    const { scheduler, clock, runSpans } = setUp();
    await scheduler.addJob(
      () => fakeSleep(clock, 60_000),
      { type: 'date', runDate: at(1) },
      {
        id: 'stuck',
        timeout: 2,
      },
    );
    await scheduler.start();
    await clock.advance(5000);
    const span = spanOf(runSpans(), 'stuck');
    expect(span.attributes['kairos.run.outcome']).toBe('timeout');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events[0]?.attributes?.['exception.type']).toBe('JobTimeoutError');
    expect(ms(span.endTime) - ms(span.startTime)).toBe(2000);
  });

  it('gives a missed run a span from hand-over to the decision, without error status', async () => {
    const { scheduler, clock, runSpans } = setUp({}, { jobDefaults: { misfireGraceTime: 1 } });
    await scheduler.addJob(() => 'never', { type: 'date', runDate: at(-30) }, { id: 'late' });
    await scheduler.start();
    await clock.settle();
    const span = spanOf(runSpans(), 'late');
    expect(span.attributes).toMatchObject({
      'kairos.run.outcome': 'missed',
      'kairos.run.started': false,
      'kairos.run.lateness_ms': 30_000,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(ms(span.startTime)).toBe(T0);
    expect(ms(span.endTime)).toBe(T0);
  });

  it('gives a run refused by maxInstances a skipped span, or none with unstartedRunSpans: false', async () => {
    for (const unstartedRunSpans of [true, false]) {
      const { scheduler, clock, runSpans, close } = instrumented({ unstartedRunSpans });
      await scheduler.addJob(
        () => fakeSleep(clock, 10_000),
        { type: 'interval', seconds: 1 },
        {
          id: 'busy',
        },
      );
      await scheduler.start();
      await clock.advance(2500);
      const outcomes = runSpans().map((span) => span.attributes['kairos.run.outcome']);
      expect(outcomes).toEqual(unstartedRunSpans ? ['skipped'] : []);
      await close();
    }
  });

  it('carries faas.cron for cron schedules: the crontab expression or the field form', async () => {
    const { scheduler, clock, runSpans } = setUp();
    await scheduler.addJob(() => 1, { type: 'crontab', expr: '*/5 * * * * *' }, { id: 'crontab' });
    await scheduler.addJob(() => 2, { type: 'cron', second: '*/5', minute: '*' }, { id: 'fields' });
    await scheduler.addJob(() => 3, { type: 'interval', seconds: 5 }, { id: 'interval' });
    await scheduler.start();
    await clock.advance(5000);
    const spans = runSpans();
    const cronOf = (jobId: string): unknown[] =>
      spans
        .filter((span) => span.attributes['kairos.job.id'] === jobId)
        .map((span) => span.attributes['faas.cron']);
    // The cron jobs fire at 0 s and 5 s, the interval job at 5 s.
    expect(cronOf('crontab')).toEqual(['*/5 * * * * *', '*/5 * * * * *']);
    expect(cronOf('fields')).toEqual([
      "cron[minute='*', second='*/5']",
      "cron[minute='*', second='*/5']",
    ]);
    expect(cronOf('interval')).toEqual([undefined]);
    for (const span of spans) expect(span.attributes['faas.trigger']).toBe('timer');
  });

  it('takes the span kind from the options', async () => {
    const { scheduler, clock, runSpans } = setUp({ spanKind: SpanKind.SERVER });
    await scheduler.addJob(() => 1, { type: 'date', runDate: at(1) }, { id: 'kind' });
    await scheduler.start();
    await clock.advance(1000);
    expect(spanOf(runSpans(), 'kind').kind).toBe(SpanKind.SERVER);
  });
});

describe('the task runs inside its run’s span', () => {
  it('sees the kairos.run span as active, through awaits, and its own spans are children', async () => {
    const { scheduler, clock, exporter, tracerProvider } = setUp();
    const tracer = tracerProvider.getTracer('the task');
    const seen: (string | undefined)[] = [];
    await scheduler.addJob(
      async () => {
        seen.push(trace.getActiveSpan()?.spanContext().spanId);
        await fakeSleep(clock, 10);
        seen.push(trace.getActiveSpan()?.spanContext().spanId);
        await tracer.startActiveSpan('fetch rates', async (child) => {
          await fakeSleep(clock, 10);
          child.end();
        });
      },
      { type: 'date', runDate: at(1) },
      { id: 'nested' },
    );
    await scheduler.start();
    await clock.advance(2000);
    const spans = exporter.getFinishedSpans();
    const run = spanOf(spans, 'nested');
    const child = spans.find((span) => span.name === 'fetch rates');
    expect(seen).toEqual([run.spanContext().spanId, run.spanContext().spanId]);
    expect(child?.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(child?.spanContext().traceId).toBe(run.spanContext().traceId);
  });

  it('starts a new trace per run, whatever context started the scheduler', async () => {
    const { scheduler, clock, runSpans, tracerProvider } = setUp();
    await scheduler.addJob(() => 1, { type: 'interval', seconds: 1 }, { id: 'tick' });
    const outer = tracerProvider.getTracer('host');
    await outer.startActiveSpan('request that started it', async (span) => {
      await scheduler.start();
      span.end();
    });
    await clock.advance(2000);
    const spans = runSpans();
    expect(spans).toHaveLength(2);
    for (const span of spans) expect(span.parentSpanContext).toBeUndefined();
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(2);
  });
});
