import { describe, expect, test } from 'vitest';
import { readCrontab } from '../src/crontab-lines.js';

const portability = (text: string, system = false) =>
  readCrontab(text, { system }).problems.filter((problem) => problem.field === 'portability');

describe('readCrontab: lines Debian and Kairos read alike', () => {
  test('a plain line is an entry with its schedule, command and %-input, and no finding', () => {
    const reading = readCrontab('CRON_TZ=Europe/Paris\n0 2 * * * /usr/bin/backup %hello\n');
    expect(reading.problems).toEqual([]);
    expect(reading.entries).toEqual([
      {
        line: 2,
        schedule: '0 2 * * *',
        timezone: 'Europe/Paris',
        user: null,
        command: '/usr/bin/backup ',
        stdin: 'hello',
        notPortable: null,
        environment: { SHELL: '/bin/sh', CRON_TZ: 'Europe/Paris' },
      },
    ]);
  });

  test('the environment of an entry: the variables above it, PATH only when the file sets it', () => {
    const { entries } = readCrontab('A=1\n* * * * * one\nPATH=/opt/bin\nA=2\n* * * * * two\n');
    expect(entries.map((entry) => entry.environment)).toEqual([
      { SHELL: '/bin/sh', A: '1' },
      { SHELL: '/bin/sh', A: '2', PATH: '/opt/bin' },
    ]);
  });

  test('@reboot and macros are kept; comments and disabled jobs are not entries', () => {
    const reading = readCrontab('# 0 1 * * * disabled\n@reboot /bin/a\n@daily /bin/b\n');
    expect(reading.entries.map((entry) => [entry.line, entry.schedule])).toEqual([
      [2, '@reboot'],
      [3, '@daily'],
    ]);
  });

  test('a system table reads the user field', () => {
    const [entry] = readCrontab('0 2 * * * root /usr/bin/backup\n', { system: true }).entries;
    expect(entry).toMatchObject({ user: 'root', command: '/usr/bin/backup' });
  });
});

describe('readCrontab: not portable to Debian', () => {
  test.each([
    ['0 0 L * * /bin/x', '0 0 L * *', "'L' (last day)", "Debian's cron refuses it"],
    ['0 0 * * 5L /bin/x', '0 0 * * 5L', "'L' (last day)", "Debian's cron refuses it"],
    ['*/10 * * * * * /bin/x', '*/10 * * * * *', 'a leading seconds field', 'refuses it'],
    ['5/10 * * * * /bin/x', '5/10 * * * *', "'5/10' means 5-59/10", 'refuses it'],
    ['0 0 ? * * /bin/x', '0 0 ? * *', "'?' (any)", 'refuses it'],
    ['0 0 * * 5#2 /bin/x', '0 0 * * 5#2', "'#' (nth weekday)", 'reads it differently'],
    ['0 0 12 * * ? /bin/x', '0 0 12 * * ?', 'a leading seconds field', "run '? /bin/x'"],
  ])('%s', (line, schedule, feature, cronSays) => {
    const reading = readCrontab(`${line}\n`);
    expect(reading.problems).toHaveLength(1);
    const [problem] = reading.problems;
    expect(problem).toMatchObject({ severity: 'warning', line: 1, column: 1, value: schedule });
    expect(problem?.message).toContain('not portable');
    expect(problem?.message).toContain(feature);
    expect(problem?.message).toContain(cronSays);
    expect(reading.entries[0]).toMatchObject({ schedule, command: '/bin/x' });
    expect(reading.entries[0]?.notPortable).toBe(problem?.message);
  });

  test('the rest of a not-portable line is still read as cron reads it (user, %-input)', () => {
    const reading = readCrontab('0 0 L * * root /bin/x %in\n', { system: true });
    expect(reading.problems.map((problem) => problem.field)).toEqual(['portability']);
    expect(reading.entries[0]).toMatchObject({ user: 'root', command: '/bin/x ', stdin: 'in' });
  });

  test('a not-portable schedule with a missing user is still an error, at its column', () => {
    const problems = readCrontab('0 0 L * *\n', { system: true }).problems;
    expect(problems.map((problem) => problem.severity)).toContain('error');
  });
});

describe('readCrontab: errors', () => {
  test('a line neither reads is an error at its column, with no schedule', () => {
    const reading = readCrontab('0 2 * * * /bin/ok\n61 * * * * /bin/x\n');
    expect(portability('61 * * * * /bin/x\n')).toEqual([]);
    expect(reading.problems).toEqual([
      expect.objectContaining({ severity: 'error', line: 2, column: 1, value: '61' }),
    ]);
    expect(reading.entries[1]).toMatchObject({ line: 2, schedule: null });
  });

  test('a missing final newline is reported as cron reports it', () => {
    const problems = readCrontab('0 2 * * * /bin/x').problems;
    expect(problems[0]?.message).toContain('newline');
  });

  test('a command that looks like a sixth field but is not one stays a command', () => {
    expect(readCrontab('0 2 * * * date\n').entries[0]).toMatchObject({
      schedule: '0 2 * * *',
      command: 'date',
      notPortable: null,
    });
  });
});
