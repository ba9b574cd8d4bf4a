/**
 * python-crontab as a second reference (Debian's python3-crontab 2.7 with python3-croniter):
 * the same operations through both tools on the corpus of test/fixtures/cron-lines.json
 * (validation, parsing, finding by command and comment, disabling and enabling, rendering,
 * next/previous run times), compared line by line, with Debian's `crontab -n` as the judge.
 * Every difference is listed below with its reason; on each, Kairos does what cron (or the
 * shell) does and python-crontab does not. The agreement rates are printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CronTab, Schedule, SPECIALS, type CronJob, type FieldName } from '../src/index.js';
import { corpusDir, corpusFiles, systemCrontabFiles } from './helpers.js';
import {
  KAIROS_DELIBERATE_DIFFERENCES,
  corpusLines,
  cronVerdict,
  hasCrontab,
  hasPythonCrontab,
  pythonCrontab,
  type FindQuery,
  type PythonJob,
} from './reference.js';

const CRASHES = "crashes (TypeError) on a range from a name to a number ('mon-1')";

/** Lines whose verdict python-crontab gets wrong (cron's verdict is the other one), by reason. */
const PYTHON_VALIDATION_WRONG: Record<string, string[]> = {
  'refuses a range that runs backwards; cron installs it (the range sets no value)': [
    '10-5 * * * * x',
    '0 0 * * 6-1 c',
    '0 0 * * Sat-sun c',
    '0 0 * * thu-tue c',
    '0 0 * 12-1 * c',
    '0 0 * dec-jan * x',
  ],
  "refuses text cron ignores after a complete value ('5#2' runs every Friday)": [
    '0 0 * * 5#2 x',
    '0~30 * * * * x',
    '*/5-10 * * * * x',
    '*x * * * * c',
    '1-5/2/3 * * * * c',
    '1-2-3 * * * * c',
    '*/5/2 * * * * c',
    '5#2 * * * * c',
    '*#2 * * * * c',
    '0 0 * * 1#5 c',
  ],
  'refuses a job line without a command; cron installs it': [
    '@daily',
    '@reboot',
    '* * * * *',
    '@weekly',
    '1 2 3 4 5',
    '0 0 * * *\r',
  ],
  "refuses a step larger than the field ('*/60' runs at minute 0 in cron)": [
    '*/100 * * * * c',
    '*/60 * * * * c',
  ],
  "refuses numbers that cron's atoi wraps into range": [
    '4294967301 * * * * c',
    '4294967296 * * * * c',
    '*/4294967297 * * * * c',
  ],
  [CRASHES]: ['0 0 * * mon-1 x', '0 0 * * SUN-7 c'],
  'accepts specials in upper case; cron knows only lower case': ['@DAILY x', '@Weekly x'],
  "accepts a command starting with '*'; cron refuses it as a sixth time field": [
    '@daily * x',
    '0 0 * * * */5 c',
    '0 0 * * * *c',
    '0 0 * * * ** c',
    '0 0 * * * *',
    '0 0 * * * * c',
  ],
  'accepts environment lines cron refuses (a blank in the name, text after a quoted value, an open quote)':
    ['F O=1', 'FOO="a" b', "FOO='a"],
  "drops the carriage return of a line holding only '\\r'; cron refuses that line": ['\r'],
  'reads a no-break space (0xA0) as a blank; cron does not': ['0\u00a00 * * * x'],
};

/** Lines cron accepts where python-crontab reads other job facts than cron does. */
const PYTHON_PARSE_WRONG: Record<string, string> = {
  '0 9 * * * cat%input # after percent':
    "takes '# after percent' as the job's comment; cron feeds it, after the '%', to the command's standard input",
  '0 9 * * * cat # note%input text':
    "takes 'note%input text' as the job's comment and gives 'cat' no input; cron ends the shell's text at the '%' (the shell runs 'cat # note') and feeds 'input text' to it",
  "0 3 * * * echo 'quoted # not a comment'":
    "ends the command at a '#' inside shell quotes; the shell prints '# not a comment'",
  '0 0 * * 7-0 c':
    "reads '7-0' as Sunday; in cron the range runs backwards, sets no day and the job never runs",
  '0 0 * * 7-7 c': "reads '7-7' as every day of the week; cron reads Sunday",
};

