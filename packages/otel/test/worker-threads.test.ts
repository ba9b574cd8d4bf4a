/**
 * The trace context across the worker executor's threads: with `captureContext` and a setup
 * module exporting `runInContext` (both from `@kairos/otel/worker`), the spans a task makes in a
 * worker thread, with that thread's own SDK, are children of its `kairos.run` span. Without them
 * runs work as before, in traces of their own; a failing hook is logged and the task runs
 * without the context. Real worker threads (the `worker` executor, loaded by `kairos`), a real
 * SDK in each thread; the task sends its exported spans back as its return value.
 */
import { threadId } from 'node:worker_threads';
import { waitFor } from '@kairos/testkit';
import { describe, expect, it } from 'vitest';
import { EVENT_JOB_EXECUTED, type JobExecutionEvent } from 'kairos';
import { captureContext } from '../src/worker.js';
import { spanOf, telemetryPerTest, type Telemetry } from './helpers.js';

const setUp = telemetryPerTest();

const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).href;
const RENDER = `${new URL('./fixtures/worker-tasks.mjs', import.meta.url).pathname}#render`;

/** A span as the task sends it back from its thread. */
interface WorkerSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
}

/** Instrumented, with a `worker` executor of one thread and these options. */
function withWorker(options: Record<string, unknown>): Telemetry {
  return setUp(
    { metrics: false },
    { executors: { worker: { type: 'worker', maxWorkers: 1, ...options } } },
  );
}

/** Runs `render` now on the worker executor; its outcome event. */
async function runRender(telemetry: Telemetry, id: string): Promise<JobExecutionEvent> {
  const { scheduler, clock } = telemetry;
  const outcomes: JobExecutionEvent[] = [];
  scheduler.on('job_executed', (event) => {
    if (event.jobId === id) outcomes.push(event);
  });
  scheduler.on('job_error', (event) => {
    if (event.jobId === id) outcomes.push(event);
  });
  if (!scheduler.running) await scheduler.start();
  await scheduler.addJob(RENDER, null, { id, name: id, executor: 'worker' });
  await clock.advance(0);
  expect(await waitFor(() => outcomes.length > 0, 15_000)).toBe(true);
  return outcomes[0] as JobExecutionEvent;
}

/** The spans the task sent back, by name. */
function workerSpans(event: JobExecutionEvent): Map<string, WorkerSpan> {
  const { spans, threadId: thread } = event.retval as { spans: WorkerSpan[]; threadId: number };
  expect(thread).not.toBe(threadId);
  return new Map(spans.map((span) => [span.name, span]));
}

describe('a task in a worker thread', () => {
  it('makes spans that are children of its kairos.run span, with setup and captureContext', async () => {
    const telemetry = withWorker({ setup: fixture('worker-setup.mjs'), captureContext });
    const event = await runRender(telemetry, 'report');
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    const run = spanOf(telemetry.runSpans(), 'report').spanContext();
    const spans = workerSpans(event);
    expect(spans.get('render')).toMatchObject({ traceId: run.traceId, parentSpanId: run.spanId });
    // Across an await inside the task: the thread's context manager keeps the context.
    expect(spans.get('query')).toMatchObject({
      traceId: run.traceId,
      parentSpanId: spans.get('render')?.spanId,
    });
    expect(telemetry.logger.messages('warn')).toEqual([]);
  });

  it('carries each run its own span', async () => {
    const telemetry = withWorker({ setup: fixture('worker-setup.mjs'), captureContext });
    const first = workerSpans(await runRender(telemetry, 'first')).get('render');
    const second = workerSpans(await runRender(telemetry, 'second')).get('render');
    expect(first?.parentSpanId).toBe(spanOf(telemetry.runSpans(), 'first').spanContext().spanId);
    expect(second?.parentSpanId).toBe(spanOf(telemetry.runSpans(), 'second').spanContext().spanId);
    expect(first?.traceId).not.toBe(second?.traceId);
  });

  it('runs as before without captureContext: its spans start traces of their own', async () => {
    const telemetry = withWorker({ setup: fixture('worker-setup.mjs') });
    const event = await runRender(telemetry, 'report');
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    const run = spanOf(telemetry.runSpans(), 'report');
    expect(run.attributes['kairos.run.outcome']).toBe('executed');
    const render = workerSpans(event).get('render');
    expect(render?.parentSpanId).toBeNull();
    expect(render?.traceId).not.toBe(run.spanContext().traceId);
    expect(telemetry.logger.messages('warn')).toEqual([]);
  });

  it('runs without the context, and says so, when runInContext throws', async () => {
    const telemetry = withWorker({ setup: fixture('worker-setup-failing.mjs'), captureContext });
    const event = await runRender(telemetry, 'report');
    expect(event.code).toBe(EVENT_JOB_EXECUTED);
    expect(spanOf(telemetry.runSpans(), 'report').attributes['kairos.run.outcome']).toBe(
      'executed',
    );
    expect(workerSpans(event).get('render')?.parentSpanId).toBeNull();
    const warnings = telemetry.logger.entries.filter((entry) => entry.level === 'warn');
    expect(warnings.map((entry) => entry.message)).toEqual([
      `Job "report" (id report) ran without its caller's context in its worker thread: ` +
        `runInContext threw before running the task: no context today (WorkerExecutor setup ` +
        `module '${fixture('worker-setup-failing.mjs')}')`,
    ]);
    expect(warnings[0]?.err).toMatchObject({ cause: { message: 'no context today' } });
  });

  it('runs without the context when the setup module has no runInContext, said once per thread', async () => {
    const telemetry = withWorker({
      setup: fixture('worker-setup-without-hook.mjs'),
      captureContext,
    });
    const first = await runRender(telemetry, 'first');
    await runRender(telemetry, 'second');
    expect(workerSpans(first).get('render')?.parentSpanId).toBeNull();
    expect(telemetry.logger.messages('warn')).toEqual([
      expect.stringMatching(
        /^Job "first" \(id first\) ran without its caller's context in its worker thread: the setup module has no runInContext export; export one/,
      ),
    ]);
  });
});
