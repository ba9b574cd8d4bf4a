/**
 * `kairos check` reports as errors exactly what `kairos run` and `kairos crontab import` refuse:
 * lines Debian's cron accepts but Kairos cannot run (a backward range, a value cron reads
 * otherwise, no command, a CRON_TZ or KAIROS_OVERLAP Kairos does not know, a user not in
 * /etc/passwd). Each crontab goes through the three commands, as real processes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kairos } from './cli.js';
import { tempDir } from './daemon.js';

const CRONTABS: { name: string; text: string; system?: boolean; errors: RegExp[] }[] = [
  {
    name: 'schedules cron accepts but Kairos refuses',
    text: '*/5-10 * * * * echo x\n4294967296 * * * * echo y\n0 0 * dec-jan * echo z\n5-1 * * * * echo b\n',
    errors: [
      /^crontab:1:4: Kairos refuses the schedule '\*\/5-10 \* \* \* \*', though Debian's cron accepts it: cron ignores '-10'/,
      /^crontab:2:1: Kairos refuses the schedule '4294967296 \* \* \* \*', though .*write 0 if that is meant/,
      /^crontab:3:7: Kairos refuses .* list both parts instead \(12-12,1-1\)$/,
      /^crontab:4:1: Kairos refuses the schedule '5-1 \* \* \* \*', though Debian's cron accepts it: .*\(5-59,0-1\)$/,
    ],
  },
  {
    name: 'an unknown KAIROS_OVERLAP',
    text: 'KAIROS_OVERLAP=sometimes\n* * * * * echo a\n',
    errors: [/^crontab:2:1: KAIROS_OVERLAP=sometimes is not an overlap policy; write one of /],
  },
  {
    name: 'a CRON_TZ Kairos does not know',
    text: 'CRON_TZ=Mars/Olympus\n* * * * * echo a\n',
    errors: [/^crontab:2:1: CRON_TZ=Mars\/Olympus \(line 1\) is not a time zone Kairos knows/],
  },
  {
    name: 'a user not in /etc/passwd (--system)',
    text: '@reboot kairos-no-such-user echo hi\n',
    system: true,
    errors: [/^crontab:1:1: user 'kairos-no-such-user' is not in \/etc\/passwd; cron would skip/],
  },
  {
    name: 'schedules without a command',
    text: '0 2 * * *\n0 2 * * * %input\n@daily\n* * * * * %\n',
    errors: [
      /^crontab:1:10: this line has a schedule but no command/,
      /^crontab:2:11: this line has a schedule but no command/,
      /^crontab:3:7: this line has a schedule but no command/,
      /^crontab:4:11: this line has a schedule but no command/,
    ],
  },
];

/** `file:line:column: message` of each error line of `kairos check`. */
function checkErrors(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.includes(': error: '))
    .map((line) => line.replace(': error: ', ': '));
}

/** The error lines `kairos run` logs before "not started". */
function runErrors(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => / error crontab:/.test(line))
    .map((line) => line.replace(/^\S+ error /, ''));
}

describe.each(CRONTABS)('$name', ({ text, system, errors }) => {
  it('check: errors (exit 1); run: not started (exit 1); import: nothing imported (exit 1)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'crontab'), text);
    const flags = system === true ? ['--system'] : [];
    const check = await kairos(['check', ...flags, 'crontab'], { cwd: dir });
    const run = await kairos(['run', '--no-watch', ...flags, 'crontab'], { cwd: dir });
    const store = ['--store', 'sqlite:jobs.sqlite'];
    const imported = await kairos(['crontab', 'import', ...flags, 'crontab', ...store], {
      cwd: dir,
    });

    expect(check.code).toBe(1);
    const found = checkErrors(check.stdout);
    expect(found).toHaveLength(errors.length);
    errors.forEach((pattern, index) => expect(found[index]).toMatch(pattern));

    expect(run.code).toBe(1);
    expect(runErrors(run.stdout)).toEqual(found);
    expect(run.stdout).toContain(`not started: ${errors.length} error(s) in the files`);
    expect(run.stderr).toBe('');

    expect(imported.code).toBe(1);
    expect(imported.stderr).toBe(
      `${found.join('\n')}\nnothing imported: ${errors.length} error(s); kairos check shows them too\n`,
    );
  });
});
