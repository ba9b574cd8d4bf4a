/**
 * The action routes (POST only): run now, pause, resume, remove, reschedule. Each is refused in
 * read-only mode and without a same-origin request carrying the CSRF token, before anything
 * else is read; a new trigger is built (and so validated) before the job is touched.
 */
import {
  ConfigurationError,
  ExecutorQueueFullError,
  JobOptionError,
  MaxInstancesReachedError,
  SchedulerNotRunningError,
  TriggerConfigError,
  TriggerIterationLimitError,
  type Job,
  type ListedJob,
  type TriggerInput,
} from 'kairos';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { recentRuns, type ApiEnv, type ApiSettings } from '../context.js';
import { HttpError } from '../errors.js';
import { checkActionRequest } from '../security.js';
import { parseInput, rescheduleBody } from '../validation.js';
import { jobMask } from '../masking.js';
import { describeCause, jobSummary } from '../views.js';
import { findJob } from './reads.js';

/** Largest reschedule body read, in bytes. */
const MAX_BODY_BYTES = 16_384;

/**
 * Refuses a larger body from its Content-Length, or as soon as that much of it has come: a
 * body is never read whole before its size is known.
 */
const BODY_LIMIT = {
  maxSize: MAX_BODY_BYTES,
  onError: (): never => {
    throw new HttpError(400, `the body is larger than ${MAX_BODY_BYTES} bytes`);
  },
};

const ACTIONS = ['run', 'pause', 'resume', 'remove', 'reschedule'] as const;

/** Adds the action routes to the api's app. */
export function addActionRoutes(app: Hono<ApiEnv>, settings: ApiSettings): void {
  for (const action of ACTIONS) {
    app.post(`/api/jobs/:id/${action}`, bodyLimit(BODY_LIMIT), async (c) => {
      if (settings.readOnly)
        throw new HttpError(403, 'this API is read-only: it shows jobs but does not act on them');
      checkActionRequest(c.req.raw, settings.csrfToken, settings.allowedOrigins);
      const trigger = action === 'reschedule' ? await readTrigger(c) : null;
      const job = await findJob(settings, c.req.param('id'));
      try {
        return await act(c, settings, job, action, trigger);
      } catch (error) {
        // The messages quote the job's name and Kairos's errors; they show what its views show.
        if (error instanceof HttpError)
          throw new HttpError(
            error.status,
            jobMask(job, settings.showArgs).text(error.message),
            error.headers,
          );
        throw error;
      }
    });
  }
}

async function act(
  c: Context<ApiEnv>,
  settings: ApiSettings,
  job: ListedJob,
  action: (typeof ACTIONS)[number],
  trigger: TriggerInput | null,
): Promise<Response> {
  if (action === 'remove') {
    await settings.scheduler.removeJob(job.id, job.jobstore);
    return c.json({ ok: true });
  }
  const restorable = requireRestorable(job, action);
  switch (action) {
    case 'run':
      await runNow(settings, restorable);
      return c.json({ ok: true }, 202);
    case 'pause':
      return c.json({
        job: await summary(settings, await settings.scheduler.pauseJob(job.id, job.jobstore)),
      });
    case 'resume': {
      const resumed = await settings.scheduler.resumeJob(job.id, job.jobstore);
      return c.json({ job: resumed === null ? null : await summary(settings, resumed) });
    }
    case 'reschedule':
      return c.json({
        job: await summary(settings, await reschedule(settings, restorable, trigger)),
      });
  }
}

/** The `trigger` of the request body, checked for shape (its fields are checked by Kairos). */
async function readTrigger(c: Context<ApiEnv>): Promise<TriggerInput> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new HttpError(
      400,
      `the body must be JSON (Content-Type: application/json), not ${JSON.stringify(type)}`,
    );
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(
      400,
      'the body is not valid JSON; send for example {"trigger": {"type": "cron", "hour": 9}}',
    );
  }
  return parseInput(rescheduleBody, body, 'body field').trigger;
}

function requireRestorable(job: ListedJob, action: string): Job {
  if (job.state !== 'unrestorable') return job;
  throw new HttpError(
    400,
    `job '${job.name}' (${job.id}) cannot be restored (${describeCause(job.cause)}), so it cannot ${action === 'run' ? 'run' : `be ${action}d`}; fix its task or trigger, or remove it`,
  );
}

async function runNow(settings: ApiSettings, job: Job): Promise<void> {
  try {
    await settings.scheduler.runJob(job.id, job.jobstore);
  } catch (error) {
    if (error instanceof SchedulerNotRunningError)
      throw new HttpError(400, `job '${job.name}' cannot run now: the scheduler is not running`);
    if (error instanceof MaxInstancesReachedError || error instanceof ExecutorQueueFullError)
      throw new HttpError(400, `job '${job.name}' cannot run now: ${error.message}`);
    throw error;
  }
}

/** Reschedules the job; a trigger Kairos refuses is a 400 with the trigger's own message. */
async function reschedule(
  settings: ApiSettings,
  job: Job,
  trigger: TriggerInput | null,
): Promise<Job> {
  if (trigger === null) throw new HttpError(400, 'a reschedule needs a trigger');
  try {
    return await settings.scheduler.rescheduleJob(job.id, trigger, job.jobstore);
  } catch (error) {
    if (
      error instanceof TriggerConfigError ||
      error instanceof TriggerIterationLimitError ||
      error instanceof JobOptionError ||
      error instanceof ConfigurationError
    )
      throw new HttpError(400, error.message);
    throw error;
  }
}

async function summary(settings: ApiSettings, job: Job) {
  const { scheduler, showArgs } = settings;
  return jobSummary(
    job,
    { recent: await recentRuns(scheduler, job) },
    scheduler.timezone,
    showArgs,
  );
}
