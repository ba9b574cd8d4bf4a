import { lookupUser } from '@kairos/crontab';
import { describe, expect, test } from 'vitest';
import { readCrontab } from '../src/crontab-lines.js';

const portability = (text: string, system = false) =>
  readCrontab(text, { system }).problems.filter((problem) => problem.field === 'portability');

describe('readCrontab: lines Debian and Kairos read alike', () => {
  test('a plain line is an entry with its schedule, command and %-input, and no finding', () => {
    const reading = readCrontab('CRON_TZ=Europe/Paris\n0 2 * * * /usr/bin/backup %hello\n');
    // CRON_TZ is Kairos's (and cronie's) rule, not Debian cron's: a portability warning only.
    expect(
      reading.problems.map((problem) => [problem.line, problem.field, problem.severity]),
    ).toEqual([[1, 'portability', 'warning']]);
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
        overlap: null,
        account: null,
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

  test("a system line with a seconds field: its LOGNAME and HOME are its user's", () => {
    // Cron's five-field reading takes the sixth time field, '*', for the user.
    const [entry] = readCrontab('* * * * * * nobody env\n', { system: true }).entries;
    expect(entry).toMatchObject({ user: 'nobody', command: 'env' });
    const nobody = lookupUser('nobody');
    expect(entry?.environment.LOGNAME).toBe('nobody');
    expect(entry?.environment.HOME).toBe(nobody.home);
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

describe('readCrontab: lines cron accepts but Kairos refuses', () => {
  const errors = (text: string, system = false) =>
    readCrontab(text, { system }).problems.filter((problem) => problem.severity === 'error');

  test.each([
    ['5-1 * * * * /bin/x', 1, "the range '5-1' runs backwards", '(5-59,0-1)'],
    ['0 0 * dec-jan * /bin/x', 7, "the range 'dec-jan' runs backwards", '(12-12,1-1)'],
    ['*/5-10 * * * * /bin/x', 4, "cron ignores '-10' after '*/5'", 'remove it'],
    ['4294967296 * * * * /bin/x', 1, "overflows cron's integer", 'write 0'],
  ])('%s: an error saying cron accepts it and what to write', (line, column, why, instead) => {
    const [error, ...more] = errors(`${line}\n`);
    expect(more).toEqual([]);
    expect(error).toMatchObject({ line: 1, column });
    expect(error?.message).toMatch(
      /^Kairos refuses the schedule '.*', though Debian's cron accepts it: /,
    );
    expect(error?.message).toContain(why);
    expect(error?.message).toContain(instead);
  });

  test.each([
    ['0 2 * * *', 10],
    ['0 2 * * * %input', 11],
    ['@daily', 7],
    ['@reboot', 8],
    ['* * * * * %', 11],
    ['0 0 L * *', 11],
  ])('%s: a schedule without a command is an error at the command', (line, column) => {
    const reading = readCrontab(`${line}\n`);
    const [error, ...more] = errors(`${line}\n`);
    expect(more).toEqual([]);
    expect(error).toMatchObject({ line: 1, column, field: 'command' });
    expect(error?.message).toContain('has a schedule but no command');
    // Cron's own warning about it is not repeated.
    expect(reading.problems.filter((problem) => problem.field === 'command')).toEqual([error]);
  });

  test('a CRON_TZ Kairos does not know: an error on each scheduled line below it', () => {
    const text = 'CRON_TZ=Mars/Olympus\n0 2 * * * /bin/x\n@reboot /bin/y\n';
    expect(errors(text)).toEqual([
      expect.objectContaining({
        line: 2,
        column: 1,
        message: expect.stringContaining(
          'CRON_TZ=Mars/Olympus (line 1) is not a time zone',
        ) as string,
      }),
    ]);
  });

  test('KAIROS_OVERLAP: the policy of the lines below it, taken out of their environment', () => {
    const reading = readCrontab('KAIROS_OVERLAP=queue\n0 2 * * * /bin/x\n');
    expect(reading.entries[0]).toMatchObject({ overlap: 'queue' });
    expect(reading.entries[0]?.environment).not.toHaveProperty('KAIROS_OVERLAP');
    expect(errors('KAIROS_OVERLAP=sometimes\n@reboot /bin/x\n')).toEqual([
      expect.objectContaining({
        line: 2,
        message:
          'KAIROS_OVERLAP=sometimes is not an overlap policy; write one of forbid, allow, replace, queue',
      }),
    ]);
  });

  test("a system table's user not in /etc/passwd is an error; a listed one has its ids", () => {
    const text = '@reboot kairos-no-such-user /bin/x\n0 2 * * * root /bin/y\n';
    expect(errors(text, true)).toEqual([
      expect.objectContaining({
        line: 1,
        message: expect.stringContaining(
          "user 'kairos-no-such-user' is not in /etc/passwd",
        ) as string,
      }),
    ]);
    expect(readCrontab(text, { system: true }).entries[1]).toMatchObject({
      account: { uid: 0, gid: 0 },
    });
  });

  test('a line cron refuses gets only its errors', () => {
    expect(errors('0 3 * * *\n', true).map((problem) => problem.field)).toEqual(['user']);
  });
});
