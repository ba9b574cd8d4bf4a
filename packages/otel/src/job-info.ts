/**
 * What a job contributes to the telemetry of its runs: its metric series (run counts and reused
 * attribute objects, by job id or by job name) and its `faas.cron` value. Nothing is kept per
 * job object, so a scheduler of many one-off jobs keeps no cache entry per job: a run costs a
 * map lookup by id (or name).
 */
import type { Attributes } from '@opentelemetry/api';
import type { Job, RunOutcome } from 'kairos';
import { KairosAttributes as A } from './attributes.js';

/** Run counts and attribute objects of one metric series (a job, or a job name). */
export class JobSeries {
  /** The job name it was made for (a renamed job gets a new series). */
  readonly jobName: string;
  /** The job attributes of its metric points. */
  readonly attributes: Attributes;
  /** Runs counted so far, by outcome. */
  readonly runs = new Map<RunOutcome, number>();
  readonly #withOutcome = new Map<RunOutcome, Attributes>();

  constructor(jobName: string, attributes: Attributes) {
    this.jobName = jobName;
    this.attributes = attributes;
  }

  /** The series' attributes with `kairos.run.outcome` (one object per outcome, reused). */
  withOutcome(outcome: RunOutcome): Attributes {
    let attributes = this.#withOutcome.get(outcome);
    if (attributes === undefined) {
      attributes = { ...this.attributes, [A.RUN_OUTCOME]: outcome };
      this.#withOutcome.set(outcome, attributes);
    }
    return attributes;
  }
}

/** The metric series of a scheduler's jobs, and the executors they ran on. */
export class JobInfos {
  /** The executor aliases of the jobs seen so far. */
  readonly executors = new Set<string>();
  readonly #metricJobId: boolean;
  /** Series by job id (or by name without `metricJobId`). */
  readonly #series = new Map<string, JobSeries>();
  /** Series of jobs renamed since their first series, by id and name. */
  readonly #renamed = new Map<string, JobSeries>();
  readonly #cron = new WeakMap<object, string>();

  /** @param metricJobId whether metric points carry the job id */
  constructor(metricJobId: boolean) {
    this.#metricJobId = metricJobId;
  }

  /** Every metric series seen so far. */
  *allSeries(): Generator<JobSeries> {
    yield* this.#series.values();
    yield* this.#renamed.values();
  }

  /** The metric series of a job id and name. */
  seriesOf(jobId: string, jobName: string, executor: string): JobSeries {
    const key = this.#metricJobId ? jobId : jobName;
    const series = this.#series.get(key);
    if (series !== undefined && series.jobName === jobName) return series;
    return this.#newSeries(key, jobId, jobName, executor, series !== undefined);
  }

  /**
   * The `faas.cron` value of a job: a crontab trigger's expression (`0 9 * * 1-5`), a cron
   * trigger's fields in APScheduler's form (`cron[day_of_week='mon-fri', hour='9']`), or
   * undefined for other triggers. Kept per trigger object.
   */
  cronOf(job: Job): string | undefined {
    const { trigger } = job;
    const { type } = trigger;
    if (type !== 'cron' && type !== 'crontab') return undefined;
    let cron = this.#cron.get(trigger);
    if (cron === undefined) {
      const spec = trigger.toJSON() as { expr?: unknown };
      cron = type === 'crontab' && typeof spec.expr === 'string' ? spec.expr : trigger.toString();
      this.#cron.set(trigger, cron);
    }
    return cron;
  }

  #newSeries(
    key: string,
    jobId: string,
    jobName: string,
    executor: string,
    renamed: boolean,
  ): JobSeries {
    this.executors.add(executor);
    const renamedKey = `${key}\u0000${jobName}`;
    let series = renamed ? this.#renamed.get(renamedKey) : undefined;
    if (series !== undefined) return series;
    series = new JobSeries(
      jobName,
      this.#metricJobId ? { [A.JOB_ID]: jobId, [A.JOB_NAME]: jobName } : { [A.JOB_NAME]: jobName },
    );
    if (renamed) this.#renamed.set(renamedKey, series);
    else this.#series.set(key, series);
    return series;
  }
}
