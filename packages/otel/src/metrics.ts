/**
 * The metrics of a scheduler's runs, under `kairos.`: `kairos.runs` (runs by outcome),
 * `kairos.run.duration` and `kairos.run.lateness` (histograms, seconds, as the OpenTelemetry
 * semantic conventions measure durations), `kairos.runs.in_flight` and `kairos.jobs` (gauges).
 * Runs are counted in plain numbers and observed at collection, so a run costs the SDK only its
 * two histogram records.
 */
import type { BatchObservableCallback, Histogram, Meter, Observable } from '@opentelemetry/api';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { Run } from 'kairos';
import { KairosAttributes as A } from './attributes.js';
import type { JobInfos, JobSeries } from './job-info.js';
import type { JobStates } from './job-states.js';

/** Metric names. */
export const KairosMetrics = {
  /** Counter of ended runs, by job and `kairos.run.outcome` (`{run}`). */
  RUNS: 'kairos.runs',
  /** Histogram of started runs' durations, start to outcome, by job and outcome (`s`). */
  RUN_DURATION: 'kairos.run.duration',
  /** Histogram of how late runs started (or were found missed), by job (`s`). */
  RUN_LATENESS: 'kairos.run.lateness',
  /** Gauge of runs whose task is running now, by `kairos.executor` (`{run}`). */
  RUNS_IN_FLIGHT: 'kairos.runs.in_flight',
  /** Gauge of jobs by `kairos.job.state` and `kairos.jobstore` (`{job}`). */
  JOBS: 'kairos.jobs',
} as const;

/** Bucket boundaries (seconds) of `kairos.run.duration`: 5 ms to an hour. */
export const DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

/** Bucket boundaries (seconds) of `kairos.run.lateness`: 1 ms to 5 min. */
export const LATENESS_BUCKETS_S = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/** @internal A scheduler's run metrics. */
export class RunMetrics {
  readonly #meter: Meter;
  readonly #duration: Histogram;
  readonly #lateness: Histogram;
  readonly #observables: Observable[];
  readonly #observe: BatchObservableCallback;

  /**
   * @param inFlight the runs whose task is running now
   * @param jobStates job counts for `kairos.jobs`, or null to leave the gauge out
   */
  constructor(
    meter: Meter,
    infos: JobInfos,
    inFlight: () => Iterable<Run>,
    jobStates: JobStates | null,
  ) {
    this.#meter = meter;
    this.#duration = meter.createHistogram(KairosMetrics.RUN_DURATION, {
      description: 'Duration of Kairos runs, from the task’s start to its outcome',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    });
    this.#lateness = meter.createHistogram(KairosMetrics.RUN_LATENESS, {
      description: 'How late Kairos runs started (or were found missed) after their scheduled time',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENESS_BUCKETS_S },
    });
    const runs = meter.createObservableCounter(KairosMetrics.RUNS, {
      description: 'Kairos runs that ended, by outcome',
      unit: '{run}',
    });
    const running = meter.createObservableGauge(KairosMetrics.RUNS_IN_FLIGHT, {
      description: 'Kairos runs whose task is running',
      unit: '{run}',
    });
    const jobs =
      jobStates === null
        ? null
        : meter.createObservableGauge(KairosMetrics.JOBS, {
            description: 'Kairos jobs by state and job store',
            unit: '{job}',
          });
    this.#observables = jobs === null ? [runs, running] : [runs, running, jobs];
    this.#observe = async (result) => {
      for (const series of infos.allSeries()) {
        for (const [outcome, count] of series.runs) {
          result.observe(runs, count, series.withOutcome(outcome));
        }
      }
      // Every executor that ran a job reports, 0 when idle (not its last count).
      const byExecutor = new Map<string, number>();
      for (const executor of infos.executors) byExecutor.set(executor, 0);
      for (const run of inFlight()) {
        byExecutor.set(run.executor, (byExecutor.get(run.executor) ?? 0) + 1);
      }
      for (const [executor, count] of byExecutor) {
        result.observe(running, count, { [A.EXECUTOR]: executor });
      }
      if (jobs === null || jobStates === null) return;
      for (const { state, jobstore, count } of await jobStates.read()) {
        result.observe(jobs, count, { [A.JOB_STATE]: state, [A.JOBSTORE]: jobstore });
      }
    };
    meter.addBatchObservableCallback(this.#observe, this.#observables);
  }

  /** Counts an ended run and records its duration and lateness. */
  finished(run: Run, series: JobSeries, startedMs: number | null, finishedMs: number): void {
    const { outcome } = run;
    if (outcome === null) return;
    series.runs.set(outcome, (series.runs.get(outcome) ?? 0) + 1);
    if (startedMs !== null) {
      const scheduledMs = run.scheduledRunTime.getTime();
      this.#lateness.record(
        Math.max(0, startedMs - scheduledMs) / 1000,
        series.attributes,
        ROOT_CONTEXT,
      );
      this.#duration.record(
        Math.max(0, finishedMs - startedMs) / 1000,
        series.withOutcome(outcome),
        ROOT_CONTEXT,
      );
    } else if (outcome === 'missed') {
      const scheduledMs = run.scheduledRunTime.getTime();
      this.#lateness.record(
        Math.max(0, finishedMs - scheduledMs) / 1000,
        series.attributes,
        ROOT_CONTEXT,
      );
    }
  }

  /** Counts a run found abandoned (no duration: its owner died before the outcome). */
  abandoned(series: JobSeries): void {
    const { runs } = series;
    runs.set('abandoned', (runs.get('abandoned') ?? 0) + 1);
  }

  /** Stops observing: the gauges and the counter are no longer reported. */
  shutdown(): void {
    this.#meter.removeBatchObservableCallback(this.#observe, this.#observables);
  }
}
