/**
 * The two real references of the tests, and the corpus they are run on: Debian's `crontab`
 * (`crontab -n`, the dry run that checks a file as installing it does) and python-crontab
 * (Debian's python3-crontab and python3-croniter, run with /usr/bin/python3 through
 * test/python/python_crontab_ops.py).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, temporaryDir } from './helpers.js';

/** The corpus of crontab lines, ordinary and odd: test/fixtures/cron-lines.json. */
export const corpusLines = JSON.parse(
  readFileSync(new URL('fixtures/cron-lines.json', import.meta.url), 'utf8'),
) as string[];

/**
 * Corpus lines where Kairos deliberately accepts what cron refuses or refuses what cron
 * accepts, with the reason. Empty: on this corpus Kairos's errors are exactly cron's refusals
 * (what cron accepts but probably does not mean, such as `5#2` or `10-5`, is a warning).
 */
export const KAIROS_DELIBERATE_DIFFERENCES: Readonly<Record<string, string>> = {};

/** True when Debian's `crontab` command is there. */
export const hasCrontab = hasCommand('crontab');

/** What Debian's cron says about a crontab file. */
export interface CronVerdict {
  accepted: boolean;
  /** The field of cron's first complaint (`bad minute` → `'minute'`), or null. */
  field: string | null;
  /** What `crontab` printed. */
  output: string;
}

let checkDir: string | null = null;

/** `crontab -n` verdicts already asked for, by text (within one test file). */
const dryRuns = new Map<string, CronVerdict>();

/**
 * What `crontab -n` says about a file holding `text` (written as Latin-1, so that each character
 * of the corpus is one byte; each text is checked once). With `user`, installs it as that user's
 * table instead (root only).
 */
export function cronVerdict(text: string, user: string | null = null): CronVerdict {
  const known = user === null ? dryRuns.get(text) : undefined;
  if (known !== undefined) return known;
  checkDir ??= temporaryDir();
  const path = join(checkDir, 'check');
  writeFileSync(path, text, 'latin1');
  const args = user === null ? ['-n', path] : ['-u', user, path];
  const result = spawnSync('crontab', args, { encoding: 'utf8', input: '' });
  const output = `${result.stdout}${result.stderr}`;
  const field = /: bad ([a-z-]+(?: specifier)?)/.exec(output)?.[1] ?? null;
  const verdict = { accepted: result.status === 0, field, output };
  if (user === null) dryRuns.set(text, verdict);
  return verdict;
}

const PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('python/python_crontab_ops.py', import.meta.url);

/** True when /usr/bin/python3 can import python-crontab and croniter. */
export const hasPythonCrontab =
  existsSync(PYTHON) &&
  spawnSync(PYTHON, ['-c', 'import crontab, croniter'], { encoding: 'utf8' }).status === 0;

/** What python-crontab read from one job. */
export interface PythonJob {
  enabled: boolean;
  valid: boolean;
  command: string;
  comment: string | null;
  stdin: string | null;
  user: string | null;
  special: string | null;
  /** The values of the five fields (its day-of-week Sunday is 0). */
  values: number[][];
  /** Per start instant: [next, previous] run in UTC, null when croniter found none. */
  runs: Record<string, [string | null, string | null]>;
}

/** What python-crontab did with one corpus line, given as a one-line crontab. */
export interface PythonLine {
  /** `render(errors=True)` succeeded, raised, or reading the line raised. */
  verdict: 'accepted' | 'refused' | 'crash';
  reason: string | null;
  jobs?: PythonJob[];
  /** `render()`: what `write()` would write. */
  render?: string | null;
  /** `render()` after `job.enable(not enabled)` (valid jobs only), and after toggling back. */
  toggled?: string;
  toggled_back?: string;
}

/** What python-crontab did with a whole file. */
export interface PythonFile {
  render?: string;
  /** Per query name: the commands of the jobs found. */
  found?: Record<string, string[]>;
  /** What reading the file raised, when it did. */
  error?: string;
}

/** A find query: `find_command` or `find_comment`, a string or a regular expression source. */
export type FindQuery = [kind: 'command' | 'comment', pattern: string, isRegex: boolean];

/** Runs the operations through python-crontab. */
export function pythonCrontab(request: {
  lines: readonly string[];
  /** Each file's text, and whether it is a system table (a user field). */
  files: Record<string, [text: string, system: boolean]>;
  starts: readonly string[];
  finds: Record<string, FindQuery>;
}): { lines: PythonLine[]; files: Record<string, PythonFile> } {
  const result = spawnSync(PYTHON, [SCRIPT.pathname], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`python-crontab run failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as { lines: PythonLine[]; files: Record<string, PythonFile> };
}
