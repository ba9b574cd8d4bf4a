/**
 * What `kairos run` says about runs: a line (or JSON object) for each run's start and outcome —
 * exit code, signal, the last stderr line, timeouts, missed and skipped runs — read from the
 * scheduler's run records, and the counts the metrics serve.
 */
import {
  CommandFailedError as CommandExitError,
  CommandTimeoutError,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  EVENT_JOB_UNRESTORABLE,
  JobExecutionEvent,
  JobSubmissionEvent,
  JobTimeoutError,
  JobUnrestorableEvent,
  isCommandTask,
  type BackgroundScheduler,
  type CommandResult,
} from 'kairos';
import { messageOf } from '../errors.js';
import type { FileJob } from './job-files.js';
import type { DaemonMetrics } from './metrics.js';
import { RunReplacedError } from './overlap.js';
import { formatDuration, type DaemonLog } from './run-log.js';

/** What {@link logRunEvents} reports to and looks up. */
export interface RunEventSinks {
  readonly log: DaemonLog;
  readonly metrics: DaemonMetrics | null;
  /** A job as loaded from its file (also after a reload removed it), by id. */
  readonly job: (id: string) => FileJob | undefined;
  /** `--catch-up`, in seconds, for the missed-run message. */
  readonly catchUpSeconds: number;
}

/** Logs every run's start and outcome, and counts them for the metrics. */
export function logRunEvents(
  scheduler: BackgroundScheduler,
  { log, metrics, job, catchUpSeconds }: RunEventSinks,
): void {
  const nameOf = (id: string): string => job(id)?.name ?? id;
  // `started` when the task starts, not when the run is submitted: a submitted run may still
  // be missed (too late at its start) and then never starts.
  scheduler.observeRuns({
    runStarting(run, _job, start) {
      const command = commandOf(job(run.jobId));
      log.info(
        'started',
        `run ${run.id} started (due ${run.scheduledRunTime.toISOString()})${command === null ? '' : `: ${command}`}`,
        {
          job: nameOf(run.jobId),
          jobId: run.jobId,
          runId: run.id,
          due: run.scheduledRunTime.toISOString(),
        },
      );
      return start(run);
    },
  });
  scheduler.addListener(
    (event) => {
      if (event instanceof JobSubmissionEvent) {
        if (event.code === EVENT_JOB_MAX_INSTANCES)
          metrics?.record(event.jobId, nameOf(event.jobId), null, 'skipped');
        return;
      }
      if (event instanceof JobUnrestorableEvent) {
        log.error(
          'scheduler',
          `job ${event.jobId} is in the store but cannot be restored: ${String(event.exception)}`,
          {
            jobId: event.jobId,
          },
        );
        return;
      }
      if (!(event instanceof JobExecutionEvent)) return;
      const run = event.run;
      const name = nameOf(event.jobId);
      const fields = {
        job: name,
        jobId: event.jobId,
        runId: run?.id,
        ...(run === null ? {} : { due: run.scheduledRunTime.toISOString() }),
        durationMs: run?.durationMs ?? null,
      };
      const took = formatDuration(run?.durationMs ?? null);
      if (event.code === EVENT_JOB_EXECUTED) {
        const result = event.retval as Partial<CommandResult> | undefined;
        metrics?.record(event.jobId, name, run, 'executed');
        log.info('finished', `run ${run?.id ?? '?'} exited 0 in ${took}`, {
          ...fields,
          exitCode: result?.exitCode ?? 0,
        });
        return;
      }
      if (event.code === EVENT_JOB_MISSED) {
        metrics?.record(event.jobId, name, run, 'missed');
        const late =
          run?.finishedAt == null
            ? null
            : run.finishedAt.getTime() - run.scheduledRunTime.getTime();
        log.warn(
          'missed',
          `run due at ${run?.scheduledRunTime.toISOString() ?? '?'} missed: ${formatDuration(late)} late, more than --catch-up ${catchUpSeconds} s`,
          fields,
        );
        return;
      }
      const error = event.exception;
      const outcome = run?.outcome ?? 'error';
      metrics?.record(event.jobId, name, run, outcome);
      if (error instanceof CommandExitError) {
        const how =
          error.signal !== null
            ? `was killed by ${error.signal}`
            : error.exitCode === null
              ? 'could not start'
              : `exited ${error.exitCode}`;
        const stderr = error.stderr.trimEnd().split('\n').at(-1) ?? '';
        log.error(
          'failed',
          `run ${run?.id ?? '?'} ${how} after ${took}${error.exitCode === null && error.signal === null ? `: ${error.message}` : stderr === '' ? '' : ` (last stderr line: ${stderr})`}`,
          { ...fields, exitCode: error.exitCode, signal: error.signal },
        );
        return;
      }
      log.error('failed', `run ${run?.id ?? '?'} ${failure(error, outcome, took)}`, {
        ...fields,
        exitCode: null,
      });
    },
    EVENT_JOB_MAX_INSTANCES |
      EVENT_JOB_EXECUTED |
      EVENT_JOB_ERROR |
      EVENT_JOB_MISSED |
      EVENT_JOB_UNRESTORABLE,
  );
}

/** How a run that did not exit by itself ended, with how long it took. */
function failure(error: unknown, outcome: string, took: string): string {
  if (error instanceof RunReplacedError)
    return `was stopped after ${took}: a newer run replaces it`;
  if (error instanceof JobTimeoutError || error instanceof CommandTimeoutError)
    return `timed out after ${took}: ${error.message}`;
  if (outcome === 'cancelled') return `was stopped at shutdown after ${took}`;
  return `failed after ${took}: ${messageOf(error)}`;
}

/** The command line of a loaded job, for the start line. */
function commandOf(job: FileJob | undefined): string | null {
  if (job === undefined || !isCommandTask(job.task)) return null;
  return 'command' in job.task ? job.task.command : job.task.argv.join(' ');
}
