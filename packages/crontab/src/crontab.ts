/**
 * A whole crontab as a list of line objects (python-crontab's `CronTab`): read from text, a file
 * or a user's table, searched and edited, validated as cron would, and written back. Lines that
 * were not edited are written back byte for byte.
 */
import { readFile } from 'node:fs/promises';
import { CrontabError, CrontabSyntaxError, CrontabValueError } from './errors.js';
import type { CronTabOptions, CronTabSource, CrontabProblem } from './interfaces.js';
import { CronJob, type CronJobOptions, type JobContext } from './job.js';
import { CronEnv, readLine, type CronLine } from './line.js';
import { Schedule } from './schedule.js';
import { decodeCrontab, encodeCrontab, splitLines, type CrontabEncoding } from './text.js';
import { writeFileAtomic } from './write.js';
import { lookupUser } from './passwd.js';
import { readUserCrontabBytes, writeUserCrontab } from './user.js';

/** A command or comment to search for: a substring / exact text, or a regular expression. */
export type Matcher = string | RegExp;

/** Options of {@link CronTab.write}. */
export interface CronTabWriteOptions {
  /** Write even when cron would refuse a line. Default false: throws `CrontabSyntaxError`. */
  allowErrors?: boolean;
}

/** The owner of a crontab, for the environment cron gives its jobs. */
export interface CronTabOwner {
  /** The user name, for `LOGNAME` and `USER`. */
  name: string;
  /** The home folder, for the `HOME` of jobs. */
  home?: string;
  /** The numeric user id. */
  uid?: number;
  /** The numeric id of the user's primary group. */
  gid?: number;
}

/** A crontab. */
export class CronTab implements JobContext {
  /** True for a system table (a user field on each job line). */
  readonly system: boolean;
  /** Where the crontab came from; {@link CronTab.write} writes back there. */
  readonly source: CronTabSource;
  /** Zone of run times for jobs with no `CRON_TZ` above them (default: the host's). */
  timezone: string | undefined;
  /** The user the jobs run as (user tables), for `HOME` and `LOGNAME`; null when unknown. */
  owner: CronTabOwner | null = null;
  private readonly items: CronLine[];
  private finalNewline: boolean;
  private readonly encoding: CrontabEncoding;

  /** @internal Use {@link CronTab.parse}, {@link CronTab.read}, {@link CronTab.forUser}. */
  constructor(
    text: string,
    options: CronTabOptions = {},
    source: CronTabSource = { kind: 'text' },
    encoding: CrontabEncoding = 'utf8',
  ) {
    this.system = options.system ?? false;
    this.timezone = options.timezone;
    this.source = source;
    this.encoding = encoding;
    const { lines, finalNewline } = splitLines(text);
    this.finalNewline = finalNewline;
    this.items = [];
    for (const raw of lines) this.adopt(readLine(raw, this.system), this.items.length);
  }

  /** A crontab from text (a user table, or a system table with `{ system: true }`). */
  static parse(text: string, options: CronTabOptions = {}): CronTab {
    return new CronTab(text, options);
  }

  /** A crontab from a file; {@link CronTab.write} writes it back atomically. */
  static async read(path: string, options: CronTabOptions = {}): Promise<CronTab> {
    const { text, encoding } = decodeCrontab(await readFile(path));
    return new CronTab(text, options, { kind: 'file', path }, encoding);
  }

  /**
   * A user's crontab through `crontab -l` (the current user's when `user` is null; another
   * user's needs root). A user without one gets an empty crontab; {@link CronTab.write}
   * installs it with `crontab -`.
   */
  static async forUser(user: string | null = null, options: CronTabOptions = {}): Promise<CronTab> {
    const { text, encoding } = decodeCrontab(await readUserCrontabBytes(user));
    const tab = new CronTab(text, options, { kind: 'user', user }, encoding);
    tab.owner = lookupUser(user);
    return tab;
  }

  /** Every line, in order. */
  get lines(): readonly CronLine[] {
    return [...this.items];
  }

  /** The job lines, enabled and disabled, in order. */
  get jobs(): CronJob[] {
    return this.items.filter((line): line is CronJob => line.kind === 'job');
  }

  /** Iterates over the jobs. */
  [Symbol.iterator](): Iterator<CronJob> {
    return this.jobs[Symbol.iterator]();
  }

  /** Adds a job at the end (python-crontab's `new`). Returns it for the builder calls. */
  new(command: string, options: CronJobOptions = {}): CronJob {
    const job = new CronJob(command, options);
    if (this.system && job.user === null)
      throw new CrontabValueError(
        'user',
        null,
        `a system crontab job needs a user: new('${command}', { user: 'root' })`,
      );
    this.append(job);
    return job;
  }

  /** Adds a line at the end. */
  append(line: CronLine): this {
    return this.insert(this.items.length, line);
  }

