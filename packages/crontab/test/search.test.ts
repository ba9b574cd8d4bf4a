/** Search by command, comment and time, and removal by criteria. */
import { expect, test } from 'vitest';
import { CronTab } from '../src/index.js';

const TEXT = [
  '*/15 * * * * /usr/bin/check disk # monitor-disk',
  '0,15,30,45 * * * * /usr/bin/check load # monitor-load',
  '0 0 * * * /usr/bin/rotate # nightly',
  '@daily /usr/bin/report',
  '@reboot /usr/bin/start # boot',
  '# 0 0 * * * /usr/bin/disabled # nightly-old',
  '',
].join('\n');

test('findCommand: substring or RegExp', () => {
  const tab = CronTab.parse(TEXT);
  expect(tab.findCommand('check').map((job) => job.comment)).toEqual([
    'monitor-disk',
    'monitor-load',
  ]);
  expect(tab.findCommand(/rotate|report/).length).toBe(2);
});

test('findComment: exact string or RegExp', () => {
  const tab = CronTab.parse(TEXT);
  expect(tab.findComment('nightly').map((job) => job.command)).toEqual(['/usr/bin/rotate']);
  expect(tab.findComment(/^nightly/).map((job) => job.enabled)).toEqual([true, false]);
  expect(tab.findComment(/^monitor-/g).length).toBe(2);
  expect(tab.findComment(/^monitor-/g).length).toBe(2);
});

test('findTime compares what cron runs, not the text', () => {
  const tab = CronTab.parse(TEXT);
  expect(tab.findTime('*/15 * * * *').map((job) => job.comment)).toEqual([
    'monitor-disk',
    'monitor-load',
  ]);
  expect(tab.findTime('0 0 * * *').map((job) => job.command)).toEqual([
    '/usr/bin/rotate',
    '/usr/bin/report',
    '/usr/bin/disabled',
  ]);
  expect(tab.findTime('@reboot').map((job) => job.comment)).toEqual(['boot']);
});

test('removeAll with criteria', () => {
  const tab = CronTab.parse(TEXT);
  expect(tab.removeAll({ command: 'check', comment: 'monitor-load' })).toBe(1);
  expect(tab.findCommand('check').length).toBe(1);
});

test("findComment finds a job by the comment line right above it, as python-crontab's pre-comments", () => {
  const tab = CronTab.parse(
    '# nightly\n0 3 * * * /usr/bin/backup\n#Ansible: rotate logs\n0 4 * * * /usr/sbin/logrotate\n# header\n\n0 5 * * * x # own\n',
  );
  expect(tab.findComment('nightly').map((job) => job.command)).toEqual(['/usr/bin/backup']);
  expect(tab.findComment('rotate logs').map((job) => job.command)).toEqual(['/usr/sbin/logrotate']);
  expect(tab.findComment('header')).toEqual([]); // a blank line in between: not its comment
  const [backup, , own] = tab.jobs;
  expect(backup?.comment).toBeNull();
  expect(backup && tab.commentAbove(backup)).toBe('nightly');
  expect(own && tab.commentAbove(own)).toBeNull();
});

test('removing a job takes its Ansible marker with it, and leaves other comments above', () => {
  const text =
    '# nightly\n0 3 * * * /usr/bin/backup\n#Ansible: rotate logs\n0 4 * * * /usr/sbin/logrotate\n# Ansible: tidy\n0 5 * * * tidy\n';
  const tab = CronTab.parse(text);
  const [backup, rotate, tidy] = tab.jobs;
  if (backup === undefined || rotate === undefined || tidy === undefined) throw new Error('3 jobs');
  expect(tab.remove(rotate)).toBe(2);
  expect(tab.remove(tidy)).toBe(2);
  expect(tab.remove(backup)).toBe(1);
  expect(tab.render()).toBe('# nightly\n');
});

test('a # inside shell quotes is part of the command, not a comment', () => {
  const [quoted, both] = CronTab.parse(
    "0 0 * * * echo 'a # b' \"c # d\"\n0 0 * * * echo 'a # b'   #   id  \n",
  ).jobs;
  expect(quoted).toMatchObject({ command: 'echo \'a # b\' "c # d"', comment: null });
  expect(both).toMatchObject({ command: "echo 'a # b'", comment: 'id' });
});
