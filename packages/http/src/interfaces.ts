/**
 * The public shapes of @kairos/http: the options of `createApi`, the handler it returns, the
 * page a dashboard plugs in, and the JSON bodies of the routes (see docs/http.md).
 */
import type { BaseScheduler, Logger, RunOutcome, RunState } from 'kairos';

/** The built page a dashboard package passes to {@link ApiOptions.page}. */
export interface PageProvider {
  /**
   * A file under `assets/` (the path after `assets/`, e.g. `app.js`), or null when there is
   * none. Answered with its `type` as the Content-Type.
   */
  asset(path: string): Promise<{ body: Uint8Array; type: string } | null>;
  /**
   * The HTML document, which must carry `<base href="${base}">` (so that its relative URLs
   * resolve under the mount path) and the token in `<meta name="csrf-token">`.
   */
  html(context: { csrfToken: string; base: string }): string;
}

/** The user name and password `basicAuth` checks. */
export interface BasicAuthCredentials {
  /** The user name a request must carry in its `Authorization: Basic` header. */
  username: string;
  /** The password a request must carry with it (compared in constant time). */
  password: string;
}

/** Options of `createApi`. */
export interface ApiOptions {
  /**
   * The scheduler to show and steer. Over a job store alone: a scheduler started paused over
   * that store (`await scheduler.start({ paused: true })`), which runs nothing by itself.
   */
  scheduler: BaseScheduler;
  /** Refuse every action (403); reads stay allowed. Default false. */
  readOnly?: boolean;
  /** Show job args and run results. Default false: they may hold secrets. */
  showArgs?: boolean;
  /** Decides whether a request may be answered at all; false → 401. Called for every request. */
  authorize?: (request: Request) => boolean | Promise<boolean>;
  /** Require HTTP Basic authentication with these credentials (compared in constant time). */
  basicAuth?: BasicAuthCredentials;
  /** The CSRF token actions need in `x-csrf-token`. Default: 32 random bytes per api. */
  csrfToken?: string;
  /** The page served at the mount path and under `assets/` (what @kairos/dashboard passes). */
  page?: PageProvider;
  /**
   * Where a failure answered with 500 is logged (never sent to the client). Default: the
   * scheduler's own logger (`scheduler.logger`), or `console.error` when the scheduler logs
   * nothing (`logger: false`).
   */
  logger?: Pick<Logger, 'error'>;
  /**
   * Origins besides the request's own whose actions are accepted, e.g. the `https://` origin of
   * a TLS-terminating proxy in front of a plain-HTTP server. Default none.
   */
  allowedOrigins?: string[];
  /**
   * Host names besides IP addresses and `localhost` that requests may be addressed to (their
   * `Host` header), e.g. `['jobs.example.com']`; `true` accepts any. Default none: a page of
   * another site that points a name of its own at this server (DNS rebinding) is refused, where
   * it could otherwise read the CSRF token and act on jobs as if it were this origin.
   */
  allowedHosts?: string[] | true;
  /** Seconds between the `: ping` comments of the event stream. Default 15. */
  pingIntervalSeconds?: number;
}

/** What `createApi` returns: a standard Fetch handler and the token its actions need. */
export interface Api {
  /**
   * Answers a request whose URL path is relative to where the api is mounted (a function
   * property, so `app.mount('/kairos', api.fetch)` passes it as is).
   */
  readonly fetch: (request: Request) => Promise<Response>;
  /** The token actions need in the `x-csrf-token` header. */
  readonly csrfToken: string;
}

/** A run as the API shows it: `RunState` with instants as ISO strings and its duration. */
export interface RunView extends Omit<
  RunState,
  'scheduledRunTime' | 'coalescedRunTimes' | 'submittedAt' | 'startedAt' | 'finishedAt' | 'result'
> {
  /** The time the run was scheduled for, ISO in UTC. */
  scheduledRunTime: string;
  /** Earlier run times folded into this run by coalescing, ISO in UTC, oldest first. */
  coalescedRunTimes: string[];
  /** When the loop handed the run to the run layer, ISO in UTC. */
  submittedAt: string;
  /** When the task started, ISO in UTC; null if it never did (in a store: until it ends). */
  startedAt: string | null;
  /** When the outcome was decided, ISO in UTC; null while the run waits or runs. */
  finishedAt: string | null;
  /** Only with `showArgs`. */
  result?: unknown;
  /** Milliseconds from start to finish; null until it finishes, or when it never started. */
  durationMs: number | null;
}

