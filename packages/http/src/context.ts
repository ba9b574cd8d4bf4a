/**
 * What every route reads: the scheduler and the api's settings, once checked, and the Hono
 * environment that carries where the api is mounted.
 */
import type { BaseScheduler, ListedJob, Run } from 'kairos';
import type { PageProvider } from './interfaces.js';

/** The api's settings, as the routes read them. */
export interface ApiSettings {
  readonly scheduler: BaseScheduler;
  readonly readOnly: boolean;
  readonly showArgs: boolean;
  readonly csrfToken: string;
  readonly page: PageProvider | null;
  readonly pingIntervalMs: number;
  readonly allowedOrigins: readonly string[];
  /** Host names requests may be addressed to besides IP addresses and localhost; true: any. */
  readonly allowedHosts: readonly string[] | true;
  /** Writes a failure answered with 500 to the configured log. */
  readonly logError: (message: string, error: unknown) => void;
}

/**
 * Where the api is mounted, as the adapter that called it knows it: `path` is the mount path
 * (`''` at the root, `/kairos`), null when unknown (a bare `api.fetch` call); `inUrl` says
 * whether the request URL still starts with it (Koa, Fastify) or had it stripped (Express,
 * Hono's `mount`).
 */
export interface Mount {
  readonly path: string | null;
  readonly inUrl: boolean;
}

/** The Hono environment of the api's app. */
export interface ApiEnv {
  Bindings: { mount: Mount };
}

/** How many recent runs a job summary carries (its trend). */
export const TREND_RUNS = 10;

/** A job's most recent runs, newest first (none when its store keeps no history). */
export async function recentRuns(scheduler: BaseScheduler, job: ListedJob): Promise<Run[]> {
  // Before start() no store is open, so there is no history to read.
  if (scheduler.state === 'stopped') return [];
  const page = await scheduler.getRuns({
    jobId: job.id,
    jobstore: job.jobstore,
    limit: TREND_RUNS,
  });
  return page.runs;
}
