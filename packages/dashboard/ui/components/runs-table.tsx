/** A table of runs: when, outcome, duration, retry (of an abandoned run), node; an error's stack behind a disclosure. */
import type { RunState } from '../api.js';
import { absolute, duration, relative, retry } from '../format.js';
import { jobHref } from '../route.js';
import { OutcomeBadge } from './badges.js';

/** Options of {@link RunsTable}. */
export interface RunsTableProps {
  runs: RunState[];
  caption: string;
  /** The zone times are shown in. */
  zone: string;
  now: number;
  /** Show the job column (the whole scheduler's runs). */
  showJob?: boolean;
  /** What an empty table says. */
  empty: string;
}

/** The runs, newest first as the API gives them. */
export function RunsTable({ runs, caption, zone, now, showJob = false, empty }: RunsTableProps) {
  return (
    <table class="runs">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {showJob && <th scope="col">Job</th>}
          <th scope="col">Scheduled</th>
          <th scope="col">Outcome</th>
          <th scope="col">Duration</th>
          <th scope="col">Retry</th>
          <th scope="col">Node</th>
        </tr>
      </thead>
      <tbody>
        {runs.length === 0 && (
          <tr>
            <td colSpan={showJob ? 6 : 5} class="muted">
              {empty}
            </td>
          </tr>
        )}
        {runs.map((run) => (
          <tr key={run.id} data-run-id={run.id}>
            {showJob && (
              <td>
                <a href={jobHref(run.jobId)}>{run.jobName}</a>
              </td>
            )}
            <td>
              <time dateTime={run.scheduledRunTime} class="when">
                <span>{absolute(run.scheduledRunTime, zone)}</span>
                <span class="muted small">{relative(run.scheduledRunTime, now)}</span>
              </time>
            </td>
            <td>
              <OutcomeBadge outcome={run.outcome} />
              {run.error && (
                <details class="error">
                  <summary>
                    {run.error.name}: {run.error.message}
                  </summary>
                  <pre>{run.error.stack ?? `${run.error.name}: ${run.error.message}`}</pre>
                </details>
              )}
            </td>
            <td class="num">
              {run.outcome === null
                ? `${duration(now - Date.parse(run.startedAt ?? run.submittedAt))} so far`
                : duration(run.durationMs)}
            </td>
            <td class="num">{retry(run.attempt)}</td>
            <td class="small">{run.schedulerId}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