/** One point of a job's duration trend. */
export interface TrendPoint {
  /** The time the run was scheduled for, ISO in UTC. */
  scheduledRunTime: string;
  /** Milliseconds from start to finish; null until it finishes, or when it never started. */
  durationMs: number | null;
  /** How the run ended; null while it waits or runs. */
  outcome: RunOutcome | null;
}

/** A job in the jobs list. */
export interface JobSummary {
  /** The job's id, unique in its scheduler (the `:id` of `api/jobs/:id`). */
  id: string;
  /** A readable name; for an unrestorable job, its stored name, else its id. */
  name: string;
  /** `pending` (before `start()`), `paused` (no next run time), `scheduled` or `unrestorable`. */
  state: 'scheduled' | 'paused' | 'pending' | 'unrestorable';
  /** Alias of the job store that keeps it. */
  jobstore: string;
  /** Alias of the executor that runs it; null for an unrestorable job. */
  executor: string | null;
  /** APScheduler's form, e.g. `cron[hour='9']`. */
  trigger: string | null;
  /** The schedule in English. */
  description: string | null;
  /** The zone the job's times are shown in (its trigger's). */
  timezone: string;
  /** The next run time, ISO in the job's zone; null when paused, or pending without one yet. */
  nextRunTime: string | null;
  /**
   * Its newest run, in flight or finished, its error without the stack (the run history has
   * it); null when none is recorded or before `start()`.
   */
  lastRun: RunView | null;
  /** The last ten runs at most, oldest first. */
  trend: TrendPoint[];
  /** Why an unrestorable job cannot be loaded. */
  cause: string | null;
}

/** One job in full. */
export interface JobDetail extends JobSummary {
  /** A module reference or registered name; `(a function)`, or `(a command)` without showArgs. */
  task: string;
  /** The task's arguments; only with `showArgs`, and never for an unrestorable job. */
  args?: unknown[];
  /** True without `showArgs`: args, command lines and run results are withheld. */
  argsHidden: boolean;
  /** The trigger's spec (`trigger.toJSON()`), as `reschedule` takes it; null when unrestorable. */
  triggerSpec: object | null;
  /** Seconds a run may start late and still run; null for no limit, or when unrestorable. */
  misfireGraceTime: number | null;
  /** Whether several due run times collapse into one run (false when unrestorable). */
  coalesce: boolean;
  /** How many of its runs may be in flight at once (0 when unrestorable). */
  maxInstances: number;
  /** Seconds a run may take before it is aborted; null for no limit, or when unrestorable. */
  timeout: number | null;
  /** The next ten run times, in the job's zone. */
  upcoming: string[];
}

/** A scheduler sharing the store, with its heartbeat. */
export interface NodeView {
  /** The scheduler's id, as its runs carry it in `schedulerId`. */
  id: string;
  /** The host name it runs on. */
  host: string;
  /** Its process id on that host. */
  pid: number;
  /** When it started, ISO in UTC. */
  startedAt: string;
  /** Its last heartbeat in this store, ISO in UTC. */
  lastSeen: string;
  /** Whether it beat within the last `leaseSeconds` (on the store's clock). */
  alive: boolean;
  /** Alias of the store it was seen in (a scheduler sharing several is listed once per store). */
  jobstore: string;
}

/** One scheduler event on the `api/events` stream. */
export interface SchedulerEventView {
  /** The event's snake_case name, e.g. `job_executed`; also the SSE `event:` field. */
  name: string;
  /** The event's code: a single bit, APScheduler's value (e.g. 4096 for `job_executed`). */
  code: number;
  /** When the scheduler emitted it, ISO in UTC (on the scheduler's clock). */
  at: string;
  /** The job's id; only for job events. */
  jobId?: string;
  /** Alias of the job's store; only for job events. */
  jobstore?: string;
  /** The run of an execution, submission (its first) or abandon event. */
  run?: RunView;
  /** The exception of a run or of an unrestorable job: name and message, never a stack. */
  error?: { name: string; message: string };
}

/** The error codes of {@link ErrorBody}. */
export type ErrorCode =
  'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'method_not_allowed' | 'internal';

/** Every error response's body. */
export interface ErrorBody {
  /** The HTTP status repeated, a stable code and a readable message (never a stack trace). */
  error: { status: number; code: ErrorCode; message: string };
}
