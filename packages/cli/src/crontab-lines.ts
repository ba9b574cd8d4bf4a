/**
 * A crontab file as Kairos reads it: Debian's reading (from @kairos/crontab) for everything but
 * the schedule, and the schedule as `CronTrigger.fromCrontab` reads it, which also knows a
 * leading seconds field, `L`, `<weekday>#n`, `?` and `5/10`. Where the two readings of a line
 * differ, the line is not portable: Debian's cron would refuse it or run something else. This
 * module decides that once; `check`, `next` and the daemon read its result.
 */
import { CronTab, type CronJob, type CrontabProblem } from '@kairos/crontab';
import { CronTrigger, TriggerConfigError } from 'kairos';

/** One enabled job line, read the Kairos way. */
export interface CrontabEntry {
  /** 1-based line number. */
  line: number;
  /**
   * The schedule for `CronTrigger.fromCrontab` (five fields, six with leading seconds, or a
   * macro), or `'@reboot'`. Null when neither Kairos nor cron can read it.
   */
  schedule: string | null;
  /** The `CRON_TZ` in effect at this line, or null (the zone given by the caller applies). */
  timezone: string | null;
  /** The user field of a system table (`/etc/crontab` format), else null. */
  user: string | null;
  /** The shell command, without the `%` input and the trailing comment. */
  command: string;
  /** What the command gets on standard input (the text after `%`), or null. */
  stdin: string | null;
  /**
   * Why Debian's cron would refuse the line or read it differently, or null when it reads it as
   * Kairos does.
   */
  notPortable: string | null;
  /**
   * The environment cron gives the command: the variable lines above it, in order, with
   * `SHELL` (default `/bin/sh`) and `LOGNAME` (system tables). `PATH` only when the file sets
   * it: cron's default `/usr/bin:/bin` would hide the programs of a container's own `PATH`.
   */
  environment: Record<string, string>;
}

/** A crontab read the Kairos way: its job lines and every finding. */
export interface CrontabReading {
  /** The job lines Kairos can schedule, in file order. */
  entries: CrontabEntry[];
  /**
   * Errors (neither Kairos nor cron can use the line) and warnings, with line and column; a
   * not-portable line is a warning with `field: 'portability'`.
   */
  problems: CrontabProblem[];
}

