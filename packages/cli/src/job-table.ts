/**
 * How `kairos jobs` shows jobs: one row per job for the table and `--json`, and every field for
 * `show`. Unrestorable jobs show their state and cause instead of a trigger.
 */
import type { ListedJob, Run, RunOutcome, Task } from 'kairos';
import { formatRunTime, isoInZone } from './times.js';

/** One job as `jobs list` shows it. */
export interface JobRow {
  id: string;
  name: string;
  /** The trigger as APScheduler writes it (`cron[hour='9']`), or null when unrestorable. */
  trigger: string | null;
  /** ISO 8601 in the job's zone, or null (paused, or no run left). */
  nextRunTime: string | null;
  /** The zone next run times are shown in: the trigger's, else the scheduler's. */
  timezone: string;
  state: 'pending' | 'scheduled' | 'paused' | 'unrestorable';
  /** Why the job cannot be restored, or null. */
  cause: string | null;
  /** The job's newest run in its store's history, or null (none, or no history kept). */
  lastRun: LastRunRow | null;
}

/** A job's newest run as `jobs list` shows it. */
export interface LastRunRow {
  id: string;
  /** How it ended, or null while it is in flight. */
  outcome: RunOutcome | null;
  /** ISO 8601 in the job's zone. */
  scheduledRunTime: string;
  /** `Name: message` of its error, or null. */
  error: string | null;
}

/** The row of one listed job; `zone` is the zone for triggers that name none. */
export function jobRow(job: ListedJob, zone: string): JobRow {
  if (job.state === 'unrestorable')
    return {
      id: job.id,
      name: job.name,
      trigger: null,
      nextRunTime: job.nextRunTime === null ? null : isoInZone(job.nextRunTime, zone),
      timezone: zone,
      state: 'unrestorable',
      cause: describeCause(job.cause),
      lastRun: null,
    };
  const triggerZone = zoneOf(job.trigger.toJSON()) ?? zone;
  return {
    id: job.id,
    name: job.name,
    trigger: job.trigger.toString(),
    nextRunTime: job.nextRunTime === null ? null : isoInZone(job.nextRunTime, triggerZone),
    timezone: triggerZone,
    state: job.state,
    cause: null,
    lastRun: job.lastRun === null ? null : lastRunRow(job.lastRun, triggerZone),
  };
}

function lastRunRow(run: Run, zone: string): LastRunRow {
  return {
    id: run.id,
    outcome: run.outcome,
    scheduledRunTime: isoInZone(run.scheduledRunTime, zone),
    error: run.error === null ? null : `${run.error.name}: ${run.error.message}`,
  };
}

/** The rows as an aligned text table with a header. */
export function renderTable(rows: readonly JobRow[]): string {
  if (rows.length === 0) return 'No jobs.\n';
  return renderColumns(
    ['ID', 'NAME', 'TRIGGER', 'NEXT RUN', 'LAST RUN', 'STATE'],
    rows.map((row) => [
      row.id,
      row.name,
      row.trigger ?? '-',
      row.nextRunTime === null ? '-' : formatRunTime(new Date(row.nextRunTime), row.timezone),
      row.lastRun === null
        ? '-'
        : `${row.lastRun.outcome ?? 'in flight'} (${formatRunTime(new Date(row.lastRun.scheduledRunTime), row.timezone)})`,
      row.cause === null ? row.state : `${row.state}: ${row.cause}`,
    ]),
  );
}

/** Cells as an aligned text table under `header` (the last column is not padded). */
export function renderColumns(
  header: readonly string[],
  cells: readonly (readonly string[])[],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => (cell[column] ?? '').length)),
  );
  const line = (cell: readonly string[]): string =>
    cell
      .map((text, column) => (column === cell.length - 1 ? text : text.padEnd(widths[column] ?? 0)))
      .join('  ');
  return [line(header), ...cells.map(line)].join('\n') + '\n';
}

/** Every field of one job, for `jobs show`. */
export function jobDetails(job: ListedJob, zone: string): Record<string, unknown> {
  const row = jobRow(job, zone);
  if (job.state === 'unrestorable')
    return {
      ...row,
      jobstore: job.jobstore,
      document: typeof job.document === 'string' ? safeParse(job.document) : job.document,
    };
  return {
    ...row,
    task: taskOf(job.task),
    args: job.args,
    triggerSpec: job.trigger.toJSON(),
    executor: job.executor,
    jobstore: job.jobstore,
    misfireGraceTime: job.misfireGraceTime,
    coalesce: job.coalesce,
    maxInstances: job.maxInstances,
    timeout: job.timeout,
  };
}

/** `key: value` lines for `jobs show`. */
export function renderDetails(details: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(details).map((key) => key.length));
  return (
    Object.entries(details)
      .map(([key, value]) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        return `${`${key}:`.padEnd(width + 1)} ${text ?? '-'}`;
      })
      .join('\n') + '\n'
  );
}

/** `TaskLookupError: …` from whatever a store gave as the cause. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

/** A task as stored (a reference, or a command's spec), or a placeholder for a function. */
function taskOf(task: Task): Task | string {
  return typeof task === 'function' ? '(a function)' : task;
}

function zoneOf(spec: unknown): string | undefined {
  if (typeof spec !== 'object' || spec === null) return undefined;
  const zone = (spec as { timezone?: unknown }).timezone;
  return typeof zone === 'string' ? zone : undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