  /** Adds a line before the line at `index` (0-based). */
  insert(index: number, line: CronLine): this {
    if (this.items.includes(line))
      throw new CrontabError(
        'this line is already in the crontab; remove it before adding it again',
      );
    this.adopt(line, Math.max(0, Math.min(index, this.items.length)));
    this.finalNewline = true;
    return this;
  }

  /**
   * Removes lines (jobs, comments, environment lines). A job goes with the `# Ansible: name`
   * marker directly above it, which names that job only (as python-crontab removes a job's
   * comment line); other comments above a job stay, since they may head several lines.
   * Returns how many lines were removed.
   */
  remove(...lines: CronLine[]): number {
    let removed = 0;
    for (const line of lines) {
      const index = this.items.indexOf(line);
      if (index < 0) continue;
      const above = this.items[index - 1];
      const marker = line.kind === 'job' && above?.kind === 'comment' && ANSIBLE.test(above.text);
      this.items.splice(marker ? index - 1 : index, marker ? 2 : 1);
      if (line.kind === 'job') line.context = null;
      removed += marker ? 2 : 1;
    }
    return removed;
  }

  /** Removes every job matching all the given criteria; returns how many. */
  removeAll(criteria: { command?: Matcher; comment?: Matcher; time?: string } = {}): number {
    let jobs = this.jobs;
    if (criteria.command !== undefined) jobs = intersect(jobs, this.findCommand(criteria.command));
    if (criteria.comment !== undefined) jobs = intersect(jobs, this.findComment(criteria.comment));
    if (criteria.time !== undefined) jobs = intersect(jobs, this.findTime(criteria.time));
    return this.remove(...jobs);
  }

  /** Jobs whose command contains the string, or matches the regular expression. */
  findCommand(command: Matcher): CronJob[] {
    return this.jobs.filter((job) => matches(job.command, command, false));
  }

  /**
   * Jobs whose comment is the string, or matches the regular expression. As in python-crontab, a
   * job without a `# comment` of its own is found by the comment line directly above it (its
   * "pre-comment"; Ansible's `#Ansible: name` marker lines are read without the `Ansible:`).
   */
  findComment(comment: Matcher): CronJob[] {
    return this.jobs.filter((job) => {
      const text = job.comment ?? this.commentAbove(job);
      return text !== null && matches(text, comment, true);
    });
  }

  /**
   * The text of the comment line directly above a job that has no `# comment` of its own
   * (python-crontab's pre-comment), without an `Ansible:` marker; null when there is none.
   */
  commentAbove(job: CronJob): string | null {
    if (job.comment !== null) return null;
    const above = this.items[this.items.indexOf(job) - 1];
    if (above?.kind !== 'comment') return null;
    return above.text.replace(ANSIBLE, '').trim();
  }

  /**
   * Jobs that run at the same times as `schedule` (`'0 0 * * *'` finds `@daily` too, and
   * `*\/15 * * * *` finds `0,15,30,45 * * * *`).
   */
  findTime(schedule: string): CronJob[] {
    const wanted = Schedule.strict(schedule);
    return this.jobs.filter((job) => sameTimes(job.schedule, wanted));
  }

  /**
   * The value of an environment variable in effect at the end of the crontab (the last line
   * setting it), or null.
   */
  getEnv(name: string): string | null {
    const lines = this.items.filter((line): line is CronEnv => line.kind === 'env');
    return lines.filter((line) => line.name === name).at(-1)?.value ?? null;
  }

  /**
   * Sets an environment variable for every job: changes the last setting of it above the first
   * job, or adds one there.
   */
  setEnv(name: string, value: string): CronEnv {
    const firstJob = this.items.findIndex((line) => line.kind === 'job');
    const head = firstJob < 0 ? this.items : this.items.slice(0, firstJob);
    const existing = head
      .filter((line): line is CronEnv => line.kind === 'env' && line.name === name)
      .at(-1);
    if (existing !== undefined) {
      existing.value = value;
      return existing;
    }
    const line = new CronEnv(name, value);
    this.insert(firstJob < 0 ? this.items.length : firstJob, line);
    return line;
  }

  /**
   * Every error and warning, as cron would see the file: enabled lines only (cron skips
   * comments, so a disabled job cannot make the file fail), plus a missing final newline.
   */
  validate(): CrontabProblem[] {
    const problems: CrontabProblem[] = [];
    for (const line of this.items) {
      if (line.kind === 'job' && !line.enabled) continue;
      problems.push(...line.problems());
    }
    if (this.items.length > 0 && !this.finalNewline) {
      const last = this.items.length;
      problems.push({
        severity: 'error',
        line: last,
        column: (this.items[last - 1]?.render().length ?? 0) + 1,
        field: null,
        value: '',
        message:
          'the file does not end with a newline, and crontab refuses to install such a file; add a newline after the last line',
      });
    }
    return problems;
  }

  /** True when cron accepts every line (warnings allowed). */
  isValid(): boolean {
    return !this.validate().some((problem) => problem.severity === 'error');
  }

