/**
 * The read routes: `api/meta`, `api/jobs` (filtered, paged), `api/jobs/:id`,
 * `api/jobs/:id/runs`, `api/runs`, `api/runs/in-flight` and `api/nodes`.
 */
import { createRequire } from 'node:module';
import {
  ComponentLookupError,
  ConfigurationError,
  type GetRunsOptions,
  type ListedJob,
  type Run,
  type RunsPage,
} from 'kairos';
import type { Context, Hono } from 'hono';
import { recentRuns, type ApiEnv, type ApiSettings } from '../context.js';
import { HttpError } from '../errors.js';
import type { RunView } from '../interfaces.js';
import { emptyQuery, jobRunsQuery, jobsQuery, parseInput, runsQuery } from '../validation.js';
import { jobMask, runMasks } from '../masking.js';
import { jobDetail, jobSummary, nodeView, runView } from '../views.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Most pages of runs `api/runs/in-flight` reads (1000 runs each). */
const IN_FLIGHT_PAGES = 10;

/** Adds the read routes to the api's app. */
export function addReadRoutes(app: Hono<ApiEnv>, settings: ApiSettings): void {
  const { scheduler, showArgs } = settings;

  app.get('/api/meta', (c) => {
    parseInput(emptyQuery, c.req.query(), 'query parameter');
    return c.json({
      schedulerId: scheduler.id,
      state: scheduler.state,
      timezone: scheduler.timezone,
      readOnly: settings.readOnly,
      showArgs,
      csrfToken: settings.csrfToken,
      version,
      jobstores: scheduler.jobstores,
      executors: scheduler.executors,
    });
  });

  app.get('/api/jobs', async (c) => {
    const query = parseInput(jobsQuery, c.req.query(), 'query parameter');
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const text = query.q?.toLowerCase() ?? '';
    if (query.jobstore !== undefined && !scheduler.jobstores.includes(query.jobstore))
      throw new HttpError(
        400,
        `query parameter jobstore: ${new ComponentLookupError('job store', query.jobstore, scheduler.jobstores).message}`,
      );
    const jobs = (await scheduler.getJobs(query.jobstore)).filter(
      (job) =>
        (query.state === undefined || job.state === query.state) &&
        (query.executor === undefined ||
          (job.state !== 'unrestorable' && job.executor === query.executor)) &&
        (text === '' ||
          job.id.toLowerCase().includes(text) ||
          // The name as shown: a search must not tell what a hidden name contains.
          jobMask(job, showArgs).name(job.name).toLowerCase().includes(text)),
    );
    const page = jobs.slice(offset, offset + limit);
    const summaries = await Promise.all(
      page.map(async (job) =>
        jobSummary(job, { recent: await recentRuns(scheduler, job) }, scheduler.timezone, showArgs),
      ),
    );
    return c.json({ jobs: summaries, total: jobs.length, offset, limit });
  });

  app.get('/api/jobs/:id', async (c) => {
    parseInput(emptyQuery, c.req.query(), 'query parameter');
    const job = await findJob(settings, c.req.param('id'));
    const recent = await recentRuns(scheduler, job);
    return c.json(jobDetail(job, { recent }, scheduler.timezone, showArgs, scheduler.clock.now()));
  });

  app.get('/api/jobs/:id/runs', async (c) => {
    const query = parseInput(jobRunsQuery, c.req.query(), 'query parameter');
    const job = await findJob(settings, c.req.param('id'));
    const options: GetRunsOptions = {
      jobId: job.id,
      jobstore: job.jobstore,
      limit: query.limit ?? 20,
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
    };
    return runsPage(c, settings, options);
  });

  app.get('/api/runs', async (c) => {
    const query = parseInput(runsQuery, c.req.query(), 'query parameter');
    const { limit = 50, ...filters } = query;
    return runsPage(c, settings, { ...filters, limit });
  });

  app.get('/api/runs/in-flight', async (c) => {
    parseInput(emptyQuery, c.req.query(), 'query parameter');
    const runs = [];
    let cursor: string | null = null;
    for (let page = 0; page < IN_FLIGHT_PAGES; page++) {
      const found: RunsPage = await scheduler.getRuns({ outcome: null, limit: 1000, cursor });
      runs.push(...found.runs);
      cursor = found.nextCursor;
      if (cursor === null) break;
    }
    return c.json({ runs: await runViews(settings, runs) });
  });

  app.get('/api/nodes', async (c) => {
    parseInput(emptyQuery, c.req.query(), 'query parameter');
    return c.json({ nodes: (await scheduler.getNodes()).map(nodeView) });
  });
}

/** The job with this id, or a 404. */
export async function findJob(settings: ApiSettings, id: string): Promise<ListedJob> {
  const job = await settings.scheduler.getJob(id);
  if (job === null) throw new HttpError(404, `there is no job with the id ${JSON.stringify(id)}`);
  return job;
}

/** A page of runs. */
async function runsPage(
  c: Context<ApiEnv>,
  settings: ApiSettings,
  options: GetRunsOptions,
): Promise<Response> {
  const page = await withBadInput(() => settings.scheduler.getRuns(options));
  return c.json({ runs: await runViews(settings, page.runs), nextCursor: page.nextCursor });
}

/** Runs as JSON, each masked by the rule of masking.ts (its job looked up now). */
async function runViews(settings: ApiSettings, runs: readonly Run[]): Promise<RunView[]> {
  const masks = await runMasks(settings.scheduler, runs, settings.showArgs);
  return runs.map((run, index) => runView(run, settings.showArgs, masks[index]));
}

/**
 * Runs a scheduler call whose input came from the query: what it refuses (an unknown job
 * store alias, a cursor it never gave out, a time it cannot read) is the request's fault, a
 * 400 naming the query parameter.
 */
async function withBadInput<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ComponentLookupError) throw new HttpError(400, error.message);
    if (error instanceof ConfigurationError) {
      // `getRuns: since` (or `cursor`): the option is the query parameter of the same name.
      const parameter = error.key.replace(/^getRuns: /, '');
      const problem = error.message.slice(error.key.length + 2);
      throw new HttpError(400, `query parameter '${parameter}' ${problem}`);
    }
    throw error;
  }
}