/** Lines python-crontab reads as cron does, but writes back so that cron runs something else. */
const PYTHON_RENDER_WRONG: Record<string, string> = {
  "0 12 * * 1-5 echo 'a % b' \\% c":
    "writes the '\\%' of the standard input back as '%', which cron turns into a newline",
};

/** Lines both read alike where croniter's run times are wrong. */
const CRONITER_RUNS_WRONG: Record<string, string> = {
  '0 0 * 1-feb * x': 'looking back from 2024-12-31, croniter skips 29 February 2024',
  '0 0 1-31/30 * * c':
    "python-crontab hands croniter '*/30' (days 1 and 31), and croniter skips 1 March",
  '0 0 29-31 2 * x': 'croniter gives up looking back for 29 February',
};

const STARTS = ['2024-01-01T00:00:00Z', '2024-02-28T23:59:30Z', '2024-12-31T12:34:56Z'];
const FIELDS: FieldName[] = ['minute', 'hour', 'dom', 'month', 'dow'];

/** Searches run on the file of every line cron accepts. */
const FINDS: Record<string, FindQuery> = {
  'command backup': ['command', 'backup', false],
  'command /usr/bin/': ['command', '/usr/bin/', false],
  // python-crontab strips the blanks at the end of a command (`x ` is `x`), Kairos keeps them.
  'command ^x[ \\t]*$': ['command', '^x[ \\t]*$', true],
  'command regex rsync|tar': ['command', 'rsync|tar', true],
  'comment report': ['comment', 'report', false],
  'comment weekly-sync': ['comment', 'weekly-sync', false],
  'comment nightly backup with words': ['comment', 'nightly backup with words', false],
  'comment two-spaces-after-hash': ['comment', 'two-spaces-after-hash', false],
  'comment regex -id$': ['comment', '-id$', true],
  'comment ansible-job': ['comment', 'ansible-job', false],
};

/** python-crontab's pre-comments: a comment line right above a job without its own comment. */
const PRECOMMENTS = [
  '# nightly backup with words',
  '0 3 * * * /usr/bin/backup',
  '#Ansible: ansible-job',
  '*/5 * * * * /usr/bin/managed',
  '# report',
  '@daily /usr/bin/report # weekly-sync',
  '',
].join('\n');

/** Whole files for the render comparison: the fixture files and this machine's system tables. */
const SYSTEM_FIXTURES = new Set(['debian-etc-crontab', 'system-cron-d']);
type WholeFile = [name: string, file: [text: string, system: boolean]];
const wholeFiles: Record<string, [text: string, system: boolean]> = Object.fromEntries([
  ...corpusFiles()
    .filter((name) => name !== 'latin1') // python-crontab reads files as UTF-8 only
    .map((name): WholeFile => [
      `fixture ${name}`,
      [readFileSync(join(corpusDir, name), 'utf8'), SYSTEM_FIXTURES.has(name)],
    ]),
  ...systemCrontabFiles().map((path): WholeFile => [path, [readFileSync(path, 'utf8'), true]]),
]);

const ready = hasCrontab && hasPythonCrontab;
const cronAccepts = ready ? corpusLines.map((line) => cronVerdict(`${line}\n`).accepted) : [];
const acceptedLines = corpusLines.filter((_line, index) => cronAccepts[index] === true);
const acceptedFile = `${acceptedLines.join('\n')}\n`;
const python = ready
  ? pythonCrontab({
      lines: corpusLines,
      files: {
        accepted: [acceptedFile, false],
        readable: [readableFile(), false],
        precomments: [PRECOMMENTS, false],
        ...wholeFiles,
      },
      starts: STARTS,
      finds: FINDS,
    })
  : null;

/**
 * The lines cron accepts but those python-crontab crashes on: one such line and python-crontab
 * cannot open the file at all.
 */
function readableFile(): string {
  const crashing = new Set(PYTHON_VALIDATION_WRONG[CRASHES]);
  return `${acceptedLines.filter((line) => !crashing.has(line)).join('\n')}\n`;
}

function percent(count: number, total: number): string {
  return `${count}/${total} (${((100 * count) / total).toFixed(1)} %)`;
}

/** The one job Kairos reads from a one-line crontab, if any. */
function kairosJob(text: string): CronJob | undefined {
  return CronTab.parse(text.endsWith('\n') ? text : `${text}\n`, { timezone: 'UTC' }).jobs[0];
}

