/**
 * The names of the attributes Kairos puts on its spans and metric points: `kairos.*` for its
 * own, and the FaaS conventions' `faas.trigger`, `faas.cron` and `faas.time` (a scheduled run is the closest standard thing to a timer-triggered
 * function invocation).
 */

/** Attribute names used by `@kairos/otel` on spans and metric points. */
export const KairosAttributes = {
  /** The job's id (spans; metrics unless `metricJobId: false`). */
  JOB_ID: 'kairos.job.id',
  /** The job's name (spans and metrics). */
  JOB_NAME: 'kairos.job.name',
  /** A job's state, on the `kairos.jobs` gauge: `pending`, `scheduled`, `paused`, `unrestorable`. */
  JOB_STATE: 'kairos.job.state',
  /** The alias of the job's executor. */
  EXECUTOR: 'kairos.executor',
  /** The alias of the job's job store. */
  JOBSTORE: 'kairos.jobstore',
  /** The run's id, as its record and the run history give it. */
  RUN_ID: 'kairos.run.id',
  /** How the run ended: `executed`, `error`, `timeout`, `missed`, `skipped`, `cancelled`, `abandoned`. */
  RUN_OUTCOME: 'kairos.run.outcome',
  /** Milliseconds from the scheduled time to the start (or, for a missed run, to the decision). */
  RUN_LATENESS_MS: 'kairos.run.lateness_ms',
  /** 0, or 1, 2, … for the retries of an abandoned run. */
  RUN_ATTEMPT: 'kairos.run.attempt',
  /** How many earlier run times coalescing folded into this run. */
  RUN_COALESCED: 'kairos.run.coalesced',
  /** Whether the run's task started (false for missed, skipped and queued-then-cancelled runs). */
  RUN_STARTED: 'kairos.run.started',
  /** FaaS convention: what triggered the invocation; always `timer`. */
  FAAS_TRIGGER: 'faas.trigger',
  /** FaaS convention: the schedule as a cron expression (cron triggers only). */
  FAAS_CRON: 'faas.cron',
  /** FaaS convention: the invocation's time, here the time the run was scheduled for (ISO 8601). */
  FAAS_TIME: 'faas.time',
} as const;
