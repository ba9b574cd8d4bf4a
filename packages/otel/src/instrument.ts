/**
 * `instrument(scheduler)`: a `kairos.run` span per run and the `kairos.*` metrics, from the
 * scheduler's run records, through `@opentelemetry/api` only (the host picks the SDK and the
 * exporters). It watches runs from inside the run layer (`scheduler.observeRuns`), so each
 * task runs with its run's span active.
 */
import { context, metrics, trace, type Span } from '@opentelemetry/api';
import {
  ConfigurationError,
  type BaseScheduler,
  type Job,
  type JobAbandonedEvent,
  type Run,
  type RunObserver,
  type StartRun,
} from 'kairos';
import { JobInfos } from './job-info.js';
import { JobStates } from './job-states.js';
import { RunMetrics } from './metrics.js';
import { parseInstrumentOptions, show, type InstrumentOptions } from './options.js';
import { RunSpans } from './tracing.js';

/** The instrumentation scope name of Kairos's tracer and meter. */
export const INSTRUMENTATION_SCOPE = '@kairos/otel';

/**
 * A scheduler's OpenTelemetry instrumentation, made by {@link instrument}. `shutdown()` detaches
 * it; the providers and their exporters stay the host's to shut down.
 */
export class KairosInstrumentation {
  readonly #scheduler: BaseScheduler;
  readonly #infos: JobInfos;
  readonly #spans: RunSpans | null;
  readonly #metrics: RunMetrics | null;
  /** Runs whose task started while attached, with their span (null without tracing). */
  readonly #inFlight = new Map<Run, Span | null>();
  readonly #removeObserver: () => void;
  readonly #onAbandoned = (event: JobAbandonedEvent): void => {
    const { run } = event;
    this.#spans?.abandoned(run, this.#scheduler.clock.now());
    this.#metrics?.abandoned(this.#infos.seriesOf(run.jobId, run.jobName, run.executor));
  };
  #attached = true;

  /**
   * Prefer {@link instrument}.
   * @throws ConfigurationError naming a bad option and its value
   */
  constructor(scheduler: BaseScheduler, options: InstrumentOptions = {}) {
    checkScheduler(scheduler);
    const parsed = parseInstrumentOptions(options);
    this.#scheduler = scheduler;
    this.#infos = new JobInfos(parsed.metricJobId);
    this.#spans = parsed.tracing
      ? new RunSpans(
          (parsed.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE),
          parsed.spanKind,
          parsed.unstartedRunSpans,
        )
      : null;
    this.#metrics = parsed.metrics
      ? new RunMetrics(
          (parsed.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE),
          this.#infos,
          () => this.#inFlight.keys(),
          parsed.jobStates ? new JobStates(scheduler, parsed.jobStatesMaxAgeMs) : null,
        )
      : null;
    const observer: RunObserver = {
      runStarting: (run, job, start) => this.#runStarting(run, job, start),
      runFinished: (run, job) => {
        this.#runFinished(run, job);
      },
    };
    this.#removeObserver = scheduler.observeRuns(observer);
    scheduler.on('job_abandoned', this.#onAbandoned);
  }

  /** Whether it still watches the scheduler (until {@link shutdown}). */
  get attached(): boolean {
    return this.#attached;
  }

  /**
   * Detaches from the scheduler: no more spans or metric points. The spans of runs still running
   * end now, without an outcome. Idempotent; it does not shut the providers down.
   */
  shutdown(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#removeObserver();
    this.#scheduler.off('job_abandoned', this.#onAbandoned);
    this.#metrics?.shutdown();
    for (const span of this.#inFlight.values()) span?.end();
    this.#inFlight.clear();
  }

  #runStarting(run: Run, job: Job, start: StartRun): unknown {
    const spans = this.#spans;
    if (spans === null) {
      this.#inFlight.set(run, null);
      return start(run);
    }
    const startedMs = run.startedAt?.getTime() ?? this.#scheduler.clock.now();
    const span = spans.open(run, this.#infos.cronOf(job), startedMs);
    this.#inFlight.set(run, span);
    return context.with(spans.contextOf(span), start, undefined, run);
  }

  #runFinished(run: Run, job: Job): void {
    const span = this.#inFlight.get(run);
    if (span !== undefined) this.#inFlight.delete(run);
    const startedMs = run.startedAt?.getTime() ?? null;
    if (this.#spans !== null) {
      if (span !== undefined && span !== null) this.#spans.close(span, run);
      else if (startedMs === null) this.#spans.unstarted(run, this.#infos.cronOf(job));
    }
    this.#metrics?.finished(
      run,
      this.#infos.seriesOf(run.jobId, run.jobName, run.executor),
      startedMs,
      run.finishedAt?.getTime() ?? this.#scheduler.clock.now(),
    );
  }
}

/**
 * Instruments a scheduler with OpenTelemetry: a `kairos.run` span per run (the task runs with
 * it active, so the task's own spans are its children) and the `kairos.*` metrics, sent to the
 * global tracer and meter providers unless `tracerProvider` / `meterProvider` are given.
 * Call it before `start()` to see every run; `shutdown()` on the result detaches it.
 *
 * @example
 * const instrumentation = instrument(scheduler, { metricJobId: false });
 * // …
 * instrumentation.shutdown();
 * @throws ConfigurationError naming a bad option and its value
 */
export function instrument(
  scheduler: BaseScheduler,
  options: InstrumentOptions = {},
): KairosInstrumentation {
  return new KairosInstrumentation(scheduler, options);
}

/** Refuses what is not a Kairos scheduler, at the call rather than at its first use. */
function checkScheduler(scheduler: unknown): void {
  const candidate = scheduler as Partial<BaseScheduler> | null | undefined;
  if (typeof candidate?.observeRuns !== 'function' || typeof candidate.addListener !== 'function')
    throw new ConfigurationError(
      'instrument() scheduler',
      `${show(scheduler)} is not a Kairos scheduler; pass the BackgroundScheduler or ` +
        `BlockingScheduler to instrument, e.g. instrument(scheduler)`,
    );
}
