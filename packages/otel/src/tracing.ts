/**
 * The `kairos.run` span of each run: opened when the run's task starts (so the task runs inside
 * it), ended at the run's outcome with its real start and finish times. Runs that never started
 * (missed, skipped, cancelled while queued) get a span covering their time in the scheduler's
 * hands, from hand-over to the decision, unless `unstartedRunSpans` is false.
 */
import {
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type SpanKind,
  type Exception,
  type HrTime,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { Run, RunError } from 'kairos';
import { KairosAttributes as A } from './attributes.js';

/** The span name of every run. */
export const RUN_SPAN_NAME = 'kairos.run';

/** @internal Opens and ends the spans of runs. */
export class RunSpans {
  readonly #tracer: Tracer;
  readonly #kind: SpanKind;
  readonly #unstarted: boolean;

  constructor(tracer: Tracer, kind: SpanKind, unstartedRunSpans: boolean) {
    this.#tracer = tracer;
    this.#kind = kind;
    this.#unstarted = unstartedRunSpans;
  }

  /** The span of a run whose task starts now (a new trace: runs have no remote parent). */
  open(run: Run, cron: string | undefined, startedMs: number): Span {
    const span = this.#tracer.startSpan(
      RUN_SPAN_NAME,
      {
        kind: this.#kind,
        root: true,
        startTime: hrTime(startedMs),
        attributes: samplingAttributes(run),
      },
      ROOT_CONTEXT,
    );
    // The rest only for a span that is kept: a run a sampler drops costs two attributes.
    if (span.isRecording()) span.setAttributes(runAttributes(run, cron, startedMs, true));
    return span;
  }

  /** The context a task runs in: `span` active. */
  contextOf(span: Span): ReturnType<typeof trace.setSpan> {
    return trace.setSpan(ROOT_CONTEXT, span);
  }

  /** Ends a started run's span with its outcome. */
  close(span: Span, run: Run): void {
    if (span.isRecording()) describeOutcome(span, run);
    span.end(hrTime(run.finishedAt?.getTime() ?? Date.now()));
  }

  /** A span for a run that ended without starting (when `unstartedRunSpans` is on). */
  unstarted(run: Run, cron: string | undefined): void {
    if (!this.#unstarted) return;
    const finishedMs = run.finishedAt?.getTime() ?? Date.now();
    const span = this.#tracer.startSpan(
      RUN_SPAN_NAME,
      {
        kind: this.#kind,
        root: true,
        startTime: hrTime(Math.min(run.submittedAt.getTime(), finishedMs)),
        attributes: samplingAttributes(run),
      },
      ROOT_CONTEXT,
    );
    if (span.isRecording()) {
      span.setAttributes(runAttributes(run, cron, finishedMs, false));
      describeOutcome(span, run);
    }
    span.end(hrTime(finishedMs));
  }

  /** A span for a run another scheduler found abandoned (its record read from the store). */
  abandoned(run: Run, now: number): void {
    const startedMs = run.startedAt?.getTime() ?? null;
    const finishedMs = run.finishedAt?.getTime() ?? now;
    const span = this.#tracer.startSpan(
      RUN_SPAN_NAME,
      {
        kind: this.#kind,
        root: true,
        startTime: hrTime(Math.min(startedMs ?? run.submittedAt.getTime(), finishedMs)),
        attributes: samplingAttributes(run),
      },
      ROOT_CONTEXT,
    );
    if (span.isRecording()) {
      span.setAttributes(
        runAttributes(run, undefined, startedMs ?? finishedMs, startedMs !== null),
      );
      span.setAttribute(A.RUN_OUTCOME, 'abandoned');
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: `run ${run.id} was abandoned by scheduler ${run.schedulerId}`,
      });
    }
    span.end(hrTime(finishedMs));
  }
}

/** The attributes a sampler sees: the job's id and name. */
function samplingAttributes(run: Run): Attributes {
  return { [A.JOB_ID]: run.jobId, [A.JOB_NAME]: run.jobName };
}

/** The rest of a run's span attributes, in one object (the SDK copies them once). */
function runAttributes(
  run: Run,
  cron: string | undefined,
  decidedMs: number,
  started: boolean,
): Attributes {
  const scheduledMs = run.scheduledRunTime.getTime();
  const attributes: Attributes = {
    [A.EXECUTOR]: run.executor,
    [A.JOBSTORE]: run.jobstore,
    [A.RUN_ID]: run.id,
    [A.FAAS_TRIGGER]: 'timer',
    [A.FAAS_TIME]: new Date(scheduledMs).toISOString(),
    [A.RUN_LATENESS_MS]: decidedMs - scheduledMs,
    [A.RUN_ATTEMPT]: run.attempt,
    [A.RUN_COALESCED]: run.coalescedRunTimes.length,
    [A.RUN_STARTED]: started,
  };
  if (cron !== undefined) attributes[A.FAAS_CRON] = cron;
  return attributes;
}

/** Outcome, status and exception of an ended run. */
function describeOutcome(span: Span, run: Run): void {
  const { outcome } = run;
  if (outcome !== null) span.setAttribute(A.RUN_OUTCOME, outcome);
  const { error } = run;
  if (outcome === 'error' || outcome === 'timeout') {
    const recorded = asException(error);
    span.recordException(recorded, hrTime(run.finishedAt?.getTime() ?? Date.now()));
    span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(recorded) });
  } else if (outcome === 'cancelled' && run.startedAt !== null) {
    // Cancelled by a shutdown without waiting: recorded, but not the task's failure.
    span.recordException(asException(error), hrTime(run.finishedAt?.getTime() ?? Date.now()));
  }
}

/** What `recordException` takes, from the run's error (name, message and stack). */
function asException(error: RunError | null): Exception {
  if (error === null) return 'unknown error';
  return error.stack === null
    ? { name: error.name, message: error.message }
    : { name: error.name, message: error.message, stack: error.stack };
}

function messageOf(exception: Exception): string {
  if (typeof exception === 'string') return exception;
  return exception.message ?? exception.name ?? 'error';
}

/** Epoch milliseconds as OTel's high-resolution time (whole numbers: the run records keep ms). */
export function hrTime(epochMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000);
  return [seconds, Math.round((epochMs - seconds * 1000) * 1_000_000)];
}