/** The features of a schedule that Kairos reads and Debian's cron does not. */
const EXTENSIONS: readonly { pattern: RegExp; name: string }[] = [
  { pattern: /(^|[\s,])(\d*L)(?=[\s,]|$)/i, name: "'L' (last day)" },
  { pattern: /#/, name: "'#' (nth weekday)" },
  { pattern: /\?/, name: "'?' (any)" },
  { pattern: /(^|[\s,])\d+\/\d+/, name: "a step without a range ('5/10' means 5-59/10)" },
];

/** Reads a crontab's text (a user table, or `/etc/crontab` format with `system`). */
export function readCrontab(text: string, options: { system?: boolean } = {}): CrontabReading {
  const system = options.system ?? false;
  const tab = CronTab.parse(text, { system });
  const byLine = new Map<number, CrontabProblem[]>();
  for (const problem of tab.validate()) {
    const list = byLine.get(problem.line) ?? [];
    list.push(problem);
    byLine.set(problem.line, list);
  }
  const entries: CrontabEntry[] = [];
  let timezone: string | null = null;
  let setsPath = false;
  for (const [index, line] of tab.lines.entries()) {
    const number = index + 1;
    if (line.kind === 'env' && line.name === 'CRON_TZ') timezone = line.value;
    if (line.kind === 'env' && line.name === 'PATH') setsPath = true;
    if (line.kind !== 'job' || !line.enabled) continue;
    const reading = readJobLine(line, number, system, byLine.get(number) ?? []);
    byLine.set(number, reading.problems);
    const environment = line.environment();
    if (!setsPath) delete environment.PATH;
    entries.push({ ...reading.entry, timezone, environment });
  }
  const problems = [...byLine.values()]
    .flat()
    .sort((a, b) => a.line - b.line || a.column - b.column);
  return { entries, problems };
}

interface LineReading {
  entry: Omit<CrontabEntry, 'timezone' | 'environment'>;
  problems: CrontabProblem[];
}

/** One job line: the schedule as Kairos reads it, compared with cron's reading. */
function readJobLine(
  job: CronJob,
  number: number,
  system: boolean,
  cronProblems: CrontabProblem[],
): LineReading {
  const raw = job.render();
  const cronRefuses = cronProblems.some((problem) => problem.severity === 'error');
  const fromCron = {
    line: number,
    user: job.user,
    command: job.command,
    stdin: job.stdin,
  };
  if (job.schedule.isReboot())
    return {
      entry: { ...fromCron, schedule: '@reboot', notPortable: null },
      problems: cronProblems,
    };
  const kairos = kairosSchedule(raw, system);
  if (kairos === null) {
    const schedule = cronRefuses ? null : job.schedule.toString();
    return { entry: { ...fromCron, schedule, notPortable: null }, problems: cronProblems };
  }
  const extensions = EXTENSIONS.filter((extension) => extension.pattern.test(kairos.schedule));
  const names = [
    ...(kairos.fields === 6 ? ['a leading seconds field'] : []),
    ...extensions.map((extension) => extension.name),
  ];
  if (names.length === 0) {
    // Cron's reading is Kairos's: what cron refuses here is not about the schedule.
    const schedule = cronRefuses ? null : kairos.schedule;
    return { entry: { ...fromCron, schedule, notPortable: null }, problems: cronProblems };
  }
  // Kairos reads the schedule in its own way: the rest of the line is read as cron reads it,
  // behind a plain schedule, so users, `%` input and comments mean what they mean to cron.
  const rest = CronTab.parse(`* * * * * ${raw.slice(kairos.end).replace(/^[ \t]+/, '')}\n`, {
    system,
  });
  const restJob = rest.jobs[0];
  const shift = kairos.end + 1 - '* * * * * '.length;
  const restProblems = rest
    .validate()
    .map((problem) => ({ ...problem, line: number, column: problem.column + shift }));
  const cronSays = cronRefuses
    ? `Debian's cron refuses it (${firstError(cronProblems)})`
    : kairos.fields === 6
      ? `Debian's cron reads only five time fields and would run '${job.command}' as the command`
      : `Debian's cron reads it differently (${cronProblems[0]?.message ?? 'without these'})`;
  const notPortable = `not portable: Kairos reads '${kairos.schedule}' with ${names.join(', ')}, but ${cronSays}`;
  const portability: CrontabProblem = {
    severity: 'warning',
    line: number,
    column: kairos.start + 1,
    field: 'portability',
    value: kairos.schedule,
    message: notPortable,
  };
  return {
    entry: {
      line: number,
      schedule: kairos.schedule,
      user: restJob?.user ?? null,
      command: restJob?.command ?? '',
      stdin: restJob?.stdin ?? null,
      notPortable,
    },
    problems: [portability, ...restProblems],
  };
}

/**
 * The schedule at the start of a job line if `CronTrigger.fromCrontab` accepts it: a macro, six
 * fields when the sixth token reads as a day-of-week field and something follows it, else five.
 * `start` and `end` are the schedule's 0-based bounds in the line.
 */
function kairosSchedule(
  raw: string,
  system: boolean,
): { schedule: string; fields: 5 | 6 | 1; start: number; end: number } | null {
  const tokens = [...raw.matchAll(/[^ \t]+/g)];
  const first = tokens[0];
  if (first === undefined) return null;
  const start = first.index;
  const endOf = (count: number): number => {
    const last = tokens[count - 1];
    return last === undefined ? raw.length : last.index + last[0].length;
  };
  if (first[0].startsWith('@'))
    return accepts(first[0]) ? { schedule: first[0], fields: 1, start, end: endOf(1) } : null;
  // A sixth field needs a command after it (and a user before that in a system table).
  const sixth = tokens[5]?.[0];
  if (sixth !== undefined && tokens.length > (system ? 7 : 6) && /^[\w*?,/#-]+$/.test(sixth)) {
    const schedule = tokens
      .slice(0, 6)
      .map((token) => token[0])
      .join(' ');
    if (accepts(schedule)) return { schedule, fields: 6, start, end: endOf(6) };
  }
  if (tokens.length < 5) return null;
  const schedule = tokens
    .slice(0, 5)
    .map((token) => token[0])
    .join(' ');
  return accepts(schedule) ? { schedule, fields: 5, start, end: endOf(5) } : null;
}

/** True when `CronTrigger.fromCrontab` reads the schedule. */
function accepts(schedule: string): boolean {
  try {
    CronTrigger.fromCrontab(schedule, 'UTC');
    return true;
  } catch (error) {
    if (error instanceof TriggerConfigError) return false;
    throw error;
  }
}

function firstError(problems: readonly CrontabProblem[]): string {
  return problems.find((problem) => problem.severity === 'error')?.message ?? '';
}