/** The values of the five fields (a special's fields for a special), as python-crontab lists them. */
function kairosValues(job: CronJob): number[][] {
  const schedule =
    job.schedule.special === null
      ? job.schedule
      : Schedule.parse(SPECIALS[job.schedule.special] ?? '');
  return FIELDS.map((field) => schedule.values(field));
}

const MEANING_STARTS = ['2024-01-01T00:00:00Z', '2024-02-27T12:00:00Z', '2024-07-15T00:00:00Z'];

/**
 * What cron does with a job, as Kairos reads it (which matches cron on the corpus): enabled or
 * not, the field values and the next runs from a few instants, the command and its input.
 */
function jobMeaning(job: CronJob): unknown {
  const times = job.schedule.isReboot()
    ? '@reboot'
    : MEANING_STARTS.flatMap((start) =>
        job.nextRuns(12, new Date(start)).map((run) => run.toISOString()),
      );
  const values = job.schedule.isReboot() ? null : kairosValues(job);
  return [job.enabled, values, times, job.command.trimEnd(), job.stdin === '' ? null : job.stdin];
}

/** What cron runs for a crontab text: the meaning of each enabled job. */
function meaning(text: string): string {
  const tab = CronTab.parse(text, { timezone: 'UTC' });
  return JSON.stringify(tab.jobs.filter((job) => job.enabled).map(jobMeaning));
}

/** Lines cron accepts that both tools read as one valid job, with python-crontab's reading. */
function bothRead(): { line: string; job: CronJob; theirs: PythonJob; index: number }[] {
  const found: { line: string; job: CronJob; theirs: PythonJob; index: number }[] = [];
  for (const [index, line] of corpusLines.entries()) {
    const theirs = python?.lines[index]?.jobs?.[0];
    const job = kairosJob(line);
    if (cronAccepts[index] !== true || theirs?.valid !== true || job === undefined) continue;
    found.push({ line, job, theirs, index });
  }
  return found;
}

