/**
 * Kairos's objects as the API's JSON: jobs (summary and detail, times in the job's zone), runs
 * (instants as ISO strings, results only with `showArgs`), nodes and events. What else
 * `showArgs: false` withholds (command lines, names that may be command lines) is decided in
 * masking.ts; these functions apply its masks.
 */
import {
  commandText,
  describeError,
  summarizeResult,
  JobExecutionEvent,
  JobSubmissionEvent,
  JobAbandonedEvent,
  JobEvent,
  JobUnrestorableEvent,
  type AnySchedulerEvent,
  type Job,
  type ListedJob,
  type NodeInfo,
  type Run,
  type Trigger,
} from 'kairos';
import { DateTime } from 'luxon';
import { describeTrigger } from './describe.js';
import { HIDDEN_COMMAND, jobMask, Mask, runMask } from './masking.js';
import type { JobDetail, JobSummary, NodeView, RunView, SchedulerEventView } from './interfaces.js';

/** How many upcoming run times a job's detail lists. */
const UPCOMING = 10;

/** An instant as ISO 8601 with the offset of `zone` (`Z` in UTC). */
export function isoInZone(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO() ?? new Date(ms).toISOString();
}

const iso = (date: Date): string => date.toISOString();

/**
 * A run as JSON: its result only with `showArgs`, its job's name and its error as `mask`
 * (from {@link runMask}) shows them.
 */
export function runView(run: Run, showArgs: boolean, mask: Mask = Mask.NONE): RunView {
  const view: RunView = {
    id: run.id,
    jobId: run.jobId,
    jobName: run.jobName,
    jobstore: run.jobstore,
    executor: run.executor,
    schedulerId: run.schedulerId,
    scheduledRunTime: iso(run.scheduledRunTime),
    coalescedRunTimes: run.coalescedRunTimes.map(iso),
    submittedAt: iso(run.submittedAt),
    startedAt: run.startedAt === null ? null : iso(run.startedAt),
    finishedAt: run.finishedAt === null ? null : iso(run.finishedAt),
    outcome: run.outcome,
    error: run.error,
    attempt: run.attempt,
    durationMs: run.durationMs,
  };
  if (showArgs && run.result !== undefined) view.result = run.result;
  return maskRunView(view, mask);
}

/**
 * A run as a list shows it: its error without the stack (a stack can be hundreds of KB; a job's
 * page and the run history carry it).
 */
function withoutStack(view: RunView): RunView {
  return view.error === null || view.error.stack === null
    ? view
    : { ...view, error: { ...view.error, stack: null } };
}

function maskRunView(view: RunView, mask: Mask): RunView {
  if (mask === Mask.NONE) return view;
  return { ...view, jobName: mask.name(view.jobName), error: mask.error(view.error) };
}

/** The zone a trigger's times are read in: its own, a combination's first child's, or `fallback`. */
export function zoneOfTrigger(trigger: Trigger, fallback: string): string {
  const zone = (trigger as { timezone?: unknown }).timezone;
  if (typeof zone === 'string') return zone;
  const children = (trigger as { triggers?: unknown }).triggers;
  if (Array.isArray(children) && children.length > 0)
    return zoneOfTrigger(children[0] as Trigger, fallback);
  return fallback;
}

/** What a summary needs besides the job: its runs, newest first (at most ten). */
export interface JobRuns {
  readonly recent: readonly Run[];
}

/** A job as the jobs list shows it. */
export function jobSummary(
  job: ListedJob,
  runs: JobRuns,
  schedulerZone: string,
  showArgs: boolean,
): JobSummary {
  const last = runs.recent[0] ?? null;
  const mask = jobMask(job, showArgs);
  const trend = [...runs.recent].reverse().map((run) => ({
    scheduledRunTime: iso(run.scheduledRunTime),
    durationMs: run.durationMs,
    outcome: run.outcome,
  }));
  if (job.state === 'unrestorable') {
    return {
      id: job.id,
      name: mask.name(job.name),
      state: 'unrestorable',
      jobstore: job.jobstore,
      executor: null,
      trigger: null,
      description: null,
      timezone: schedulerZone,
      nextRunTime: job.nextRunTimeMs === null ? null : isoInZone(job.nextRunTimeMs, schedulerZone),
      lastRun:
        last === null ? null : withoutStack(runView(last, showArgs, runMask(last, job, showArgs))),
      trend,
      cause: mask.text(describeCause(job.cause)),
    };
  }
  const zone = zoneOfTrigger(job.trigger, schedulerZone);
  const lastRun = last ?? job.lastRun;
  return {
    id: job.id,
    name: mask.name(job.name),
    state: job.state,
    jobstore: job.jobstore,
    executor: job.executor,
    trigger: job.trigger.toString(),
    description: describeTrigger(job.trigger),
    timezone: zone,
    nextRunTime: job.nextRunTimeMs === null ? null : isoInZone(job.nextRunTimeMs, zone),
    lastRun:
      lastRun === null
        ? null
        : withoutStack(runView(lastRun, showArgs, runMask(lastRun, job, showArgs))),
    trend,
    cause: null,
  };
}

