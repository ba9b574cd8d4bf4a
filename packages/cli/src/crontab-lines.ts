/**
 * A crontab file as Kairos reads it: Debian's reading (from @kairos/crontab) for everything but
 * the schedule, and the schedule as `CronTrigger.fromCrontab` reads it, which also knows a
 * leading seconds field, `L`, `<weekday>#n`, `?` and `5/10`. Where the two readings of a line
 * differ, the line is not portable: Debian's cron would refuse it or run something else. This
 * module also owns what makes a line unrunnable by Kairos though cron accepts it (see
 * {@link refusals}). It decides all that once; `check`, `next`, `run` and `crontab import` read
 * its result.
 */
import { CronTab, lookupUser, type CronJob, type CrontabProblem } from '@kairos/crontab';
import { CronTrigger } from 'kairos';
import { OVERLAP_POLICIES, triggerProblem, type OverlapPolicy } from './job-config.js';

/** The crontab variable that sets the overlap policy of the lines below it (`kairos run`). */
const OVERLAP_VARIABLE = 'KAIROS_OVERLAP';

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
  /** The ids /etc/passwd gives the user field's account, else null. */
  account: Account | null;
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
   * Without `KAIROS_OVERLAP`, which is Kairos's, not the command's.
   */
  environment: Record<string, string>;
  /** The `KAIROS_OVERLAP` policy in effect at this line, or null (the caller's applies). */
  overlap: OverlapPolicy | null;
}

/** A crontab read the Kairos way: its job lines and every finding. */
export interface CrontabReading {
  /** The job lines Kairos can schedule, in file order. */
  entries: CrontabEntry[];
  /**
   * Errors (the line cannot run: cron refuses it and Kairos cannot read it, or Kairos refuses
   * it) and warnings, with line and column; a not-portable line is a warning with
   * `field: 'portability'`. `kairos run` and `crontab import` refuse a file with an error.
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

/**
 * What Kairos reads in a schedule of `fields` time fields that Debian's cron does not, in
 * words (`a leading seconds field`, `'L' (last day)`…); empty when there is none.
 */
export function kairosFeatures(schedule: string, fields: number): string[] {
  return [
    ...(fields === 6 ? ['a leading seconds field'] : []),
    ...EXTENSIONS.filter((extension) => extension.pattern.test(schedule)).map(
      (extension) => extension.name,
    ),
  ];
}

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
  let timezone: { zone: string; line: number } | null = null;
  let setsPath = false;
  // /etc/passwd read once per user field, not once per line.
  const accounts = new Map<string, Account | null>();
  for (const [index, line] of tab.lines.entries()) {
    const number = index + 1;
    if (line.kind === 'env' && line.name === 'CRON_TZ')
      timezone = { zone: line.value, line: number };
    if (line.kind === 'env' && line.name === 'PATH') setsPath = true;
    if (line.kind !== 'job' || !line.enabled) continue;
    const reading = readJobLine(line, number, system, byLine.get(number) ?? []);
    const { [OVERLAP_VARIABLE]: overlapText, ...environment } = line.environment();
    if (!setsPath) delete environment.PATH;
    const user = reading.entry.user;
    if (system && user !== null && user !== line.user) {
      // Read with a seconds field, the line's user is the word after six fields, not the one
      // cron's five-field reading took (`*`): its LOGNAME and HOME are that user's.
      environment.LOGNAME = user;
      const home = lookupUser(user).home;
      if (home === undefined) delete environment.HOME;
      else environment.HOME = home;
    }
    const entry: CrontabEntry = {
      ...reading.entry,
      timezone: timezone?.zone ?? null,
      environment,
      overlap: OVERLAP_POLICIES.find((policy) => policy === overlapText?.trim()) ?? null,
      account: accountOf(reading.entry.user, accounts),
    };
    const context = { raw: line.render(), timezoneLine: timezone?.line ?? null, overlapText };
    byLine.set(number, withRefusals(reading.problems, entry, context));
    entries.push(entry);
  }
  const problems = [...byLine.values()]
    .flat()
    .sort((a, b) => a.line - b.line || a.column - b.column);
  return { entries, problems };
}

