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

/**
 * Lines cron installs but Kairos refuses, as `kairos run` and `crontab import` do: a backward
 * range (cron sets nothing from it), a value cron reads otherwise than written (text after a
 * value or step it ignores, a number that overflows), and a schedule without a command.
 */
const KAIROS_REFUSES = [
  '*#2 * * * * c',
  '* * * * *',
  '* * * * * %',
  '*/5-10 * * * * x',
  '*/5/2 * * * * c',
  '*x * * * * c',
  '0 0 * * *\r',
  '0 0 * * * %x',
  '0 0 * * 6-1 c',
  '0 0 * * 7-0 c',
  '0 0 * * Sat-sun c',
  '0 0 * * thu-tue c',
  '0 0 * 12-1 * c',
  '0 0 * dec-jan * x',
  '0~30 * * * * x',
  '1 2 3 4 5',
  '1-2-3 * * * * c',
  '1-5/2/3 * * * * c',
  '10-5 * * * * x',
  '4294967296 * * * * c',
  '4294967301 * * * * c',
  '5#2 * * * * c',
  '@daily',
  '@reboot',
  '@weekly',
].sort();

/** The error `kairos check` gives a line of {@link KAIROS_REFUSES}. */
const REFUSAL =
  /:1:\d+: error: (Kairos refuses the schedule .*, though Debian's cron accepts it: |this line has a schedule but no command)/;

function cronAccepts(file: string): boolean {
  return spawnSync('crontab', ['-n', file], { encoding: 'utf8', input: '' }).status === 0;
}

/** The findings of the file of corpus line `index`. */
function findingsOf(stdout: string, index: number): string {
  return stdout
    .split('\n')
    .filter((finding) => finding.includes(`/line-${index}.crontab:`))
    .join('\n');
}

describe.skipIf(!hasCrontab)('kairos check agrees with Debian cron (`crontab -n`)', () => {
  test('the corpus has at least 200 lines', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  test('without --strict: the same verdicts, except not-portable lines Kairos reads and lines it refuses', async () => {
    const { files, failing } = await checkAll([]);
    const { stdout } = await kairos(['check', ...files], { cwd: tmpdir() });
    const differences = files.flatMap((file, index) =>
      cronAccepts(file) === !failing.has(file) ? [] : [{ file, index, line: corpus[index] }],
    );
    // Deliberately looser: a line cron refuses but Kairos's cron trigger reads (`L`, `?`, a
    // seconds field, `5/10`, …) is a "not portable" warning unless --strict. Deliberately
    // stricter: the lines of KAIROS_REFUSES, errors that say why.
    const refused = differences.filter(({ file }) => cronAccepts(file));
    for (const { index } of differences.filter(({ file }) => !cronAccepts(file)))
      expect(stdout).toContain(`line-${index}.crontab:1:1: warning: not portable`);
    for (const { index } of refused)
      expect(findingsOf(stdout, index), `line ${index}`).toMatch(REFUSAL);
    expect(refused.map(({ line }) => line).sort()).toEqual(KAIROS_REFUSES);
    console.log(
      `kairos check vs crontab -n: ${corpus.length - differences.length}/${corpus.length} lines agree; ` +
        `${differences.length - refused.length} refused by cron are accepted with a not-portable warning, ` +
        `${refused.length} accepted by cron are refused by Kairos`,
    );
  });

  test('with --strict: the same verdicts, except lines cron reads differently and lines Kairos refuses', async () => {
    const { files, failing } = await checkAll(['--strict']);
    const { stdout } = await kairos(['check', '--strict', ...files], { cwd: tmpdir() });
    const differences = files.flatMap((file, index) =>
      cronAccepts(file) === !failing.has(file) ? [] : [{ file, index, line: corpus[index] }],
    );
    // Deliberately stricter: cron installs these lines but reads them otherwise than Kairos's
    // cron trigger would (it ignores `#2`; `0 0 * * * 5 c` is five fields and the command
    // `5 c` to cron, six fields to Kairos; it ignores CRON_TZ), so --strict refuses them as
    // not portable; and the lines Kairos refuses anyway.
    for (const { file, index } of differences)
      expect(cronAccepts(file), `line ${index}`).toBe(true);
    const notPortable = differences.filter(({ index }) =>
      stdout.includes(`line-${index}.crontab:1:1: error: not portable`),
    );
    expect(notPortable.map(({ line }) => line).sort()).toEqual([
      '0 0 * * * 0-5 c',
      '0 0 * * * 5 c',
      '0 0 * * * mon c',
      '0 0 * * 1#5 c',
      '0 0 * * 5#2 x',
      'CRON_TZ=Europe/Paris',
      'CRON_TZ=UTC',
    ]);
    const refused = differences.filter((difference) => !notPortable.includes(difference));
    expect(refused.map(({ line }) => line).sort()).toEqual(KAIROS_REFUSES);
  });
});
