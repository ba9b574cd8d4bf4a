/** `%` input, environment lines as cron reads them, CRON_TZ and DST, and atomic writes. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { CronTrigger } from '@kairos/triggers';
import { expect, test } from 'vitest';
import { CronJob, CronTab, joinCommand, splitCommand, writeFileAtomic } from '../src/index.js';
import { temporaryDir } from './helpers.js';

test('% ends the command; the rest is stdin with % as newlines; \\% is a literal %', () => {
  expect(splitCommand('mail -s hi root%Dear root,%all good.%')).toEqual({
    command: 'mail -s hi root',
    stdin: 'Dear root,\nall good.\n',
  });
  expect(splitCommand('date +\\%Y-\\%m-\\%d')).toEqual({ command: 'date +%Y-%m-%d', stdin: null });
  expect(splitCommand('cat%50\\% off')).toEqual({ command: 'cat', stdin: '50% off' });
  expect(joinCommand('date +%F', 'a\nb')).toBe('date +\\%F%a%b');
});

/**
 * What Debian's cron 3.0pl1-162 did with `* * * * * root cat > out # note%input text` in
 * /etc/cron.d (run once by hand on 2026-12-07): `out` held `input text` and a newline. Cron has no
 * comments on a job line: the shell got `cat > out # note` and `input text` came on standard input
 * (cron adds the final newline).
 */
const CRON_WROTE = 'input text\n';

test('a # before the % is a shell comment: the command and its input are what cron runs', () => {
  const text = '@reboot cat # note%input text\n';
  const tab = CronTab.parse(text);
  const [job] = tab.jobs;
  expect(job).toMatchObject({ command: 'cat', stdin: 'input text', comment: 'note' });
  // What the shell makes of the job as cron would hand it over, with cron's final newline.
  const ran = spawnSync('/bin/sh', ['-c', job?.command ?? ''], {
    input: `${job?.stdin ?? ''}\n`,
    encoding: 'utf8',
  });
  expect(ran.stdout).toBe(CRON_WROTE);
  expect(tab.render()).toBe(text);
  // Edited, the comment stays before the %: after it, cron would feed it to the command.
  job?.setAll('@daily');
  expect(tab.render()).toBe('@daily cat # note%input text\n');
  expect(CronTab.parse(tab.render()).jobs[0]).toMatchObject({
    command: 'cat',
    stdin: 'input text',
    comment: 'note',
  });
});

test("a new comment holds no unescaped '%' and goes on a job without input", () => {
  expect(() => new CronJob('cat', { comment: '50% done' })).toThrow(
    "cron would end the command at the '%' of the comment '50% done'",
  );
  const job = new CronJob('cat', { comment: '50\\% done' });
  expect(job.render()).toBe('* * * * * cat # 50\\% done');
  expect(() => new CronJob('cat', { comment: 'id', stdin: 'x' })).toThrow(
    'put the note on a comment line above the job',
  );
});

test('environment lines: quotes, blanks around =, positional, cron defaults', () => {
  const tab = CronTab.parse(
    'A = 1\n"B"=\'two words\'\n0 0 * * * first\nA=changed\n  C="x"  \n0 0 * * * second\n',
  );
  const [first, second] = tab.jobs;
  expect(first?.environment()).toEqual({
    SHELL: '/bin/sh',
    PATH: '/usr/bin:/bin',
    A: '1',
    B: 'two words',
  });
  expect(second?.environment()).toMatchObject({ A: 'changed', B: 'two words', C: 'x' });
  expect(tab.lines.map((line) => line.kind)).toEqual(['env', 'env', 'job', 'env', 'env', 'job']);
});