interface LineReading {
  entry: Omit<CrontabEntry, 'timezone' | 'environment' | 'overlap' | 'account'>;
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
  if (kairos === null && cronRefuses)
    return { entry: { ...fromCron, schedule: null, notPortable: null }, problems: cronProblems };
  if (kairos === null) {
    const schedule = job.schedule.toString();
    return {
      entry: { ...fromCron, schedule, notPortable: null },
      problems: refusedSchedule(schedule, number, cronProblems),
    };
  }
  const names = kairosFeatures(kairos.schedule, kairos.fields);
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
  return scheduleProblem(schedule, 'UTC') === null;
}

/** Why `CronTrigger.fromCrontab` refuses the schedule in the zone, or null when it reads it. */
function scheduleProblem(schedule: string, zone: string): string | null {
  return triggerProblem(() => CronTrigger.fromCrontab(schedule, zone));
}

/** Cron's names of the schedule's parts in its findings. */
const SCHEDULE_FIELDS: ReadonlySet<string | null> = new Set([
  'minute',
  'hour',
  'day-of-month',
  'month',
  'day-of-week',
  'special',
]);

/**
 * A schedule cron accepts but Kairos does not read (a backward range such as `5-1`, a number
 * cron wraps round, `*\/5-10`) is an error. Cron's warnings about the schedule, which say what
 * cron makes of it and what to write instead, become the errors; without one, Kairos's reason.
 */
function refusedSchedule(
  schedule: string,
  line: number,
  cronProblems: readonly CrontabProblem[],
): CrontabProblem[] {
  const refused = `Kairos refuses the schedule '${schedule}', though Debian's cron accepts it`;
  const aboutSchedule = cronProblems.filter((problem) => SCHEDULE_FIELDS.has(problem.field));
  const others = cronProblems.filter((problem) => !SCHEDULE_FIELDS.has(problem.field));
  if (aboutSchedule.length === 0) {
    const reason = scheduleProblem(schedule, 'UTC') ?? 'Kairos cannot read it';
    const error: CrontabProblem = {
      severity: 'error',
      line,
      column: 1,
      field: 'schedule',
      value: schedule,
      message: `${refused}: ${reason}`,
    };
    return [error, ...others];
  }
  const errors = aboutSchedule.map((problem) => ({
    ...problem,
    severity: 'error' as const,
    message: `${refused}: ${problem.message}`,
  }));
  return [...errors, ...others];
}

/** Where a job line is and what is in effect above it, for {@link withRefusals}. */
interface LineContext {
  /** The line as written. */
  raw: string;
  /** The line of the `CRON_TZ` in effect, or null. */
  timezoneLine: number | null;
  /** The `KAIROS_OVERLAP` in effect, as written. */
  overlapText: string | undefined;
}

/**
 * A line's findings with Kairos's refusals added: a line cron accepts but Kairos cannot run
 * (see {@link refusals}). A line with an error already gets none: it is refused anyway.
 */
function withRefusals(
  problems: CrontabProblem[],
  entry: CrontabEntry,
  context: LineContext,
): CrontabProblem[] {
  if (entry.schedule === null || problems.some((problem) => problem.severity === 'error'))
    return problems;
  const found = refusals(entry, context, problems);
  if (found.length === 0) return problems;
  // The error about a missing command says what cron's warning about it says, and more.
  const kept = isBlank(entry.command) ? problems.filter((p) => !isNoCommandWarning(p)) : problems;
  return [...kept, ...found];
}

