/** One job: what it is, its actions, its upcoming runs and the timeline of its runs. */
import { useContext, useState } from 'preact/hooks';
import { getJson, jobPath, type JobDetail, type RunState, type RunsPage } from '../api.js';
import { JobActions } from '../components/job-actions.js';
import { OutcomeBadge, StateBadge } from '../components/badges.js';
import { RunsTable } from '../components/runs-table.js';
import { When } from '../components/when.js';
import { absolute, relative } from '../format.js';
import { useNow, useResource } from '../live.js';
import { MetaContext } from '../meta.js';
import { ErrorNotice, Loading } from '../components/notices.js';

const HISTORY_PAGE = 20;
/** The most runs one call of the API gives: older ones are read a page at a time by cursor. */
const MAX_LIMIT = 1000;

/** The page of the job `id`. */
export function JobPage({ id }: { id: string }) {
  const meta = useContext(MetaContext);
  const now = useNow();
  const [historySize, setHistorySize] = useState(HISTORY_PAGE);
  // Runs older than the newest MAX_LIMIT, read by cursor: they do not change, so not polled.
  const [older, setOlder] = useState<{ runs: RunState[]; cursor: string | null } | null>(null);
  const [olderError, setOlderError] = useState<string | null>(null);
  const [removed, setRemoved] = useState(false);
  const job = useResource<JobDetail>(removed ? null : jobPath(id));
  const history = useResource<RunsPage>(
    removed ? null : `${jobPath(id)}/runs?limit=${historySize}`,
  );

  if (removed) {
    return (
      <section aria-labelledby="job-title">
        <h1 id="job-title">{id}</h1>
        <p role="status">
          The job was removed. <a href="#/">Back to the jobs</a>
        </p>
      </section>
    );
  }
  if (job.data === null) {
    return (
      <section aria-labelledby="job-title">
        <h1 id="job-title">{id}</h1>
        {job.error === null ? <Loading /> : <ErrorNotice>{job.error}</ErrorNotice>}
        <p>
          <a href="#/">Back to the jobs</a>
        </p>
      </section>
    );
  }

  const detail = job.data;
  const reload = (): void => {
    job.reload();
    history.reload();
  };
  return (
    <section aria-labelledby="job-title" class="job">
      <p class="crumbs">
        <a href="#/">Jobs</a> / <span>{detail.id}</span>
      </p>
      <header class="job-head">
        <h1 id="job-title">
          {detail.name} <StateBadge state={detail.state} />
        </h1>
        {meta !== null && !meta.readOnly && (
          <JobActions job={detail} onChanged={reload} onRemoved={() => setRemoved(true)} />
        )}
      </header>

      <div class="columns">
        <section aria-labelledby="about-title" class="card">
          <h2 id="about-title">Schedule</h2>
          <dl class="facts">
            <dt>In words</dt>
            <dd>{detail.description ?? '—'}</dd>
            <dt>Trigger</dt>
            <dd>
              <code>{detail.trigger ?? '—'}</code>
            </dd>
            <dt>Time zone</dt>
            <dd>{detail.timezone}</dd>
            <dt>Next run</dt>
            <dd>
              <When iso={detail.nextRunTime} zone={detail.timezone} now={now} />
            </dd>
            <dt>Last run</dt>
            <dd>
              {detail.lastRun === null ? (
                'never'
              ) : (
                <>
                  <OutcomeBadge outcome={detail.lastRun.outcome} />{' '}
                  {relative(detail.lastRun.scheduledRunTime, now)}
                </>
              )}
            </dd>
            {detail.cause !== null && (
              <>
                <dt>Cannot be restored</dt>
                <dd class="error-text">{detail.cause}</dd>
              </>
            )}
          </dl>
        </section>

        <section aria-labelledby="task-title" class="card">
          <h2 id="task-title">Task</h2>
          <dl class="facts">
            <dt>Task</dt>
            <dd>
              <code>{detail.task}</code>
            </dd>
            <dt>Arguments</dt>
            <dd>
              {detail.argsHidden ? (
                <span class="muted">hidden (showArgs is off)</span>
              ) : (
                <code>{JSON.stringify(detail.args ?? [])}</code>
              )}
            </dd>
            <dt>Store / executor</dt>
            <dd>
              {detail.jobstore} / {detail.executor ?? '—'}
            </dd>
            {detail.state === 'unrestorable' ? (
              <>
                <dt>Policies</dt>
                <dd class="muted">unknown: the store cannot restore the job</dd>
              </>
            ) : (
              <JobPolicies detail={detail} />
            )}
          </dl>
        </section>

        <section aria-labelledby="upcoming-title" class="card">
          <h2 id="upcoming-title">Upcoming runs</h2>
          {detail.upcoming.length === 0 ? (
            <p class="muted">
              {detail.state === 'paused' ? 'None while the job is paused.' : 'None.'}
            </p>
          ) : (
            <ol class="upcoming" aria-labelledby="upcoming-title">
              {detail.upcoming.map((iso) => (
                <li key={iso}>
                  <time dateTime={iso}>{absolute(iso, detail.timezone)}</time>{' '}
                  <span class="muted small">{relative(iso, now)}</span>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>

      <section aria-labelledby="history-title">
        <h2 id="history-title">Run history</h2>
        {history.error !== null && <ErrorNotice>{history.error}</ErrorNotice>}
        {olderError !== null && <ErrorNotice>{olderError}</ErrorNotice>}
        {history.data !== null && (
          <div class="table-wrap">
            <RunsTable
              runs={withOlder(history.data.runs, older)}
              caption={historyCaption(withOlder(history.data.runs, older).length, detail.name)}
              zone={detail.timezone}
              now={now}
              empty="No runs yet."
            />
          </div>
        )}
        {(older === null ? history.data?.nextCursor : older.cursor) != null && (
          <button
            type="button"
            onClick={() => {
              if (historySize < MAX_LIMIT) {
                setHistorySize(Math.min(historySize + HISTORY_PAGE, MAX_LIMIT));
                return;
              }
              const cursor = older === null ? history.data?.nextCursor : older.cursor;
              if (cursor == null) return;
              getJson<RunsPage>(
                `${jobPath(id)}/runs?limit=${HISTORY_PAGE}&cursor=${encodeURIComponent(cursor)}`,
              ).then(
                (page) => {
                  setOlderError(null);
                  setOlder({
                    runs: [...(older?.runs ?? []), ...page.runs],
                    cursor: page.nextCursor,
                  });
                },
                (error: unknown) => setOlderError(String((error as Error).message)),
              );
            }}
          >
            Show older runs
          </button>
        )}
      </section>
    </section>
  );
}

/** A restorable job's policies (terms of its facts list): runs at once, misfire grace, coalescing, timeout. */
function JobPolicies({ detail }: { detail: JobDetail }) {
  return (
    <>
      <dt>Runs at once</dt>
      <dd>at most {detail.maxInstances}</dd>
      <dt>Misfire grace</dt>
      <dd>
        {detail.misfireGraceTime === null ? 'none (always run)' : `${detail.misfireGraceTime} s`}
      </dd>
      <dt>Coalesce</dt>
      <dd>{detail.coalesce ? 'yes' : 'no'}</dd>
      <dt>Timeout</dt>
      <dd>{detail.timeout === null ? 'none' : `${detail.timeout} s`}</dd>
    </>
  );
}

/** The newest runs, then the older ones read by cursor that they do not hold already. */
function withOlder(newest: readonly RunState[], older: { runs: RunState[] } | null): RunState[] {
  if (older === null) return [...newest];
  const shown = new Set(newest.map((run) => run.id));
  return [...newest, ...older.runs.filter((run) => !shown.has(run.id))];
}

function historyCaption(count: number, name: string): string {
  if (count === 0) return `Runs of ${name}`;
  return count === 1
    ? `The last run of ${name}`
    : `The last ${count} runs of ${name}, newest first`;
}