test('CRON_TZ applies to the jobs below it, with the DST rules of CronTrigger.fromCrontab', () => {
  const tab = CronTab.parse('30 2 * * * before\nCRON_TZ=Europe/Berlin\n30 2 * * * after\n', {
    timezone: 'UTC',
  });
  const [before, after] = tab.jobs;
  const from = new Date('2024-03-30T12:00:00Z'); // Berlin skips 02:00-03:00 on 2024-03-31
  expect(before?.timezone).toBe('UTC');
  expect(after?.timezone).toBe('Europe/Berlin');
  const trigger = CronTrigger.fromCrontab('30 2 * * *', 'Europe/Berlin');
  expect(after?.nextRun(from)).toEqual(trigger.getNextFireTime(null, from));
  expect(after?.nextRuns(3, from).map((run) => run.toISOString())).toEqual(
    [
      trigger.getNextFireTime(null, from),
      trigger.getNextFireTime(new Date('2024-03-31T12:00:00Z'), new Date('2024-03-31T12:00:00Z')),
      trigger.getNextFireTime(new Date('2024-04-01T12:00:00Z'), new Date('2024-04-01T12:00:00Z')),
    ].map((run) => run?.toISOString()),
  );
  expect(before?.nextRun(from)).toEqual(new Date('2024-03-31T02:30:00Z'));
});

test("CRON_TZ is not portable: Kairos honours it as cronie does, Debian's cron ignores it", () => {
  const tab = CronTab.parse('CRON_TZ=Asia/Tokyo\n0 2 * * * x\nCRON_TZ=Mars/Base\n');
  expect(tab.isValid()).toBe(true);
  expect(tab.validate()).toEqual([
    {
      severity: 'warning',
      line: 1,
      column: 1,
      field: 'portability',
      value: 'Asia/Tokyo',
      message:
        "not portable: Kairos (like cronie) runs the jobs below CRON_TZ=Asia/Tokyo in Asia/Tokyo, but Debian's cron ignores CRON_TZ and runs them in the host's time zone; where Debian's cron runs this file, write the times in the host's zone instead",
    },
    expect.objectContaining({ line: 3, field: 'environment', value: 'Mars/Base' }),
  ]);
  expect(tab.jobs[0]?.timezone).toBe('Asia/Tokyo');
});

test.skipIf(!existsSync('/usr/sbin/cron'))("Debian's cron knows no CRON_TZ", () => {
  // Its binary does not hold the name: the variable reaches the commands' environment, no more.
  expect(readFileSync('/usr/sbin/cron').includes('CRON_TZ')).toBe(false);
});

test('previous runs scan back across long gaps', () => {
  const [job] = CronTab.parse('0 0 29 2 * leap\n', { timezone: 'UTC' }).jobs;
  expect(job?.previousRun(new Date('2027-01-01T00:00:00Z'))).toEqual(
    new Date('2024-02-29T00:00:00Z'),
  );
  expect(job?.previousRun(new Date('2024-02-29T00:00:00Z'))).toEqual(
    new Date('2020-02-29T00:00:00Z'),
  );
});

test('atomic write: temporary file renamed over the target, mode kept, nothing left behind', async () => {
  const dir = temporaryDir();
  const path = join(dir, 'tab');
  writeFileSync(path, '0 0 * * * old\n');
  chmodSync(path, 0o600);
  const inodeBefore = statSync(path).ino;
  const tab = await CronTab.read(path);
  tab.jobs[0]?.setAll('@hourly');
  await tab.write();
  expect(readFileSync(path, 'utf8')).toBe('@hourly old\n');
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(statSync(path).ino).not.toBe(inodeBefore); // a new file was renamed into place
  expect(readdirSync(dir)).toEqual(['tab']);
});

test('a failed atomic write leaves the old file and no temporary file', async () => {
  const dir = temporaryDir();
  const path = join(dir, 'missing-folder', 'tab');
  await expect(writeFileAtomic(path, Buffer.from('x'))).rejects.toThrow(/ENOENT/);
  const target = join(dir, 'tab');
  writeFileSync(target, 'keep\n');
  // Renaming a file over a folder fails after the temporary file is written.
  await expect(writeFileAtomic(dir, Buffer.from('x'))).rejects.toThrow();
  expect(readFileSync(target, 'utf8')).toBe('keep\n');
  expect(readdirSync(dir)).toEqual(['tab']);
});
