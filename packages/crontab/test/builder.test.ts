/** python-crontab's builder: new(), the field builders, setAll, everyReboot, enable/disable. */
import { describe, expect, test } from 'vitest';
import { CronJob, CronTab, CrontabSyntaxError, CrontabValueError } from '../src/index.js';

describe('field builders', () => {
  test('every, on, during, also, clear', () => {
    const job = new CronJob('/usr/bin/backup', { comment: 'backup' });
    expect(job.render()).toBe('* * * * * /usr/bin/backup # backup');
    job.minute.every(5);
    job.hour.on(2);
    job.dow.during('MON', 'FRI');
    expect(job.schedule.toString()).toBe('*/5 2 * * MON-FRI');
    job.hour.also.on(14);
    job.minute.during(0, 30).every(10);
    expect(job.schedule.toString()).toBe('0-30/10 2,14 * * MON-FRI');
    job.dom.on(1, 15).also.during(20, 25);
    job.month.on('jan', 'jul');
    expect(job.schedule.toString()).toBe('0-30/10 2,14 1,15,20-25 JAN,JUL MON-FRI');
    job.dow.clear();
    expect(job.schedule.toString()).toBe('0-30/10 2,14 1,15,20-25 JAN,JUL *');
    expect(job.minute.toString()).toBe('0-30/10');
  });

  test('values outside the field throw CrontabValueError naming field and value', () => {
    const job = new CronJob('x');
    expect(() => job.minute.on(75)).toThrow(CrontabValueError);
    expect(() => job.minute.on(75)).toThrow("'75' is out of range for minute (0-59)");
    expect(() => job.hour.every(0)).toThrow(
      'hour.every(0): the step must be a whole number of 1 or more',
    );
    expect(() => job.dow.on('monday')).toThrow("'monday' is not a day-of-week name");
    expect(() => job.dow.during('FRI', 'MON')).toThrow('cron ranges do not wrap around');
    expect(() => job.minute.on('*/5')).toThrow(CrontabValueError);
    expect(job.schedule.toString()).toBe('* * * * *');
  });

  test('a builder call on a special starts from its five fields', () => {
    const job = new CronJob('x', { schedule: '@daily' });
    job.hour.on(6);
    expect(job.schedule.toString()).toBe('0 6 * * *');
    job.everyReboot();
    expect(job.render()).toBe('@reboot x');
  });
});

describe('setAll and enable', () => {
  test('setAll takes a schedule string and rejects what cron refuses', () => {
    const job = new CronJob('x');
    job.setAll('0 9 * * 1-5');
    expect(job.render()).toBe('0 9 * * 1-5 x');
    expect(() => job.setAll('0 9 * * 8')).toThrow(CrontabSyntaxError);
    expect(() => job.setAll('0 9 * * 8')).toThrow(
      "schedule '0 9 * * 8' has 1 error that cron would refuse:\n  line 1, column 9 (day-of-week): '8' is out of range for day-of-week (0-7)",
    );
    expect(() => job.setAll('0 9 * *')).toThrow('day-of-week is missing');
    expect(() => job.setAll('@daily x')).toThrow("unexpected 'x' after a special");
  });

  test('disable comments the line out, enable restores it', () => {
    const tab = CronTab.parse('0 1 * * * one\n');
    const [job] = tab.jobs;
    job?.disable();
    expect(tab.render()).toBe('# 0 1 * * * one\n');
    const again = CronTab.parse(tab.render());
    expect(again.jobs[0]?.enabled).toBe(false);
    again.jobs[0]?.enable();
    expect(again.render()).toBe('0 1 * * * one\n');
  });

  test('disabling and enabling a line read from a crontab keeps its spacing', () => {
    const text = '0\t3 * * *   backup --full   # nightly\n#5 4 * * * old\n';
    const tab = CronTab.parse(text);
    const [nightly, old] = tab.jobs;
    nightly?.disable();
    old?.enable();
    expect(tab.render()).toBe('# 0\t3 * * *   backup --full   # nightly\n5 4 * * * old\n');
    expect(nightly).toMatchObject({ enabled: false, command: 'backup --full', comment: 'nightly' });
    nightly?.enable();
    old?.disable();
    expect(tab.render()).toBe(text);
    expect(tab.validate()).toEqual([]);
  });

  test('new() appends; system tables need a user', () => {
    const tab = CronTab.parse('SHELL=/bin/sh\n');
    tab.new('echo hi', { comment: 'greeting', schedule: '@hourly' });
    expect(tab.render()).toBe('SHELL=/bin/sh\n@hourly echo hi # greeting\n');
    const system = CronTab.parse('', { system: true });
    expect(() => system.new('x')).toThrow(
      "a system crontab job needs a user: new('x', { user: 'root' })",
    );
    system.new('x', { user: 'root', schedule: '0 4 * * *' });
    expect(system.render()).toBe('0 4 * * * root x\n');
  });

  test('stdin is written after % with newlines as %, and % in the command escaped', () => {
    const job = new CronJob('printf "%s" done', { stdin: 'line 1\nline 2' });
    expect(job.render()).toBe('* * * * * printf "\\%s" done%line 1%line 2');
    expect(() => (job.comment = 'id')).toThrow('put the note on a comment line above the job');
  });

  test('setEnv changes the setting above the first job or adds one', () => {
    const tab = CronTab.parse('# top\nMAILTO=a@x\n0 0 * * * x\n');
    tab.setEnv('MAILTO', 'b@x');
    tab.setEnv('PATH', '/bin:/usr/bin');
    expect(tab.render()).toBe('# top\nMAILTO=b@x\nPATH=/bin:/usr/bin\n0 0 * * * x\n');
  });
});
