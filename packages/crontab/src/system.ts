/**
 * The system's tables: `/etc/crontab` and the files of `/etc/cron.d` (a user field on each job
 * line), and python-crontab's `CronTabs`: every table cron reads, together.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CronTab } from './crontab.js';
import type { CronTabOptions, CrontabProblem } from './interfaces.js';
import type { CronJob } from './job.js';
import type { Matcher } from './crontab.js';

/** Where Debian's cron reads its tables. */
export interface CronPaths {
  /** The system table. Default `/etc/crontab`. */
  crontab?: string;
  /** The folder of package tables. Default `/etc/cron.d`. */
  cronD?: string;
  /** The users' spool folder, listed to find which users have a table. Default `/var/spool/cron/crontabs`. */
  spool?: string;
}

/**
 * True for a file name cron reads in `/etc/cron.d`: letters, digits, `_` and `-` only (Debian's
 * run-parts rule), so `backup.dpkg-old` and `backup~` are skipped as cron skips them.
 */
export function isCronDName(name: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(name);
}

/** The system table (`/etc/crontab` by default) in system format. */
export function readSystemCrontab(
  path = '/etc/crontab',
  options: CronTabOptions = {},
): Promise<CronTab> {
  return CronTab.read(path, { ...options, system: true });
}

/** The tables of `/etc/cron.d` that cron reads, in name order. */
export async function readCronD(
  folder = '/etc/cron.d',
  options: CronTabOptions = {},
): Promise<CronTab[]> {
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const tabs: CronTab[] = [];
  for (const name of names.filter(isCronDName).sort())
    tabs.push(await CronTab.read(join(folder, name), { ...options, system: true }));
  return tabs;
}

/**
 * Every table cron reads (python-crontab's `CronTabs`): `/etc/crontab`, `/etc/cron.d/*`, and the
 * users' tables through `crontab -u` (all users in the spool folder when it is readable, which
 * needs root; otherwise the current user's).
 */
export class CronTabs {
  /** The tables, system ones first. */
  readonly tabs: readonly CronTab[];

  /** @internal Use {@link CronTabs.load}. */
  constructor(tabs: readonly CronTab[]) {
    this.tabs = tabs;
  }

  /** Reads every table. Missing system files are skipped. */
  static async load(paths: CronPaths = {}, options: CronTabOptions = {}): Promise<CronTabs> {
    const tabs: CronTab[] = [];
    const system = await readSystemCrontab(paths.crontab ?? '/etc/crontab', options).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      },
    );
    if (system !== null) tabs.push(system);
    tabs.push(...(await readCronD(paths.cronD ?? '/etc/cron.d', options)));
    const users = await readdir(paths.spool ?? '/var/spool/cron/crontabs').catch(() => null);
    if (users === null) tabs.push(await CronTab.forUser(null, options));
    else for (const user of users.sort()) tabs.push(await CronTab.forUser(user, options));
    return new CronTabs(tabs);
  }

  /** Every job of every table. */
  get jobs(): CronJob[] {
    return this.tabs.flatMap((tab) => tab.jobs);
  }

  /** Jobs whose command contains the string or matches the regular expression. */
  findCommand(command: Matcher): CronJob[] {
    return this.tabs.flatMap((tab) => tab.findCommand(command));
  }

  /** Jobs whose comment is the string or matches the regular expression. */
  findComment(comment: Matcher): CronJob[] {
    return this.tabs.flatMap((tab) => tab.findComment(comment));
  }

  /** Jobs that run at the same times as `schedule`. */
  findTime(schedule: string): CronJob[] {
    return this.tabs.flatMap((tab) => tab.findTime(schedule));
  }

  /** The problems of each table that has any. */
  validate(): { tab: CronTab; problems: CrontabProblem[] }[] {
    return this.tabs
      .map((tab) => ({ tab, problems: tab.validate() }))
      .filter((entry) => entry.problems.length > 0);
  }
}
