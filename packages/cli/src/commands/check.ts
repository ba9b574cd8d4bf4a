/**
 * `kairos check FILE…`: validates crontab files and JSON job files without running anything.
 * Each finding is a `file:line:column: severity: message` line; any error makes the exit code 1.
 */
import { readFile } from 'node:fs/promises';
import { readCrontab } from '../crontab-lines.js';
import { EXIT, UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { readJobFile } from '../job-config.js';
import { isJobFile } from '../sources.js';

/** Options of `kairos check`. */
export interface CheckOptions {
  /** Not-portable crontab lines are errors rather than warnings. */
  strict?: boolean;
  /** Crontab files are in `/etc/crontab` format (a user field). */
  system?: boolean;
  /** Print the findings and counts as one JSON object instead of lines. */
  json?: boolean;
}

/** One finding of `kairos check`. */
export interface Finding {
  /** The file, as given on the command line. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** 1-based column of the offending text. */
  column: number;
  /**
   * `error`: the line cannot be used as it is; `warning`: it can, but probably not as meant
   * (`--strict` makes portability warnings errors).
   */
  severity: 'error' | 'warning';
  /** What is wrong, in words that name the field and the value. */
  message: string;
}

/** The findings of one file's text. */
export function checkText(file: string, text: string, options: CheckOptions = {}): Finding[] {
  if (isJobFile(file, text)) {
    const read = readJobFile(text);
    if (read.ok) return [];
    return read.problems.map((problem) => ({ file, severity: 'error', ...problem }));
  }
  return readCrontab(text, { system: options.system ?? false }).problems.map((problem) => ({
    file,
    line: problem.line,
    column: problem.column,
    severity:
      problem.field === 'portability' && options.strict === true ? 'error' : problem.severity,
    message: problem.message,
  }));
}

/** `file:line:column: severity: message`. */
export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line}:${finding.column}: ${finding.severity}: ${finding.message}`;
}

/** Runs `kairos check`; resolves to the exit code. */
export async function runCheck(
  files: readonly string[],
  options: CheckOptions,
  io: CommandIO,
): Promise<number> {
  let errors = 0;
  let warnings = 0;
  const unreadable: string[] = [];
  const findings: Finding[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      unreadable.push(`${file}: cannot read the file: ${(error as Error).message}`);
      continue;
    }
    for (const finding of checkText(file, text, options)) {
      findings.push(finding);
      if (options.json !== true) io.out(`${formatFinding(finding)}\n`);
      if (finding.severity === 'error') errors += 1;
      else warnings += 1;
    }
  }
  if (unreadable.length > 0) throw new UsageError(unreadable.join('\n'));
  if (options.json === true) {
    io.out(`${JSON.stringify({ files: files.length, errors, warnings, findings }, null, 2)}\n`);
  } else {
    const checked = files.length === 1 ? '1 file' : `${files.length} files`;
    io.err(`${checked} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  }
  return errors > 0 ? EXIT.problems : EXIT.ok;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
