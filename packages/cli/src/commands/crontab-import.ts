/**
 * `kairos crontab import FILE --store URL`: turns a crontab (or a job file) into command jobs
 * in a job store, with the ids `kairos run` gives the same lines, so a daemon started later on
 * that store with that file takes the jobs over rather than adding them twice. A scheduler
 * that runs them must be created with `commands: true`.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { ConflictingIdError, redactUrl, type Job } from 'kairos';
import { isRefusal } from '../daemon/applied-jobs.js';
import { readJobs, type FileJob } from '../daemon/job-files.js';
import { maxInstancesOf } from '../daemon/overlap.js';
import { CommandFailedError, EXIT, UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { renderTable, jobRow } from '../job-table.js';
import { STORE, openStore } from './jobs.js';

/** Options of `kairos crontab import`. */
export interface ImportOptions {
  store: string;
  replace: boolean;
  system: boolean;
  timezone: string;
  catchUpSeconds: number;
  json: boolean;
}

/** Runs `kairos crontab import`; resolves to the exit code. */
export async function importCrontab(
  file: string,
  options: ImportOptions,
  io: CommandIO,
): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read the file: ${(error as Error).message}`);
  }
  const reading = readJobs(file, text, {
    system: options.system,
    timezone: options.timezone,
    user: userInfo().username,
    root: process.getuid?.() === 0,
    overlap: 'forbid',
  });
  if (reading.errors.length > 0) {
    for (const error of reading.errors) io.err(`${error}\n`);
    io.err(`nothing imported: ${reading.errors.length} error(s); kairos check shows them too\n`);
    return EXIT.problems;
  }
  for (const warning of reading.warnings) io.err(`warning: ${warning}\n`);
  const reboot = reading.jobs.filter((job) => job.trigger === 'reboot');
  for (const job of reboot)
    io.err(`skipped ${job.source}: @reboot runs when a daemon starts; kairos run runs it\n`);
  const jobs = reading.jobs.filter((job) => job.trigger !== 'reboot');

  const scheduler = await openStore(options.store, { create: true, commands: true });
  try {
    const entries = jobs.map((job) => ({
      task: job.task,
      trigger: job.trigger === 'reboot' ? null : job.trigger,
      ...jobOptions(job, options),
    }));
    let added: Job[];
    try {
      added = await scheduler.addJobs(entries);
    } catch (error) {
      if (error instanceof ConflictingIdError)
        throw new CommandFailedError(alreadyImported(error.jobId, jobs, options.store));
      if (isRefusal(error))
        throw new CommandFailedError(
          `nothing imported: the scheduler refused a job: ${error.message}`,
        );
      throw error;
    }
    const ids = new Set(added.map((job) => job.id));
    const rows = (await scheduler.getJobs(STORE))
      .filter((job) => ids.has(job.id))
      .map((job) => jobRow(job, scheduler.timezone));
    if (options.json) io.out(`${JSON.stringify(rows, null, 2)}\n`);
    else {
      io.out(`Imported ${added.length} job(s) from ${file} into ${redactUrl(options.store)}:\n`);
      if (rows.length > 0) io.out(renderTable(rows));
    }
    return EXIT.ok;
  } finally {
    await scheduler.shutdown();
  }
}

/** Why nothing was imported when a job of the file is in the store already, and what to do. */
function alreadyImported(jobId: string, jobs: readonly FileJob[], store: string): string {
  const job = jobs.find((candidate) => candidate.id === jobId);
  const which = job === undefined ? `job ${jobId}` : `${job.source} (job ${jobId})`;
  return `nothing imported: ${which} is in ${redactUrl(store)} already, so the file was imported before; add --replace to replace its jobs, or remove them with kairos jobs remove`;
}

function jobOptions(
  job: FileJob,
  options: ImportOptions,
): {
  id: string;
  name: string;
  jobstore: string;
  maxInstances: number;
  misfireGraceTime: number;
  coalesce: boolean;
  replaceExisting: boolean;
} {
  return {
    id: job.id,
    name: job.name,
    jobstore: STORE,
    maxInstances: maxInstancesOf(job.overlap),
    misfireGraceTime: options.catchUpSeconds,
    coalesce: true,
    replaceExisting: options.replace,
  };
}
