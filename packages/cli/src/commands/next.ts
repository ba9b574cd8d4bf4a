/**
 * `kairos next EXPR|FILE…`: the next run times of a crontab expression, or of each line of a
 * crontab or each job of a job file (of every file given), as wall time in the zone that applies.
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
  const files = await filesNamed(words);
  const results: ScheduleRuns[] = [];
  if (files === null) results.push(expressionRuns(words, options));
  for (const file of files ?? []) results.push(...(await fileRuns(file, options)));
  if (options.json) io.out(`${JSON.stringify(results, null, 2)}\n`);
  else io.out(results.map((result) => render(result)).join('\n'));
  return results.some((result) => result.note?.startsWith('invalid') === true)
    ? EXIT.problems
    : EXIT.ok;
}

/**
 * The files the words name, or null when none is a file: then they are one expression (an
 * unquoted one comes as several words). Once one word is a file, every word must be one.
 */
async function filesNamed(words: readonly string[]): Promise<string[] | null> {
  const kinds = await Promise.all(words.map(pathKind));
  if (kinds.every((kind) => kind === 'missing')) return null;
  for (const [index, word] of words.entries()) {
    if (kinds[index] === 'directory')
      throw new UsageError(`'${word}' is a directory; give a crontab file or a JSON job file`);
    if (kinds[index] === 'missing')
      throw new UsageError(
        looksLikePath(word)
          ? `no such file: ${word}`
          : `no such file: ${word}; to give a crontab expression, give it alone and quoted ("0 9 * * 1-5")`,
      );
  }
  return [...words];
}

function expressionRuns(words: readonly string[], options: NextOptions): ScheduleRuns {
  const expression = words.join(' ');
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
    if (!(error instanceof TriggerConfigError)) throw error;
    // Not an expression, and no such file: say which of the two was meant, when a word tells.
    const path = words.find(looksLikePath);
    if (path !== undefined) throw new UsageError(`no such file: ${path}`);
    const [word] = words;
    if (words.length === 1 && word !== undefined && !/\s/.test(word) && !word.startsWith('@'))
      throw new UsageError(
        `no such file: ${word}, nor a crontab expression: an expression has five fields, quoted ("0 9 * * 1-5"), or is a macro such as @daily`,
      );
    throw new UsageError(`'${expression}' is not a crontab expression: ${error.message}`);
  }
  return runsOf(null, expression, trigger, options.zone, options);
}

async function fileRuns(file: string, options: NextOptions): Promise<ScheduleRuns[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read the file: ${(error as Error).message}`);
  }
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
          : // As the daemon would make it if it started at --from: an interval counts from there.
            triggerFromSpec(job.trigger ?? {}, { timezone: zone, now: () => options.from });
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

async function pathKind(path: string): Promise<'file' | 'directory' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * A word that can only be a path: it has a `.` (no crontab field has one) or a `/` not followed
 * by a digit (the `/` of a step such as `0-30/10` is followed by one).
 */
function looksLikePath(word: string): boolean {
  return !/\s/.test(word) && (word.includes('.') || /\/(?!\d)/.test(word));
}
