/**
 * Crontab files and JSON job files → the jobs `kairos run` schedules and `kairos crontab
 * import` stores: one command task, trigger, overlap policy and id per enabled line or job.
 * Everything about how a line becomes a job is decided here; the daemon only diffs and adds.
 */
import { dirname, resolve } from 'node:path';
import {
  CronTrigger,
  TriggerConfigError,
  triggerFromSpec,
  type CommandTask,
  type Trigger,
  type TriggerInput,
} from 'kairos';
import { readCrontab, type CrontabEntry } from '../crontab-lines.js';
import { readJobFile, type JobConfig, type OverlapPolicy } from '../job-config.js';
import { isJobFile } from '../sources.js';
import { crontabJobId, namedJobId } from './job-ids.js';

/** One job read from a file. */
export interface FileJob {
  /** Derived from the file and the command (see job-ids.ts). */
  id: string;
  /** `crontab:12` for a crontab line, the job's name in a job file. */
  name: string;
  /** `file:line` (crontab) or `file` plus the job name, for messages. */
  source: string;
  task: CommandTask;
  /**
   * When it runs: a trigger, or a job file's trigger spec as written plus the zone (so the
   * scheduler knows which fields were defaulted, and a restart with an unchanged interval keeps
   * its stored next run time); `'reboot'`: once per daemon start.
   */
  trigger: TriggerInput | 'reboot';
  overlap: OverlapPolicy;
  /** Equal fingerprints: the job is unchanged and a reload leaves it alone. */
  fingerprint: string;
}

/** What a file gave: its jobs, or the errors that stop it from being used. */
export interface FileReading {
  file: string;
  jobs: FileJob[];
  /** `file:line:column: message`; any error means the file's jobs cannot be used. */
  errors: string[];
  /** Lines the daemon runs, but not as cron would (a user field it cannot honour). */
  warnings: string[];
}

/** How files are read. */
export interface ReadOptions {
  /** Crontabs have a user field (`/etc/crontab` format). */
  system: boolean;
  /** The zone of schedules without `CRON_TZ` or a file `timezone`. */
  timezone: string;
  /** The user the commands run as (this process's), for the user-field warning. */
  user: string;
  /** Whether the daemon runs as root, and so can run a system table's lines as their users. */
  root: boolean;
  /** The overlap policy of lines and jobs that set none (`--overlap`). */
  overlap: OverlapPolicy;
}

/** Reads one file's text into jobs. */
export function readJobs(file: string, text: string, options: ReadOptions): FileReading {
  return isJobFile(file, text)
    ? readJobFileJobs(file, text, options)
    : readCrontabJobs(file, text, options);
}

/**
 * A crontab's jobs. What makes a line unrunnable is decided by `readCrontab` (its errors, which
 * `kairos check` prints too); here a line only becomes a job.
 */
function readCrontabJobs(file: string, text: string, options: ReadOptions): FileReading {
  const reading = readCrontab(text, { system: options.system });
  const errors = reading.problems
    .filter((problem) => problem.severity === 'error')
    .map((problem) => `${file}:${problem.line}:${problem.column}: ${problem.message}`);
  if (errors.length > 0) return { file, jobs: [], errors, warnings: [] };
  const warnings: string[] = [];
  const jobs: FileJob[] = [];
  const occurrences = new Map<string, number>();
  for (const entry of reading.entries) {
    if (entry.schedule === null) continue; // reported among the errors
    const where = `${file}:${entry.line}`;
    const switchesUser = entry.user !== null && entry.user !== options.user;
    if (switchesUser && !options.root)
      warnings.push(
        `${where}: runs as '${options.user}' (the daemon's user), not as '${entry.user}': only a daemon running as root can switch users`,
      );
    const account = switchesUser && options.root ? entry.account : null;
    const reboot = entry.schedule === '@reboot';
    const sameCommand = JSON.stringify([entry.user, entry.command, entry.stdin]);
    const occurrence = (occurrences.get(sameCommand) ?? 0) + 1;
    occurrences.set(sameCommand, occurrence);
    const timezone = entry.timezone ?? options.timezone;
    const trigger = reboot ? 'reboot' : cronTrigger(entry.schedule, timezone, where, errors);
    if (trigger === null) continue;
    const task = { ...crontabTask(entry), ...account };
    const overlap = entry.overlap ?? options.overlap;
    jobs.push({
      id: crontabJobId(file, { ...entry, reboot }, occurrence),
      name: `${shortName(file)}:${entry.line}`,
      source: where,
      task,
      trigger,
      overlap,
      fingerprint: JSON.stringify([entry.line, entry.schedule, timezone, task, overlap]),
    });
  }
  return { file, jobs: errors.length > 0 ? [] : jobs, errors, warnings };
}

