/** The runs in flight across the scheduler's stores. */
import { useContext } from 'preact/hooks';
import type { RunState } from '../api.js';
import { absolute, duration, relative, retry } from '../format.js';
import { useNow, useResource } from '../live.js';
import { MetaContext } from '../meta.js';
import { jobHref } from '../route.js';
import { ErrorNotice, Loading } from '../components/notices.js';

/** A table of the runs that have started and not ended. */
export function InFlightPage() {
  const meta = useContext(MetaContext);
  const now = useNow(1000);
  const { data, error } = useResource<{ runs: RunState[] }>('api/runs/in-flight', 5000);
  const zone = meta?.timezone ?? 'UTC';
  return (
    <section aria-labelledby="inflight-title">
      <h1 id="inflight-title">Runs in flight</h1>
      {error !== null && <ErrorNotice>{error}</ErrorNotice>}
      {data === null ? (
        error === null && <Loading />
      ) : (
        <div class="table-wrap">
          <table>
            <caption>
              {data.runs.length === 1 ? '1 run in flight' : `${data.runs.length} runs in flight`},
              times in {zone}
            </caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Scheduled</th>
                <th scope="col">Started</th>
                <th scope="col">Running for</th>
                <th scope="col">Node</th>
                <th scope="col">Executor</th>
                <th scope="col">Retry</th>
              </tr>
            </thead>
            <tbody>
              {data.runs.length === 0 && (
                <tr>
                  <td colSpan={7} class="muted">
                    Nothing is running.
                  </td>
                </tr>
              )}
              {data.runs.map((run) => (
                <tr key={run.id}>
                  <th scope="row">
                    <a href={jobHref(run.jobId)}>{run.jobName}</a>
                  </th>
                  <td>{absolute(run.scheduledRunTime, zone)}</td>
                  {/* A run the store lists without a start time is timed from its submission. */}
                  <td>{relative(run.startedAt ?? run.submittedAt, now)}</td>
                  <td class="num">
                    {duration(now - Date.parse(run.startedAt ?? run.submittedAt))}
                  </td>
                  <td>{run.schedulerId}</td>
                  <td>{run.executor}</td>
                  <td class="num">{retry(run.attempt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
