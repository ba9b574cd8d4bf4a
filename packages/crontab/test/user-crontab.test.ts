/**
 * Users' crontabs through Debian's real `crontab` command: a throwaway user's table is read
 * (empty), written, read back byte for byte, edited and removed. Needs root (`crontab -u`).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CronTab,
  CrontabCommandError,
  CrontabSyntaxError,
  removeUserCrontab,
} from '../src/index.js';
import { hasCommand, isRoot } from './helpers.js';

const USER = 'kairoscrontabtest';
const usable = hasCommand('crontab') && isRoot && hasCommand('useradd');

function crontabList(): string {
  return spawnSync('crontab', ['-u', USER, '-l'], { encoding: 'utf8' }).stdout;
}

describe.skipIf(!usable)('a user crontab through `crontab -u`', () => {
  beforeAll(() => {
    if (spawnSync('id', [USER]).status !== 0)
      spawnSync('useradd', ['--no-create-home', '--home-dir', `/nonexistent/${USER}`, USER]);
    spawnSync('crontab', ['-u', USER, '-r']);
  });
  afterAll(() => {
    spawnSync('crontab', ['-u', USER, '-r']);
    spawnSync('userdel', [USER]);
  });

  test('read, write, read back, edit, remove', async () => {
    const empty = await CronTab.forUser(USER);
    expect(empty.render()).toBe('');
    expect(empty.owner).toMatchObject({ name: USER, home: `/nonexistent/${USER}` });
    expect(empty.owner?.uid).toBeGreaterThan(0);

    const text = '# kairos test\nMAILTO=""\n\n*/5 * * * *   /bin/true # probe\n@reboot /bin/true\n';
    const tab = CronTab.parse(text);
    await tab.writeToUser(USER);
    expect(crontabList()).toBe(text);

    const read = await CronTab.forUser(USER);
    expect(read.render()).toBe(text);
    const [probe] = read.findComment('probe');
    probe?.hour.on(3);
    await read.write();
    expect(crontabList()).toBe(
      text.replace('*/5 * * * *   /bin/true # probe', '*/5 3 * * * /bin/true # probe'),
    );
    expect(probe?.environment()).toMatchObject({
      LOGNAME: USER,
      HOME: `/nonexistent/${USER}`,
      MAILTO: '',
    });

    await removeUserCrontab(USER);
    expect((await CronTab.forUser(USER)).jobs).toEqual([]);
  });

  test('a crontab cron would refuse is not sent to crontab', async () => {
    const tab = CronTab.parse('61 * * * * /bin/true\n');
    await expect(tab.writeToUser(USER)).rejects.toThrow(CrontabSyntaxError);
  });

  test('an unknown user gives a CrontabCommandError that says what to do', async () => {
    const error = await CronTab.forUser('no-such-user-kairos').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CrontabCommandError);
    expect(String(error)).toMatch(
      /crontab -u no-such-user-kairos -l' exited with status 1.*must exist/,
    );
  });
});

test.skipIf(usable)(
  'skipped: needs root, useradd and the crontab command (Debian package cron)',
  () => {},
);
