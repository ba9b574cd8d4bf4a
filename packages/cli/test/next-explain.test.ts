/** `kairos next` and `kairos explain`, run as real processes. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { kairos } from './cli.js';

describe('kairos next', () => {
  test('an expression: the next runs strictly after --from, in --tz', async () => {
    const result = await kairos([
      'next',
      '0 9 * * 1-5',
      '--tz',
      'Europe/Paris',
      '--from',
      '2025-01-03T09:00',
      '-n',
      '3',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'Mon 2025-01-06 09:00:00 Europe/Paris\nTue 2025-01-07 09:00:00 Europe/Paris\nWed 2025-01-08 09:00:00 Europe/Paris\n',
    );
  });

  test('an unquoted expression is joined; a DST gap shifts the run (wall-clock model)', async () => {
    const result = await kairos([
      'next',
      '30',
      '2',
      '*',
      '*',
      '*',
      '-n',
      '2',
      '--tz',
      'Europe/Berlin',
      '--from',
      '2025-03-29',
    ]);
    expect(result.stdout).toBe(
      'Sat 2025-03-29 02:30:00 Europe/Berlin\nSun 2025-03-30 03:30:00 Europe/Berlin\n',
    );
  });

  test("a fall-back's repeated hour: the two runs at the same wall time show their offsets", async () => {
    const result = await kairos([
      'next',
      '30 1 * * *',
      '--tz',
      'America/New_York',
      '--from',
      '2025-11-01T12:00',
      '-n',
      '3',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'Sun 2025-11-02 01:30:00 America/New_York (-04:00)\n' +
        'Sun 2025-11-02 01:30:00 America/New_York (-05:00)\n' +
        'Mon 2025-11-03 01:30:00 America/New_York\n',
    );
  });

  test('--json gives ISO times with the offset', async () => {
    const result = await kairos([
      'next',
      '0 9 * * *',
      '--json',
      '-n',
      '1',
      '--tz',
      'America/New_York',
      '--from',
      '2025-07-01T00:00Z',
    ]);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        source: null,
        schedule: '0 9 * * *',
        timezone: 'America/New_York',
        runs: ['2025-07-01T09:00:00-04:00'],
      },
    ]);
  });

  test('a crontab: per line, CRON_TZ applies, @reboot and invalid lines say so (exit 1)', async () => {
    const result = await kairos([
      'next',
      'mixed.crontab',
      '-n',
      '1',
      '--from',
      '2025-01-01T00:00Z',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('mixed.crontab:2: 0 0 L * *\n  Fri 2025-01-31 00:00:00 UTC\n');
    expect(result.stdout).toContain(
      'mixed.crontab:3: */10 * * * * *\n  Wed 2025-01-01 00:00:10 UTC\n',
    );
    expect(result.stdout).toContain("mixed.crontab:6: invalid: '61' is out of range");
    const portable = await kairos([
      'next',
      'portable.crontab',
      '-n',
      '1',
      '--from',
      '2025-01-01T00:00Z',
    ]);
    expect(portable.code).toBe(0);
    expect(portable.stdout).toContain(
      'portable.crontab:5: @reboot\n  (runs once each time the daemon starts)',
    );
  });

  test('a calendar interval that started long ago: its runs after --from, not its first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-next-'));
    try {
      const file = join(dir, 'daily.json');
      writeFileSync(
        file,
        JSON.stringify({
          jobs: [
            {
              name: 'daily',
              trigger: { type: 'calendarinterval', days: 1, hour: 3, start_date: '2020-01-01' },
              command: 'true',
            },
          ],
        }),
      );
      const result = await kairos([
        'next',
        file,
        '--tz',
        'UTC',
        '--from',
        '2026-12-07T00:00Z',
        '-n',
        '2',
      ]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(
        '  Mon 2026-12-07 03:00:00 UTC\n  Tue 2026-12-08 03:00:00 UTC\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a job file: per job, in the file\u2019s zone', async () => {
    const result = await kairos(['next', 'jobs.json', '-n', '1', '--from', '2025-01-01T00:00Z']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "job 'backup': 0 2 * * *\n  Wed 2025-01-01 02:00:00 Europe/Paris\n",
    );
    // An interval counts from --from, as the daemon started then would (it used the real now).
    expect(result.stdout).toContain(
      'job \'poll\': {"type":"interval","minutes":15}\n  Wed 2025-01-01 01:15:00 Europe/Paris\n',
    );
  });

  test.each([
    [
      ['next', '61 * * * *'],
      "'61 * * * *' is not a crontab expression: crontab trigger: minute: value 61",
    ],
    [['next', '* * * * *', '--tz', 'Mars/Base'], "--tz 'Mars/Base' is not an IANA time zone"],
    [['next', '* * * * *', '--from', 'yesterday'], "--from 'yesterday' is not an ISO 8601 time"],
    [['next', '* * * * *', '-n', '0'], "-n '0' is not a whole number of 1 or more"],
    [['next'], "missing required argument 'expr-or-file'"],
    [['next', 'nope.ct'], 'kairos: no such file: nope.ct\n'],
    [['next', 'conf/crontab'], 'kairos: no such file: conf/crontab\n'],
    [['next', 'nope'], 'kairos: no such file: nope, nor a crontab expression'],
    [['next', 'portable.crontab', 'back.ct'], 'kairos: no such file: back.ct\n'],
    [['next', '0 9 * * *', 'portable.crontab'], 'no such file: 0 9 * * *; to give a crontab'],
    [['next', '.'], "kairos: '.' is a directory; give a crontab file or a JSON job file"],
  ])('%j is a usage error (exit 2) naming the value', async (args, message) => {
    const result = await kairos(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  test('several files: each is read, in order', async () => {
    const result = await kairos([
      'next',
      'portable.crontab',
      'jobs.json',
      '-n',
      '1',
      '--from',
      '2025-01-01T00:00Z',
      '--tz',
      'UTC',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^portable\.crontab:3: 0 2 \* \* \*\n {2}Wed 2025-01-01 02:00:00 UTC\n[^]*\njob 'backup': 0 2 \* \* \*\n/,
    );
  });

  test('an expression with a / or a name is still an expression, quoted or not', async () => {
    const from = ['-n', '1', '--tz', 'UTC', '--from', '2025-01-01'];
    const unquoted = await kairos(['next', '0-30/15', '0', '*', '*', 'mon-fri/2', ...from]);
    expect(unquoted).toMatchObject({ code: 0, stdout: 'Wed 2025-01-01 00:15:00 UTC\n' });
    const bad = await kairos(['next', '0', '0', '*', '*', 'mon-fry']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'0 0 * * mon-fry' is not a crontab expression");
  });
});

describe('kairos explain', () => {
  test('English, then the next runs', async () => {
    const result = await kairos([
      'explain',
      '*/15 9-17 * * mon-fri',
      '-n',
      '2',
      '--tz',
      'UTC',
      '--from',
      '2025-01-01',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'Every 15 minutes, between 09:00 AM and 05:59 PM, Monday through Friday\nNext runs (UTC):\n  Wed 2025-01-01 09:00:00 UTC\n  Wed 2025-01-01 09:15:00 UTC\n',
    );
  });

  test('--24h, and a Kairos-only expression says it is not portable', async () => {
    const result = await kairos([
      'explain',
      '0 0 L * *',
      '--24h',
      '-n',
      '1',
      '--tz',
      'UTC',
      '--from',
      '2025-01-01',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "At 00:00, on the last day of the month\nNot portable: Kairos reads it with 'L' (last day); Debian's cron refuses this expression: 'L' is not a day-of-month: 'L' and 'W' (last, nearest weekday) are Quartz extensions cron does not support; write a number (1-31)\nNext runs (UTC):\n  Fri 2025-01-31 00:00:00 UTC\n",
    );
  });

  test('six fields: the note names the leading seconds field cron does not read', async () => {
    const result = await kairos(['explain', '0 30 9 * * *', '-n', '1', '--tz', 'UTC']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[1]).toBe(
      "Not portable: Kairos reads it with a leading seconds field; Debian's cron refuses this expression: '30' is out of range for hour (0-23); use a value from 0 to 23",
    );
  });

  test('@reboot has no run times; an invalid expression exits 2', async () => {
    expect((await kairos(['explain', '@reboot'])).stdout).toBe('Run once, at startup\n');
    const bad = await kairos(['explain', '0 0 31 2 * *', 'extra']);
    expect(bad.code).toBe(2);
  });
});

describe('help and exit codes', () => {
  test('a command without --store says KAIROS_STORE gives it too (exit 2)', async () => {
    const result = await kairos(['jobs', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: required option '--store <url>' not specified: give --store URL, or set KAIROS_STORE\n",
    );
  });

  test.each([['check'], ['next'], ['explain'], ['jobs'], ['jobs', 'list'], ['jobs', 'run']])(
    'kairos %s --help shows examples (exit 0)',
    async (...command) => {
      const result = await kairos([...command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Examples?:\n {2}\$ kairos /);
    },
  );

  test('kairos --help lists the commands and the exit codes', async () => {
    const result = await kairos(['--help']);
    expect(result.code).toBe(0);
    for (const word of ['check', 'next', 'explain', 'jobs', 'Exit codes:', '2  usage error'])
      expect(result.stdout).toContain(word);
  });

  test('an unknown command or option exits 2 with a suggestion', async () => {
    const result = await kairos(['chek']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'chek'");
    expect(result.stderr).toContain('check');
    expect((await kairos(['check', '--bogus', 'x'])).code).toBe(2);
  });
});
