/** `kairos check`, run as a real process. */
import { describe, expect, test } from 'vitest';
import { kairos } from './cli.js';

describe('kairos check', () => {
  test('a clean crontab and a clean job file: exit 0, no findings', async () => {
    const result = await kairos(['check', 'portable.crontab', 'jobs.json']);
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toBe('2 files checked: 0 errors, 0 warnings\n');
  });

  test('findings as file:line:column, not-portable lines as warnings, errors exit 1', async () => {
    const result = await kairos(['check', 'mixed.crontab']);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(': ')[0] + ': ' + line.split(': ')[1])).toEqual([
      'mixed.crontab:2:1: warning',
      'mixed.crontab:3:1: warning',
      'mixed.crontab:4:1: warning',
      'mixed.crontab:5:1: warning',
      'mixed.crontab:6:1: error',
    ]);
    expect(lines[0]).toContain("not portable: Kairos reads '0 0 L * *'");
    expect(lines[4]).toContain("'61' is out of range for minute");
    expect(result.stderr).toBe('1 file checked: 1 error, 4 warnings\n');
  });

  test('--json: the counts and every finding in one object, the same exit code', async () => {
    const result = await kairos(['check', '--json', 'mixed.crontab', 'jobs.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as {
      files: number;
      errors: number;
      warnings: number;
      findings: { file: string; line: number; column: number; severity: string; message: string }[];
    };
    expect(report).toMatchObject({ files: 2, errors: 1, warnings: 4 });
    expect(
      report.findings.map((finding) => [finding.file, finding.line, finding.severity]),
    ).toEqual([
      ['mixed.crontab', 2, 'warning'],
      ['mixed.crontab', 3, 'warning'],
      ['mixed.crontab', 4, 'warning'],
      ['mixed.crontab', 5, 'warning'],
      ['mixed.crontab', 6, 'error'],
    ]);
    expect(report.findings[4]?.message).toContain("'61' is out of range for minute");
    const clean = await kairos(['check', '--json', 'portable.crontab']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual({ files: 1, errors: 0, warnings: 0, findings: [] });
  });

  test('--strict makes not-portable lines errors', async () => {
    const result = await kairos(['check', '--strict', 'mixed.crontab']);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('warning');
    expect(result.stderr).toBe('1 file checked: 5 errors, 0 warnings\n');
  });

  test('only not-portable findings: exit 0, and 1 with --strict', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/kairos-cli-'));
    const { writeFile, rm } = await import('node:fs/promises');
    await writeFile(`${dir}/tab`, '0 0 L * * /bin/monthly\n');
    try {
      expect((await kairos(['check', `${dir}/tab`])).code).toBe(0);
      expect((await kairos(['check', '--strict', `${dir}/tab`])).code).toBe(1);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('--system reads the user field; a missing user is an error', async () => {
    const result = await kairos(['check', '--system', 'system.crontab']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('system.crontab:3:1: warning: not portable');
    expect(result.stdout).toMatch(/system\.crontab:4:\d+: error: .*user/);
    const asUserTable = await kairos(['check', 'system.crontab']);
    expect(asUserTable.stdout).not.toContain('user name');
  });

  test('a job file: each problem names the file, line, job, field and value', async () => {
    const result = await kairos(['check', 'bad-jobs.json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `bad-jobs.json:7:7: error: job 'backup' (jobs[0]): overlap: "sometimes" must be one of forbid, allow, replace, queue`,
    );
    expect(result.stdout).toContain(
      `bad-jobs.json:9:23: error: job 'tick' (jobs[1]): trigger: interval trigger: minutes`,
    );
    expect(result.stdout).toContain(`job 'both' (jobs[2]): unknown field 'colour'`);
  });

  test('a missing file is a usage error (exit 2) naming it; the other files are checked', async () => {
    const result = await kairos(['check', 'nowhere.crontab', 'mixed.crontab']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('mixed.crontab:6:1: error');
    expect(result.stderr).toContain('kairos: nowhere.crontab: cannot read the file');
  });
});
