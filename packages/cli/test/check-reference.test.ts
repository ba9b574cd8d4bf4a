/**
 * `kairos check` against Debian's real cron: each line of @kairos/crontab's reference corpus
 * (packages/crontab/test/fixtures/cron-lines.json, at least 200 lines, ordinary and odd) is
 * written as a one-line crontab; `kairos check` must find an error in exactly the files that
 * `crontab -n` (Debian's dry run of installing a file) refuses, except the lines listed below
 * with the reason Kairos deliberately differs. All files go to one `kairos check` run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { kairos, packageDir } from './cli.js';

const corpus = JSON.parse(
  readFileSync(join(packageDir, '../crontab/test/fixtures/cron-lines.json'), 'utf8'),
) as string[];

const hasCrontab =
  spawnSync('crontab', ['-n', '/dev/null'], { encoding: 'utf8' }).error === undefined;

/** Files by line, and the files `kairos check` (with these flags) found an error in. */
async function checkAll(flags: string[]): Promise<{ files: string[]; failing: Set<string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-check-corpus-'));
  const files = corpus.map((line, index) => {
    const file = join(dir, `line-${index}.crontab`);
    writeFileSync(file, `${line}\n`, 'latin1');
    return file;
  });
  const result = await kairos(['check', ...flags, ...files], { cwd: dir });
  const failing = new Set<string>();
  for (const finding of result.stdout.split('\n')) {
    const match = /^(.+?):\d+:\d+: error: /.exec(finding);
    if (match?.[1] !== undefined) failing.add(match[1]);
  }
  return { files, failing };
}

function cronAccepts(file: string): boolean {
  return spawnSync('crontab', ['-n', file], { encoding: 'utf8', input: '' }).status === 0;
}

describe.skipIf(!hasCrontab)('kairos check agrees with Debian cron (`crontab -n`)', () => {
  test('the corpus has at least 200 lines', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  test('without --strict: the same verdicts, except lines Kairos reads and warns are not portable', async () => {
    const { files, failing } = await checkAll([]);
    const { stdout } = await kairos(['check', ...files], { cwd: tmpdir() });
    const differences = files.flatMap((file, index) =>
      cronAccepts(file) === !failing.has(file) ? [] : [{ file, index }],
    );
    // Deliberately looser: a line cron refuses but Kairos's cron trigger reads (`L`, `?`, a
    // seconds field, `5/10`, …) is a "not portable" warning unless --strict.
    for (const { file, index } of differences) {
      expect(cronAccepts(file), `line ${index}`).toBe(false);
      expect(stdout).toContain(`line-${index}.crontab:1:1: warning: not portable`);
    }
    console.log(
      `kairos check vs crontab -n: ${corpus.length - differences.length}/${corpus.length} lines agree; ` +
        `${differences.length} refused by cron are accepted with a not-portable warning`,
    );
  });

  test('with --strict: the same verdicts, except lines cron reads differently from Kairos', async () => {
    const { files, failing } = await checkAll(['--strict']);
    const { stdout } = await kairos(['check', '--strict', ...files], { cwd: tmpdir() });
    const differences = files.flatMap((file, index) =>
      cronAccepts(file) === !failing.has(file) ? [] : [{ file, index, line: corpus[index] }],
    );
    // Deliberately stricter: cron installs these lines but reads them otherwise than Kairos's
    // cron trigger would (it ignores `#2`; `0 0 * * * 5 c` is five fields and the command
    // `5 c` to cron, six fields to Kairos), so --strict refuses them as not portable.
    for (const { file, index } of differences) {
      expect(cronAccepts(file), `line ${index}`).toBe(true);
      expect(stdout).toContain(`line-${index}.crontab:1:1: error: not portable`);
    }
    expect(differences.map(({ line }) => line).sort()).toEqual([
      '0 0 * * * 0-5 c',
      '0 0 * * * 5 c',
      '0 0 * * * mon c',
      '0 0 * * 1#5 c',
      '0 0 * * 5#2 x',
    ]);
  });
});
