/**
 * The validator against Debian's real cron: for each line of the corpus
 * (test/fixtures/cron-lines.json), a one-line file passes validation exactly when `crontab -n`
 * (Debian's dry run: the checks of installing a file, nothing installed) accepts it, and when
 * both refuse it, the first error names the field cron names ("bad minute"). As root, a real
 * install (`crontab -u user file`) is checked to give the same verdicts as `-n`.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CronTab } from '../src/index.js';
import { hasCommand, isRoot } from './helpers.js';
import {
  KAIROS_DELIBERATE_DIFFERENCES as DELIBERATE_DIFFERENCES,
  corpusLines,
  cronVerdict,
  hasCrontab,
} from './reference.js';

const CRON_FIELD: Record<string, string> = {
  'time specifier': 'special',
};

function kairosAccepts(text: string): boolean {
  return CronTab.parse(text).isValid();
}

describe.skipIf(!hasCrontab)('validation agrees with `crontab -n` (Debian cron)', () => {
  const agreed: string[] = [];

  test('the corpus has at least 200 lines, ordinary and odd', () => {
    expect(corpusLines.length).toBeGreaterThanOrEqual(200);
    expect(new Set(corpusLines).size).toBe(corpusLines.length);
  });

  test.each(corpusLines.map((line) => [JSON.stringify(line), line]))('%s', (_shown, line) => {
    const cron = cronVerdict(`${line}\n`);
    const errors = CronTab.parse(`${line}\n`)
      .validate()
      .filter((problem) => problem.severity === 'error');
    const reason = DELIBERATE_DIFFERENCES[line];
    if (reason !== undefined) {
      expect(errors.length === 0, `listed as a deliberate difference: ${reason}`).not.toBe(
        cron.accepted,
      );
      return;
    }
    expect(errors.length === 0, `cron said: ${cron.output.trim()}`).toBe(cron.accepted);
    if (!cron.accepted && cron.field !== null) {
      expect(errors[0]?.field).toBe(CRON_FIELD[cron.field] ?? cron.field);
    }
    agreed.push(line);
  });

  afterAll(() => {
    const rate = ((100 * agreed.length) / corpusLines.length).toFixed(1);
    const listed = Object.keys(DELIBERATE_DIFFERENCES).length;
    console.log(
      `Kairos validation vs crontab -n: ${agreed.length}/${corpusLines.length} lines agree (${rate} %), ${listed} deliberate difference${listed === 1 ? '' : 's'} listed`,
    );
  });

  test('a whole file: the first bad line is found by both', () => {
    const text = '# ok\nA=1\n0 0 * * * ok\n0 0 * * 9 bad\n0 0 * * * ok\n';
    expect(cronVerdict(text).accepted).toBe(false);
    expect(CronTab.parse(text).validate()).toMatchObject([
      { severity: 'error', line: 4, column: 9, field: 'day-of-week', value: '9' },
    ]);
  });

  test('a file without a final newline is refused by both', () => {
    expect(cronVerdict('0 0 * * * x').accepted).toBe(false);
    expect(CronTab.parse('0 0 * * * x').isValid()).toBe(false);
  });

  test('the whole corpus as one file: cron and Kairos refuse it, and accept the lines cron accepts', () => {
    const all = `${corpusLines.join('\n')}\n`;
    expect(cronVerdict(all).accepted).toBe(false);
    expect(kairosAccepts(all)).toBe(false);
    const accepted = corpusLines.filter((line) => cronVerdict(`${line}\n`).accepted);
    const text = `${accepted.join('\n')}\n`;
    expect(cronVerdict(text).accepted).toBe(true);
    expect(kairosAccepts(text)).toBe(true);
  });
});

const USER = 'kairoscrontabcorpus';
const canInstall = hasCrontab && isRoot && hasCommand('useradd');

describe.skipIf(!canInstall)('`crontab -n` gives the verdicts of a real install', () => {
  beforeAll(() => {
    if (spawnSync('id', [USER]).status !== 0)
      spawnSync('useradd', ['--no-create-home', '--home-dir', `/nonexistent/${USER}`, USER]);
  });
  afterAll(() => {
    spawnSync('crontab', ['-u', USER, '-r']);
    spawnSync('userdel', [USER]);
  });

  // Installing is slower than a dry run (the spool file is written): a longer hang guard.
  test('every corpus line', { timeout: 180_000 }, () => {
    const differ = corpusLines.filter(
      (line) => cronVerdict(`${line}\n`).accepted !== cronVerdict(`${line}\n`, USER).accepted,
    );
    expect(differ).toEqual([]);
  });
});

test.skipIf(hasCrontab)('skipped: the crontab command is missing (Debian package cron)', () => {});
test.skipIf(canInstall || !hasCrontab)(
  'skipped: installing needs root and useradd; `crontab -n` alone is the reference',
  () => {},
);