describe.skipIf(!ready)('the corpus through Kairos and python-crontab, judged by cron', () => {
  test('validation: agreement of each tool with `crontab -n`', () => {
    const pythonWrong: string[] = [];
    let kairosAgrees = 0;
    let crashes = 0;
    for (const [index, line] of corpusLines.entries()) {
      const theirs = python?.lines[index];
      if (theirs?.verdict === 'crash') crashes += 1;
      if ((theirs?.verdict === 'accepted') !== cronAccepts[index]) pythonWrong.push(line);
      if (CronTab.parse(`${line}\n`).isValid() === cronAccepts[index]) kairosAgrees += 1;
    }
    const total = corpusLines.length;
    console.log(
      [
        `Validation vs Debian's crontab -n on ${total} corpus lines (${acceptedLines.length} accepted by cron):`,
        `  Kairos         ${percent(kairosAgrees, total)}`,
        `  python-crontab ${percent(total - pythonWrong.length, total)}, crashing on ${crashes} lines`,
        ...Object.entries(PYTHON_VALIDATION_WRONG).map(
          ([reason, lines]) =>
            `    ${String(lines.length).padStart(2)} lines: python-crontab ${reason}`,
        ),
      ].join('\n'),
    );
    expect(kairosAgrees).toBe(total - Object.keys(KAIROS_DELIBERATE_DIFFERENCES).length);
    expect(pythonWrong.sort()).toEqual(Object.values(PYTHON_VALIDATION_WRONG).flat().sort());
  });

  test('parse: command, standard input, comment, user, enabled and field values', () => {
    const differ: string[] = [];
    const pairs = bothRead();
    for (const { line, job, theirs } of pairs) {
      const ours = {
        enabled: job.enabled,
        // python-crontab strips blanks at the end of the command; cron passes them to the shell.
        command: job.command.trimEnd(),
        stdin: job.stdin,
        // python-crontab cannot tell `x #` (an empty comment) from no comment.
        comment: job.comment === '' ? null : job.comment,
        user: job.user,
        // python-crontab leaves the fields of @reboot at '*'.
        values: job.schedule.isReboot() ? null : kairosValues(job),
      };
      const expected = {
        enabled: theirs.enabled,
        command: theirs.command,
        stdin: theirs.stdin,
        comment: theirs.comment,
        user: theirs.user,
        values: theirs.special === '@reboot' ? null : theirs.values,
      };
      if (JSON.stringify(ours) !== JSON.stringify(expected)) differ.push(line);
    }
    console.log(
      `Parse: ${percent(pairs.length - differ.length, pairs.length)} of the job lines both read give the same facts; python-crontab misreads:\n${differ
        .map((line) => `  ${JSON.stringify(line)}: ${PYTHON_PARSE_WRONG[line] ?? '(not listed)'}`)
        .join('\n')}`,
    );
    expect(pairs.length).toBeGreaterThan(100);
    expect(differ.sort()).toEqual(Object.keys(PYTHON_PARSE_WRONG).sort());
    for (const line of Object.keys(PYTHON_PARSE_WRONG)) {
      expect(cronAccepts[corpusLines.indexOf(line)], line).toBe(true);
    }
  });

  test('next and previous run times in UTC, against croniter', () => {
    const differ = new Set<string>();
    let compared = 0;
    for (const { line, job, theirs } of bothRead()) {
      if (job.schedule.isReboot() || Object.hasOwn(PYTHON_PARSE_WRONG, line)) continue;
      for (const start of STARTS) {
        const [next, previous] = theirs.runs[start] ?? [null, null];
        const at = new Date(start);
        const iso = (text: string | null): string | null =>
          text === null ? null : new Date(text).toISOString();
        compared += 2;
        if ((job.nextRun(at)?.toISOString() ?? null) !== iso(next)) differ.add(line);
        if ((job.previousRun(at)?.toISOString() ?? null) !== iso(previous)) differ.add(line);
      }
    }
    console.log(
      `Run times: ${compared} next/previous times compared, croniter wrong on ${differ.size} schedules:\n${[
        ...differ,
      ]
        .map((line) => `  ${JSON.stringify(line)}: ${CRONITER_RUNS_WRONG[line] ?? '(not listed)'}`)
        .join('\n')}`,
    );
    expect([...differ].sort()).toEqual(Object.keys(CRONITER_RUNS_WRONG).sort());
    // Kairos's answers on those, worked out by hand.
    const runs = (line: string, start: string): [string | undefined, string | undefined] => {
      const job = kairosJob(line);
      const at = new Date(start);
      return [job?.nextRun(at)?.toISOString(), job?.previousRun(at)?.toISOString()];
    };
    expect(runs('0 0 * 1-feb * x', '2024-12-31T12:34:56Z')[1]).toBe('2024-02-29T00:00:00.000Z');
    expect(runs('0 0 1-31/30 * * c', '2024-02-28T23:59:30Z')[0]).toBe('2024-03-01T00:00:00.000Z');
    expect(runs('0 0 29-31 2 * x', '2024-01-01T00:00:00Z')[1]).toBe('2020-02-29T00:00:00.000Z');
  });

  test('render: Kairos gives back every line; python-crontab rewrites most', () => {
    let rewritten = 0;
    const changesWhatCronRuns: string[] = [];
    for (const [index, line] of corpusLines.entries()) {
      const text = `${line}\n`;
      expect(CronTab.parse(text).render()).toBe(text);
      const theirs = python?.lines[index]?.render;
      if (theirs === text) continue;
      rewritten += 1;
      if (
        cronAccepts[index] === true &&
        (theirs === null || meaning(theirs ?? '') !== meaning(text))
      )
        changesWhatCronRuns.push(line);
    }
    // One line python-crontab crashes on, and it cannot open the file at all.
    expect(python?.files['accepted']?.error).toMatch(/^TypeError/);
    const readable = readableFile();
    const theirLines = (python?.files['readable']?.render ?? '').split('\n');
    const wholeChanged = readable.split('\n').filter((line, at) => line !== theirLines[at]).length;
    console.log(
      [
        `Render of each one-line crontab: Kairos gives back ${percent(corpusLines.length, corpusLines.length)} unchanged, python-crontab ${percent(corpusLines.length - rewritten, corpusLines.length)}`,
        `  python-crontab's render changes what cron runs on ${changesWhatCronRuns.length} lines cron accepts (it comments out lines it refuses, or misreads them)`,
        `  the file of the ${acceptedLines.length} lines cron accepts: python-crontab cannot open it (TypeError); without the lines it crashes on, it rewrites ${wholeChanged} of ${readable.split('\n').length - 1} lines, Kairos none`,
      ].join('\n'),
    );
    expect(CronTab.parse(acceptedFile).render()).toBe(acceptedFile);
    const filesRewritten = Object.entries(wholeFiles).filter(([name, [text, system]]) => {
      expect(CronTab.parse(text, { system }).render(), name).toBe(text);
      return python?.files[name]?.render !== text;
    });
    console.log(
      `Whole files (the fixture files and this machine's system tables): python-crontab rewrites ${filesRewritten.length} of ${Object.keys(wholeFiles).length} (${filesRewritten.map(([name]) => name).join(', ')}), Kairos none`,
    );
    expect(rewritten).toBeGreaterThan(corpusLines.length / 2);
    // Each such line is one python-crontab misreads above: its output reflects the misreading.
    const misread = new Set([
      ...Object.values(PYTHON_VALIDATION_WRONG).flat(),
      ...Object.keys(PYTHON_PARSE_WRONG),
    ]);
    expect(changesWhatCronRuns.filter((line) => Object.hasOwn(PYTHON_RENDER_WRONG, line))).toEqual(
      Object.keys(PYTHON_RENDER_WRONG),
    );
    for (const line of Object.keys(PYTHON_RENDER_WRONG)) misread.add(line);
    expect(changesWhatCronRuns.filter((line) => !misread.has(line))).toEqual([]);
  });

  test('disable and enable: Kairos keeps the line; both agree on what the toggled line means', () => {
    let pythonKept = 0;
    const pairs = bothRead().filter(({ line }) => !Object.hasOwn(PYTHON_PARSE_WRONG, line));
    for (const { line, index } of pairs) {
      const tab = CronTab.parse(`${line}\n`);
      const [job] = tab.jobs;
      if (job === undefined) throw new Error(line);
      const wasEnabled = job.enabled;
      job.enable(!wasEnabled);
      const toggled = tab.render();
      if (wasEnabled) expect(toggled).toBe(`# ${line}\n`);
      const theirs = python?.lines[index];
      // Read back (by Kairos, which reads as cron does), both toggled lines mean the same job.
      const read = (text: string): unknown => {
        const again = kairosJob(text);
        return again && jobMeaning(again);
      };
      if (!Object.hasOwn(PYTHON_RENDER_WRONG, line))
        expect(read(toggled), line).toEqual(read(theirs?.toggled ?? ''));
      job.enable(wasEnabled);
      expect(tab.render()).toBe(`${line}\n`);
      if (theirs?.toggled_back === `${line}\n`) pythonKept += 1;
    }
    console.log(
      `Disable then enable: Kairos gives back ${percent(pairs.length, pairs.length)} lines unchanged, python-crontab ${percent(pythonKept, pairs.length)}`,
    );
  });

  test('find by command and comment on the file of the lines cron accepts', () => {
    const refused = new Set(Object.values(PYTHON_VALIDATION_WRONG).flat());
    let kairosOnly = 0;
    for (const file of ['readable', 'precomments']) {
      const tab = CronTab.parse(file === 'readable' ? readableFile() : PRECOMMENTS);
      for (const [name, [kind, pattern, isRegex]] of Object.entries(FINDS)) {
        const query = isRegex ? new RegExp(pattern) : pattern;
        const jobs = kind === 'command' ? tab.findCommand(query) : tab.findComment(query);
        // python-crontab cannot find the jobs on lines it refuses; the rest must be the same.
        const seen = jobs.filter((job) => !refused.has(job.render()));
        kairosOnly += jobs.length - seen.length;
        const theirs = python?.files[file]?.found?.[name];
        expect(
          seen.map((job) => job.command.trimEnd()),
          `${file}: ${name}`,
        ).toEqual(theirs);
      }
    }
    expect(
      CronTab.parse(PRECOMMENTS)
        .findComment('ansible-job')
        .map((job) => job.command),
    ).toEqual(['/usr/bin/managed']);
    console.log(
      `Find: ${Object.keys(FINDS).length} searches on 2 files give the same jobs, but for ${kairosOnly} jobs only Kairos finds (on lines python-crontab refuses)`,
    );
  });
});

describe('round trips of the corpus and of the system tables', () => {
  test('the corpus as one file, and each fixture file', () => {
    const all = `${corpusLines.join('\n')}\n`;
    expect(CronTab.parse(all).render()).toBe(all);
    for (const name of corpusFiles()) {
      const bytes = readFileSync(join(corpusDir, name));
      expect(Buffer.from(CronTab.parse(bytes.toString('latin1')).render(), 'latin1')).toEqual(
        bytes,
      );
    }
  });
});

test.skipIf(ready)(
  'skipped: needs the crontab command (Debian package cron) and /usr/bin/python3 with python3-crontab and python3-croniter',
  () => {},
);
