/** Reading a crontab and writing it back unchanged gives the same bytes; edits touch their lines. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CronTab, CronTabs, readSystemCrontab } from '../src/index.js';
import { corpusDir, corpusFiles, systemCrontabFiles, temporaryDir } from './helpers.js';

const systemFiles = new Set(['debian-etc-crontab', 'system-cron-d']);

describe.each(corpusFiles())('corpus file %s', (name) => {
  const path = join(corpusDir, name);
  const options = { system: systemFiles.has(name) };

  test('render() gives back the text', async () => {
    const tab = await CronTab.read(path, options);
    const bytes = readFileSync(path);
    expect(Buffer.from(tab.render(), name === 'latin1' ? 'latin1' : 'utf8')).toEqual(bytes);
  });

  test('write() to another file gives the same bytes', async () => {
    const tab = await CronTab.read(path, options);
    const copy = join(temporaryDir(), name);
    await tab.write(copy, { allowErrors: true });
    expect(readFileSync(copy)).toEqual(readFileSync(path));
  });

  test('editing one job changes only its line', async () => {
    const tab = await CronTab.read(path, options);
    const job = tab.jobs.find((candidate) => candidate.enabled);
    if (job === undefined) return;
    const index = tab.lines.indexOf(job);
    job.comment = null;
    job.command = 'echo edited';
    const before = readFileSync(path, name === 'latin1' ? 'latin1' : 'utf8').split('\n');
    const after = tab.render().split('\n');
    expect(after.length).toBe(before.length);
    for (const [number, line] of after.entries()) {
      if (number === index) expect(line).toContain('echo edited');
      else expect(line).toBe(before[number]);
    }
  });
});

const systemTables = systemCrontabFiles();

describe.skipIf(systemTables.length === 0)('the system tables of this machine', () => {
  test.each(systemTables)('%s: read and written back byte for byte', async (path) => {
    const tab = await readSystemCrontab(path);
    const bytes = readFileSync(path);
    const copy = join(temporaryDir(), 'copy');
    await tab.write(copy, { allowErrors: true });
    expect(readFileSync(copy)).toEqual(bytes);
  });

  test('CronTabs.load() reads them all, and each renders as its file', async () => {
    const all = await CronTabs.load({ spool: temporaryDir() });
    const readByCron = systemTables.filter(
      (path) =>
        path === '/etc/crontab' || /^[A-Za-z0-9_-]+$/.test(path.slice('/etc/cron.d/'.length)),
    );
    const files = all.tabs.flatMap((tab) => (tab.source.kind === 'file' ? [tab.source.path] : []));
    expect(files).toEqual(readByCron);
    for (const tab of all.tabs)
      if (tab.source.kind === 'file')
        expect(tab.render()).toBe(readFileSync(tab.source.path, 'utf8'));
  });
});

test.skipIf(systemTables.length > 0)(
  'skipped: no /etc/crontab or /etc/cron.d on this machine',
  () => {},
);

test('the odd-spacing corpus file reads as the expected lines', () => {
  const text = readFileSync(join(corpusDir, 'user-odd-spacing'), 'utf8');
  const tab = CronTab.parse(text);
  expect(tab.lines.map((line) => line.kind)).toEqual([
    'comment',
    'comment',
    'comment',
    'blank',
    'env',
    'env',
    'env',
    'env',
    'env',
    'blank',
    'job',
    'job',
    'job',
    'job',
    'job',
    'job',
    'job',
    'job',
    'job',
    'env',
    'job',
    'blank',
    'blank',
    'comment',
  ]);
  const [php, backup, spaced, reboot, hourly, disabled, weekly, mail, printf, morning] = tab.jobs;
  expect(php?.command).toBe('/usr/bin/php /srv/app/artisan schedule:run >> /dev/null 2>&1');
  expect(backup?.comment).toBe('backup-job');
  expect(backup?.command).toBe('/srv/app/bin/backup --full');
  expect(spaced?.command).toBe('echo   "spaced   out"');
  expect(reboot?.schedule.isReboot()).toBe(true);
  expect(hourly?.schedule.special).toBe('@hourly');
  expect(disabled?.enabled).toBe(false);
  expect(weekly).toMatchObject({
    enabled: false,
    comment: 'weekly-id',
    command: '/srv/app/bin/weekly',
  });
  expect(mail?.stdin).toBe('Hello,\nthe report is ready.\n');
  expect(printf).toMatchObject({ command: 'printf "100% done\\n"', stdin: null });
  expect(morning?.timezone).toBe('America/New_York');
  expect(tab.getEnv('HOME')).toBe('/srv/app');
  expect(tab.getEnv('SHELL')).toBe('/bin/bash');
  expect(tab.getEnv('EMPTY')).toBe('');
  expect(tab.validate().filter((problem) => problem.severity === 'error')).toEqual([]);
});

test('CRLF files keep their line endings and are flagged', () => {
  const tab = CronTab.parse('0 0 * * * /bin/true\r\n');
  const [job] = tab.jobs;
  expect(job?.command).toBe('/bin/true');
  expect(tab.validate()).toMatchObject([{ severity: 'warning', line: 1, column: 20, value: '\r' }]);
  job?.hour.on(3);
  expect(tab.render()).toBe('0 3 * * * /bin/true\r\n');
});

test('a blank line holding only a carriage return is an error, as in cron', () => {
  const problems = CronTab.parse('\r\n').validate();
  expect(problems).toMatchObject([{ severity: 'error', line: 1, column: 1, field: 'minute' }]);
  expect(problems[0]?.message).toContain('carriage return');
});

test('a missing final newline is reported, and kept on a round trip', () => {
  const tab = CronTab.parse('0 0 * * * /bin/true');
  expect(tab.render()).toBe('0 0 * * * /bin/true');
  expect(tab.validate()).toMatchObject([{ severity: 'error', line: 1, column: 20 }]);
  tab.new('echo added');
  expect(tab.render()).toBe('0 0 * * * /bin/true\n* * * * * echo added\n');
});

test('removing a job removes exactly its line', () => {
  const tab = CronTab.parse('# a\n0 0 * * * one # id-1\n\n0 1 * * * two # id-2\n');
  expect(tab.remove(...tab.findComment('id-1'))).toBe(1);
  expect(tab.render()).toBe('# a\n\n0 1 * * * two # id-2\n');
});
