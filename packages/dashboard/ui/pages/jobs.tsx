/** The jobs page: every job with its state, next run, schedule in words, last outcome and trend. */
import { useEffect, useState } from 'preact/hooks';
import type { JobState, JobSummary } from '../api.js';
import { OutcomeBadge, StateBadge } from '../components/badges.js';
import { Sparkline } from '../components/sparkline.js';
import { When } from '../components/when.js';
import { relative } from '../format.js';
import { useNow, useResource } from '../live.js';
import { jobHref } from '../route.js';
import { ErrorNotice, Loading } from '../components/notices.js';

const PAGE_SIZE = 50;
/** The longest filter the API takes (its `q`). */
const MAX_FILTER_LENGTH = 200;
const STATES: JobState[] = ['scheduled', 'paused', 'pending', 'unrestorable'];

interface JobsList {
  jobs: JobSummary[];
  total: number;
  offset: number;
  limit: number;
}

/** The filter box and state filter, then the table. */
export function JobsPage() {
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [state, setState] = useState('');
  const [offset, setOffset] = useState(0);
  const now = useNow();

  // Ask the API once typing pauses, not at every key.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(text.trim());
      setOffset(0);
    }, 200);
    return () => clearTimeout(timer);
  }, [text]);

  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
  if (query !== '') params.set('q', query);
  if (state !== '') params.set('state', state);
  const { data, error } = useResource<JobsList>(`api/jobs?${params.toString()}`);

  // Jobs removed meanwhile can leave the page past the end: go to the last page there is.
  const total = data?.total;
  useEffect(() => {
    if (total !== undefined && offset > 0 && offset >= total) {
      setOffset(Math.max(0, Math.ceil(total / PAGE_SIZE) - 1) * PAGE_SIZE);
    }
  }, [total, offset]);

  const filtered = query !== '' || state !== '';
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <div class="filters" role="search" aria-label="Filter the jobs">
        <label>
          Filter
          <input
            type="search"
            value={text}
            maxLength={MAX_FILTER_LENGTH}
            placeholder="id or name"
            onInput={(event) => setText(event.currentTarget.value)}
          />
        </label>
        <label>
          State
          <select
            value={state}
            onChange={(event) => {
              setState(event.currentTarget.value);
              setOffset(0);
            }}
          >
            <option value="">all</option>
            {STATES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error !== null && <ErrorNotice>Could not load the jobs: {error}</ErrorNotice>}
      {data === null ? (
        error === null && <Loading />
      ) : (
        <>
          <div class="table-wrap">
            <table class="jobs">
              <caption>
                {data.total === 1 ? '1 job' : `${data.total} jobs`}
                {filtered ? ' matching the filter' : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">State</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Schedule</th>
                  <th scope="col">Last run</th>
                  <th scope="col">Trend</th>
                </tr>
              </thead>
              <tbody>
                {data.jobs.length === 0 && (
                  <tr>
                    <td colSpan={6} class="muted">
                      {filtered
                        ? 'No job matches the filter.'
                        : data.total === 0
                          ? 'No jobs yet.'
                          : 'No jobs on this page.'}
                    </td>
                  </tr>
                )}
                {data.jobs.map((job) => (
                  <JobRow key={job.id} job={job} now={now} />
                ))}
              </tbody>
            </table>
          </div>
          {(data.total > PAGE_SIZE || offset > 0) && (
            <nav class="pager" aria-label="Pages of jobs">
              <button
                type="button"
                disabled={offset === 0}
                onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
              >
                Previous
              </button>
              <span>
                {offset + 1}–{Math.min(offset + PAGE_SIZE, data.total)} of {data.total}
              </span>
              <button
                type="button"
                disabled={offset + PAGE_SIZE >= data.total}
                onClick={() => setOffset(offset + PAGE_SIZE)}
              >
                Next
              </button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}

function JobRow({ job, now }: { job: JobSummary; now: number }) {
  return (
    <tr data-job-id={job.id}>
      <th scope="row">
        <a href={jobHref(job.id)}>{job.name}</a>
        {job.name !== job.id && <span class="muted small block">{job.id}</span>}
      </th>
      <td>
        <StateBadge state={job.state} />
      </td>
      <td>
        <When iso={job.nextRunTime} zone={job.timezone} now={now} />
      </td>
      <td>
        {job.description ?? job.trigger ?? <span class="muted">—</span>}
        {job.cause !== null && <span class="small block error-text">{job.cause}</span>}
      </td>
      <td>
        {job.lastRun === null ? (
          <span class="muted">never</span>
        ) : (
          <span class="when">
            <span>
              <OutcomeBadge outcome={job.lastRun.outcome} />
            </span>
            <span class="muted small">{relative(job.lastRun.scheduledRunTime, now)}</span>
          </span>
        )}
      </td>
      <td>
        <Sparkline points={job.trend} />
      </td>
    </tr>
  );
}