/** A job in full: its task, policies, trigger spec and next run times. */
export function jobDetail(
  job: ListedJob,
  runs: JobRuns,
  schedulerZone: string,
  showArgs: boolean,
  now: number,
): JobDetail {
  const summary = jobSummary(job, runs, schedulerZone, showArgs);
  if (job.state === 'unrestorable') {
    return {
      ...summary,
      task: '(cannot be restored)',
      argsHidden: !showArgs,
      triggerSpec: null,
      misfireGraceTime: null,
      coalesce: false,
      maxInstances: 0,
      timeout: null,
      upcoming: [],
    };
  }
  const detail: JobDetail = {
    ...summary,
    task: taskLabel(job, showArgs),
    argsHidden: !showArgs,
    triggerSpec: job.trigger.toJSON(),
    misfireGraceTime: job.misfireGraceTime,
    coalesce: job.coalesce,
    maxInstances: job.maxInstances,
    timeout: job.timeout,
    upcoming: upcoming(job, now).map((ms) => isoInZone(ms, summary.timezone)),
  };
  // Summarised as run results are: an argument JSON cannot carry (a BigInt, a cycle) is described.
  if (showArgs) detail.args = job.args.map(summarizeResult);
  return detail;
}

/** The job's next run times: its next run time, then the trigger's fire times after it. */
function upcoming(job: Job, now: number): number[] {
  if (job.nextRunTimeMs === null) return [];
  const times = [job.nextRunTimeMs];
  let previous = job.nextRunTimeMs;
  while (times.length < UPCOMING) {
    const next = job.trigger.getNextFireTime(new Date(previous), new Date(Math.max(now, previous)));
    if (next === null || next.getTime() <= previous) break;
    previous = next.getTime();
    times.push(previous);
  }
  return times;
}

function taskLabel(job: Job, showArgs: boolean): string {
  const task = job.task;
  if (typeof task === 'string') return task;
  if (typeof task === 'function') return '(a function)';
  return showArgs ? commandText(task) : HIDDEN_COMMAND;
}

/** An error as `Name: message`. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

/** A scheduler seen in the store. */
export function nodeView(node: NodeInfo): NodeView {
  return { ...node, startedAt: iso(node.startedAt), lastSeen: iso(node.lastSeen) };
}

/** The run a scheduler event reports: of an execution, a submission (its first) or an abandon. */
export function reportedRun(event: AnySchedulerEvent): Run | null {
  if (event instanceof JobExecutionEvent) return event.run;
  if (event instanceof JobSubmissionEvent) return event.runs[0] ?? null;
  if (event instanceof JobAbandonedEvent) return event.run;
  return null;
}

/**
 * A scheduler event as the event stream sends it, before masking: built when the event is
 * emitted (its run changes later), masked once its job is looked up ({@link maskEventView}).
 */
export function eventView(
  event: AnySchedulerEvent,
  now: number,
  showArgs: boolean,
): SchedulerEventView {
  const view: SchedulerEventView = { name: event.name, code: event.code, at: iso(new Date(now)) };
  if (event instanceof JobEvent) {
    view.jobId = event.jobId;
    view.jobstore = event.jobstore;
  }
  const run = reportedRun(event);
  if (run !== null) view.run = runView(run, showArgs);
  const error =
    event instanceof JobExecutionEvent || event instanceof JobUnrestorableEvent
      ? event.exception
      : undefined;
  if (error !== undefined && error !== null) {
    view.error =
      error instanceof Error
        ? { name: error.name, message: error.message }
        : { name: 'Error', message: thrownText(error) };
  }
  return view;
}

/** A thrown value that is not an Error as text: its JSON, or what `String` makes of it. */
function thrownText(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown;
  try {
    const text = JSON.stringify(thrown);
    if (typeof text === 'string') return text;
  } catch {
    // A BigInt or a cycle: described below.
  }
  return describeError(thrown).message;
}

/** An event's view as `mask` (see `eventMask` in masking.ts) shows it: its run and its error. */
export function maskEventView(view: SchedulerEventView, mask: Mask): SchedulerEventView {
  const masked = { ...view };
  if (view.run !== undefined) masked.run = maskRunView(view.run, mask);
  if (view.error !== undefined)
    masked.error = { name: view.error.name, message: mask.text(view.error.message) };
  return masked;
}
