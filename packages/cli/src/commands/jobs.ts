/**
 * `kairos jobs list|show|pause|resume|run|remove --store URL`: the jobs of any job store, seen
 * and steered from the command line.
 */
import { existsSync } from 'node:fs';
import {
  BackgroundScheduler,
  CommandFailedError as CommandExitError,
  CommandTimeoutError,
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  JobExecutionEvent,
  JobLookupError,
  redactUrl,
  UnrestorableJobError,
  type JobEvent,
  type ListedJob,
} from 'kairos';
import { CommandFailedError, EXIT, UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { describeCause, jobDetails, jobRow, renderDetails, renderTable } from '../job-table.js';
import { parseStoreUrl } from '../store-url.js';

/** The alias the CLI gives the one store it opens. */
export const STORE = 'default';

/**
 * Opens the store behind a scheduler started paused. The scheduler rather than the bare store:
 * restoring jobs (and listing the ones that cannot be restored), pausing, resuming from the
 * trigger's next time and running a job now are the scheduler's decisions, and the CLI should
 * make them exactly as the application does. Paused, because a CLI that opens a shared store
 * must not run anything by itself: a paused scheduler never claims due jobs, so the
 * applications' schedulers keep firing every run, and only `jobs run` starts one, on request.
 */
export async function openStore(
  url: string,
  options: { create?: boolean; commands?: boolean } = {},
): Promise<BackgroundScheduler> {
  const spec = parseStoreUrl(url);
  // A SQLite store creates its file: a mistyped path would show an empty, new store.
  if (spec.type === 'sqlite' && options.create !== true && !existsSync(spec.path))
    throw new UsageError(`--store '${url}': there is no file '${spec.path}'`);
  const scheduler = new BackgroundScheduler({
    jobstores: { [STORE]: spec },
    logger: false,
    commands: options.commands ?? false,
  });
  try {
    await scheduler.start({ paused: true });
  } catch (error) {
    await scheduler.shutdown({ wait: false }).catch(() => undefined);
    throw new CommandFailedError(
      `cannot open the job store ${redactUrl(url)}: ${(error as Error).message}`,
    );
  }
  return scheduler;
}

/** Options every `jobs` command takes. */
export interface JobsOptions {
  store: string;
  json?: boolean;
}

/** `jobs list`. */
export async function listJobs(options: JobsOptions, io: CommandIO): Promise<number> {
  return withStore(options.store, async (scheduler) => {
    const rows = (await scheduler.getJobs()).map((job) => jobRow(job, scheduler.timezone));
    io.out(options.json === true ? `${JSON.stringify(rows, null, 2)}\n` : renderTable(rows));
    return EXIT.ok;
  });
}

/** `jobs show ID`. */
export async function showJob(id: string, options: JobsOptions, io: CommandIO): Promise<number> {
  return withStore(options.store, async (scheduler) => {
    const job = await findJob(scheduler, id, options.store);
    const details = jobDetails(job, scheduler.timezone);
    io.out(
      options.json === true ? `${JSON.stringify(details, null, 2)}\n` : renderDetails(details),
    );
    return EXIT.ok;
  });
}

/** `jobs pause ID`, `jobs resume ID`, `jobs remove ID`. */
export async function changeJob(
  action: 'pause' | 'resume' | 'remove',
  id: string,
  options: JobsOptions,
  io: CommandIO,
): Promise<number> {
  return withStore(options.store, async (scheduler) => {
    const job = await findJob(scheduler, id, options.store);
    if (action === 'remove') {
      await scheduler.removeJob(id, STORE);
      io.out(`Removed job '${job.name}' (${id}).\n`);
      return EXIT.ok;
    }
    if (job.state === 'unrestorable')
      throw new CommandFailedError(
        `job '${job.name}' (${id}) cannot be restored (${describeCause(job.cause)}), so it cannot be ${action}d; fix its task or trigger, or remove it with kairos jobs remove ${id}`,
      );
    if (action === 'pause') {
      await scheduler.pauseJob(id, STORE);
      io.out(`Paused job '${job.name}' (${id}).\n`);
      return EXIT.ok;
    }
    const resumed = await scheduler.resumeJob(id, STORE);
    if (resumed === null) {
      io.out(`Job '${job.name}' (${id}) has no run time left; it was removed.\n`);
      return EXIT.ok;
    }
    io.out(
      `Resumed job '${job.name}' (${id}): ${jobRow(resumed, scheduler.timezone).nextRunTime ?? '-'}\n`,
    );
    return EXIT.ok;
  });
}

/**
 * `jobs run ID`: runs the job once now, in this process, and waits for its outcome. A CLI
 * process cannot hand the run to the application's scheduler, and one that only submitted the
 * run and exited would kill it: so the run happens here, with the task resolved here (a module
 * reference resolves from the current folder; a task registered by name in the application
 * cannot be run from here, and the outcome says so). The job's schedule is untouched.
 */
export async function runJobNow(id: string, options: JobsOptions, io: CommandIO): Promise<number> {
  return withStore(options.store, async (scheduler) => {
    const job = await findJob(scheduler, id, options.store);
    if (job.state === 'unrestorable')
      throw new CommandFailedError(
        `job '${job.name}' (${id}) cannot be restored (${describeCause(job.cause)}), so it cannot run`,
      );
    const outcome = new Promise<JobEvent>((resolve) => {
      scheduler.addListener(
        (event) => {
          if ('jobId' in event && event.jobId === id) resolve(event);
        },
        EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES,
      );
    });
    await scheduler.runJob(id, STORE);
    const event = await outcome;
    const run = event instanceof JobExecutionEvent ? event.run : null;
    const took = run?.durationMs == null ? '' : ` in ${run.durationMs} ms`;
    if (event.code === EVENT_JOB_EXECUTED) {
      const result = run?.result === undefined ? '' : `: ${JSON.stringify(run.result)}`;
      io.out(`Job '${job.name}' (${id}) ran${took}${result}\n`);
      return EXIT.ok;
    }
    const exception = event instanceof JobExecutionEvent ? event.exception : undefined;
    const why =
      exception === undefined
        ? (run?.outcome ?? 'it did not run')
        : exception instanceof CommandExitError || exception instanceof CommandTimeoutError
          ? // A command's failure is its exit and stderr, all in the message; no stack of ours.
            `${exception.name}: ${exception.message}`
          : exception instanceof Error
            ? (exception.stack ?? `${exception.name}: ${exception.message}`)
            : JSON.stringify(exception);
    io.err(`Job '${job.name}' (${id}) failed${took}: ${why}\n`);
    return EXIT.problems;
  });
}

async function findJob(
  scheduler: BackgroundScheduler,
  id: string,
  url: string,
): Promise<ListedJob> {
  const job = await scheduler.getJob(id, STORE);
  if (job === null)
    throw new CommandFailedError(
      `there is no job with id '${id}' in ${redactUrl(url)}; kairos jobs list --store … shows the ids`,
    );
  return job;
}

/** Opens the store, runs `use`, and always shuts the scheduler down. */
export async function withStore(
  url: string,
  use: (scheduler: BackgroundScheduler) => Promise<number>,
): Promise<number> {
  // Command jobs (kairos crontab import) are restored too: nothing here runs one unasked.
  const scheduler = await openStore(url, { commands: true });
  try {
    return await use(scheduler);
  } catch (error) {
    if (error instanceof JobLookupError || error instanceof UnrestorableJobError)
      throw new CommandFailedError(error.message);
    throw error;
  } finally {
    await scheduler.shutdown();
  }
}
