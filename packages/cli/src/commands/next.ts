/**
 * `kairos next EXPR|FILE`: the next run times of a crontab expression, or of each line of a
 * crontab or each job of a job file, as wall time in the zone that applies.
 */
import { readFile, stat } from 'node:fs/promises';
import { CronTrigger, TriggerConfigError, triggerFromSpec, type Trigger } from 'kairos';
import { readCrontab } from '../crontab-lines.js';
import { EXIT, UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { readJobFile } from '../job-config.js';
import { isJobFile } from '../sources.js';
import { formatRunTime, isoInZone, nextFireTimes } from '../times.js';

/** Options of `kairos next`, already read. */
export interface NextOptions {
  count: number;
  /** The zone of the expression, and of lines and jobs that name none. */
  zone: string;
  /** Epoch ms to count from. */
  from: number;
  /** Crontab files are in `/etc/crontab` format. */
  system: boolean;
  json: boolean;
}

/** One schedule's next runs, as `--json` prints them. */
export interface ScheduleRuns {
  /** `line 3` or `job 'backup'`, or null for an expression. */
  source: string | null;
  schedule: string;
  timezone: string;
  /** ISO 8601 with the zone's offset. */
  runs: string[];
  /** Why there are no runs (`@reboot`, an invalid line). */
  note?: string;
}

/** Runs `kairos next`; resolves to the exit code. */
export async function runNext(
  words: readonly string[],
  options: NextOptions,
  io: CommandIO,
): Promise<number> {
  const file =
    words.length === 1 && words[0] !== undefined && (await isFile(words[0])) ? words[0] : null;
  const results =
    file === null ? [expressionRuns(words.join(' '), options)] : await fileRuns(file, options);
  if (options.json) io.out(`${JSON.stringify(results, null, 2)}\n`);
  else io.out(results.map((result) => render(result)).join('\n'));
  return results.some((result) => result.note?.startsWith('invalid') === true)
    ? EXIT.problems
    : EXIT.ok;
}

function expressionRuns(expression: string, options: NextOptions): ScheduleRuns {
  if (expression.trim() === '')
    throw new UsageError('give a crontab expression (quoted, e.g. "0 9 * * 1-5") or a file');
  if (expression.trim() === '@reboot')
    return {
      source: null,
      schedule: '@reboot',
      timezone: options.zone,
      runs: [],
      note: 'runs once each time the daemon starts',
    };
  let trigger: Trigger;
  try {
    trigger = CronTrigger.fromCrontab(expression, options.zone);
  } catch (error) {
    if (error instanceof TriggerConfigError)
      throw new UsageError(`'${expression}' is not a crontab expression: ${error.message}`);
    throw error;
  }
  return runsOf(null, expression, trigger, options.zone, options);
}

async function fileRuns(file: string, options: NextOptions): Promise<ScheduleRuns[]> {
  const text = await readFile(file, 'utf8');
  if (isJobFile(file, text)) {
    const read = readJobFile(text);
    if (!read.ok)
      return read.problems.map((problem) => ({
        source: `${file}:${problem.line}:${problem.column}`,
        schedule: '',
        timezone: options.zone,
        runs: [],
        note: `invalid: ${problem.message}`,
      }));
    const zone = read.file.timezone ?? options.zone;
    return read.file.jobs.map((job) => {
      const source = `job '${job.name}'`;
      if (job.schedule?.trim() === '@reboot')
        return {
          source,
          schedule: '@reboot',
          timezone: zone,
          runs: [],
          note: 'runs once each time the daemon starts',
        };
      const trigger =
        job.schedule !== undefined
          ? CronTrigger.fromCrontab(job.schedule, zone)
          : triggerFromSpec(job.trigger ?? {}, { timezone: zone });
      return runsOf(source, job.schedule ?? JSON.stringify(job.trigger), trigger, zone, options);
    });
  }
  const reading = readCrontab(text, { system: options.system });
  return reading.entries.map((entry) => {
    const source = `${file}:${entry.line}`;
    const zone = entry.timezone ?? options.zone;
    if (entry.schedule === null) {
      const problem = reading.problems.find(
        (found) => found.line === entry.line && found.severity === 'error',
      );
      return {
        source,
        schedule: '',
        timezone: zone,
        runs: [],
        note: `invalid: ${problem?.message ?? 'run kairos check'}`,
      };
    }
    if (entry.schedule === '@reboot')
      return {
        source,
        schedule: '@reboot',
        timezone: zone,
        runs: [],
        note: 'runs once each time the daemon starts',
      };
    try {
      return runsOf(
        source,
        entry.schedule,
        CronTrigger.fromCrontab(entry.schedule, zone),
        zone,
        options,
      );
    } catch (error) {
      // A CRON_TZ that is not a zone: check reports it as a warning, here there are no times.
      if (!(error instanceof TriggerConfigError)) throw error;
      return {
        source,
        schedule: entry.schedule,
        timezone: zone,
        runs: [],
        note: `invalid: ${error.message}`,
      };
    }
  });
}

function runsOf(
  source: string | null,
  schedule: string,
  trigger: Trigger,
  zone: string,
  options: NextOptions,
): ScheduleRuns {
  const times = nextFireTimes(trigger, options.from, options.count);
  return {
    source,
    schedule,
    timezone: zone,
    runs: times.map((time) => isoInZone(time, zone)),
    ...(times.length === 0 ? { note: 'no run time left' } : {}),
  };
}

function render(result: ScheduleRuns): string {
  if (result.schedule === '' && result.note !== undefined)
    return `${result.source ?? ''}: ${result.note}\n`;
  const head = result.source === null ? '' : `${result.source}: ${result.schedule}\n`;
  const indent = result.source === null ? '' : '  ';
  const lines = result.runs.map(
    (run) => `${indent}${formatRunTime(new Date(run), result.timezone)}\n`,
  );
  if (result.note !== undefined) lines.push(`${indent}(${result.note})\n`);
  return head + lines.join('');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