  /** The crontab's text: byte for byte what was read, but for edited, added and removed lines. */
  render(): string {
    const text = this.items.map((line) => line.render()).join('\n');
    return this.items.length > 0 && this.finalNewline ? `${text}\n` : text;
  }

  /** Same as {@link CronTab.render}. */
  toString(): string {
    return this.render();
  }

  /**
   * Writes the crontab back where it came from (a file: atomically; a user's table: through
   * `crontab -u user -`), or to `path`. Throws `CrontabSyntaxError` when cron would refuse it
   * unless `allowErrors`.
   */
  async write(path?: string, options: CronTabWriteOptions = {}): Promise<void> {
    if (options.allowErrors !== true) {
      const errors = this.validate().filter((problem) => problem.severity === 'error');
      if (errors.length > 0) throw new CrontabSyntaxError(errors, this.describeSource());
    }
    const target = path ?? (this.source.kind === 'file' ? this.source.path : null);
    if (target !== null) {
      await writeFileAtomic(target, encodeCrontab(this.render(), this.encoding));
      return;
    }
    if (this.source.kind === 'user') {
      await writeUserCrontab(encodeCrontab(this.render(), this.encoding), this.source.user);
      return;
    }
    throw new CrontabError(
      'this crontab was parsed from text: give write() a path, or use writeToUser(user)',
    );
  }

  /** Installs the crontab as `user`'s table (the current user's when null) via `crontab`. */
  async writeToUser(user: string | null = null): Promise<void> {
    const errors = this.validate().filter((problem) => problem.severity === 'error');
    if (errors.length > 0) throw new CrontabSyntaxError(errors, this.describeSource());
    await writeUserCrontab(encodeCrontab(this.render(), this.encoding), user);
  }

  /** @internal {@link JobContext}. */
  lineNumberOf(job: CronJob): number {
    return this.items.indexOf(job) + 1;
  }

  /** @internal {@link JobContext}: the last `CRON_TZ` above the job, else the option. */
  timezoneOf(job: CronJob): string | undefined {
    const above = this.items.slice(0, Math.max(0, this.items.indexOf(job)));
    const zone = above
      .filter((line): line is CronEnv => line.kind === 'env' && line.name === 'CRON_TZ')
      .at(-1);
    return zone?.value ?? this.timezone;
  }

  /** @internal {@link JobContext}. */
  environmentOf(job: CronJob): Record<string, string> {
    const environment: Record<string, string> = { SHELL: '/bin/sh', PATH: '/usr/bin:/bin' };
    // A system table's job runs as its own user, with that user's home.
    const home = this.system && job.user !== null ? lookupUser(job.user).home : this.owner?.home;
    if (home !== undefined) environment.HOME = home;
    for (const line of this.items.slice(0, Math.max(0, this.items.indexOf(job))))
      if (line.kind === 'env') environment[line.name] = line.value;
    const user = this.system ? job.user : (this.owner?.name ?? null);
    if (user !== null) environment.LOGNAME = user;
    return environment;
  }

  private adopt(line: CronLine, index: number): void {
    this.items.splice(index, 0, line);
    if (line.kind === 'job') line.context = this;
    if (line.kind === 'env') line.lineNumber = () => this.items.indexOf(line) + 1;
  }

  private describeSource(): string {
    if (this.source.kind === 'file') return this.source.path;
    if (this.source.kind === 'user')
      return `the crontab of ${this.source.user ?? 'the current user'}`;
    return 'crontab';
  }
}

function matches(text: string, matcher: Matcher, exact: boolean): boolean {
  if (typeof matcher !== 'string') {
    matcher.lastIndex = 0;
    return matcher.test(text);
  }
  return exact ? text === matcher : text.includes(matcher);
}

function intersect(jobs: CronJob[], others: CronJob[]): CronJob[] {
  return jobs.filter((job) => others.includes(job));
}

/** Same run times: same special `@reboot`, or the same cron-effective expression. */
function sameTimes(a: Schedule, b: Schedule): boolean {
  if (a.isReboot() || b.isReboot()) return a.isReboot() && b.isReboot();
  if (!a.isValid() || !b.isValid()) return false;
  return a.expression === b.expression || sameValues(a, b);
}

function sameValues(a: Schedule, b: Schedule): boolean {
  if (a.expression === null || b.expression === null) return false;
  const fields = ['minute', 'hour', 'dom', 'month', 'dow'] as const;
  const starA = a.expression.split(' ').map((text) => text.startsWith('*'));
  const starB = b.expression.split(' ').map((text) => text.startsWith('*'));
  const dayRule = (stars: boolean[]): boolean => (stars[2] ?? false) || (stars[4] ?? false);
  return (
    dayRule(starA) === dayRule(starB) &&
    fields.every((field) => a.values(field).join(',') === b.values(field).join(','))
  );
}

/** The marker Ansible's cron module writes above the jobs it manages. */
const ANSIBLE = /^Ansible:[ \t]*/;
