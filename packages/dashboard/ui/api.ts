/**
 * The dashboard's side of the HTTP contract: the shapes the API answers with and the two ways to
 * call it. Every URL is relative (`api/jobs`), resolved against the `<base href>` the server puts
 * in the page, so the dashboard works under any mount path.
 */

// The shapes of the API's answers are @kairos/http's own (type-only imports: nothing of the
// server's code reaches the page), so a change of the contract fails this page's typecheck.
import type {
  JobDetail,
  JobSummary,
  NodeView,
  RunView,
  SchedulerEventView,
  TrendPoint,
} from '@kairos/http';

export type { JobDetail, JobSummary, SchedulerEventView, TrendPoint };
/** One run of a job (instants as ISO strings). */
export type RunState = RunView;
/** A scheduler sharing the store, with its heartbeat. */
export type NodeInfo = NodeView;
/** A run's outcome; `null` while it is in flight. */
export type Outcome = RunView['outcome'];
/** A job's state as the API names it. */
export type JobState = JobSummary['state'];

/** What the scheduler says about itself (`api/meta`). */
export interface Meta {
  schedulerId: string;
  state: 'stopped' | 'running' | 'paused';
  timezone: string;
  readOnly: boolean;
  showArgs: boolean;
  csrfToken: string;
  version: string;
  jobstores: string[];
  executors: string[];
}

/** A page of runs. */
export interface RunsPage {
  runs: RunView[];
  nextCursor: string | null;
}

/** A failed call, with the message the API gave. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function read<T>(response: Response): Promise<T> {
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message =
      typeof body === 'object' && body !== null && 'error' in body
        ? String((body as { error: { message?: unknown } }).error.message)
        : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return body as T;
}

/** GET a path of the API (relative, e.g. `api/jobs?state=paused`). */
export async function getJson<T>(path: string): Promise<T> {
  return read<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

/** The CSRF token the server put in the page. */
export function csrfToken(): string {
  return document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
}

/** POST an action (`api/jobs/<id>/pause` …) with the page's CSRF token. */
export async function postAction<T>(path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'x-csrf-token': csrfToken(),
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = { method: 'POST', headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  return read<T>(await fetch(path, init));
}

/** The API path of a job (`api/jobs/<id>`), its id escaped. */
export function jobPath(id: string): string {
  return `api/jobs/${encodeURIComponent(id)}`;
}