/**
 * What makes a line unrunnable by Kairos though cron accepts it, each an error: no command, a
 * user field that is not in /etc/passwd (cron skips such a line), a `KAIROS_OVERLAP` that is not
 * a policy, a `CRON_TZ` that is not a zone Kairos knows. A schedule Kairos cannot read is
 * refused by {@link refusedSchedule}.
 */
function refusals(
  entry: CrontabEntry,
  context: LineContext,
  problems: readonly CrontabProblem[],
): CrontabProblem[] {
  return [
    noCommand(entry, commandColumn(context.raw, problems)),
    unknownUser(entry),
    unknownOverlap(entry, context.overlapText),
    unknownZone(entry, context.timezoneLine),
  ].filter((problem) => problem !== null);
}

/** An error of a job line, at `column` (1-based). */
function lineError(
  entry: CrontabEntry,
  column: number,
  field: string,
  value: string,
  message: string,
): CrontabProblem {
  return { severity: 'error', line: entry.line, column, field, value, message };
}

function noCommand(entry: CrontabEntry, column: number): CrontabProblem | null {
  if (!isBlank(entry.command)) return null;
  return lineError(
    entry,
    column,
    'command',
    entry.command,
    'this line has a schedule but no command, so Kairos has nothing to run; write the command after the schedule, or remove the line',
  );
}

function unknownUser(entry: CrontabEntry): CrontabProblem | null {
  if (entry.user === null || entry.account !== null) return null;
  return lineError(
    entry,
    1,
    'user',
    entry.user,
    `user '${entry.user}' is not in /etc/passwd; cron would skip this line: correct the name or add the user`,
  );
}

function unknownOverlap(entry: CrontabEntry, text: string | undefined): CrontabProblem | null {
  if (text === undefined || entry.overlap !== null) return null;
  return lineError(
    entry,
    1,
    OVERLAP_VARIABLE,
    text,
    `${OVERLAP_VARIABLE}=${text} is not an overlap policy; write one of ${OVERLAP_POLICIES.join(', ')}`,
  );
}

/** A `CRON_TZ` the schedule cannot be read in (it was read in UTC, so the zone is the cause). */
function unknownZone(entry: CrontabEntry, zoneLine: number | null): CrontabProblem | null {
  const { schedule, timezone } = entry;
  if (schedule === null || schedule === '@reboot' || timezone === null) return null;
  if (scheduleProblem(schedule, timezone) === null) return null;
  return lineError(
    entry,
    1,
    'CRON_TZ',
    timezone,
    `CRON_TZ=${timezone} (line ${zoneLine ?? '?'}) is not a time zone Kairos knows, so this line has no run times; write an IANA zone such as Europe/Paris or UTC`,
  );
}

function isBlank(command: string): boolean {
  return command.trim() === '';
}

/** Cron's warning that a line has no command (an empty command after the schedule). */
function isNoCommandWarning(problem: CrontabProblem): boolean {
  return problem.severity === 'warning' && problem.field === 'command' && problem.value === '';
}

/** The column a missing command would start at: where cron says, else the `%` input's. */
function commandColumn(raw: string, problems: readonly CrontabProblem[]): number {
  const cronSays = problems.find(isNoCommandWarning)?.column;
  if (cronSays !== undefined) return cronSays;
  const input = raw.indexOf('%');
  return input === -1 ? raw.length + 1 : input + 1;
}

/** The ids of a user's account. */
type Account = { uid: number; gid: number };

/**
 * The ids of a user field's account in /etc/passwd, or null (no user field, or not listed);
 * `known` holds the users looked up already.
 */
function accountOf(user: string | null, known: Map<string, Account | null>): Account | null {
  if (user === null) return null;
  let account = known.get(user);
  if (account === undefined) {
    const { uid, gid } = lookupUser(user);
    account = uid === undefined || gid === undefined ? null : { uid, gid };
    known.set(user, account);
  }
  return account;
}

function firstError(problems: readonly CrontabProblem[]): string {
  return problems.find((problem) => problem.severity === 'error')?.message ?? '';
}