/**
 * A crontab line's task: run by `SHELL` (`/bin/sh` unless the file sets it) as cron does, with
 * the file's variables and the `%` input, which Debian's cron ends with a newline when it has
 * none (`cat%in%two` reads `in\ntwo\n`; `cat%in%` reads `in\n`; `cat%` reads nothing).
 */
function crontabTask(entry: CrontabEntry): CommandTask {
  const environment = entry.environment;
  const shell = environment.SHELL ?? '/bin/sh';
  const stdin = entry.stdin;
  const input =
    stdin === null ? {} : { stdin: stdin === '' || stdin.endsWith('\n') ? stdin : `${stdin}\n` };
  return shell === '/bin/sh'
    ? { command: entry.command, env: environment, ...input }
    : { argv: [shell, '-c', entry.command], env: environment, ...input };
}

function readJobFileJobs(file: string, text: string, options: ReadOptions): FileReading {
  const read = readJobFile(text);
  if (!read.ok)
    return {
      file,
      jobs: [],
      errors: read.problems.map(
        (problem) => `${file}:${problem.line}:${problem.column}: ${problem.message}`,
      ),
      warnings: [],
    };
  const timezone = read.file.timezone ?? options.timezone;
  const errors: string[] = [];
  const jobs: FileJob[] = [];
  for (const job of read.file.jobs) {
    const where = `${file} job '${job.name}'`;
    const trigger = jobTrigger(job, timezone, where, errors);
    if (trigger === null) continue;
    const task = jobTask(job, dirname(resolve(file)));
    jobs.push({
      id: namedJobId(file, job.name),
      name: job.name,
      source: where,
      task,
      trigger,
      overlap: job.overlap ?? options.overlap,
      fingerprint: JSON.stringify([job, timezone, task]),
    });
  }
  return { file, jobs: errors.length > 0 ? [] : jobs, errors, warnings: [] };
}

/** A job file's task; a relative `cwd` is read from the job file's folder. */
function jobTask(job: JobConfig, folder: string): CommandTask {
  const options = {
    ...(job.cwd === undefined ? {} : { cwd: resolve(folder, job.cwd) }),
    ...(job.env === undefined ? {} : { env: job.env }),
    ...(job.stdin === undefined ? {} : { stdin: job.stdin }),
    ...(job.timeout === undefined ? {} : { timeout: job.timeout }),
    ...(job.killGrace === undefined ? {} : { killGrace: job.killGrace }),
  };
  return job.argv === undefined
    ? { command: job.command ?? '', ...options }
    : { argv: job.argv, ...options };
}

function jobTrigger(
  job: JobConfig,
  timezone: string,
  where: string,
  errors: string[],
): TriggerInput | 'reboot' | null {
  if (job.schedule?.trim() === '@reboot') return 'reboot';
  if (job.schedule !== undefined) return cronTrigger(job.schedule, timezone, where, errors);
  const spec = job.trigger ?? { type: '' };
  try {
    triggerFromSpec(spec, { timezone });
    return 'timezone' in spec ? spec : { ...spec, timezone };
  } catch (error) {
    if (!(error instanceof TriggerConfigError)) throw error;
    errors.push(`${where}: trigger: ${error.message}`);
    return null;
  }
}

function cronTrigger(
  schedule: string,
  timezone: string,
  where: string,
  errors: string[],
): Trigger | null {
  try {
    return CronTrigger.fromCrontab(schedule, timezone);
  } catch (error) {
    // readCrontab and readJobFile refuse what Kairos cannot read: this is only a safety net.
    if (!(error instanceof TriggerConfigError)) throw error;
    errors.push(`${where}: ${error.message}`);
    return null;
  }
}

function shortName(file: string): string {
  return file.split('/').at(-1) ?? file;
}
